/**
 * Which connections the canvas accepts: output to input, port kinds that match (tensor, labels,
 * loss — the engine's rule), one edge per input port, no self-loops, no cycles. Pure; says why in words.
 */
import type { GraphDocument } from '../../../engine/graph/document';
import type { NodeTypeMap } from '../lib/node-types';
import { connectionProblem as portProblem, kindWords, nodeTitle } from '../../../engine/graph/nodes/specs';

export interface ConnectionLike {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/** Does `from` reach `to` along edges? */
export function reaches(doc: GraphDocument, from: string, to: string): boolean {
  const out = new Map<string, string[]>();
  for (const e of doc.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return false;
}

/** Why this connection may not be made, or null when it may. */
export function connectionProblem(doc: GraphDocument, types: NodeTypeMap, c: ConnectionLike): string | null {
  if (!c.source || !c.target) return 'connect an output to an input';
  const src = doc.nodes.find((n) => n.id === c.source);
  const dst = doc.nodes.find((n) => n.id === c.target);
  if (!src || !dst) return 'that node no longer exists';
  const sinfo = types.get(src.type);
  const dinfo = types.get(dst.type);
  if (c.source === c.target) return `${nodeTitle(src, sinfo)} cannot feed itself`;
  if (!sinfo || !dinfo) return `unknown node type "${!sinfo ? src.type : dst.type}"`;
  const sp = sinfo.outputs.find((p) => p.name === (c.sourceHandle ?? sinfo.outputs[0]?.name));
  const dp = dinfo.inputs.find((p) => p.name === (c.targetHandle ?? dinfo.inputs[0]?.name));
  if (!sp) return `${nodeTitle(src, sinfo)} has no output "${c.sourceHandle ?? ''}"`;
  if (!dp) return dinfo.inputs.length === 0 ? `${nodeTitle(dst, dinfo)} has no inputs` : `${nodeTitle(dst, dinfo)} has no input "${c.targetHandle ?? ''}"`;
  const why = portProblem(sp, dp);
  if (why) return `${nodeTitle(dst, dinfo)}: input "${dp.name}" ${why}, but ${nodeTitle(src, sinfo)} gives ${kindWords(sp.kind)}`;
  const existing = doc.edges.find((e) => e.target === dst.id && e.targetPort === dp.name);
  if (existing) {
    const from = doc.nodes.find((n) => n.id === existing.source);
    return `${nodeTitle(dst, dinfo)}: input "${dp.name}" is already connected${from ? ` to ${nodeTitle(from, types.get(from.type))}` : ''}; delete that edge first (or add both with an Add node)`;
  }
  if (reaches(doc, dst.id, src.id)) return `this would make a cycle: ${nodeTitle(dst, dinfo)} already feeds ${nodeTitle(src, sinfo)}`;
  return null;
}
