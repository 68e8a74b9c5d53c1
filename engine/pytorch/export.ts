/**
 * PyTorch export (docs/pytorch-export.md): a graph document or trained-model file as one
 * readable Python script in plain PyTorch — an `nn.Module` whose layers and forward mirror the
 * canvas (names from node labels, primitive ops as tensor expressions, each edge's shape in a
 * comment), the Loss and optimizer with the document's settings, a data section, a training
 * loop that prints loss and accuracy per epoch, and `torch.onnx.export` at the end. Each node
 * lowers itself (`toPyTorch` in its definition); a node that cannot be exported is refused in
 * one line naming it and why.
 *
 * With weights, the engine's parameters and buffers go to a sidecar file in the safetensors
 * layout (an 8-byte little-endian header length, a JSON index, raw little-endian float32) that
 * the script reads with `json` and `torch.frombuffer`, so the first step in PyTorch is the
 * engine's first step, and a trained model continues where it stopped.
 */
import { EngineError } from '../core/errors';
import { APP_VERSION } from '../core/version';
import type { Dataset } from '../data/dataset';
import { compileDocument, GraphCompileError, type CompiledGraph } from '../graph/compile';
import type { GraphDocument, GraphEdge, GraphNode, OptimizerSettings } from '../graph/document';
import { portKey } from '../graph/names';
import type { DataBinding, PyTorchLowering } from '../graph/node-def';
import { hasRole } from '../graph/nodes/specs';
import { formatSymShape, type SymShape } from '../graph/symbolic';
import { formatDiagnostic } from '../graph/validate';
import { bindingOfTrained, TRAINED_MODEL_FORMAT, type TrainedModelFile } from '../graph/trained-model';

export interface PyTorchExportOptions {
  /** Dataset shapes (a trained-model file brings its own). */
  data?: DataBinding | null;
  /** The training dataset as loaded: small ones are written into the script (the engine's own samples). */
  dataset?: Dataset | null;
  /** Write the engine's weights to the sidecar and load them in the script (default: when the source has stored weights). */
  weights?: boolean;
  /** The script's file name (`model.py`): the sidecar and the ONNX file are named after it. */
  scriptName?: string;
  /** Seed of an untrained document's initialisation; default: the document's `training.seed`. */
  seed?: number;
  /**
   * The training plan where the document leaves it to the data (train/defaults.ts, which this
   * layer does not import): the epochs, and the test fraction or `all-rows`. Default: 10 epochs,
   * and every row for both below 50 rows, else 0.2 held out.
   */
  plan?: { epochs: number; test: number | 'all-rows' };
}

/** A parameter or buffer of the graph and its name in the script's `state_dict`. */
export interface PyTorchTensorName {
  nodeId: string;
  name: string;
  torchName: string;
}

export interface PyTorchExportResult {
  script: string;
  /** The weights sidecar (safetensors layout), or null without weights. */
  weights: Uint8Array | null;
  /** Its file name next to the script (`model.safetensors`), or null. */
  weightsName: string | null;
  tensors: PyTorchTensorName[];
  /** The model class's name. */
  className: string;
}

/** The graph (or a node in it) cannot be written as a PyTorch script; the message says why, a line per node. */
export class PyTorchExportError extends EngineError {
  constructor(message: string) {
    super(message);
    this.name = 'PyTorchExportError';
  }
}

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);
/** Names the script itself uses, and nn.Module's own attributes. */
const TAKEN = new Set(['self', 'torch', 'nn', 'F', 'math', 'json', 'gzip', 'Path', 'labels', 'prediction', 'features', 'model', 'forward', 'training', 'train', 'eval', 'parameters', 'state_dict', 'to', 'cuda', 'float', 'double', 'half', 'type', 'apply', 'modules', 'children', 'buffers', 'zero_grad']);

/** A Python identifier from a label: `dense 128` → `dense_128`, `y = x + 2` → `y`; null when nothing usable is left. */
export function pythonName(label: string): string | null {
  const lhs = label.includes('=') ? label.slice(0, label.indexOf('=')) : label;
  const s = lhs.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
  if (s === '' || /^[0-9]/.test(s)) return null;
  return KEYWORDS.has(s) ? `${s}_` : s;
}

