/**
 * Lowering a traced step to ONE ONNX graph.
 *
 * Training graph (one `session.run` per step):
 *   inputs   the state buffer(s): parameters, optimizer state and buffers (BatchNorm running
 *            statistics), flat float32, sliced inside the graph; the batch (the outputs of the
 *            source nodes: Input, Target, Constant); the dropout masks (the random ops' values,
 *            drawn on the host); the optimizer's step scalars (Adam's bias corrections);
 *   nodes    forward (BatchNorm's running-statistics `assign`s included), loss, backward (every
 *            op's `toOnnx`, the VJPs included), and the optimizer's update rule — the same ops
 *            the ts backend runs, traced once on stand-ins for the flat parameter vector;
 *   outputs  the new state buffer(s); `stats` = [loss, Σ new parameters (finite iff the update
 *            was), prediction…]; the requested edges' values and gradients.
 * NOTE: each run costs ~5–9 µs plus ~3 µs per input or output in onnxruntime-node, so small
 * models keep the whole state in ONE flat buffer, sliced (Split) inside the graph and
 * concatenated on the way out, with the optimizer update done once on the flat parameter
 * vector. Large models pass each tensor as its own input/output instead: there, slicing and
 * concatenating would copy megabytes every step, more than the extra inputs cost (StateMode).
 *
 * Gradients-out training graph (`update: 'gradients'`, the CPU provider): the same inputs but
 * the optimizer's; forward, loss and backward only; outputs `grads` = every parameter's gradient
 * flat, in one output (onnxruntime-node copies each output on every run: few and small), the
 * assigned buffers' new values and `stats`. The update runs outside onnxruntime, as the
 * optimizer's fused WebAssembly kernel over the flat state (engine/optim/kernels), whose
 * parameter region the graph reads in place ('regions' layout).
 *
 * Evaluation graph: the same state buffers and the batch in, `stats` = [loss?, prediction…] out.
 */
import type { DType } from '../../core/dtype';
import { EngineError } from '../../core/errors';
import type { Shape } from '../../core/shape';
import { sizeOf } from '../../core/shape';
import type { Tensor } from '../../core/tensor';
import type { CompiledGraph } from '../../graph/compile';
import { nodeTitle } from '../../graph/names';
import { attr, onnx, OnnxGraphBuilder, tensorProto, type AttrValue, type ElemType, type ModelOptions } from '../../onnx/builder';
import { zeros } from '../../core/creation';
import { noGrad } from '../../autograd/grad-mode';
import { traceOps, type OnnxLowering } from '../../ops/define-op';
import { assignOp } from '../../ops/state';
import type { Optimizer } from '../../optim/optimizer';
import type { StepRecord, TracedStep } from '../step-program';

type Trace = TracedStep;

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
  return opt.slotNames.length;
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
/** A random op's values (a dropout mask), drawn on the host each step by running the traced record. */
export interface MaskInput {
  readonly name: string;
  readonly record: StepRecord;
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
  /** Which state buffers the graph reads (`state_<i>`). */
  readonly stateInputs: readonly number[];
  /** Which state buffers the graph writes (`state_<i>_out`; training only). */
  readonly stateOutputs: readonly number[];
  /**
   * Gradients-out graphs: `flat` — one output `grads` of `gradsSize` values, every parameter's
   * gradient end to end ('regions' layout); `tensors` — an output `grad_<k>` in each parameter's
   * shape, for those with a gradient ('tensors' layout). `none`: the update is in the graph.
   */
  readonly gradsOut: 'none' | 'flat' | 'tensors';
  readonly gradsSize: number;
  readonly data: readonly DataInput[];
  readonly masks: readonly MaskInput[];
  /** Names of the optimizer's step-scalar inputs (0-d float32), in `Optimizer.stepScalars` order; null where the graph does not read one. */
  readonly scalarInputs: readonly (string | null)[];
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
  /** Assigned state: target tensor → the ONNX value it holds after the assign. */
  readonly assigned = new Map<Tensor, string>();
  readonly scalarInputs: (string | null)[];
  flops = 0;

  constructor(
    readonly model: CompiledGraph | null,
    readonly trace: Trace,
    readonly layout: StateLayout,
    readonly stepScalars: readonly Tensor[] = [],
  ) {
    this.scalarInputs = stepScalars.map(() => null);
  }

