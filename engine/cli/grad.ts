/**
 * `bpstudio grad GRAPH [--batch BATCH.json] [--weights WEIGHTS.json]`: one forward and one backward pass on a given batch,
 * or without one on the values the document gives its Inputs (the lesson graphs);
 * for every edge (in topological order) its value and its gradient ∂objective/∂edge, and every
 * parameter's gradient — the data the backprop view draws.
 *
 * Every edge carries its own tensor (the compiler's `perEdge` mode), so where an output fans
 * out to several nodes each edge gets its own branch's part of the gradient. The objective is
 * the Loss, or in a lesson graph without a Loss its single scalar Output.
 *
 * `--weights` runs on other weights than the graph's own: a trained-model file, a timeline
 * checkpoint (the service's `timelineCheckpoint`: the weights a training step ran on), or a bare
 * `{ "<node id>": { "<name>": { shape, data } } }` — every parameter and buffer of the graph.
 */
import { StepThrough } from '../graph/step-through';
import { EngineError } from '../core/errors';
import { ones, tensor, zeros } from '../core/creation';
import type { Tensor } from '../core/tensor';
import { compileDocument, type CompiledGraph } from '../graph/compile';
import { tensorValueSchema, type TensorValue } from '../graph/document';
import type { GraphNode } from '../graph/document';
import type { BatchFeed } from '../graph/node-def';
import { hasRole } from '../graph/nodes/specs';
import { concretize, type SymShape } from '../graph/symbolic';
import { nodeTitle, portKey } from '../graph/names';
import { effectiveSettings } from '../train/settings';
import { fmt, fmtShape, fmtTensor, renderTable } from './format';
import { CliError, EXIT, line, type CliIo } from './io';
import { loadGraphSource, readJsonFile, resolveBinding } from './load';
import { parseNested } from './nested';

export interface GradCommandOptions {
  /** BATCH.json; without it every Input must have a value in the document (the lesson graphs). */
  batch?: string;
  /** WEIGHTS.json: a trained-model file, a timeline checkpoint or a bare weights object. */
  weights?: string;
  dataset?: string;
  json?: boolean;
}

export interface TensorJson {
  shape: number[];
  /** Row-major values at full precision. */
  data: number[];
}

export interface GradEdge {
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
  /** The value on the edge; null when the node was not run (a Target without targets in the batch). */
  value: TensorJson | null;
  /** ∂objective/∂edge; null when no gradient flows on it (a constant, labels). */
  grad: TensorJson | null;
}

export interface GradParameter {
  nodeId: string;
  name: string;
  value: TensorJson;
  grad: TensorJson | null;
}

/** An Input node's fed value: a leaf whose gradient is the sum over every edge leaving it. */
export interface GradInput {
  nodeId: string;
  value: TensorJson;
  grad: TensorJson | null;
}

export interface GradReport {
  name: string;
  objective: { value: number; nodeId: string; kind: 'loss' | 'output' };
  edges: GradEdge[];
  inputs: GradInput[];
  parameters: GradParameter[];
}

const json = (t: Tensor): TensorJson => ({ shape: [...t.shape], data: Array.from(t.data) });

/** The feed from BATCH.json: `{ inputs: { id|label: nested }, targets? }` or `{ features, targets? }`. */
function batchFeed(value: unknown, file: string, model: CompiledGraph): BatchFeed {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(`${file}: expected an object { "inputs": { "<Input id or label>": [...] }, "targets": [...] } or { "features": [...], "targets": [...] }`);
  }
  const v = value as Record<string, unknown>;
  const known = ['inputs', 'features', 'targets'];
  const extra = Object.keys(v).filter((k) => !known.includes(k));
  if (extra.length > 0) throw new CliError(`${file}: unknown field "${extra[0]}" (the fields are inputs, features, targets)`);
  if (v['inputs'] === undefined && v['features'] === undefined) throw new CliError(`${file}: give "inputs" (by Input node id or label) or "features"`);
  const leaf = (x: unknown, where: string): Tensor => {
    const n = parseNested(x, `${file}: ${where}`);
    return tensor(n.data, { shape: n.shape }).requiresGrad_(true);
  };
  const feedNodes = model.order.filter((n) => hasRole(n, 'input') || hasRole(n, 'target'));
  const inputs: Record<string, Tensor> = {};
  if (v['inputs'] !== undefined) {
    const given = v['inputs'];
    if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new CliError(`${file}: "inputs" must be an object keyed by Input node id or label`);
    for (const [key, x] of Object.entries(given)) {
      const node = feedNodes.find((n) => n.id === key) ?? feedNodes.find((n) => n.label === key);
      if (!node) {
        const names = feedNodes.map((n) => (n.label && n.label !== n.id ? `${n.id} (${n.label})` : n.id));
        throw new CliError(`${file}: inputs.${key}: the graph has no Input or Target node "${key}"${names.length ? `; it has ${names.join(', ')}` : ''}`);
      }
      let t: Tensor;
      if (hasRole(node, 'target')) {
        const n = parseNested(x, `${file}: inputs.${key}`);
        t = tensor(n.data, { shape: n.shape });
      } else t = leaf(x, `inputs.${key}`);
      checkShape(t, model, node.id, `${file}: inputs.${key}`);
      inputs[node.id] = t;
    }
  }
  // Inputs that carry a fixed value (lesson graphs) and are not in the batch: StepThrough feeds them.
  const features = v['features'] !== undefined ? leaf(v['features'], 'features') : undefined;
  if (features) for (const node of model.order) if (hasRole(node, 'input') && !inputs[node.id]) checkShape(features, model, node.id, `${file}: features`);
  const targets = v['targets'] !== undefined ? parseNested(v['targets'], `${file}: targets`) : undefined;
  return {
    ...(features ? { features } : {}),
    ...(targets ? { targets: tensor(targets.data, { shape: targets.shape }) } : {}),
    inputs,
  };
}