function nodeName(node: GraphNode): string {
  return pythonName(node.label ?? '') ?? pythonName(node.id) ?? 'value';
}

/** `XOR MLP` → `XorMlp`; `Model` when nothing is left. */
function className(docName: string): string {
  const words = docName.normalize('NFKD').split(/[^A-Za-z0-9]+/).filter((w) => w !== '');
  const name = words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join('');
  return name === '' || /^[0-9]/.test(name) ? 'Model' : name;
}

/** A Python float literal. */
export function pyNum(v: number): string {
  if (Number.isNaN(v)) return 'float("nan")';
  if (!Number.isFinite(v)) return v > 0 ? 'float("inf")' : '-float("inf")';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  return String(v);
}

const pyStr = (s: string): string => JSON.stringify(s);
const title = (node: GraphNode): string => `"${node.label ?? node.id}" (${node.type})`;
const shapeComment = (s: SymShape | undefined): string => (s ? `  # ${formatSymShape(s)}` : '');

interface ForwardLine {
  code: string;
  comment: string;
}

/** The script's body parts, joined at the end; imports are worked out from what was written. */
class Writer {
  readonly lines: string[] = [];
  add(...ls: string[]): void {
    this.lines.push(...ls);
  }
  blank(n = 1): void {
    for (let i = 0; i < n; i++) this.lines.push('');
  }
  text(): string {
    return this.lines.join('\n');
  }
}

function isTrained(x: GraphDocument | TrainedModelFile): x is TrainedModelFile {
  return (x as TrainedModelFile).format === TRAINED_MODEL_FORMAT;
}

/** The safetensors layout: u64 LE header length, the JSON header, then the raw float32 data. */
export function safetensors(tensors: readonly { name: string; shape: readonly number[]; data: ArrayLike<number> }[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + 4 * t.data.length] };
    offset += 4 * t.data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i]!, true);
  }
  return out;
}

function optimizerLine(o: OptimizerSettings): string {
  if (o.type === 'sgd') {
    const extra = [
      ...(o.momentum !== 0 ? [`momentum=${pyNum(o.momentum)}`] : []),
      ...(o.weightDecay !== 0 ? [`weight_decay=${pyNum(o.weightDecay)}`] : []),
      ...(o.nesterov ? ['nesterov=True'] : []),
    ];
    return `torch.optim.SGD(model.parameters(), lr=${pyNum(o.lr)}${extra.map((e) => `, ${e}`).join('')})`;
  }
  // torch's defaults: weight decay 0 for Adam, 0.01 for AdamW; written whenever it differs
  const extra = [
    ...(o.beta1 !== 0.9 || o.beta2 !== 0.999 ? [`betas=(${pyNum(o.beta1)}, ${pyNum(o.beta2)})`] : []),
    ...(o.eps !== 1e-8 ? [`eps=${pyNum(o.eps)}`] : []),
    ...(o.weightDecay !== (o.type === 'adamw' ? 0.01 : 0) ? [`weight_decay=${pyNum(o.weightDecay)}`] : []),
  ];
  return `torch.optim.${o.type === 'adamw' ? 'AdamW' : 'Adam'}(model.parameters(), lr=${pyNum(o.lr)}${extra.map((e) => `, ${e}`).join('')})`;
}

/** Datasets written into the script up to this many numbers; larger ones are read from their files. */
const EMBED_LIMIT = 200_000;

/**
 * Export a graph document or trained-model file as a PyTorch script (and its weights sidecar).
 * Throws PyTorchExportError naming every node that cannot be exported, or the graph's errors.
 */
