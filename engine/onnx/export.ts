/**
 * ONNX export: the inference model of a graph document (untrained, initialised with the
 * document's seed) or of a trained-model file (its weights), lowered node by node so that the
 * file reads like the canvas in Netron: Linear → Gemm, BatchNorm1d → BatchNormalization (eval
 * form, running statistics), Activation → Relu/LeakyRelu/Sigmoid/Tanh/Softmax/…, and so on.
 * IR version 8, opset 17 (what Debian's python3-onnx checker accepts and every current runtime
 * loads). Training-only nodes (Target, Loss) are left out. The same input always gives the same
 * bytes. Documented in docs/onnx.md.
 */
import { parseJsonSafe, readRegularTextFile } from '../core/safe-read';
import { EngineError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic-write';
import { compileDocument, GraphCompileError, type CompiledGraph } from '../graph/compile';
import { parseDocument, type GraphDocument, type GraphEdge, type GraphNode } from '../graph/document';
import type { DataBinding, ParamValues } from '../graph/node-def';
import type { SymShape } from '../graph/symbolic';
import { formatDiagnostic, validateDocument, type Diagnostic } from '../graph/validate';
import { portKey } from '../graph/names';
import type { Normalization } from '../data/transforms';
import { APP_VERSION } from '../core/version';
import { isTrainedModel, parseTrainedModel, TRAINED_MODEL_FORMAT, type TrainedModelFile } from '../graph/trained-model';
import { attr, DT, OPSET, OnnxGraphBuilder, type AttrValue, type OnnxDim } from './builder';

type AttrMap = Readonly<Record<string, AttrValue>>;
import { sanitizeName, uniqueName } from './names';
import { lossOutputActivation, OUTPUT_ACTIVATIONS, type OutputActivation } from './output-activation';

export { lossOutputActivation, OUTPUT_ACTIVATIONS, type OutputActivation };

export interface OnnxExportOptions {
  /**
   * The activation appended to the outputs (default `none`, or `softmax` when `softmax` is true).
   * `auto` follows the Loss: sigmoid for `bce`, softmax for `crossEntropy`, none otherwise.
   * A softmax over a one-column output (always 1) is refused.
   */
  outputActivation?: OutputActivation | 'auto';
  /** The same as `outputActivation: 'softmax'` (kept for `--softmax`). */
  softmax?: boolean;
  /** Only 17 for now (what python3-onnx 1.12 checks and every current runtime loads). */
  opset?: number;
  /** Dataset shapes, for documents whose Input takes its shape from the dataset. A trained-model file brings its own. */
  data?: DataBinding | null;
  /** Seed of an untrained document's initialisation; default: the document's `training.seed` (or 0). */
  seed?: number;
  /** Written as `app_version` and the model's producer_version (default: this app's version). */
  appVersion?: string;
  /** Class names for `class_names` metadata (a trained-model file brings its own). */
  classNames?: readonly string[];
  /** Fitted input normalisation for metadata (a trained-model file brings its own). */
  normalization?: Normalization;
}

/** A graph input or output of the exported model. */
export interface OnnxIo {
  name: string;
  /** Dimensions; the dynamic batch dimension is the string `N`. */
  shape: OnnxDim[];
  /** The canvas node it comes from (Input, Output, or the node feeding the Loss). */
  nodeId: string;
}

export interface OnnxExportResult {
  bytes: Uint8Array;
  inputs: OnnxIo[];
  outputs: OnnxIo[];
  /** Bytes in the file. */
  size: number;
  /** Things the user may want to know (an output that already ends in Softmax, …). */
  warnings: string[];
  /** The activation that was asked for (`auto` resolved): what the outputs are. */
  outputActivation: OutputActivation;
}

/** Export failed because the graph (its inference part) does not validate; `diagnostics` lists why. */
export class OnnxExportError extends EngineError {
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

/** The name of the synthetic output when nothing but the Loss consumes the prediction. */
const PREDICTION_OUTPUT = 'prediction';

/** Node types used only for training; never exported. */
const TRAINING_ONLY = new Set(['Target', 'Loss']);

interface OutputSpec {
  /** The Output node, or the node feeding the Loss (its prediction). */
  nodeId: string;
  requestedName: string;
  /** `source:port` of the value. */
  key: string;
  /** The node that produces the value. */
  sourceId: string;
}

function isTrainedFile(x: GraphDocument | TrainedModelFile): x is TrainedModelFile {
  return (x as TrainedModelFile).format === TRAINED_MODEL_FORMAT;
}

/**
 * The inference part of a document: Output nodes (and, when nothing but the Loss consumes the
 * prediction, the prediction) and every node they depend on. Returns the pruned document
 * (training-only nodes and the `training` block removed) and what becomes an output.
 */
function inferencePart(doc: GraphDocument): { pruned: GraphDocument; outputs: OutputSpec[] } {
  const nodes = new Map(doc.nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, GraphEdge[]>();
  const consumers = new Map<string, GraphEdge[]>();
  for (const e of doc.edges) {
    if (!nodes.has(e.source) || !nodes.has(e.target)) continue;
    incoming.set(e.target, [...(incoming.get(e.target) ?? []), e]);
    const k = portKey(e.source, e.sourcePort);
    consumers.set(k, [...(consumers.get(k) ?? []), e]);
  }
  const outputs: OutputSpec[] = [];
  for (const n of doc.nodes) {
    if (n.type !== 'Output') continue;
    const e = incoming.get(n.id)?.find((x) => x.targetPort === 'in');
    const name = String((n.params['name'] as string | undefined) || n.label || n.id);
    if (!e) throw new OnnxExportError(`cannot export: Output "${n.label ?? n.id}" is not connected`);
    outputs.push({ nodeId: n.id, requestedName: name, key: portKey(e.source, e.sourcePort), sourceId: e.source });
  }
  for (const n of doc.nodes) {
    if (n.type !== 'Loss') continue;
    const e = incoming.get(n.id)?.find((x) => x.targetPort === 'prediction');
    if (!e) continue;
    const key = portKey(e.source, e.sourcePort);
    const others = (consumers.get(key) ?? []).filter((c) => nodes.get(c.target)?.type !== 'Loss');
    if (others.length === 0 && !outputs.some((o) => o.key === key)) {
      outputs.push({ nodeId: e.source, requestedName: PREDICTION_OUTPUT, key, sourceId: e.source });
    }
  }
  if (outputs.length === 0) {
    throw new OnnxExportError('cannot export: the graph has no Output node and no Loss whose prediction could be the output; add an Output node');
  }
  // Everything the outputs depend on.
  const keep = new Set<string>();
  const stack = outputs.map((o) => o.nodeId);
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (keep.has(id) || !nodes.has(id)) continue;
    keep.add(id);
    for (const e of incoming.get(id) ?? []) stack.push(e.source);
  }
  for (const id of keep) {
    const n = nodes.get(id)!;
    if (TRAINING_ONLY.has(n.type)) {
      const user = outputs.find((o) => dependsOn(o.nodeId, id, incoming));
      throw new OnnxExportError(
        `cannot export: ${user ? `output "${user.requestedName}"` : 'an output'} depends on ${n.type} "${n.label ?? n.id}", which exists only while training`,
      );
    }
  }
  const pruned: GraphDocument = {
    formatVersion: doc.formatVersion,
    name: doc.name,
    ...(doc.description !== undefined ? { description: doc.description } : {}),
    nodes: doc.nodes.filter((n) => keep.has(n.id)),
    edges: doc.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
  };
  return { pruned, outputs };
}

function dependsOn(from: string, target: string, incoming: Map<string, GraphEdge[]>): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of incoming.get(id) ?? []) stack.push(e.source);
  }
  return false;
}