/**
 * Without --batch: the document's own values. Every Input must have one (the lesson graphs), and
 * a Target has none to give; otherwise a usage error naming what the batch must hold.
 */
function documentFeed(model: CompiledGraph): BatchFeed {
  const inputs = model.order.filter((n) => hasRole(n, 'input') && model.validation.params.get(n.id)?.['value'] === null);
  const targets = model.order.filter((n) => hasRole(n, 'target'));
  if (inputs.length === 0 && targets.length === 0) return { inputs: {} };
  const names = (nodes: GraphNode[]): string => nodes.map((n) => `${nodeTitle(n, model.defs.get(n.id))}${n.label && n.label !== n.id ? ` (id ${n.id})` : ''}`).join(', ');
  const why = [
    ...(inputs.length > 0 ? [`${names(inputs)} ${inputs.length === 1 ? 'has' : 'have'} no value in the document`] : []),
    ...(targets.length > 0 ? [`${names(targets)} ${targets.length === 1 ? 'needs' : 'need'} targets`] : []),
  ];
  const fields = [
    ...(inputs.length > 0 ? [`"inputs": { ${inputs.map((n) => `"${n.id}": …`).join(', ')} }`] : []),
    ...(targets.length > 0 ? ['"targets": …'] : []),
  ];
  throw new CliError(`give --batch BATCH.json: ${why.join(' and ')}; BATCH.json: { ${fields.join(', ')} } (or "features" for every Input)`, EXIT.usage);
}

/** The fed tensor must have the node's inferred shape (any batch size for `N`). */
function checkShape(t: Tensor, model: CompiledGraph, nodeId: string, where: string): void {
  const s: SymShape | undefined = model.validation.portShapes.get(portKey(nodeId, 'out'));
  if (!s) return;
  const n = s[0] === 'N' ? t.shape[0] : undefined;
  const expected = n !== undefined ? concretize(s, n) : s;
  if (t.shape.length !== s.length || expected.some((d, i) => d !== 'N' && d !== t.shape[i])) {
    const node = model.nodes.get(nodeId)!;
    throw new CliError(`${where}: has shape [${t.shape.join(', ')}], ${nodeTitle(node, model.defs.get(nodeId))} expects ${fmtShape(s)}`);
  }
}

/** The weights in WEIGHTS.json: its `weights` field (a trained-model file, a timeline checkpoint), or the object itself. */
function weightsOf(value: unknown, file: string): Record<string, Record<string, TensorValue>> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new CliError(`${file}: expected an object: a trained-model file, a timeline checkpoint, or { "<node id>": { "<name>": { "shape": [...], "data": [...] } } }`);
  const w = isObject(value['weights']) ? value['weights'] : value;
  const out: Record<string, Record<string, TensorValue>> = {};
  for (const [nodeId, params] of Object.entries(w)) {
    if (!isObject(params)) throw new CliError(`${file}: weights.${nodeId}: expected an object of tensors by name`);
    for (const [name, t] of Object.entries(params)) {
      const r = tensorValueSchema.safeParse(t);
      if (!r.success) throw new CliError(`${file}: weights.${nodeId}.${name}: ${r.error.issues.map((i) => `${i.path.join('.') || 'value'}: ${i.message}`).join('; ')}`);
      if (r.data.data.length !== r.data.shape.reduce((a, b) => a * b, 1)) {
        throw new CliError(`${file}: weights.${nodeId}.${name}: shape [${r.data.shape.join(', ')}] needs ${r.data.shape.reduce((a, b) => a * b, 1)} values, got ${r.data.data.length}`);
      }
      (out[nodeId] ??= {})[name] = r.data;
    }
  }
  return out;
}

