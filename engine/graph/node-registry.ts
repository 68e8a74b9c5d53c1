import type { NodeDef } from './node-def';
import { NODE_SPECS } from './nodes/specs';
import { ConstantNode, InputNode, ParameterNode, TargetNode } from './nodes/data';
import { BatchNorm1dNode, DropoutNode, FlattenNode, LinearNode, ReshapeNode } from './nodes/layers';
import { ActivationNode } from './nodes/activation';
import { AddNode, ExpNode, LogNode, MatMulNode, MaxNode, MeanNode, MultiplyNode, PowerNode, SumNode } from './nodes/primitives';
import { LossNode } from './nodes/loss';
import { OutputNode } from './nodes/output';

export { CATEGORY_ORDER, checkParam, resolveParams } from './nodes/specs';

/**
 * The node definitions: every spec of `nodes/specs.ts` (the list the renderer reads) with its
 * shape rule and lowerings. The palette, inspector, validator and compiler all read it.
 */
const ALL: readonly NodeDef[] = [
  InputNode, TargetNode, ConstantNode, ParameterNode,
  LinearNode, BatchNorm1dNode, DropoutNode, FlattenNode, ReshapeNode,
  ActivationNode,
  AddNode, MultiplyNode, MatMulNode, MaxNode, PowerNode, SumNode, MeanNode, ExpNode, LogNode,
  LossNode,
  OutputNode,
];

export const nodeRegistry: ReadonlyMap<string, NodeDef> = (() => {
  const map = new Map<string, NodeDef>();
  for (const def of ALL) {
    if (map.has(def.type)) throw new Error(`node registry: "${def.type}" is registered twice`);
    map.set(def.type, def);
  }
  // One list: a spec without a definition (or the other way round) is a mistake made here, not by a user.
  const specs = NODE_SPECS.map((s) => s.type).join();
  if (ALL.map((d) => d.type).join() !== specs) throw new Error(`node registry: the definitions do not follow the specs (${specs})`);
  return map;
})();

export function getNodeDef(type: string): NodeDef | undefined {
  return nodeRegistry.get(type);
}