function bindingOfTrained(t: TrainedModelFile): DataBinding | null {
  if (!t.dataset) return null;
  return {
    featureShape: t.dataset.featureShape,
    targetShape: t.dataset.targetShape,
    task: t.dataset.task,
    numClasses: t.dataset.numClasses,
    name: t.dataset.name,
  };
}

const onnxDims = (s: SymShape): OnnxDim[] => s.map((d) => (d === 'N' ? 'N' : d));

/**
 * Export the inference model of a graph document or a trained-model file to ONNX bytes.
 * Throws OnnxExportError (with the diagnostics) when the graph's inference part does not validate.
 */
export function exportOnnx(source: GraphDocument | TrainedModelFile, options: OnnxExportOptions = {}): OnnxExportResult {
  if (options.opset !== undefined && options.opset !== OPSET) {
    throw new OnnxExportError(`ONNX export writes opset ${OPSET} only (asked for opset ${options.opset})`);
  }
  const trained = isTrainedFile(source) ? source : null;
  const doc = trained ? trained.document : (source as GraphDocument);
  const data = options.data ?? (trained ? bindingOfTrained(trained) : null);
  const refuse = (diagnostics: readonly Diagnostic[]): OnnxExportError => {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    return new OnnxExportError(
      `cannot export "${doc.name}" to ONNX: the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(formatDiagnostic).join('\n')}`,
      diagnostics,
    );
  };
  // The whole document first, as `bpstudio info` checks it: an error outside the part that is
  // exported (a dangling edge, a broken Loss) still means the document is not what it should be.
  const checked = validateDocument(doc, { data, requireLoss: false });
  if (!checked.ok) throw refuse(checked.diagnostics);
  const { pruned, outputs } = inferencePart(doc);
  const seed = options.seed ?? trained?.seed ?? doc.training?.seed ?? 0;
  let model: CompiledGraph;
  try {
    model = compileDocument(pruned, { seed, data, requireLoss: false });
  } catch (e) {
    if (e instanceof GraphCompileError) throw refuse(e.diagnostics);
    throw e;
  }
  if (trained) model.loadWeights(trained.weights);
  const warnings: string[] = [];
  const b = new OnnxGraphBuilder();
  const shapes = model.validation.portShapes;
  const ioNames = new Set<string>();

  // Graph inputs, in execution order.
  const inputs: OnnxIo[] = [];
  const valueOf = new Map<string, string>();
  for (const node of model.order) {
    if (node.type !== 'Input') continue;
    const name = uniqueName(sanitizeName(node.label ?? node.id, sanitizeName(node.id, 'input')), ioNames);
    const shape = onnxDims(shapes.get(portKey(node.id, 'out'))!);
    b.addInput(name, 'float32', shape);
    inputs.push({ name, shape, nodeId: node.id });
    valueOf.set(portKey(node.id, 'out'), name);
  }

  // Output names are reserved up front, so no intermediate value takes them.
  const outNames = outputs.map((o) => b.reserve(uniqueName(sanitizeName(o.requestedName, 'output'), ioNames)));
  if (options.outputActivation !== undefined && options.outputActivation !== 'auto' && !OUTPUT_ACTIVATIONS.includes(options.outputActivation)) {
    throw new OnnxExportError(`unknown output activation "${String(options.outputActivation)}" (one of: ${OUTPUT_ACTIVATIONS.join(', ')}, auto)`);
  }
  if (options.softmax && options.outputActivation !== undefined && options.outputActivation !== 'softmax') {
    throw new OnnxExportError(`softmax: true and outputActivation "${options.outputActivation}" contradict each other`);
  }
  const activation: OutputActivation = options.outputActivation === 'auto'
    ? lossOutputActivation(doc)
    : (options.outputActivation ?? (options.softmax ? 'softmax' : 'none'));
  const opOf = { none: null, sigmoid: 'Sigmoid', softmax: 'Softmax' } as const;
  const appended = outputs.map((o): 'Sigmoid' | 'Softmax' | null => {
    const op = opOf[activation];
    if (!op) return null;
    const src = model.nodes.get(o.sourceId)!;
    const shape = shapes.get(o.key)!;
    const fn = src.type === 'Activation' ? model.validation.params.get(src.id)!['fn'] : null;
    if (fn === activation) {
      warnings.push(`output "${o.requestedName}" already ends in ${op}; no second ${op} was added`);
      return null;
    }
    if (shape.length === 0) {
      warnings.push(`output "${o.requestedName}" is a scalar; ${op} was not added`);
      return null;
    }
    if (op === 'Softmax' && shape[shape.length - 1] === 1) {
      throw new OnnxExportError(
        `cannot add a softmax to output "${o.requestedName}": it has one column, so its softmax is always 1; a sigmoid gives its probability (outputActivation "sigmoid", --output-activation sigmoid)`,
      );
    }
    return op;
  });
  const wantsSoftmax = appended.map((a) => a !== null);
  // The value that each output's source port should be written to directly (first output on that port without softmax).
  const directName = new Map<string, string>();
  outputs.forEach((o, i) => {
    if (!wantsSoftmax[i] && !directName.has(o.key) && model.nodes.get(o.sourceId)!.type !== 'Input') directName.set(o.key, outNames[i]!);
  });

  // Each node's incoming edges, grouped once (a scan of every edge per node is quadratic).
  const incoming = new Map<string, GraphEdge[]>();
  for (const e of model.document.edges) {
    const l = incoming.get(e.target);
    if (l) l.push(e);
    else incoming.set(e.target, [e]);
  }
  for (const node of model.order) {
    if (node.type === 'Input' || node.type === 'Output') continue;
    const params = model.validation.params.get(node.id)!;
    const ins = inputValues(incoming.get(node.id) ?? [], valueOf);
    const key = portKey(node.id, 'out');
    const value = lowerNode(b, model, node, params, ins, directName.get(key));
    valueOf.set(key, value);
  }

  outputs.forEach((o, i) => {
    const name = outNames[i]!;
    const v = valueOf.get(o.key)!;
    const op = appended[i];
    if (op === 'Softmax') b.node('Softmax', [v], { outputs: [name], attrs: { axis: attr.int(-1) }, name: b.name(`${o.nodeId}/softmax`) });
    else if (op === 'Sigmoid') b.node('Sigmoid', [v], { outputs: [name], name: b.name(`${o.nodeId}/sigmoid`) });
    else if (v !== name) b.node('Identity', [v], { outputs: [name], name: b.name(`${o.nodeId}/Identity`) });
    b.addOutput(name, 'float32', onnxDims(shapes.get(o.key)!));
  });
  const outIo: OnnxIo[] = outputs.map((o, i) => ({ name: outNames[i]!, shape: onnxDims(shapes.get(o.key)!), nodeId: o.nodeId }));

  const appVersion = options.appVersion ?? trained?.appVersion ?? APP_VERSION;
  const metadata: Record<string, string> = {
    producer: 'Backprop Studio',
    app_version: appVersion,
    source_document: doc.name,
    source_kind: trained ? 'trained-model' : 'document',
  };
  const classNames = options.classNames ?? trained?.dataset?.classNames;
  if (classNames && classNames.length > 0) metadata['class_names'] = JSON.stringify(classNames);
  const normalization = options.normalization ?? trained?.normalization ?? untrainedNormalization(doc);
  if (normalization) metadata['input_normalization'] = JSON.stringify(normalization);
  if (trained?.dataset) metadata['task'] = trained.dataset.task;
  const softmaxed = outNames.filter((_, i) => appended[i] === 'Softmax');
  if (softmaxed.length > 0) metadata['softmax_appended'] = JSON.stringify(softmaxed);
  const sigmoided = outNames.filter((_, i) => appended[i] === 'Sigmoid');
  if (sigmoided.length > 0) metadata['sigmoid_appended'] = JSON.stringify(sigmoided);
  metadata['output_activation'] = activation;

  const bytes = b.build({
    graphName: doc.name,
    producerVersion: appVersion,
    ...(doc.description ? { docString: doc.description } : {}),
    metadata,
  });
  return { bytes, inputs, outputs: outIo, size: bytes.length, warnings, outputActivation: activation };
}

