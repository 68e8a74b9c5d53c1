/**
 * `bpstudio info GRAPH`: a layer table like Keras' `model.summary()` — every node with its type,
 * output shape (symbolic batch `N`) and parameter count — the totals, and the diagnostics: the
 * graph's, then what training would still need as notes (a forward-only graph is valid; the
 * perceptron lessons have no Loss).
 */
import { compileDocument } from '../graph/compile';
import type { GraphNode } from '../graph/document';
import { getNodeDef } from '../graph/node-registry';
import { getNodeSpec } from '../graph/nodes/specs';
import { formatDiagnostic, validateDocument, type Diagnostic } from '../graph/validate';
import { portKey } from '../graph/names';
import { effectiveSettings } from '../train/settings';
import { fmtCount, fmtShape, renderTable } from './format';
import { EXIT, line, type CliIo } from './io';
import { loadGraphSource, resolveBinding } from './load';

export interface InfoCommandOptions {
  dataset?: string;
  json?: boolean;
}

export interface InfoNode {
  id: string;
  label: string | null;
  type: string;
  /** `Activation (relu)`, `Loss (crossEntropy)`. */
  kind: string;
  /** Inferred output shape per output port (`N×128`); an Output node shows the shape it names. Null when unknown. */
  outputShapes: Record<string, string | null>;
  /** Trainable values owned by the node; null when the graph has errors and could not be built. */
  params: number | null;
  /** Non-trainable values (BatchNorm running statistics). */
  buffers: number | null;
}

export interface InfoReport {
  name: string;
  description: string | null;
  dataset: string | null;
  nodes: InfoNode[];
  edges: { id: string; source: string; sourcePort: string; target: string; targetPort: string; shape: string | null }[];
  totalParams: number | null;
  trainableParams: number | null;
  nonTrainableParams: number | null;
  /** The graph's diagnostics, then training's as notes (`severity: 'info'`, `level: 'train'`). */
  diagnostics: Diagnostic[];
  errors: number;
  warnings: number;
  /** What training would still need (no Loss, no dataset): the graph is valid, `bpstudio train` refuses it. */
  notes: number;
}

/** `Activation (relu)`, `Power (^2)`: the type and, where its params choose one, its variant. */
function kindOf(node: GraphNode): string {
  const variant = getNodeSpec(node.type)?.variant?.(node.params) ?? null;
  return variant ? `${node.type} (${variant})` : node.type;
}