export function exportPyTorch(source: GraphDocument | TrainedModelFile, options: PyTorchExportOptions = {}): PyTorchExportResult {
  const trained = isTrained(source) ? source : null;
  const doc = trained ? trained.document : (source as GraphDocument);
  const data = options.data ?? (trained ? bindingOfTrained(trained) : null);
  const seed = options.seed ?? trained?.seed ?? doc.training?.seed ?? 0;
  let model: CompiledGraph;
  try {
    model = compileDocument(doc, { seed, data, purpose: 'run' });
  } catch (e) {
    if (e instanceof GraphCompileError) {
      const errors = e.diagnostics.filter((d) => d.severity === 'error');
      throw new PyTorchExportError(`cannot export "${doc.name}" to PyTorch: the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(formatDiagnostic).join('\n')}`);
    }
    throw e;
  }
  if (trained) model.loadWeights(trained.weights);
  const storedWeights = trained !== null || doc.nodes.some((n) => n.weights !== undefined && Object.keys(n.weights).length > 0);
  const withWeights = (options.weights ?? storedWeights) && model.parameters().length + model.buffers().length > 0;
  const scriptName = options.scriptName ?? 'model.py';
  const stem = scriptName.replace(/\.py$/, '');
  const shapes = model.validation.portShapes;

  // What each node is in the script.
  const incoming = new Map<string, GraphEdge[]>();
  for (const e of model.document.edges) incoming.set(e.target, [...(incoming.get(e.target) ?? []), e]);
  const attrs = new Set<string>();
  const nextAttr = (base: string): string => {
    const first = TAKEN.has(base) ? `${base}_layer` : base;
    let name = first;
    for (let k = 2; attrs.has(name); k++) name = `${first}_${k}`;
    return name;
  };
  const lowered = new Map<string, { lowering: PyTorchLowering; attr: string }>();
  const refusals: string[] = [];
  // Values: the Python name of each output port, assigned as forward is written.
  const valueName = new Map<string, string>();
  const inputsOf = (node: GraphNode): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const e of incoming.get(node.id) ?? []) out[e.targetPort] = valueName.get(portKey(e.source, e.sourcePort)) ?? e.source;
    return out;
  };
  const inputShapesOf = (node: GraphNode): Record<string, SymShape> => {
    const out: Record<string, SymShape> = {};
    for (const e of incoming.get(node.id) ?? []) {
      const s = shapes.get(portKey(e.source, e.sourcePort));
      if (s) out[e.targetPort] = s;
    }
    return out;
  };

  // The nodes forward needs: everything the Loss's prediction and the Outputs depend on.
  const lossNode = model.lossNodeId ? model.nodes.get(model.lossNodeId)! : null;
  const predictionEdge = lossNode ? (incoming.get(lossNode.id) ?? []).find((e) => e.targetPort === 'prediction') ?? null : null;
  const targetEdge = lossNode ? (incoming.get(lossNode.id) ?? []).find((e) => e.targetPort === 'target') ?? null : null;
  const returned: string[] = []; // port keys forward returns, prediction first
  if (predictionEdge) returned.push(portKey(predictionEdge.source, predictionEdge.sourcePort));
  const outputNames = new Map<string, string>();
  for (const o of model.outputNodes) {
    if (!returned.includes(o.key)) returned.push(o.key);
    if (!outputNames.has(o.key)) outputNames.set(o.key, o.name);
  }
  if (returned.length === 0) throw new PyTorchExportError(`cannot export "${doc.name}" to PyTorch: the graph has no Loss and no Output, so the model has nothing to return`);
  const needed = new Set<string>();
  const stack = returned.map((k) => k.slice(0, k.lastIndexOf(':')));
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (needed.has(id)) continue;
    needed.add(id);
    for (const e of incoming.get(id) ?? []) stack.push(e.source);
  }
  if (targetEdge) needed.add(targetEdge.source);
  if (lossNode) needed.add(lossNode.id);

  // Last use of each value in execution order (a name whose value is dead may be taken again).
  const order = model.order.filter((n) => needed.has(n.id));
  const position = new Map(order.map((n, i) => [n.id, i]));
  const lastUse = new Map<string, number>();
  for (const n of order) {
    for (const e of incoming.get(n.id) ?? []) {
      const k = portKey(e.source, e.sourcePort);
      lastUse.set(k, Math.max(lastUse.get(k) ?? -1, position.get(n.id)!));
    }
  }
  for (const k of returned) lastUse.set(k, Infinity);

  const forwardArgs: { name: string; node: GraphNode }[] = [];
  const forward: ForwardLine[] = [];
  const init: string[] = [];
  const live = new Map<string, string>(); // name → port key holding it
  let target: { node: GraphNode; encode: string } | null = null;
  let loss: Extract<PyTorchLowering, { kind: 'loss' }> | null = null;
  const tensors: PyTorchTensorName[] = [];
  const freeName = (base: string, at: number): string => {
    for (let k = 1; ; k++) {
      const name = k === 1 ? base : `${base}_${k}`;
      const holder = live.get(name);
      if (holder === undefined || (lastUse.get(holder) ?? -1) < at) return name;
    }
  };

  for (const node of order) {
    const def = model.defs.get(node.id)!;
    const params = model.validation.params.get(node.id)!;
    const at = position.get(node.id)!;
    if (!def.toPyTorch) {
      refusals.push(`${title(node)}: node type ${node.type} has no PyTorch lowering`);
      continue;
    }
    const base = nodeName(node);
    const attr = nextAttr(base);
    const lowering = def.toPyTorch({ node, params, inputs: inputsOf(node), inputShapes: inputShapesOf(node), attr, data, num: pyNum });
    lowered.set(node.id, { lowering, attr });
    if (lowering.kind === 'layer' || lowering.kind === 'parameter') attrs.add(attr);
    const out = portKey(node.id, def.outputs[0]?.name ?? 'out');
    const assign = (expression: string): void => {
      const name = freeName(base, at);
      live.set(name, out);
      valueName.set(out, name);
      forward.push({ code: `${name} = ${expression}`, comment: shapeComment(shapes.get(out)) });
    };
    switch (lowering.kind) {
      case 'refused':
        refusals.push(`${title(node)}: ${lowering.reason}`);
        break;
      case 'input': {
        const name = freeName(base, at);
        live.set(name, out);
        valueName.set(out, name);
        forwardArgs.push({ name, node });
        break;
      }
      case 'layer':
        init.push(`self.${attr} = ${lowering.module}`, ...(lowering.init ?? []));
        assign(`self.${attr}(${Object.values(inputsOf(node)).join(', ')})`);
        break;
      case 'parameter':
        init.push(`self.${attr} = nn.Parameter(${lowering.init})`);
        assign(`self.${attr}`);
        break;
      case 'expression':
        assign(lowering.expression);
        break;
      case 'target':
        target = { node, encode: lowering.encode };
        break;
      case 'loss':
        loss = lowering;
        break;
      case 'output':
        break;
    }
    const rt = model.runtimes.get(node.id)!;
    for (const [name] of [...rt.parameters, ...rt.buffers]) {
      tensors.push({ nodeId: node.id, name, torchName: lowering.kind === 'parameter' ? attr : `${attr}.${name}` });
    }
  }
  if (refusals.length > 0) {
    throw new PyTorchExportError(`cannot export "${doc.name}" to PyTorch:\n${refusals.map((r) => `  ${r}`).join('\n')}`);
  }
  const returnedNames = returned.map((k) => valueName.get(k)!);
  const cls = className(doc.name.split(':')[0]!);
  const settings = doc.training;
  const ref = settings?.dataset ?? null;
  const dataset = options.dataset ?? null;
  const trains = loss !== null && target !== null;
  if (loss && !ref) throw new PyTorchExportError(`cannot export "${doc.name}" to PyTorch: it has a Loss but no dataset to train on (choose one in the Training panel)`);

  // ---- the script ----
  const w = new Writer();
  const weightsName = withWeights ? `${stem}.safetensors` : null;
  const intro = [
    `"""${doc.name}${doc.description ? `: ${doc.description.split(/(?<=\.)\s/)[0]}` : ''}`,
    '',
    `Exported from Backprop Studio ${APP_VERSION} (bpstudio export --format pytorch). Plain PyTorch:`,
    trains
      ? `python3 ${scriptName} trains the network as the app does, printing the loss and accuracy per epoch,\nthen writes ${stem}.onnx.`
      : `python3 ${scriptName} runs one forward and backward pass and prints every gradient.`,
    ...(weightsName
      ? [`The start weights are the app's, from ${weightsName} (raw little-endian float32 with a JSON index:\nthe safetensors layout), so the first step here is the app's first step.`]
      : []),
    '"""',
  ];
  w.add(...intro);
  w.blank();
  // (imports are inserted here at the end)
  const body = new Writer();
  if (trains) {
    body.add(`EPOCHS = ${settings?.epochs ?? options.plan?.epochs ?? 10}`);
    body.add(`BATCH_SIZE = ${settings?.batchSize ?? 32}`);
    body.add(`SEED = ${seed}`);
  }
  if (weightsName) body.add(`WEIGHTS_FILE = Path(__file__).with_name(${pyStr(weightsName)})`);
  body.blank(2);

  // The model.
  body.add(`class ${cls}(nn.Module):`);
  body.add(`    def __init__(self):`, `        super().__init__()`);
  for (const l of init) body.add(`        ${l}`);
  body.blank();
  body.add(`    def forward(self, ${forwardArgs.map((a) => a.name).join(', ')}):`);
  for (const a of forwardArgs) {
    const s = shapes.get(portKey(a.node.id, 'out'));
    if (s) body.add(`        # ${a.name}: ${formatSymShape(s)}`);
  }
  for (const l of forward) body.add(`        ${l.code}${l.comment}`);
  body.add(`        return ${returnedNames.join(', ')}`);
  body.blank(2);

  if (trains) {
    const t = target as unknown as { node: GraphNode; encode: string };
    const l = loss as unknown as Extract<PyTorchLowering, { kind: 'loss' }>;
    body.add('def encode_targets(labels):', `    """The dataset's labels as Target "${t.node.label ?? t.node.id}" gives them to the loss."""`, `    return ${t.encode}`);
    body.blank(2);
    if (l.helper) {
      body.add(...l.helper);
      body.blank(2);
    }
    body.add(`criterion = ${l.criterion}`);
    body.blank(2);
    body.add('def make_optimizer(model):', `    return ${optimizerLine(settings!.optimizer)}`);
    body.blank(2);
    writeData(body, doc, ref!, dataset, settings, testPlan(dataset, settings, options.plan));
  }
  if (weightsName) {
    body.add(
      'def load_weights(model, path=WEIGHTS_FILE):',
      '    """Copy the app\'s weights into the model: an 8-byte little-endian header length, a JSON index, raw float32."""',
      '    raw = path.read_bytes()',
      '    size = int.from_bytes(raw[:8], "little")',
      '    index = json.loads(raw[8:8 + size])',
      '    index.pop("__metadata__", None)',
      '    state = model.state_dict()',
      '    with torch.no_grad():',
      '        for name, entry in index.items():',
      '            start, end = entry["data_offsets"]',
      '            values = torch.frombuffer(bytearray(raw[8 + size + start:8 + size + end]), dtype=torch.float32)',
      '            state[name].copy_(values.reshape(entry["shape"]))',
    );
    body.blank(2);
  }
  if (trains) writeTraining(body, { shuffle: settings?.shuffle ?? true, dropLast: settings?.dropLast ?? false, cls, returnedNames, forwardArgs: forwardArgs.map((a) => a.name), loss: loss as unknown as Extract<PyTorchLowering, { kind: 'loss' }>, weights: weightsName !== null, stem, outputNames: returned.map((k, i) => outputNames.get(k) ?? (i === 0 ? 'prediction' : returnedNames[i]!)) });
  else writeLesson(body, { cls, forwardArgs, model, weights: weightsName !== null, returnedNames });
  if (trains && embedded(ref!, dataset)) {
    body.blank(2);
    body.add(`# The ${dataset!.name} samples the app trains on: ${dataset!.featureShape.reduce((a, b) => a * b, 1)} features, then the ${dataset!.task === 'regression' ? 'targets' : 'class'}.`);
    body.add('DATA = """\\');
    const f = dataset!.featureShape.reduce((a, b) => a * b, 1);
    const tw = dataset!.task === 'regression' ? dataset!.targetShape.reduce((a, b) => a * b, 1) : 1;
    for (let i = 0; i < dataset!.numSamples; i++) {
      const row = [...dataset!.features.subarray(i * f, (i + 1) * f), ...dataset!.labels.subarray(i * tw, (i + 1) * tw)];
      body.add(row.map((v) => String(Math.fround(v))).join(','));
    }
    body.add('"""');
  }
  body.blank(2);
  body.add('if __name__ == "__main__":', '    main()');

  const text = body.text();
  const uses = (re: RegExp): boolean => re.test(text);
  const stdlib = [
    ...(uses(/\bgzip\./) ? ['import gzip'] : []),
    ...(uses(/\bjson\./) ? ['import json'] : []),
    ...(uses(/\bmath\./) ? ['import math'] : []),
    ...(uses(/\bPath\b/) ? ['from pathlib import Path'] : []),
  ];
  const torchImports = [
    'import torch',
    ...(uses(/\bF\./) ? ['import torch.nn.functional as F'] : []),
    'from torch import nn',
    ...(uses(/\bDataLoader\b/) ? ['from torch.utils.data import DataLoader, TensorDataset'] : []),
  ];
  if (stdlib.length > 0) w.add(...stdlib, '');
  w.add(...torchImports);
  w.blank();
  const script = `${w.text()}\n${text.replace(/^\n+/, '')}\n`.replace(/\n{4,}/g, '\n\n\n');

  let weights: Uint8Array | null = null;
  if (withWeights) {
    const byKey = new Map([...model.parameters(), ...model.buffers()].map((p) => [`${p.nodeId}\u0000${p.name}`, p.tensor]));
    weights = safetensors(
      tensors.map((t) => {
        const tensor = byKey.get(`${t.nodeId}\u0000${t.name}`)!;
        return { name: t.torchName, shape: tensor.shape, data: tensor.data };
      }),
      { producer: 'Backprop Studio', app_version: APP_VERSION, source_document: doc.name },
    );
  }
  return { script, weights, weightsName, tensors, className: cls };
}