/** An untrained document's normalisation when it needs no fitted statistics; null otherwise. */
function untrainedNormalization(doc: GraphDocument): Normalization | null {
  const kind = doc.training?.normalize ?? 'none';
  return kind === 'none' || kind === 'scale255' ? { kind } : null;
}

function inputValues(edges: readonly GraphEdge[], valueOf: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of edges) {
    out[e.targetPort] = valueOf.get(portKey(e.source, e.sourcePort))!;
  }
  return out;
}

function runtimeTensor(model: CompiledGraph, nodeId: string, name: string): { shape: number[]; data: Float32Array } {
  const rt = model.runtimes.get(nodeId)!;
  const t = [...rt.parameters, ...rt.buffers].find(([n]) => n === name)?.[1];
  if (!t) throw new EngineError(`ONNX export: node "${nodeId}" has no tensor "${name}"`);
  return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

/** Lower one canvas node; returns the name of its output value (`out` when given). */
function lowerNode(
  b: OnnxGraphBuilder,
  model: CompiledGraph,
  node: GraphNode,
  params: ParamValues,
  ins: Record<string, string>,
  out: string | undefined,
): string {
  const id = node.id;
  const shapes = model.validation.portShapes;
  const inShape = (port: string): SymShape => {
    const e = model.document.edges.find((x) => x.target === id && x.targetPort === port)!;
    return shapes.get(portKey(e.source, e.sourcePort))!;
  };
  /** A one-op lowering: node named after the canvas node, output named after it too. */
  const single = (op: string, inputs: string[], attrs?: AttrMap): string => {
    const o = out ?? b.name(id);
    b.node(op, inputs, { outputs: [o], ...(attrs ? { attrs } : {}), name: b.name(`${id}/${op}`) });
    return o;
  };
  /** Steps of a multi-op lowering; the last writes `out`. */
  const step = (op: string, inputs: string[], last: boolean, attrs?: AttrMap): string => {
    const o = last && out ? out : b.name(`${id}/${op.toLowerCase()}`);
    b.node(op, inputs, { outputs: [o], ...(attrs ? { attrs } : {}), name: b.name(`${id}/${op}`) });
    return o;
  };
  const x = ins['in']!;
  switch (node.type) {
    case 'Constant': {
      const t = model.runtimes.get(id)!.forward({}, { training: false, feed: {} })['out']!;
      const name = b.addInitializer(id, 'float32', [...t.shape], Float32Array.from(t.data));
      return out ? single('Identity', [name]) : name;
    }
    case 'Parameter': {
      const t = runtimeTensor(model, id, 'value');
      const name = b.addInitializer(`${id}.value`, 'float32', t.shape, t.data);
      return out ? single('Identity', [name]) : name;
    }
    case 'Linear': {
      const w = runtimeTensor(model, id, 'weight');
      const hasBias = params['bias'] as boolean;
      const rank = inShape('in').length;
      if (rank === 2) {
        const wName = b.addInitializer(`${id}.weight`, 'float32', w.shape, w.data);
        const args = [x, wName];
        if (hasBias) {
          const bias = runtimeTensor(model, id, 'bias');
          args.push(b.addInitializer(`${id}.bias`, 'float32', bias.shape, bias.data));
        }
        return single('Gemm', args, { transB: attr.int(1) });
      }
      // Gemm takes 2-D inputs only: x·Wᵀ (+ b) as MatMul (+ Add) with the weight stored transposed.
      const [outF, inF] = w.shape as [number, number];
      const wt = new Float32Array(inF * outF);
      for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wt[i * outF + o] = w.data[o * inF + i]!;
      const wtName = b.addInitializer(`${id}.weight_transposed`, 'float32', [inF, outF], wt);
      if (!hasBias) return single('MatMul', [x, wtName]);
      const mm = step('MatMul', [x, wtName], false);
      const bias = runtimeTensor(model, id, 'bias');
      return step('Add', [mm, b.addInitializer(`${id}.bias`, 'float32', bias.shape, bias.data)], true);
    }
    case 'BatchNorm1d': {
      const names = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => {
        const t = runtimeTensor(model, id, n);
        return b.addInitializer(`${id}.${n}`, 'float32', t.shape, t.data);
      });
      return single('BatchNormalization', [x, ...names], {
        epsilon: attr.float(params['eps'] as number),
        momentum: attr.float(1 - (params['momentum'] as number)),
      });
    }
    case 'Dropout':
      return single('Identity', [x]);
    case 'Flatten':
      return single('Flatten', [x], { axis: attr.int(1) });
    case 'Reshape': {
      const target = params['shape'] as number[];
      const batched = inShape('in')[0] === 'N';
      const shape = batched ? [0, ...target] : target;
      return single('Reshape', [x, b.constant('int64', [shape.length], shape, `${id}.shape`)]);
    }
    case 'Activation':
      return lowerActivation(params, x, single, step, b, id);
    case 'Add':
      return single('Add', [ins['a']!, ins['b']!]);
    case 'Multiply':
      return single('Mul', [ins['a']!, ins['b']!]);
    case 'Max':
      return single('Max', [ins['a']!, ins['b']!]);
    case 'MatMul':
      return single('MatMul', [ins['a']!, ins['b']!]);
    case 'Power':
      return single('Pow', [x, b.constant('float32', [], [params['exponent'] as number], `${id}.exponent`)]);
    case 'Exp':
      return single('Exp', [x]);
    case 'Log':
      return single('Log', [x]);
    case 'Sum':
    case 'Mean': {
      const dims = params['dims'] as number[] | null;
      const keep = attr.int(params['keepDim'] ? 1 : 0);
      if (dims !== null && dims.length === 0) return single('Identity', [x]); // nothing to reduce (as the engine does)
      if (node.type === 'Sum') {
        const args = dims === null ? [x] : [x, b.constant('int64', [dims.length], dims, `${id}.axes`)];
        return single('ReduceSum', args, { keepdims: keep });
      }
      return single('ReduceMean', [x], dims === null ? { keepdims: keep } : { axes: attr.ints(dims), keepdims: keep });
    }
    default:
      throw new OnnxExportError(`ONNX export: node type "${node.type}" (node "${node.label ?? id}") has no ONNX lowering`);
  }
}

