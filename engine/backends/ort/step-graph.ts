/**
 * Lowering a traced step to ONE ONNX graph.
 *
 * Training graph (one `session.run` per step):
 *   inputs   the state buffer(s): parameters, optimizer state and buffers (BatchNorm running
 *            statistics), flat float32, sliced inside the graph; the batch (the outputs of the
 *            Input and Target nodes); Dropout masks; the step count (float64, Adam's bias correction);
 *   nodes    forward, loss, backward (every op's `toOnnx`, the VJPs included), the optimizer
 *            update (SGD with momentum/Nesterov/weight decay, Adam with bias correction) on the
 *            flat parameter vector, and the running-statistics update;
 *   outputs  the new state buffer(s); `stats` = [loss, Σ new parameters (finite iff the update
 *            was), prediction…]; the requested edges' values and gradients.
 * NOTE: each run costs ~5–9 µs plus ~3 µs per input or output in onnxruntime-node, so small
 * models keep the whole state in ONE flat buffer, sliced (Split) inside the graph and
 * concatenated on the way out, with the optimizer update done once on the flat parameter
 * vector. Large models pass each tensor as its own input/output instead: there, slicing and
 * concatenating would copy megabytes every step, more than the extra inputs cost (StateMode).
 *
 * Evaluation graph: the same state buffers and the batch in, `stats` = [loss?, prediction…] out.
 */
import type { DType } from '../../core/dtype';
import { EngineError } from '../../core/errors';
import type { Shape } from '../../core/shape';
import { sizeOf } from '../../core/shape';
import type { Tensor } from '../../core/tensor';
import type { CompiledGraph } from '../../graph/compile';
import { nodeTitle } from '../../graph/validate';
import { attr, onnx, OnnxGraphBuilder, tensorProto, type AttrValue, type ElemType, type ModelOptions } from '../../onnx/builder';
import { traceOps, type OnnxLowering } from '../../ops/define-op';
import { Adam } from '../../optim/adam';
import type { Optimizer } from '../../optim/optimizer';
import { SGD } from '../../optim/sgd';
import type { Trace } from './trace';

/**
 * The widest Split or Concat in a step graph. WebGPU runs each op as one shader, and a shader's
 * storage buffers (its inputs and outputs) are capped — 8 per stage by default, 16 on many
 * adapters — so Iris' 16 parameters cannot be split or concatenated in one op there ("Too many
 * storage buffers in shader"). Wider ones are built as trees; the values are the same copies.
 */
export const MAX_FAN = 6;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const ONNX_TYPE: Record<DType | 'bool' | 'int64', number> = { float32: 1, int32: 6, int64: 7, bool: 9, float64: 11 };
const elem = (d: DType): ElemType => d;

/** Where a parameter, an optimizer slot of a parameter, or a buffer lives: which state buffer, at which offset. */
export interface Place {
  readonly buffer: number;
  readonly offset: number;
}

/**
 * How the state travels: `packed` — one flat buffer [parameters | optimizer slots | buffers];
 * `regions` — one flat buffer per region; `tensors` — one input/output per tensor, in its own
 * shape (no slicing or concatenating inside the graph: for large models, where those copies
 * cost more than the extra inputs and outputs).
 */
export type StateMode = 'packed' | 'regions' | 'tensors';

export interface StateLayout {
  readonly mode: StateMode;
  /** The state buffers (inputs `state_<i>`, outputs `state_<i>_out`): their sizes and declared shapes. */
  readonly bufferSizes: readonly number[];
  readonly bufferShapes: readonly Shape[];
  /** packed/regions: regions → which state buffer and where in it. */
  readonly regions: ReadonlyMap<RegionName, { buffer: number; offset: number; size: number }>;
  /** Each parameter's offset in the `params` region (packed/regions), size and shape. */
  readonly params: readonly { offset: number; size: number; shape: Shape }[];
  readonly buffers: readonly { offset: number; size: number; shape: Shape }[];
  readonly paramAt: readonly Place[];
  /** slotAt[s][k]: optimizer slot s of parameter k. */
  readonly slotAt: readonly (readonly Place[])[];
  readonly bufferAt: readonly Place[];
  readonly slots: number;
  readonly paramTotal: number;
  readonly bufferTotal: number;
}
export type RegionName = 'params' | 'slot0' | 'slot1' | 'buffers';

/** Number of optimizer state vectors: SGD with momentum 1, Adam 2 (m and v). */
export function optimizerSlots(opt: Optimizer): number {
  if (opt instanceof Adam) return 2;
  if (opt instanceof SGD) return opt.momentum !== 0 ? 1 : 0;
  throw new EngineError(`the ort backend runs SGD and Adam; this optimizer (${opt.constructor.name}) runs on the ts backend only`);
}