/** The test fraction the script holds out, or `all-rows` (train and test on every row). */
function testPlan(dataset: Dataset | null, settings: GraphDocument['training'], plan: PyTorchExportOptions['plan']): number | 'all-rows' {
  if (settings?.split.test !== undefined) return settings.split.test;
  if (plan) return plan.test;
  return (dataset?.numSamples ?? 0) < 50 ? 'all-rows' : 0.2;
}

function embedded(ref: { name: string }, dataset: Dataset | null): boolean {
  return ref.name !== 'fashion-mnist' && dataset !== null && dataset.features.length <= EMBED_LIMIT;
}

/** The data section: `load_data()` returns (train features, labels) and the test pair or None. */
function writeData(
  w: Writer,
  doc: GraphDocument,
  ref: { name: string; params: Record<string, string | number> },
  dataset: Dataset | null,
  settings: GraphDocument['training'],
  plan: number | 'all-rows',
): void {
  const normalize = settings?.normalize ?? 'none';
  if (ref.name === 'fashion-mnist') {
    const dir = typeof ref.params['dir'] === 'string' && ref.params['dir'] !== '' ? ref.params['dir'] : '/usr/share/datasets/fashion-mnist';
    w.add(`DATA_DIR = Path(${pyStr(dir)})  # Fashion-MNIST's IDX files (.gz or not)`);
    w.blank(2);
    w.add(
      'def read_idx(stem):',
      '    """An IDX file (images N×28×28 or labels N) as a float tensor."""',
      '    path = DATA_DIR / stem if (DATA_DIR / stem).exists() else DATA_DIR / f"{stem}.gz"',
      '    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()',
      '    ndim = raw[3]',
      '    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]',
      '    return torch.frombuffer(bytearray(raw[4 + 4 * ndim:]), dtype=torch.uint8).reshape(shape).float()',
    );
    w.blank(2);
    w.add('def fashion_mnist(split, limit):', '    stem = "train" if split == "train" else "t10k"', '    images, labels = read_idx(f"{stem}-images-idx3-ubyte"), read_idx(f"{stem}-labels-idx1-ubyte")', '    return (images[:limit], labels[:limit]) if limit else (images, labels)');
    w.blank(2);
  } else if (!embedded(ref, dataset)) {
    throw new PyTorchExportError(`cannot export "${doc.name}" to PyTorch: dataset "${ref.name}" ${dataset ? `has ${dataset.features.length} feature values, more than the ${EMBED_LIMIT} a script carries` : 'could not be loaded'}; export with the dataset available (or a smaller one)`);
  }
  const split = (d: { name: string; params: Record<string, string | number> }): string => (d.params['split'] === 'test' ? '"test"' : '"train"');
  const limit = (d: { params: Record<string, string | number> }): number => Number(d.params['limit'] ?? 0) || 0;
  w.add('def load_data():');
  const test = settings?.testDataset;
  if (ref.name === 'fashion-mnist') {
    w.add(`    features, labels = fashion_mnist(${split(ref)}, limit=${limit(ref)})`);
  } else {
    const shape = dataset!.featureShape;
    w.add(
      '    rows = torch.tensor([[float(v) for v in line.split(",")] for line in DATA.split()])',
      `    features, labels = rows[:, :${shape.reduce((a, b) => a * b, 1)}]${shape.length > 1 ? `.reshape(-1, ${shape.join(', ')})` : ''}, rows[:, ${shape.reduce((a, b) => a * b, 1)}:]${dataset!.task === 'regression' ? '' : '.squeeze(1)'}`,
    );
  }
  if (test && test.name === 'fashion-mnist') {
    w.add(`    train, test = (features, labels), fashion_mnist(${split(test)}, limit=${limit(test)})`);
  } else {
    if (plan === 'all-rows') w.add('    # Too few rows to hold any out: train and test on every row, as the app does.', '    train = test = (features, labels)');
    else if (plan === 0) w.add('    train, test = (features, labels), None');
    else {
      w.add(
        `    # A seeded shuffle, then ${Math.round(plan * 100)}% held out for testing (the app's stratified split picks other rows).`,
        '    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(SEED))',
        `    held_out = round(len(labels) * ${pyNum(plan)})`,
        '    train = features[order[held_out:]], labels[order[held_out:]]',
        '    test = features[order[:held_out]], labels[order[:held_out]]',
      );
    }
  }
  if (normalize === 'scale255') w.add('    # Pixel values 0..255 scaled to 0..1.', '    train = (train[0] / 255, train[1])', '    test = test and (test[0] / 255, test[1])');
  else if (normalize === 'standardize') {
    w.add(
      '    # Standardised with the training rows\' mean and standard deviation.',
      '    mean, std = train[0].mean(dim=0), train[0].std(dim=0, unbiased=False)',
      '    std[std == 0] = 1',
      '    train = ((train[0] - mean) / std, train[1])',
      '    test = test and ((test[0] - mean) / std, test[1])',
    );
  } else if (normalize === 'minmax') {
    w.add(
      '    # Scaled to 0..1 with the training rows\' minimum and maximum.',
      '    low, high = train[0].min(dim=0).values, train[0].max(dim=0).values',
      '    span = torch.where(high > low, high - low, torch.ones_like(high))',
      '    train = ((train[0] - low) / span, train[1])',
      '    test = test and ((test[0] - low) / span, test[1])',
    );
  }
  w.add('    return train, test');
  w.blank(2);
}