  /** Name the ONNX value a tensor stands for (the stand-ins of a traced update rule). */
  bind(t: Tensor, name: string): void {
    this.names.set(t, name);
  }

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
    const d = tr.hostOf.get(t);
    if (d) {
      const name = `data_${this.data.length}`;
      this.b.addInput(name, elem(t.dtype), t.shape);
      this.data.push({ name, nodeId: d.nodeId, port: d.port, dtype: t.dtype, shape: t.shape });
      return name;
    }
    const s = this.stepScalars.indexOf(t);
    if (s >= 0) {
      const name = `scalar_${s}`;
      this.b.addInput(name, elem(t.dtype), []);
      this.scalarInputs[s] = name;
      return name;
    }
    if (t.size <= 64) return this.b.constant(elem(t.dtype), t.shape, t.data);
    return this.b.addInitializer('const', elem(t.dtype), t.shape, t.data);
  }

  /** Lower the records needed for `roots`, in record order (the step's, or another traced list: an update rule). */
  lower(roots: readonly Tensor[], records: readonly StepRecord[] = this.trace.records, producer: ReadonlyMap<Tensor, number> = this.trace.producer): void {
    const needed = new Set<number>();
    const stack = roots.map((t) => producer.get(t)).filter((i): i is number => i !== undefined);
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (needed.has(i)) continue;
      needed.add(i);
      for (const t of records[i]!.inputs) {
        const j = producer.get(t);
        if (j !== undefined && !needed.has(j)) stack.push(j);
      }
    }
    const order = [...needed].sort((a, b) => a - b);
    for (const i of order) {
      const r = records[i]!;
      if (this.names.has(r.output)) continue;
      if (r.op.random) {
        // drawn on the host each step (the executor runs the record), fed as an input
        const name = `mask_${this.masks.length}`;
        this.b.addInput(name, elem(r.output.dtype), r.output.shape);
        this.masks.push({ name, record: r });
        this.names.set(r.output, name);
        continue;
      }
      if (r.op === assignOp) {
        // the target's new value: no node, the value itself (in the target's shape)
        const [target, v] = r.inputs as [Tensor, Tensor];
        let value = this.cast(this.value(v), v.dtype, target.dtype);
        if (v.shape.join() !== target.shape.join()) value = this.reshape(value, target.shape);
        this.assigned.set(target, value);
        this.names.set(r.output, value);
        continue;
      }
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
  /**
   * `graph` (default): the optimizer's update rule runs in the graph, which outputs the new
   * state. `gradients`: the graph outputs the gradients flat and the executor updates (needs the
   * 'regions' layout).
   */
  readonly update?: 'graph' | 'gradients';
}