/** The layout of the state: parameters, then the optimizer slots, then the buffers. */
export function stateLayout(model: CompiledGraph, opt: Optimizer, mode: StateMode): StateLayout {
  const params: { offset: number; size: number; shape: Shape }[] = [];
  let offset = 0;
  for (const p of model.parameters()) {
    if (p.tensor.dtype !== 'float32') {
      throw new EngineError(`the ort backend trains float32 parameters; "${p.name}" of node "${p.nodeId}" is ${p.tensor.dtype}`);
    }
    params.push({ offset, size: p.tensor.size, shape: p.tensor.shape });
    offset += p.tensor.size;
  }
  const paramTotal = offset;
  const buffers: { offset: number; size: number; shape: Shape }[] = [];
  offset = 0;
  for (const b of model.buffers()) {
    if (b.tensor.dtype !== 'float32') throw new EngineError(`the ort backend needs float32 buffers; "${b.name}" of node "${b.nodeId}" is ${b.tensor.dtype}`);
    buffers.push({ offset, size: b.tensor.size, shape: b.tensor.shape });
    offset += b.tensor.size;
  }
  const bufferTotal = offset;
  const slots = optimizerSlots(opt);
  const list: [RegionName, number][] = [['params', paramTotal]];
  for (let s = 0; s < slots; s++) list.push([`slot${s}` as RegionName, paramTotal]);
  if (bufferTotal > 0) list.push(['buffers', bufferTotal]);
  const regions = new Map<RegionName, { buffer: number; offset: number; size: number }>();
  const bufferSizes: number[] = [];
  const bufferShapes: Shape[] = [];
  let paramAt: Place[];
  let slotAt: Place[][];
  let bufferAt: Place[];
  if (mode === 'tensors') {
    const add = (size: number, shape: Shape): Place => {
      bufferSizes.push(size);
      bufferShapes.push(shape);
      return { buffer: bufferSizes.length - 1, offset: 0 };
    };
    paramAt = params.map((p) => add(p.size, p.shape));
    slotAt = Array.from({ length: slots }, () => params.map((p) => add(p.size, p.shape)));
    bufferAt = buffers.map((b) => add(b.size, b.shape));
  } else {
    if (mode === 'packed') {
      let at = 0;
      for (const [name, size] of list) {
        regions.set(name, { buffer: 0, offset: at, size });
        at += size;
      }
      bufferSizes.push(at);
      bufferShapes.push([at]);
    } else {
      list.forEach(([name, size], i) => {
        regions.set(name, { buffer: i, offset: 0, size });
        bufferSizes.push(size);
        bufferShapes.push([size]);
      });
    }
    const within = (name: RegionName, at: number): Place => ({ buffer: regions.get(name)!.buffer, offset: regions.get(name)!.offset + at });
    paramAt = params.map((p) => within('params', p.offset));
    slotAt = Array.from({ length: slots }, (_, s) => params.map((p) => within(`slot${s}` as RegionName, p.offset)));
    bufferAt = buffers.map((b) => within('buffers', b.offset));
  }
  return { mode, bufferSizes, bufferShapes, regions, params, buffers, paramAt, slotAt, bufferAt, slots, paramTotal, bufferTotal };
}

export interface DataInput {
  readonly name: string;
  readonly nodeId: string;
  readonly port: string;
  readonly dtype: DType;
  readonly shape: Shape;
}
export interface MaskInput {
  readonly name: string;
  readonly nodeId: string;
  readonly shape: Shape;
}
export interface ExtraOutput {
  readonly key: string;
  readonly value: { name: string; shape: Shape; dtype: DType } | null;
  readonly grad: { name: string; shape: Shape; dtype: DType } | null;
}

export interface StepGraph {
  readonly bytes: Uint8Array;
  readonly training: boolean;
  readonly batchSize: number;
  /** Which state buffers the graph reads (`state_<i>`) and, in training, writes (`state_<i>_out`). */
  readonly stateInputs: readonly number[];
  readonly data: readonly DataInput[];
  readonly masks: readonly MaskInput[];
  /** Name of the float64 step-count input, when the optimizer needs it. */
  readonly stepInput: string | null;
  /** `stats` output: training [loss, check, prediction…]; evaluation [loss?, prediction…]. */
  readonly statsSize: number;
  readonly hasLoss: boolean;
  readonly predictionShape: Shape | null;
  readonly extras: readonly ExtraOutput[];
  /** Multiply-adds of the matrix products ×2 (to choose the thread count). */
  readonly flops: number;
  readonly nodeCount: number;
  /** Training: which parameters the loss depends on (the others are not updated). */
  readonly paramHasGrad: readonly boolean[];
}