function lowerActivation(
  params: ParamValues,
  x: string,
  single: (op: string, inputs: string[], attrs?: AttrMap) => string,
  step: (op: string, inputs: string[], last: boolean, attrs?: AttrMap) => string,
  b: OnnxGraphBuilder,
  id: string,
): string {
  switch (params['fn'] as string) {
    case 'relu':
      return single('Relu', [x]);
    case 'leakyRelu':
      return single('LeakyRelu', [x], { alpha: attr.float(params['negativeSlope'] as number) });
    case 'sigmoid':
      return single('Sigmoid', [x]);
    case 'tanh':
      return single('Tanh', [x]);
    case 'softmax':
      return single('Softmax', [x], { axis: attr.int(-1) });
    case 'identity':
      return single('Identity', [x]);
    case 'sign':
      return single('Sign', [x]);
    case 'step': {
      // 1[x > 0] as a float
      const gt = step('Greater', [x, b.constant('float32', [], [0], 'zero')], false);
      return step('Cast', [gt], true, { to: attr.int(DT.FLOAT) });
    }
    case 'gelu': {
      // Opset 17 has no Gelu: 0.5·x·(1 + erf(x/√2)), the same pattern PyTorch writes.
      const d = step('Div', [x, b.constant('float32', [], [Math.SQRT2], 'sqrt2')], false);
      const e = step('Erf', [d], false);
      const a = step('Add', [e, b.constant('float32', [], [1], 'one')], false);
      const m = step('Mul', [x, a], false);
      return step('Mul', [m, b.constant('float32', [], [0.5], 'half')], true);
    }
    default:
      throw new OnnxExportError(`ONNX export: activation "${String(params['fn'])}" of node "${id}" has no ONNX lowering`);
  }
}

/**
 * Export from parsed JSON (a graph document or a trained-model file), as the CLI reads it.
 * `file` names the source in error messages.
 */
export function exportOnnxFromJson(value: unknown, options: OnnxExportOptions = {}, file = 'input'): OnnxExportResult {
  if (isTrainedModel(value)) return exportOnnx(parseTrainedModel(value, file), options);
  const parsed = parseDocument(value);
  if (!parsed.ok) throw new OnnxExportError(`${file}: not a valid graph document:\n${parsed.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('\n')}`);
  return exportOnnx(parsed.document, options);
}

/** Read a graph document or trained-model file and write its ONNX model atomically. */
export function exportOnnxFile(inputPath: string, outputPath: string, options: OnnxExportOptions = {}): OnnxExportResult {
  let value: unknown;
  try {
    value = parseJsonSafe(readRegularTextFile(inputPath));
  } catch (e) {
    throw new EngineError(`${inputPath}: ${(e as Error).message}`);
  }
  const result = exportOnnxFromJson(value, options, inputPath);
  writeFileAtomic(outputPath, result.bytes);
  return result;
}
