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
import { bindingOfTrained, isTrainedModel, parseTrainedModel, TRAINED_MODEL_FORMAT, type TrainedModelFile } from '../graph/trained-model';
import { attr, DT, OPSET, OnnxGraphBuilder, type AttrValue, type ElemType, type OnnxDim } from './builder';
import type { DType } from '../core/dtype';
import { onnxAttr, type OnnxAttr, type OnnxLowering, type OpDef } from '../ops/define-op';
import { hasRole, isTrainingOnly } from '../graph/nodes/specs';

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
    if (!hasRole(n, 'output')) continue;
    const e = incoming.get(n.id)?.find((x) => x.targetPort === 'in');
    const name = String((n.params['name'] as string | undefined) || n.label || n.id);
    if (!e) throw new OnnxExportError(`cannot export: Output "${n.label ?? n.id}" is not connected`);
    outputs.push({ nodeId: n.id, requestedName: name, key: portKey(e.source, e.sourcePort), sourceId: e.source });
  }
  for (const n of doc.nodes) {
    if (!hasRole(n, 'loss')) continue;
    const e = incoming.get(n.id)?.find((x) => x.targetPort === 'prediction');
    if (!e) continue;
    const key = portKey(e.source, e.sourcePort);
    const others = (consumers.get(key) ?? []).filter((c) => !hasRole(nodes.get(c.target)!, 'loss'));
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
    if (isTrainingOnly(n.type)) {
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
    if (!hasRole(node, 'input')) continue;
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
    const fn = model.defs.get(src.id)!.endsIn?.(model.validation.params.get(src.id)!) ?? null;
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
    if (!wantsSoftmax[i] && !directName.has(o.key) && !hasRole(model.nodes.get(o.sourceId)!, 'input')) directName.set(o.key, outNames[i]!);
  });

  // Each node's incoming edges, grouped once (a scan of every edge per node is quadratic).
  const incoming = new Map<string, GraphEdge[]>();
  for (const e of model.document.edges) {
    const l = incoming.get(e.target);
    if (l) l.push(e);
    else incoming.set(e.target, [e]);
  }
  for (const node of model.order) {
    if (hasRole(node, 'input') || hasRole(node, 'output')) continue;
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

/** ONNX element type of an engine dtype (a comparison's result is `bool`). */
const ELEM: Readonly<Record<DType | 'bool', ElemType>> = { float32: 'float32', float64: 'float64', int32: 'int32', bool: 'bool' };
const ONNX_DT: Readonly<Record<DType, number>> = { float32: DT.FLOAT, float64: DT.DOUBLE, int32: DT.INT32 };

/**
 * Lower one canvas node by its definition's `toOnnx`; returns the name of its output value
 * (`out` when given). Every value and node is named after the canvas node, so the file reads
 * like the canvas in Netron.
 */
function lowerNode(
  b: OnnxGraphBuilder,
  model: CompiledGraph,
  node: GraphNode,
  params: ParamValues,
  ins: Record<string, string>,
  out: string | undefined,
): string {
  const id = node.id;
  const def = model.defs.get(id)!;
  if (!def.toOnnx) throw new OnnxExportError(`ONNX export: node type "${node.type}" (node "${node.label ?? id}") has no ONNX lowering`);
  const shapes = model.validation.portShapes;
  const inputShapes: Record<string, SymShape> = {};
  for (const [port, edgeId] of model.inputEdges.get(id) ?? []) {
    const e = model.document.edges.find((x) => x.id === edgeId)!;
    inputShapes[port] = shapes.get(portKey(e.source, e.sourcePort))!;
  }
  const runtime = model.runtimes.get(id)!;
  const attrs = (a: Readonly<Record<string, OnnxAttr>> | undefined) => (a ? { attrs: a as AttrMap } : {});
  /** Steps of a multi-op lowering; the last writes `out`. */
  const step = (op: string, inputs: readonly string[], last: boolean, a?: Readonly<Record<string, OnnxAttr>>): string => {
    const o = last && out ? out : b.name(`${id}/${op.toLowerCase()}`);
    b.node(op, inputs, { outputs: [o], ...attrs(a), name: b.name(`${id}/${op}`) });
    return o;
  };
  return def.toOnnx({
    node,
    params,
    inputs: ins,
    inputShapes,
    runtime,
    outputNamed: out !== undefined,
    /** A one-op lowering: node named after the canvas node, output named after it too. */
    single: (op, inputs, a) => {
      const o = out ?? b.name(id);
      b.node(op, inputs, { outputs: [o], ...attrs(a), name: b.name(`${id}/${op}`) });
      return o;
    },
    step,
    op: (op, inputs, opAttrs) => lowerOp(b, id, op, inputs, opAttrs, out),
    tensor: (name) => {
      const t = [...runtime.parameters, ...runtime.buffers].find(([n]) => n === name)?.[1];
      if (!t) throw new EngineError(`ONNX export: node "${id}" has no tensor "${name}"`);
      return { shape: [...t.shape], data: Float32Array.from(t.data) };
    },
    initializer: (prefix, shape, data) => b.addInitializer(prefix, 'float32', shape, data),
    constant: (dtype, shape, values, prefix) => b.constant(dtype, shape, values, prefix),
  });
}

/**
 * An engine op lowered by its own ONNX rule (the one the ort backend traces with), on float32
 * values: its nodes are named after the canvas node, and the last one writes `out` when given.
 */
function lowerOp<A extends Record<string, unknown>>(
  b: OnnxGraphBuilder,
  id: string,
  op: OpDef<A>,
  inputs: readonly string[],
  attrs: A,
  out: string | undefined,
): string {
  if (!op.toOnnx) throw new OnnxExportError(`ONNX export: op "${op.name}" of node "${id}" has no ONNX lowering`);
  // Nodes are collected first so that the one writing the result can take `out` as its output.
  const pending: { opType: string; inputs: string[]; attrs?: AttrMap; output: string }[] = [];
  const placeholder = (k: number): string => `\u0000${k}`;
  const add = (opType: string, ins: readonly string[], a?: Readonly<Record<string, OnnxAttr>>): string => {
    const output = placeholder(pending.length);
    pending.push({ opType, inputs: [...ins], ...(a ? { attrs: a as AttrMap } : {}), output });
    return output;
  };
  const cast = (v: string, from: DType | 'bool', to: DType): string => (from === to ? v : add('Cast', [v], { to: onnxAttr.int(ONNX_DT[to]) }));
  const dtype: DType = 'float32';
  const ctx: OnnxLowering<A> = {
    attrs,
    inputs,
    // Shapes are not known as numbers here (the batch is dynamic); the rules lowered through this (GELU, Step) read none.
    inputShapes: inputs.map(() => []),
    inputDTypes: inputs.map(() => dtype),
    outShape: [],
    outDType: dtype,
    input: (i, to) => cast(inputs[i]!, dtype, to ?? dtype),
    node: add,
    cast,
    scalar: (v, d) => b.constant(ELEM[d], [], [v], 'const'),
    constant: (d, shape, values) => b.constant(ELEM[d], shape, values, 'const'),
    int64s: (values) => b.constant('int64', [values.length], values, 'const'),
    zeros: () => {
      throw new OnnxExportError(`ONNX export: op "${op.name}" of node "${id}" asks for zeros of a shape export does not know`);
    },
  };
  const result = op.toOnnx(ctx);
  const names = new Map<string, string>();
  const real = (v: string): string => names.get(v) ?? v;
  pending.forEach((n, k) => {
    const last = k === pending.length - 1 && n.output === result;
    const name = last && out ? out : b.name(`${id}/${n.opType.toLowerCase()}`);
    names.set(n.output, name);
    b.node(n.opType, n.inputs.map(real), { outputs: [name], ...(n.attrs ? { attrs: n.attrs } : {}), name: b.name(`${id}/${n.opType}`) });
  });
  if (out && real(result) !== out) return b.node('Identity', [real(result)], { outputs: [out], name: b.name(`${id}/Identity`) })[0]!;
  return real(result);
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
