import type { NodeDef } from './node-def';
import { indexByType, NODE_SPECS } from './nodes/specs';
import { ConstantNode, InputNode, ParameterNode, TargetNode } from './nodes/data';
import { BatchNorm1dNode, DropoutNode, FlattenNode, LinearNode, ReshapeNode } from './nodes/layers';
import { ActivationNode } from './nodes/activation';
import { AddNode, ExpNode, LogNode, MatMulNode, MaxNode, MeanNode, MultiplyNode, PowerNode, SumNode } from './nodes/primitives';
import { LossNode } from './nodes/loss';
import { OutputNode } from './nodes/output';

export { CATEGORY_ORDER, checkParam, resolveParams } from './nodes/specs';

/**
 * The node definitions: every spec of `nodes/specs.ts` (the list the renderer reads) with its
 * shape rule and lowerings, in the specs' order (the palette's). The palette, inspector,
 * validator and compiler all read it.
 */
export const nodeRegistry: ReadonlyMap<string, NodeDef> = (() => {
  const defs = indexByType(
    [InputNode, TargetNode, ConstantNode, ParameterNode, LinearNode, BatchNorm1dNode, DropoutNode, FlattenNode, ReshapeNode, ActivationNode,
      AddNode, MultiplyNode, MatMulNode, MaxNode, PowerNode, SumNode, MeanNode, ExpNode, LogNode, LossNode, OutputNode],
    'node registry',
  );
  // one list: a spec without a definition (or the other way round) is a mistake made here, not by a user
  const missing = NODE_SPECS.filter((s) => !defs.has(s.type)).map((s) => s.type);
  const extra = [...defs.keys()].filter((t) => !NODE_SPECS.some((s) => s.type === t));
  if (missing.length || extra.length) throw new Error(`node registry: specs without a definition [${missing.join(', ')}], definitions without a spec [${extra.join(', ')}]`);
  return new Map(NODE_SPECS.map((s) => [s.type, defs.get(s.type)!]));
})();

export function getNodeDef(type: string): NodeDef | undefined {
  return nodeRegistry.get(type);
}