/** The ONNX training-step graph of a traced step. */
export function buildTrainGraph(model: CompiledGraph, trace: Trace, o: TrainGraphOptions): StepGraph {
  const L = new Lowerer(model, trace, o.layout, o.optimizer.stepScalars);
  const { b } = L;
  const { layout } = o;
  const loss = trace.loss!;
  const roots: Tensor[] = [loss];
  if (trace.prediction) roots.push(trace.prediction);
  for (const g of trace.grads) if (g) roots.push(g);
  // the state the forward pass assigns (BatchNorm's running statistics)
  for (const r of trace.records) if (r.op === assignOp) roots.push(r.output);
  for (const e of trace.extras) for (const t of [e.value, e.grad]) if (t) roots.push(t);
  L.lower(roots);

  const hasGrad = trace.grads.map((g) => g !== null);
  const gradientsOnly = o.update === 'gradients';
  if (gradientsOnly && layout.mode === 'packed') throw new EngineError('internal: a gradients-out step graph needs the regions or tensors layout');
  const stateOutputs: number[] = [];
  const check = gradientsOnly
    ? gradientsOut(L, trace, stateOutputs)
    : layout.mode === 'tensors' ? updateTensors(L, trace, o.optimizer) : updateFlat(L, trace, o.optimizer);

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
    stateOutputs: gradientsOnly ? stateOutputs : [...L.stateInputs].sort((x, y) => x - y),
    gradsOut: !gradientsOnly ? 'none' : layout.mode === 'tensors' ? 'tensors' : 'flat',
    gradsSize: gradientsOnly ? layout.paramTotal : 0,
    data: L.data,
    masks: L.masks,
    scalarInputs: L.scalarInputs,
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
    stateOutputs: [],
    gradsOut: 'none',
    gradsSize: 0,
    data: L.data,
    masks: L.masks,
    scalarInputs: [],
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
  const records: StepRecord[] = [];
  const producer = new Map<Tensor, number>();
  const outputs = traceOps(
    (op, ins, attrs, output) => {
      producer.set(output, records.length);
      records.push({ op, inputs: ins, attrs, output, nodeId: null });
    },
    () => [...fn()],
  );
  const host = inputs.map((t, i) => ({ nodeId: `x${i}`, port: 'out', tensor: t }));
  const trace: Trace = {
    training: false, records, producer, forwardEnd: records.length, backwardEnd: records.length, params: [], buffers: [],
    host, hostOf: new Map(host.map((h) => [h.tensor, h])), result: null as unknown as Trace['result'], loss: null, prediction: null,
    grads: [], extras: [], slots: [], stepScalars: [], stopped: null,
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
  for (const { tensor: t } of trace.host) if (t.ndim > 0) return t.shape[0]!;
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

/**
 * The optimizer's update rule (`Optimizer.updateRule`: ops ending in assigns), traced once on
 * stand-in tensors of `shape` — the flat parameter vector, or one parameter — so that the graph
 * runs exactly the ops the ts backend runs. Returns the records and the stand-ins to bind.
 */
function traceRule(opt: Optimizer, shape: Shape): { records: StepRecord[]; producer: Map<Tensor, number>; param: Tensor; grad: Tensor; slots: Tensor[] } {
  const param = zeros(shape);
  const grad = zeros(shape);
  const slots = opt.slotNames.map(() => zeros(shape));
  const records: StepRecord[] = [];
  const producer = new Map<Tensor, number>();
  traceOps(
    (op, inputs, attrs, output) => {
      producer.set(output, records.length);
      records.push({ op, inputs, attrs, output, nodeId: null });
    },
    () => noGrad(() => opt.updateRule(param, grad, slots)),
  );
  return { records, producer, param, grad, slots };
}

/** Lower a traced rule with its stand-ins bound; returns the new parameter and slot values. */
function lowerRule(L: Lowerer, opt: Optimizer, shape: Shape, P: string, G: string, slots: readonly string[]): { params: string; slots: string[] } {
  const rule = traceRule(opt, shape);
  L.bind(rule.param, P);
  L.bind(rule.grad, G);
  rule.slots.forEach((t, i) => L.bind(t, slots[i]!));
  L.lower(rule.records.filter((r) => r.op === assignOp).map((r) => r.output), rule.records, rule.producer);
  const after = (t: Tensor, before: string): string => L.assigned.get(t) ?? before;
  return { params: after(rule.param, P), slots: rule.slots.map((t, i) => after(t, slots[i]!)) };
}

/** The value the forward pass assigned to each buffer (BatchNorm's running statistics), by buffer. */
function assignedBuffers(L: Lowerer, trace: Trace): (string | null)[] {
  return trace.buffers.map((t) => L.assigned.get(t) ?? null);
}

const zerosOf = (L: Lowerer, size: number) => L.b.op('ConstantOfShape', [L.int64s([size])], { value: attr.tensor(tensorProto('zero', 'float32', [1], [0])) });

/**
 * packed/regions: the update on the flat parameter vector (one set of elementwise nodes for
 * all parameters), the assigned buffers into the flat buffer vector; the new state written
 * buffer by buffer. Returns the check value: Σ new parameters, finite iff the update was.
 */
function updateFlat(L: Lowerer, trace: Trace, opt: Optimizer): string {
  const { b } = L;
  const { layout } = L;
  const P = L.region('params');
  const hasGrad = trace.grads.map((g) => g !== null);
  // Gradients, flat, in parameter order (zeros where the loss does not depend on a parameter).
  const pieces = trace.grads.map((g, k) => (g ? L.flatFloat(g) : zerosOf(L, layout.params[k]!.size)));
  const G = L.concatTree(pieces);
  const slots = Array.from({ length: layout.slots }, (_, s) => L.region(`slot${s}` as RegionName));
  const update = lowerRule(L, opt, [layout.paramTotal], P, G, slots);
  // Parameters without a gradient keep their values and state (as the ts optimizers skip them).
  if (hasGrad.some((h) => !h)) {
    const mask = new Array<number>(layout.paramTotal);
    layout.params.forEach((p, k) => mask.fill(hasGrad[k] ? 1 : 0, p.offset, p.offset + p.size));
    const cond = b.addInitializer('has_grad', 'bool', [layout.paramTotal], mask);
    update.params = b.op('Where', [cond, update.params, P]);
    update.slots = update.slots.map((s, i) => b.op('Where', [cond, s, slots[i]!]));
  }

  // Buffers: the assigned ones take their new values, the others stay.
  let newBuffers: string | null = null;
  if (layout.bufferTotal > 0) {
    const assigned = assignedBuffers(L, trace);
    if (assigned.some((a) => a !== null)) {
      const parts = layout.buffers.map((at, k) => L.reshape(assigned[k] ?? L.buffer(k), [at.size]));
      newBuffers = L.concatTree(parts);
    } else newBuffers = L.region('buffers');
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
 * gradients-out: every parameter's gradient flat in one output `grads` (zeros where the loss does
 * not depend on a parameter; 'regions' layout) or one output `grad_<k>` per parameter with a
 * gradient ('tensors' layout: no Split of the parameters, no Concat of the gradients — for large
 * models those copies cost more than the extra inputs and outputs), and the buffers the forward
 * pass assigned as their new values (`state_<i>_out`, i pushed to `outputs`). No update: the
 * executor runs it. Returns the check value, 0 (the executor checks gradients and parameters).
 */
function gradientsOut(L: Lowerer, trace: Trace, outputs: number[]): string {
  const { b, layout } = L;
  if (layout.mode === 'tensors') {
    trace.grads.forEach((g, k) => {
      if (!g) return;
      const name = `grad_${k}`;
      b.reserve(name);
      b.node('Identity', [L.cast(L.value(g), g.dtype, 'float32')], { outputs: [name] });
      b.addOutput(name, 'float32', layout.params[k]!.shape);
    });
    const assigned = assignedBuffers(L, trace);
    layout.buffers.forEach((at, k) => {
      if (assigned[k] === null) return;
      const place = layout.bufferAt[k]!;
      const name = `state_${place.buffer}_out`;
      b.reserve(name);
      b.node('Identity', [assigned[k]!], { outputs: [name] });
      b.addOutput(name, 'float32', at.shape);
      outputs.push(place.buffer);
    });
    return b.constant('float32', [1], [0]);
  }
  const pieces = trace.grads.map((g, k) => (g ? L.flatFloat(g) : zerosOf(L, layout.params[k]!.size)));
  b.reserve('grads');
  b.node('Identity', [L.concatTree(pieces)], { outputs: ['grads'] });
  b.addOutput('grads', 'float32', [layout.paramTotal]);
  const region = layout.regions.get('buffers');
  const assigned = assignedBuffers(L, trace);
  if (region && assigned.some((a) => a !== null)) {
    const name = `state_${region.buffer}_out`;
    b.reserve(name);
    b.node('Identity', [L.concatTree(layout.buffers.map((at, k) => L.reshape(assigned[k] ?? L.buffer(k), [at.size])))], { outputs: [name] });
    b.addOutput(name, 'float32', [region.size]);
    outputs.push(region.buffer);
  }
  return b.constant('float32', [1], [0]);
}

/**
 * tensors: each parameter, slot and buffer is its own input and output; the update runs per
 * parameter. Returns the check value (Σ of the new parameters).
 */
function updateTensors(L: Lowerer, trace: Trace, opt: Optimizer): string {
  const { b } = L;
  const { layout } = L;
  const out = (place: Place, shape: Shape, value: string): void => {
    const name = `state_${place.buffer}_out`;
    b.reserve(name);
    b.node('Identity', [value], { outputs: [name] });
    b.addOutput(name, 'float32', shape);
  };
  const sums: string[] = [];
  layout.params.forEach((p, k) => {
    const P = L.param(k);
    const slots = layout.slotAt.map((places) => L.stateInput(places[k]!.buffer));
    const g = trace.grads[k];
    if (!g) {
      // no gradient: unchanged (as the ts optimizers skip it)
      out(layout.paramAt[k]!, p.shape, P);
      slots.forEach((s, i) => out(layout.slotAt[i]![k]!, p.shape, s));
      return;
    }
    const G = L.cast(L.value(g), g.dtype, 'float32');
    const u = lowerRule(L, opt, p.shape, P, G, slots);
    out(layout.paramAt[k]!, p.shape, u.params);
    u.slots.forEach((s, i) => out(layout.slotAt[i]![k]!, p.shape, s));
    sums.push(b.op('ReduceSum', [u.params], { keepdims: attr.int(0) }));
  });
  const assigned = assignedBuffers(L, trace);
  layout.buffers.forEach((at, k) => out(layout.bufferAt[k]!, at.shape, assigned[k] ?? L.buffer(k)));
  const total = sums.length === 0 ? L.scalar(0, 'float32') : sums.length === 1 ? sums[0]! : b.op('Sum', sums);
  return L.reshape(total, [1]);
}