export function gradients(file: string, opts: GradCommandOptions, cwd: string, warn: (s: string) => void): GradReport {
  const src = loadGraphSource(file, cwd);
  const doc = src.document;
  const batch = opts.batch !== undefined ? readJsonFile(opts.batch, cwd) : undefined;
  const b = resolveBinding(src, opts.dataset, cwd);
  if (b.warning) warn(`warning: ${b.warning}`);
  const model = compileDocument(doc, { seed: src.trained?.seed ?? effectiveSettings(doc).seed, data: b.binding, purpose: 'run' });
  if (src.trained) model.loadWeights(src.trained.weights);
  if (opts.weights !== undefined) {
    const w = weightsOf(readJsonFile(opts.weights, cwd), opts.weights);
    try {
      model.loadWeights(w);
    } catch (e) {
      if (e instanceof EngineError) throw new CliError(`${opts.weights}: ${e.message}`);
      throw e;
    }
  }
  const feed = opts.batch !== undefined ? batchFeed(batch, opts.batch, model) : documentFeed(model);

  // The same forward and backward the backprop view steps through: every edge its own tensor.
  let st: StepThrough;
  try {
    st = new StepThrough(model, feed);
  } catch (e) {
    if (e instanceof EngineError && /^nothing to differentiate/.test(e.message)) {
      if (model.lossNodeId) throw new CliError(`${opts.batch ?? 'the document'}: the Loss needs targets: add "targets" to the batch (or the Target node's id under "inputs")`);
      throw new CliError('nothing to differentiate: the graph needs a Loss node (or a single scalar Output)');
    }
    throw e;
  }
  const result = st.result;
  const objective = result.objective!;

  const objNode = model.lossNodeId ?? model.outputNodes[0]!.nodeId;
  const rank = new Map(model.order.map((n, i) => [n.id, i]));
  const edges = [...doc.edges].sort((a, c) => rank.get(a.source)! - rank.get(c.source)! || rank.get(a.target)! - rank.get(c.target)!);
  return {
    name: doc.name,
    objective: { value: objective.item(), nodeId: objNode, kind: model.lossNodeId ? 'loss' : 'output' },
    edges: edges.map((e) => {
      const t = result.edges.get(e.id);
      let g: Tensor | null = t?.grad ?? null;
      if (t && !g && t.requiresGrad) {
        // The edge into the Output that is the objective: ∂objective/∂objective = 1. An edge whose
        // branch does not reach the objective (into another Output): 0.
        g = result.values.get(portKey(e.source, e.sourcePort)) === objective ? ones(t.shape) : zeros(t.shape);
      }
      return {
        id: e.id, source: e.source, sourcePort: e.sourcePort, target: e.target, targetPort: e.targetPort,
        value: t ? json(t) : null, grad: g ? json(g) : null,
      };
    }),
    inputs: model.order
      .filter((n) => hasRole(n, 'input'))
      .flatMap((n) => {
        const t = result.values.get(portKey(n.id, 'out'));
        return t && t.isLeaf && t.requiresGrad ? [{ nodeId: n.id, value: json(t), grad: t.grad ? json(t.grad) : null }] : [];
      }),
    parameters: model.parameters().map((p) => ({ nodeId: p.nodeId, name: p.name, value: json(p.tensor), grad: p.tensor.grad ? json(p.tensor.grad) : null })),
  };
}

export function gradCommand(file: string, opts: GradCommandOptions, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  const rep = gradients(file, opts, cwd, (s) => line(io.stderr, s));
  if (opts.json) {
    line(io.stdout, JSON.stringify(rep));
    return EXIT.ok;
  }
  const out = (s = ''): void => line(io.stdout, s);
  const cell = (t: TensorJson | null, none: string): string => (t ? fmtTensor(t) : none);
  out(`"${rep.name}"`);
  out(`objective = ${fmt(rep.objective.value)}  (${rep.objective.kind === 'loss' ? 'the Loss' : 'the scalar Output'} "${rep.objective.nodeId}")`);
  out();
  out('edges, in topological order; gradient = ∂objective/∂edge');
  const rows = rep.edges.map((e) => [
    e.id, `${e.source}:${e.sourcePort} → ${e.target}:${e.targetPort}`,
    e.value ? fmtShape(e.value.shape) : '—', cell(e.value, '— (not run)'), cell(e.grad, '— (no gradient)'),
  ]);
  for (const l of renderTable(['edge', 'source:port → target:port', 'shape', 'value', 'gradient'], rows)) out(l);
  if (rep.inputs.length > 0) {
    out();
    out('inputs (leaves); gradient = ∂objective/∂input, the sum over the edges leaving it');
    const irow = rep.inputs.map((i) => [i.nodeId, fmtShape(i.value.shape), cell(i.value, ''), cell(i.grad, '— (no gradient)')]);
    for (const l of renderTable(['input', 'shape', 'value', 'gradient'], irow)) out(l);
  }
  out();
  if (rep.parameters.length === 0) out('parameters: none');
  else {
    out('parameters; gradient = ∂objective/∂parameter');
    const prow = rep.parameters.map((p) => [`${p.nodeId}.${p.name}`, fmtShape(p.value.shape), cell(p.value, ''), cell(p.grad, '— (no gradient)')]);
    for (const l of renderTable(['parameter', 'shape', 'value', 'gradient'], prow)) out(l);
  }
  return EXIT.ok;
}