function writeTraining(
  w: Writer,
  o: { shuffle: boolean; dropLast: boolean; cls: string; returnedNames: string[]; forwardArgs: string[]; loss: Extract<PyTorchLowering, { kind: 'loss' }>; weights: boolean; stem: string; outputNames: string[] },
): void {
  const call = `model(${o.forwardArgs.map(() => 'features').join(', ')})`;
  const predict = o.returnedNames.length > 1 ? `prediction, *_ = ${call}` : `prediction = ${call}`;
  const accuracy = o.loss.classes !== null;
  w.add(
    'def evaluate(model, features, labels):',
    '    """The loss (and accuracy) on a whole split, in evaluation mode."""',
    '    model.eval()',
    '    with torch.no_grad():',
    `        ${predict}`,
    '        loss = criterion(prediction, encode_targets(labels)).item()',
    ...(accuracy ? [`        accuracy = (${o.loss.classes} == (${o.loss.trueClasses})).float().mean().item()`, '    return loss, accuracy'] : ['    return loss, None']),
  );
  w.blank(2);
  w.add(
    'def main():',
    '    torch.manual_seed(SEED)',
    `    model = ${o.cls}()`,
    ...(o.weights ? ['    load_weights(model)'] : []),
    '    optimizer = make_optimizer(model)',
    '    train, test = load_data()',
    `    loader = DataLoader(TensorDataset(*train), batch_size=BATCH_SIZE, shuffle=${o.shuffle ? 'True' : 'False'}${o.dropLast ? ', drop_last=True' : ''})`,
    '    for epoch in range(1, EPOCHS + 1):',
    '        model.train()',
    '        total_loss, correct, seen = 0.0, 0, 0',
    '        for features, labels in loader:',
    `            ${predict}`,
    '            loss = criterion(prediction, encode_targets(labels))',
    '            optimizer.zero_grad()',
    '            loss.backward()',
    '            optimizer.step()',
    '            total_loss += loss.item() * len(labels)',
    ...(accuracy ? [`            correct += (${o.loss.classes} == (${o.loss.trueClasses})).sum().item()`] : []),
    '            seen += len(labels)',
    `        report = f"epoch {epoch}/{EPOCHS}: loss {total_loss / seen:.4f}${accuracy ? ', accuracy {correct / seen:.3f}' : ''}"`,
    '        if test is not None:',
    '            test_loss, test_accuracy = evaluate(model, *test)',
    `            report += f", test loss {test_loss:.4f}${accuracy ? ', test accuracy {test_accuracy:.3f}' : ''}"`,
    '        print(report)',
    '',
    '    model.eval()',
    `    example = train[0][:1]`,
    `    torch.onnx.export(model, ${o.forwardArgs.length > 1 ? `(${o.forwardArgs.map(() => 'example').join(', ')})` : 'example'}, Path(__file__).with_suffix(".onnx"), opset_version=17,`,
    `                      input_names=[${o.forwardArgs.map(pyStr).join(', ')}], output_names=[${o.outputNames.map(pyStr).join(', ')}],`,
    `                      dynamic_axes={name: {0: "N"} for name in [${[...o.forwardArgs, ...o.outputNames].map(pyStr).join(', ')}]})`,
    `    print(f"wrote {Path(__file__).with_suffix('.onnx').name}")`,
  );
}