/** Lowers trace records and the state plumbing into an OnnxGraphBuilder. */
class Lowerer {
  readonly b = new OnnxGraphBuilder();
  private readonly names = new Map<Tensor, string>();
  private readonly castCache = new Map<string, string>();
  private readonly regionValues = new Map<RegionName, string>();
  private paramValues: string[] | null = null;
  private bufferValues: string[] | null = null;
  readonly stateInputs = new Set<number>();
  readonly data: DataInput[] = [];
  readonly masks: MaskInput[] = [];
  private stateSplits = new Map<number, Map<RegionName, string>>();
  flops = 0;

  constructor(
    readonly model: CompiledGraph | null,
    readonly trace: Trace,
    readonly layout: StateLayout,
  ) {}

  cast(value: string, from: DType | 'bool', to: DType): string {
    if (from === to) return value;
    const key = `${value}|${to}`;
    let c = this.castCache.get(key);
    if (!c) {
      c = this.b.op('Cast', [value], { to: attr.int(ONNX_TYPE[to]) });
      this.castCache.set(key, c);
    }
    return c;
  }

  int64s(values: readonly number[]): string {
    return this.b.constant('int64', [values.length], values);
  }

  scalar(value: number, dtype: DType): string {
    return this.b.constant(elem(dtype), [], [value]);
  }

  /** `sizes` pieces of a flat vector: one Split, or a tree of them when there are more than MAX_FAN. */
  splitTree(flat: string, sizes: readonly number[]): string[] {
    if (sizes.length === 1) return [flat];
    if (sizes.length <= MAX_FAN) return this.b.node('Split', [flat, this.int64s(sizes)], { outputs: sizes.length, attrs: { axis: attr.int(0) } });
    const groups = chunks(sizes, MAX_FAN);
    const totals = groups.map((g) => g.reduce((a, c) => a + c, 0));
    return this.splitTree(flat, totals).flatMap((part, i) => this.splitTree(part, groups[i]!));
  }

  /** Flat vectors end to end: one Concat, or a tree of them when there are more than MAX_FAN. */
  concatTree(parts: readonly string[]): string {
    if (parts.length === 1) return parts[0]!;
    if (parts.length <= MAX_FAN) return this.b.op('Concat', parts, { axis: attr.int(0) });
    return this.concatTree(chunks(parts, MAX_FAN).map((g) => this.concatTree(g)));
  }

  /** A region of the state (params, slot k, buffers) as a flat float32 vector. */
  region(name: RegionName): string {
    const hit = this.regionValues.get(name);
    if (hit) return hit;
    const r = this.layout.regions.get(name);
    if (!r) throw new EngineError(`state region ${name} is missing`);
    const input = this.stateInput(r.buffer);
    const inBuffer = [...this.layout.regions.entries()].filter(([, v]) => v.buffer === r.buffer).sort((a, b) => a[1].offset - b[1].offset);
    if (inBuffer.length === 1) {
      this.regionValues.set(name, input);
      return input;
    }
    let split = this.stateSplits.get(r.buffer);
    if (!split) {
      const outs = this.splitTree(input, inBuffer.map(([, v]) => v.size));
      split = new Map(inBuffer.map(([n], i) => [n, outs[i]!]));
      this.stateSplits.set(r.buffer, split);
    }
    for (const [n, v] of split) this.regionValues.set(n, v);
    return split.get(name)!;
  }

  stateInput(i: number): string {
    const name = `state_${i}`;
    if (!this.stateInputs.has(i)) {
      this.stateInputs.add(i);
      this.b.addInput(name, 'float32', this.layout.bufferShapes[i]!);
    }
    return name;
  }

  /** Split a flat region into pieces of the given sizes. */
  private pieces(flat: string, sizes: readonly number[]): string[] {
    return this.splitTree(flat, sizes);
  }

  param(k: number): string {
    if (this.layout.mode === 'tensors') return this.stateInput(this.layout.paramAt[k]!.buffer);
    this.paramValues ??= this.pieces(this.region('params'), this.layout.params.map((p) => p.size)).map((flat, i) =>
      this.reshape(flat, this.layout.params[i]!.shape),
    );
    return this.paramValues[k]!;
  }

  buffer(k: number): string {
    if (this.layout.mode === 'tensors') return this.stateInput(this.layout.bufferAt[k]!.buffer);
    this.bufferValues ??= this.pieces(this.region('buffers'), this.layout.buffers.map((p) => p.size)).map((flat, i) =>
      this.reshape(flat, this.layout.buffers[i]!.shape),
    );
    return this.bufferValues[k]!;
  }

  reshape(value: string, shape: Shape): string {
    return this.b.op('Reshape', [value, this.int64s(shape)]);
  }