export function graphInfo(file: string, opts: InfoCommandOptions, cwd: string, warn: (s: string) => void): InfoReport {
  const src = loadGraphSource(file, cwd);
  const doc = src.document;
  const b = resolveBinding(src, opts.dataset, cwd);
  if (b.warning) warn(`warning: ${b.warning}`);
  // The graph's own diagnostics, and what training would still need as notes.
  const v = validateDocument(doc, { data: b.binding, purpose: 'inspect' });
  const params = new Map<string, number>();
  const buffers = new Map<string, number>();
  let built = false;
  if (v.ok) {
    const model = compileDocument(doc, { seed: src.trained?.seed ?? effectiveSettings(doc).seed, data: b.binding });
    for (const p of model.parameters()) params.set(p.nodeId, (params.get(p.nodeId) ?? 0) + p.tensor.size);
    for (const p of model.buffers()) buffers.set(p.nodeId, (buffers.get(p.nodeId) ?? 0) + p.tensor.size);
    built = true;
  }
  // Linear in nodes and edges: a Set for what is ordered, the first incoming edge per node.
  const ordered = new Set(v.order);
  const inOrder = [...v.order, ...doc.nodes.map((n) => n.id).filter((id) => !ordered.has(id))];
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const firstIn = new Map<string, (typeof doc.edges)[number]>();
  for (const e of doc.edges) if (!firstIn.has(e.target)) firstIn.set(e.target, e);
  const nodes: InfoNode[] = inOrder.map((id) => {
    const node = byId.get(id)!;
    const def = getNodeDef(node.type);
    const outputShapes: Record<string, string | null> = {};
    if (def && def.outputs.length > 0) {
      for (const p of def.outputs) {
        const s = v.portShapes.get(portKey(id, p.name));
        outputShapes[p.name] = s ? fmtShape(s) : null;
      }
    } else {
      // Output nodes: the shape of what they name.
      const e = firstIn.get(id);
      const s = e ? v.portShapes.get(portKey(e.source, e.sourcePort)) : undefined;
      outputShapes['in'] = s ? fmtShape(s) : null;
    }
    return {
      id, label: node.label ?? null, type: node.type, kind: kindOf(node), outputShapes,
      params: built ? (params.get(id) ?? 0) : null,
      buffers: built ? (buffers.get(id) ?? 0) : null,
    };
  });
  const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, c) => a + c, 0);
  const trainable = built ? sum(params) : null;
  const nonTrainable = built ? sum(buffers) : null;
  return {
    name: doc.name,
    description: doc.description ?? null,
    dataset: b.binding?.name ?? effectiveSettings(doc).dataset?.name ?? null,
    nodes,
    edges: doc.edges.map((e) => {
      const s = v.edgeShapes.get(e.id);
      return { id: e.id, source: e.source, sourcePort: e.sourcePort, target: e.target, targetPort: e.targetPort, shape: s ? fmtShape(s) : null };
    }),
    totalParams: trainable !== null && nonTrainable !== null ? trainable + nonTrainable : null,
    trainableParams: trainable,
    nonTrainableParams: nonTrainable,
    diagnostics: v.diagnostics,
    errors: v.diagnostics.filter((d) => d.severity === 'error').length,
    warnings: v.diagnostics.filter((d) => d.severity === 'warning').length,
    notes: v.diagnostics.filter((d) => d.severity === 'info').length,
  };
}

export function infoCommand(file: string, opts: InfoCommandOptions, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  const rep = graphInfo(file, opts, cwd, (s) => line(io.stderr, s));
  const code = rep.errors > 0 ? EXIT.error : EXIT.ok;
  if (opts.json) {
    line(io.stdout, JSON.stringify(rep));
    return code;
  }
  const out = (s = ''): void => line(io.stdout, s);
  out(`Model: "${rep.name}"${rep.dataset ? `  (dataset: ${rep.dataset})` : ''}`);
  const rows = rep.nodes.map((n) => {
    const name = n.label && n.label !== n.id ? `${n.label} (${n.id})` : n.id;
    const shapes = Object.entries(n.outputShapes);
    const shape = shapes.length === 1
      ? (shapes[0]![1] ?? '?')
      : shapes.map(([p, s]) => `${p}: ${s ?? '?'}`).join(', ');
    const count = n.params === null ? '?' : fmtCount(n.params) + (n.buffers ? ` (+${fmtCount(n.buffers)})` : '');
    return [name, n.kind, shape, count];
  });
  const table = renderTable(['Node (id)', 'Type', 'Output shape', 'Param #'], rows, [3]);
  for (const l of table) out(l);
  const rule = table[1]!;
  out(rule);
  if (rep.trainableParams === null) out('Total params: unknown (the graph has errors)');
  else {
    out(`Total params: ${fmtCount(rep.totalParams!)}`);
    out(`Trainable params: ${fmtCount(rep.trainableParams)}`);
    out(`Non-trainable params: ${fmtCount(rep.nonTrainableParams!)}${rep.nonTrainableParams ? ' (BatchNorm running statistics, shown as (+n))' : ''}`);
  }
  out(rule);
  out(`${rep.errors} error${rep.errors === 1 ? '' : 's'}, ${rep.warnings} warning${rep.warnings === 1 ? '' : 's'}` +
    (rep.notes > 0 ? `; ${rep.notes} note${rep.notes === 1 ? '' : 's'} on training` : ''));
  for (const d of rep.diagnostics) out(formatDiagnostic(d));
  return code;
}