/** A lesson graph without a Loss: one forward and backward pass on the Inputs' values. */
function writeLesson(w: Writer, o: { cls: string; forwardArgs: { name: string; node: GraphNode }[]; model: CompiledGraph; weights: boolean; returnedNames: string[] }): void {
  const args = o.forwardArgs.map((a) => {
    const value = o.model.validation.params.get(a.node.id)!['value'];
    if (value === null || value === undefined) throw new PyTorchExportError(`cannot export: Input ${title(a.node)} has no value and the graph no Loss and dataset to feed it`);
    const lit = (v: unknown): string => (Array.isArray(v) ? `[${v.map(lit).join(', ')}]` : pyNum(Number(v)));
    return `    ${a.name} = torch.tensor(${lit(value)}, requires_grad=True)`;
  });
  const out = o.returnedNames[0]!;
  w.add(
    'def main():',
    `    model = ${o.cls}()`,
    ...(o.weights ? ['    load_weights(model)'] : []),
    ...args,
    `    ${o.returnedNames.length > 1 ? `${out}, *_` : out} = model(${o.forwardArgs.map((a) => a.name).join(', ')})`,
    `    ${out}.backward()`,
    `    print(f"${out} = {${out}.item():.6g}")`,
    ...o.forwardArgs.map((a) => `    print(f"d${out}/d${a.name} = {${a.name}.grad.tolist()}")`),
    '    for name, parameter in model.named_parameters():',
    `        print(f"d${out}/d{name} = {parameter.grad.tolist()}")`,
  );
}