  /** The ONNX value of a tensor: an op's output (lowered already), or a leaf. */
  value(t: Tensor): string {
    const hit = this.names.get(t);
    if (hit) return hit;
    const name = this.leaf(t);
    this.names.set(t, name);
    return name;
  }

  private leaf(t: Tensor): string {
    const tr = this.trace;
    if (tr.producer.has(t)) throw new EngineError('internal: an op output was used before its op was lowered');
    const p = tr.params.indexOf(t);
    if (p >= 0) return this.param(p);
    const bi = tr.buffers.indexOf(t);
    if (bi >= 0) return this.buffer(bi);
    const d = tr.data.get(t);
    if (d) {
      const name = `data_${this.data.length}`;
      this.b.addInput(name, elem(t.dtype), t.shape);
      this.data.push({ name, nodeId: d.nodeId, port: d.port, dtype: t.dtype, shape: t.shape });
      return name;
    }
    const m = tr.masks.get(t);
    if (m) {
      const name = `mask_${this.masks.length}`;
      this.b.addInput(name, 'float32', t.shape);
      this.masks.push({ name, nodeId: m.nodeId, shape: t.shape });
      return name;
    }
    if (t.size <= 64) return this.b.constant(elem(t.dtype), t.shape, t.data);
    return this.b.addInitializer('const', elem(t.dtype), t.shape, t.data);
  }

  /** Lower the records needed for `roots`, in trace order. */
  lower(roots: readonly Tensor[]): void {
    const tr = this.trace;
    const needed = new Set<number>();
    const stack = roots.map((t) => tr.producer.get(t)).filter((i): i is number => i !== undefined);
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (needed.has(i)) continue;
      needed.add(i);
      for (const t of tr.records[i]!.inputs) {
        const j = tr.producer.get(t);
        if (j !== undefined && !needed.has(j)) stack.push(j);
      }
    }
    const order = [...needed].sort((a, b) => a - b);
    for (const i of order) {
      const r = tr.records[i]!;
      if (this.names.has(r.output)) continue;
      if (!r.op.toOnnx) {
        const where = r.nodeId && this.model ? ` (in ${nodeTitle(this.model.nodes.get(r.nodeId)!, this.model.defs.get(r.nodeId))})` : ' (in the backward pass)';
        throw new EngineError(`the ort backend cannot run op "${r.op.name}"${where}: it has no ONNX lowering; use --backend ts`);
      }
      if (r.op.name === 'matmul') {
        const s = r.output.shape;
        const a = r.inputs[0]!.shape;
        const k = r.attrs['transA'] ? a[a.length - 2]! : a[a.length - 1]!;
        this.flops += 2 * sizeOf(s) * k;
      }
      const inputs = r.inputs.map((t) => this.value(t));
      const ctx = this.context(r.op.name, inputs, r.inputs, r.attrs, r.output);
      this.names.set(r.output, r.op.toOnnx(ctx));
    }
  }

  private context(opName: string, inputs: string[], tensors: readonly Tensor[], attrs: Readonly<Record<string, unknown>>, out: Tensor): OnnxLowering {
    const self = this;
    const inputDTypes = tensors.map((t) => t.dtype);
    return {
      attrs,
      inputs,
      inputShapes: tensors.map((t) => t.shape),
      inputDTypes,
      outShape: out.shape,
      outDType: out.dtype,
      input: (i, dtype) => self.cast(inputs[i]!, inputDTypes[i]!, dtype ?? inputDTypes[i]!),
      node: (opType, ins, a) => self.b.op(opType, ins, a as Readonly<Record<string, AttrValue>> | undefined),
      cast: (v, from, to) => self.cast(v, from, to),
      scalar: (v, d) => self.scalar(v, d),
      int64s: (v) => self.int64s(v),
      constant: (d, shape, values) => (sizeOf(shape) <= 64 ? self.b.constant(elem(d), shape, values) : self.b.addInitializer(`${opName}_const`, elem(d), shape, values)),
      zeros: (shape, d) => self.b.op('ConstantOfShape', [self.int64s(shape)], { value: attr.tensor(tensorProto('zero', elem(d), [1], [0])) }),
    };
  }

  /** A tensor as a flat float32 vector. */
  flatFloat(t: Tensor): string {
    return this.cast(this.reshape(this.value(t), [-1]), t.dtype, 'float32');
  }
}

export interface TrainGraphOptions {
  readonly optimizer: Optimizer;
  readonly layout: StateLayout;
}

/** The ONNX training-step graph of a traced step. */
export function buildTrainGraph(model: CompiledGraph, trace: Trace, o: TrainGraphOptions): StepGraph {
  const L = new Lowerer(model, trace, o.layout);
  const { b } = L;
  const { layout } = o;
  const loss = trace.loss!;
  const roots: Tensor[] = [loss];
  if (trace.prediction) roots.push(trace.prediction);
  for (const g of trace.grads) if (g) roots.push(g);
  for (const bn of trace.batchNorms) roots.push(bn.mean, bn.variance);
  for (const e of trace.extras) for (const t of [e.value, e.grad]) if (t) roots.push(t);
  L.lower(roots);

  const hasGrad = trace.grads.map((g) => g !== null);
  let stepInput: string | null = null;
  const scalars = optimizerScalars(L, o.optimizer, () => {
    stepInput ??= b.addInput('step', 'float64', []);
    return stepInput;
  });
  const check = layout.mode === 'tensors' ? updateTensors(L, trace, o.optimizer, scalars) : updateFlat(L, trace, o.optimizer, scalars);

  // stats = [loss, Σ new parameters, prediction…]
  const statsParts = [L.flatFloat(loss), check];
  if (trace.prediction) statsParts.push(L.flatFloat(trace.prediction));
  const statsSize = 2 + (trace.prediction?.size ?? 0);
  b.reserve('stats');
  b.node('Concat', statsParts, { outputs: ['stats'], attrs: { axis: attr.int(0) } });
  b.addOutput('stats', 'float32', [statsSize]);

  const extras = extraOutputs(L, trace);
  const batchSize = batchSizeOf(trace);
  return {
    bytes: finish(b, { graphName: 'bpstudio_train_step', producerVersion: '0.1.0' }),
    training: true,
    batchSize,
    stateInputs: [...L.stateInputs].sort((x, y) => x - y),
    data: L.data,
    masks: L.masks,
    stepInput,
    statsSize,
    hasLoss: true,
    predictionShape: trace.prediction ? trace.prediction.shape : null,
    extras,
    flops: L.flops,
    nodeCount: b.nodeCount,
    paramHasGrad: hasGrad,
  };
}

/** The ONNX evaluation graph of a traced forward pass (evaluation mode). */
export function buildEvalGraph(model: CompiledGraph, trace: Trace, layout: StateLayout): StepGraph {
  const L = new Lowerer(model, trace, layout);
  const { b } = L;
  const roots: Tensor[] = [];
  if (trace.loss) roots.push(trace.loss);
  if (trace.prediction) roots.push(trace.prediction);
  for (const e of trace.extras) if (e.value) roots.push(e.value);
  L.lower(roots);
  const parts: string[] = [];
  if (trace.loss) parts.push(L.flatFloat(trace.loss));
  if (trace.prediction) parts.push(L.flatFloat(trace.prediction));
  const statsSize = (trace.loss ? 1 : 0) + (trace.prediction?.size ?? 0);
  if (parts.length > 0) {
    b.reserve('stats');
    if (parts.length === 1) b.node('Identity', parts, { outputs: ['stats'] });
    else b.node('Concat', parts, { outputs: ['stats'], attrs: { axis: attr.int(0) } });
    b.addOutput('stats', 'float32', [statsSize]);
  }
  const extras = extraOutputs(L, trace);
  return {
    bytes: finish(b, { graphName: 'bpstudio_eval_step', producerVersion: '0.1.0' }),
    training: false,
    batchSize: batchSizeOf(trace),
    stateInputs: [...L.stateInputs].sort((x, y) => x - y),
    data: L.data,
    masks: L.masks,
    stepInput: null,
    statsSize,
    hasLoss: trace.loss !== null,
    predictionShape: trace.prediction ? trace.prediction.shape : null,
    extras,
    flops: L.flops,
    nodeCount: b.nodeCount,
    paramHasGrad: [],
  };
}

/**
 * Encode the model, first removing the Identity nodes that only give a computed value its
 * output name (each would copy the value — megabytes for the parameter vector): the producer
 * writes under the output's name instead.
 */
function finish(b: OnnxGraphBuilder, options: ModelOptions): Uint8Array {
  const model = b.toModel(options);
  const g = model.graph!;
  const nodes = g.node ?? [];
  const outputs = new Set((g.output ?? []).map((o) => o.name!));
  const external = new Set([...(g.input ?? []).map((i) => i.name!), ...(g.initializer ?? []).map((i) => i.name!)]);
  const producer = new Map<string, (typeof nodes)[number]>();
  for (const n of nodes) for (const o of n.output ?? []) producer.set(o, n);
  const drop = new Set<(typeof nodes)[number]>();
  for (const n of nodes) {
    if (n.opType !== 'Identity') continue;
    const from = n.input![0]!;
    const to = n.output![0]!;
    const p = producer.get(from);
    if (!outputs.has(to) || !p || external.has(from) || outputs.has(from)) continue;
    p.output = p.output!.map((o) => (o === from ? to : o));
    for (const m of nodes) if (m !== n) m.input = (m.input ?? []).map((i) => (i === from ? to : i));
    producer.set(to, p);
    producer.delete(from);
    drop.add(n);
  }
  g.node = nodes.filter((n) => !drop.has(n));
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A graph of whatever ops `fn` applies to `inputs` (graph inputs `x0`, `x1`, …; outputs `y0`,
 * `y1`, … in the outputs' dtypes): the op conformance tests and the GEMM benchmark.
 */
export function buildOpGraph(inputs: readonly Tensor[], fn: () => readonly Tensor[]): { bytes: Uint8Array; outputs: Tensor[] } {
  const records: Trace['records'][number][] = [];
  const producer = new Map<Tensor, number>();
  const outputs = traceOps(
    (op, ins, attrs, output) => {
      producer.set(output, records.length);
      records.push({ op, inputs: ins, attrs, output, nodeId: null });
    },
    () => [...fn()],
  );
  const trace: Trace = {
    training: false, records, producer, params: [], buffers: [], masks: new Map(), loss: null, prediction: null, grads: [], batchNorms: [], extras: [],
    data: new Map(inputs.map((t, i) => [t, { nodeId: `x${i}`, port: 'out' }])),
  };
  const layout: StateLayout = {
    mode: 'tensors', bufferSizes: [], bufferShapes: [], regions: new Map(), params: [], buffers: [], paramAt: [], slotAt: [], bufferAt: [], slots: 0, paramTotal: 0, bufferTotal: 0,
  };
  const L = new Lowerer(null, trace, layout);
  inputs.forEach((t) => L.value(t));
  L.lower(outputs);
  outputs.forEach((t, i) => {
    const name = `y${i}`;
    L.b.reserve(name);
    L.b.node('Identity', [L.value(t)], { outputs: [name] });
    L.b.addOutput(name, elem(t.dtype), t.shape);
  });
  // the inputs were declared data_0…; the tests feed them by those names
  return { bytes: finish(L.b, { graphName: 'bpstudio_ops', producerVersion: '0.1.0' }), outputs };
}

function batchSizeOf(trace: Trace): number {
  for (const [t] of trace.data) if (t.ndim > 0) return t.shape[0]!;
  return 1;
}

function extraOutputs(L: Lowerer, trace: Trace): ExtraOutput[] {
  return trace.extras.map((e, i) => {
    const out = (t: Tensor | null, what: string) => {
      if (!t) return null;
      const name = L.b.reserve(`extra_${i}_${what}`);
      L.b.node('Identity', [L.value(t)], { outputs: [name] });
      L.b.addOutput(name, elem(t.dtype), t.shape);
      return { name, shape: t.shape, dtype: t.dtype };
    };
    return { key: e.key, value: out(e.value, 'value'), grad: out(e.grad, 'grad') };
  });
}

/** The scalars of the update that depend on the step count (Adam's bias corrections), computed once per step. */
interface OptimizerScalars {
  readonly values: Readonly<Record<string, string>>;
}

function optimizerScalars(L: Lowerer, opt: Optimizer, step: () => string): OptimizerScalars {
  const { b } = L;
  const d = (x: number) => L.scalar(x, 'float64');
  if (opt instanceof Adam) {
    // In float64 so that 1 − β₂ᵗ keeps its digits. p −= lr/(1−β₁ᵗ)·m/(√v/√(1−β₂ᵗ) + ε)
    //   = a·m/(√v + e) with a = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), e = ε·√(1−β₂ᵗ) — one pass fewer.
    const t = step();
    const bc1 = b.op('Sub', [d(1), b.op('Pow', [d(opt.beta1), t])]);
    const bc2Sqrt = b.op('Sqrt', [b.op('Sub', [d(1), b.op('Pow', [d(opt.beta2), t])])]);
    const a = L.cast(b.op('Div', [b.op('Mul', [d(opt.lr), bc2Sqrt]), bc1]), 'float64', 'float32');
    const e = L.cast(b.op('Mul', [d(opt.eps), bc2Sqrt]), 'float64', 'float32');
    return { values: { a, e } };
  }
  if (opt instanceof SGD && opt.momentum !== 0 && opt.dampening !== 0) {
    // (1 − τ)·d, except on the very first step (the buffer starts as d)
    const first = b.op('Equal', [step(), d(1)]);
    return { values: { damp: b.op('Where', [first, L.scalar(1, 'float32'), L.scalar(1 - opt.dampening, 'float32')]) } };
  }
  return { values: {} };
}

/**
 * The optimizer update, elementwise (on flat vectors or on each tensor): the same arithmetic as
 * engine/optim, in float32.
 *   SGD:  d = g + λp;  b = μb + (1−τ)d (b = d on the first step);  p −= lr·(nesterov ? d + μb : b)
 *   Adam: g += λp;  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  p −= lr/(1−β₁ᵗ)·m / (√v/√(1−β₂ᵗ) + ε)
 * `names`: output names for the new parameter and slots (graph outputs written in place).
 */
function optimizerUpdate(
  L: Lowerer, opt: Optimizer, sc: OptimizerScalars, P: string, G: string, slots: readonly string[], names?: { params: string; slots: string[] },
): { params: string; slots: string[] } {
  const { b } = L;
  const f = (v: number) => L.scalar(v, 'float32');
  const op = (type: string, ins: string[], out?: string) => (out ? b.node(type, ins, { outputs: [out] })[0]! : b.op(type, ins));
  const mul = (x: string, y: string, out?: string) => op('Mul', [x, y], out);
  const add = (x: string, y: string, out?: string) => op('Add', [x, y], out);
  if (opt instanceof SGD) {
    const d = opt.weightDecay !== 0 ? add(G, mul(P, f(opt.weightDecay))) : G;
    if (opt.momentum === 0) return { params: op('Sub', [P, mul(d, f(opt.lr))], names?.params), slots: [] };
    const scaled = sc.values['damp'] ? mul(d, sc.values['damp']) : d;
    const buf = add(mul(slots[0]!, f(opt.momentum)), scaled, names?.slots[0]);
    const direction = opt.nesterov ? add(d, mul(buf, f(opt.momentum))) : buf;
    return { params: op('Sub', [P, mul(direction, f(opt.lr))], names?.params), slots: [buf] };
  }
  if (opt instanceof Adam) {
    const g = opt.weightDecay !== 0 ? add(G, mul(P, f(opt.weightDecay))) : G;
    const m = add(mul(slots[0]!, f(opt.beta1)), mul(g, f(1 - opt.beta1)), names?.slots[0]);
    const v = add(mul(slots[1]!, f(opt.beta2)), mul(mul(g, g), f(1 - opt.beta2)), names?.slots[1]);
    const step = mul(op('Div', [m, add(op('Sqrt', [v]), sc.values['e']!)]), sc.values['a']!);
    return { params: op('Sub', [P, step], names?.params), slots: [m, v] };
  }
  throw new EngineError(`the ort backend runs SGD and Adam; this optimizer (${opt.constructor.name}) runs on the ts backend only`);
}

const zerosOf = (L: Lowerer, size: number) => L.b.op('ConstantOfShape', [L.int64s([size])], { value: attr.tensor(tensorProto('zero', 'float32', [1], [0])) });

/**
 * packed/regions: the update on the flat parameter vector (one set of elementwise nodes for
 * all parameters), the running statistics on the flat buffer vector; the new state written
 * buffer by buffer. Returns the check value: Σ new parameters, finite iff the update was.
 */
function updateFlat(L: Lowerer, trace: Trace, opt: Optimizer, sc: OptimizerScalars): string {
  const { b } = L;
  const { layout } = L;
  const P = L.region('params');
  const hasGrad = trace.grads.map((g) => g !== null);
  // Gradients, flat, in parameter order (zeros where the loss does not depend on a parameter).
  const pieces = trace.grads.map((g, k) => (g ? L.flatFloat(g) : zerosOf(L, layout.params[k]!.size)));
  const G = L.concatTree(pieces);
  const slots = Array.from({ length: layout.slots }, (_, s) => L.region(`slot${s}` as RegionName));
  const update = optimizerUpdate(L, opt, sc, P, G, slots);
  // Parameters without a gradient keep their values and state (as the ts optimizers skip them).
  if (hasGrad.some((h) => !h)) {
    const mask = new Array<number>(layout.paramTotal);
    layout.params.forEach((p, k) => mask.fill(hasGrad[k] ? 1 : 0, p.offset, p.offset + p.size));
    const cond = b.addInitializer('has_grad', 'bool', [layout.paramTotal], mask);
    update.params = b.op('Where', [cond, update.params, P]);
    update.slots = update.slots.map((s, i) => b.op('Where', [cond, s, slots[i]!]));
  }

  // Running statistics: r ← (1 − m)·r + m·batch statistic (the variance unbiased by n/(n−1)).
  let newBuffers: string | null = null;
  if (layout.bufferTotal > 0) {
    const RS = L.region('buffers');
    const keep = new Float32Array(layout.bufferTotal).fill(1);
    const coef = new Float32Array(layout.bufferTotal);
    const byOffset = new Map<number, string>();
    for (const bn of trace.batchNorms) {
      for (const [buf, stat, factor] of [[bn.runningMean, bn.mean, 1], [bn.runningVar, bn.variance, bn.n / (bn.n - 1)]] as const) {
        const at = layout.buffers[trace.buffers.indexOf(buf)]!;
        keep.fill(1 - bn.momentum, at.offset, at.offset + at.size);
        coef.fill(bn.momentum * factor, at.offset, at.offset + at.size);
        byOffset.set(at.offset, L.flatFloat(stat));
      }
    }
    if (byOffset.size > 0) {
      const stats = layout.buffers.map((at) => byOffset.get(at.offset) ?? zerosOf(L, at.size));
      const S = L.concatTree(stats);
      const uniform = (a: Float32Array) => a.every((v) => v === a[0]);
      const k1 = uniform(keep) ? L.scalar(keep[0]!, 'float32') : b.addInitializer('bn_keep', 'float32', [keep.length], keep);
      const k2 = uniform(coef) ? L.scalar(coef[0]!, 'float32') : b.addInitializer('bn_coef', 'float32', [coef.length], coef);
      newBuffers = b.op('Add', [b.op('Mul', [RS, k1]), b.op('Mul', [S, k2])]);
    } else newBuffers = RS;
  }

  // The new state, buffer by buffer.
  const newRegion: Partial<Record<RegionName, string>> = { params: update.params, ...(newBuffers ? { buffers: newBuffers } : {}) };
  update.slots.forEach((v, i) => (newRegion[`slot${i}` as RegionName] = v));
  layout.bufferSizes.forEach((size, i) => {
    const parts = [...layout.regions.entries()].filter(([, r]) => r.buffer === i).sort((x, y) => x[1].offset - y[1].offset).map(([n]) => newRegion[n]!);
    const name = `state_${i}_out`;
    b.reserve(name);
    if (parts.length === 1) b.node('Identity', parts, { outputs: [name] });
    else b.node('Concat', parts, { outputs: [name], attrs: { axis: attr.int(0) } });
    b.addOutput(name, 'float32', [size]);
  });
  return b.op('ReduceSum', [update.params, L.int64s([0])], { keepdims: attr.int(1) });
}

/**
 * tensors: each parameter, slot and buffer is its own input and output; the update runs per
 * parameter and writes straight into the outputs. Returns the check value (Σ of the new parameters).
 */
function updateTensors(L: Lowerer, trace: Trace, opt: Optimizer, sc: OptimizerScalars): string {
  const { b } = L;
  const { layout } = L;
  const out = (place: Place, shape: Shape): string => {
    const name = `state_${place.buffer}_out`;
    b.reserve(name);
    b.addOutput(name, 'float32', shape);
    return name;
  };
  const sums: string[] = [];
  layout.params.forEach((p, k) => {
    const P = L.param(k);
    const slots = layout.slotAt.map((places) => L.stateInput(places[k]!.buffer));
    const names = { params: out(layout.paramAt[k]!, p.shape), slots: layout.slotAt.map((places) => out(places[k]!, p.shape)) };
    const g = trace.grads[k];
    if (!g) {
      // no gradient: unchanged (as the ts optimizers skip it)
      b.node('Identity', [P], { outputs: [names.params] });
      slots.forEach((s, i) => b.node('Identity', [s], { outputs: [names.slots[i]!] }));
      return;
    }
    const G = L.cast(L.value(g), g.dtype, 'float32');
    const u = optimizerUpdate(L, opt, sc, P, G, slots, names);
    sums.push(b.op('ReduceSum', [u.params], { keepdims: attr.int(0) }));
  });
  const stats = new Map<Tensor, { stat: Tensor; keep: number; coef: number }>();
  for (const bn of trace.batchNorms) {
    stats.set(bn.runningMean, { stat: bn.mean, keep: 1 - bn.momentum, coef: bn.momentum });
    stats.set(bn.runningVar, { stat: bn.variance, keep: 1 - bn.momentum, coef: (bn.momentum * bn.n) / (bn.n - 1) });
  }
  layout.buffers.forEach((at, k) => {
    const R = L.buffer(k);
    const name = out(layout.bufferAt[k]!, at.shape);
    const s = stats.get(trace.buffers[k]!);
    if (!s) {
      b.node('Identity', [R], { outputs: [name] });
      return;
    }
    const stat = L.reshape(L.cast(L.value(s.stat), s.stat.dtype, 'float32'), at.shape);
    b.node('Add', [b.op('Mul', [R, L.scalar(s.keep, 'float32')]), b.op('Mul', [stat, L.scalar(s.coef, 'float32')])], { outputs: [name] });
  });
  const total = sums.length === 0 ? L.scalar(0, 'float32') : sums.length === 1 ? sums[0]! : b.op('Sum', sums);
  return L.reshape(total, [1]);
}
