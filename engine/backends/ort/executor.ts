/**
 * The `ort` step executor: each training step is ONE `session.run` of the step graph
 * (engine/backends/ort/step-graph.ts). The state — parameters, optimizer state, BatchNorm
 * running statistics — stays in flat float32 buffers between steps, ping-ponged: the outputs of
 * step k are written into pre-allocated tensors that are the inputs of step k+1, so a step
 * allocates nothing but the batch's own arrays. `sync()` writes the state back into the model's
 * tensors and the optimizer (at epoch ends and at the end of training).
 *
 * Batch sizes: the graph has static shapes (reshape/expand attributes, BatchNorm's n/(n−1), the
 * mean's 1/n are all constants), so each batch size gets its own graph — in practice two, the
 * full batch and the last partial one — compiled on first use and cached by the hash of its bytes.
 *
 * The optimizer's update on the CPU provider: forward and backward run in onnxruntime, whose
 * graph outputs only the gradients (flat, one output); the update runs as the optimizer's fused
 * WebAssembly kernel (engine/optim/kernels) over the flat state — parameters, gradients and the
 * optimizer's state in one WebAssembly memory, which onnxruntime reads and writes through views
 * (parameters in, gradients out), checked for NaN/Inf before the update. GPU providers (and the
 * CPU one when the kernel is not available, e.g. BPSTUDIO_WASM=0) keep the update in the graph.
 *
 * Dropout: the masks are drawn in JS from each Dropout node's seeded generator, in the same
 * order as on the ts backend, and fed as inputs: the same seed gives the same masks (and the
 * same numbers) on both backends.
 */
import { existsSync } from 'node:fs';
import { EngineError } from '../../core/errors';
import { Tensor } from '../../core/tensor';
import { selectRows, type Dataset } from '../../data/dataset';
import type { CompiledGraph } from '../../graph/compile';
import type { BatchFeed } from '../../graph/node-def';
import type { Optimizer, OptimizerState } from '../../optim/optimizer';
import { feedOf, viewFeedOf } from '../../graph/feed';
import { decisionThreshold, predictClasses, trueClasses } from '../../data/metrics';
import { evalBatches, finishEvaluation, type EvaluationResult } from '../evaluate';
import { l2norm, type BackendName, type BackendReport, type NonFiniteAt, type StepBatch, type StepExecutor, type StepNorms, type StepOutcome } from '../executor';
import type { TypedArray } from '../../core/dtype';
import { TsStepExecutor } from '../ts/executor';
import {
  BACKEND_OF, listProviders, openSession, ort, ortTensor, PROVIDER_OF, ProviderError, type OrtProvider, type OrtSession,
} from './runtime';
import { buildEvalGraph, buildTrainGraph, stateLayout, type StateLayout, type StateMode, type StepGraph } from './step-graph';
import { traceStep, type TracedStep } from '../step-program';
import { FlatState, optimKernelsAvailable, runsOf } from '../../optim/kernels/optim-wasm';

export interface OrtExecutorOptions {
  /** `auto` or one of the `ort-*` backends. */
  readonly backend: BackendName;
  /** Edge ids or `nodeId:port` keys whose value and gradient each step also returns (the backprop view). */
  readonly extras?: readonly string[];
  /** Intra-op threads; default DEFAULT_STEP_THREADS. */
  readonly threads?: number;
  /** How the state travels (see StateMode); default: packed below 64k state values, one tensor each above. */
  readonly packing?: 'auto' | StateMode;
  /**
   * Where the optimizer's update runs: `graph` — in the step graph; `wasm` — the graph outputs
   * the gradients and the optimizer's WebAssembly kernel updates the flat state (CPU provider
   * only; an error where it cannot run); `auto` (default) — `wasm` on the CPU provider when the
   * kernel is available and `packing` is not `packed`, else `graph`.
   */
  readonly update?: 'auto' | 'graph' | 'wasm';
}

/**
 * Intra-op threads of a training step graph unless `threads` says otherwise: one. Measured on
 * the 2-core build machines: the Iris step (0.3 MFLOP, ~200 small nodes) runs 1.5–2× slower with
 * two (the hand-offs cost more than the work), and so does the Fashion-MNIST MLP step (W1, batch
 * 32: 740–860 µs with one thread, 1,590–1,640 µs with two). A fixed number, never one chosen by
 * timing: an earlier version timed one against two, and the float32 rounding — so a seed's
 * numbers — changed with the machine's load from run to run.
 */
export const DEFAULT_STEP_THREADS = 1;
const PACKED_BELOW = 65536;

interface GraphRun {
  readonly graph: StepGraph;
  readonly session: OrtSession;
  readonly feeds: Record<string, ort.Tensor>;
  readonly fetches: Record<string, ort.Tensor | null>;
  /** The batch's inputs (the source nodes' outputs): fed each step as tensors over the values themselves. */
  readonly data: readonly StepGraph['data'][number][];
  /** Random ops' values (dropout masks): `draw` runs the traced record into the input's storage. */
  readonly masks: { tensor: ort.Tensor; draw: () => void }[];
  /** The optimizer's step scalars, by index into `Optimizer.stepScalars`. */
  readonly scalars: { index: number; data: Float32Array }[];
  readonly stats: Float32Array;
  readonly extras: { key: string; value: ort.Tensor | null; grad: ort.Tensor | null; valueShape: readonly number[]; gradShape: readonly number[] }[];
  /** Runs of parameters with a gradient ([from, to) pairs): one kernel call each in the WebAssembly update. */
  readonly runs: readonly (readonly [number, number])[];
}

/** Two identical sets of state buffers; `cur` holds the state, the step writes `nxt`, then they swap. */
interface PingPong {
  cur: Float32Array[];
  nxt: Float32Array[];
  curT: ort.Tensor[];
  nxtT: ort.Tensor[];
}

export class OrtStepExecutor implements StepExecutor {
  readonly report: BackendReport;
  private readonly trains = new Map<number, GraphRun>();
  private readonly evals = new Map<number, GraphRun>();
  private stepCount: number;
  /** Parameters the optimizer has updated in this executor's steps (they had a gradient). */
  private readonly updatedParams: boolean[];
  private last: GraphRun | null = null;
  private readonly ts: TsStepExecutor;
  /** The WebAssembly update: the flat state (params and slots are views of it) and the runs of parameters with a gradient. */
  private readonly flat: FlatState | null;
  /** Whether `flat.grads` holds the last step's gradients. */
  private haveGrads = false;

  private constructor(
    readonly model: CompiledGraph,
    readonly optimizer: Optimizer,
    private readonly train: Dataset,
    readonly layout: StateLayout,
    private readonly state: PingPong,
    readonly provider: OrtProvider,
    private readonly threads: number | null,
    private readonly extrasWanted: readonly string[],
    note: string | null,
    flat: FlatState | null,
  ) {
    this.report = { backend: BACKEND_OF[provider], provider, note };
    this.flat = flat;
    this.stepCount = optimizer.stepCount;
    this.updatedParams = layout.params.map(() => false);
    this.ts = new TsStepExecutor(model, optimizer);
  }

  /**
   * Build an executor: lay out the state, compile the step graph for `batchSize` and start a
   * session on the requested provider (`auto`: the first that starts, saying why others did not).
   */
  static async create(
    model: CompiledGraph,
    optimizer: Optimizer,
    train: Dataset,
    batchSize: number,
    options: OrtExecutorOptions,
  ): Promise<OrtStepExecutor> {
    if (model.lossNodeId === null) throw new EngineError('the graph has no Loss node: nothing to train');
    const packing = options.packing ?? 'auto';
    const wasm = wasmUpdate(optimizer, options);
    const probe = stateLayout(model, optimizer, 'packed');
    const small = probe.bufferSizes[0]! < PACKED_BELOW;
    // the WebAssembly update: the state as regions (small models) or one tensor each (large: no Split/Concat copies)
    const mode: StateMode = packing !== 'auto' ? packing : wasm ? (small ? 'regions' : 'tensors') : small ? 'packed' : 'tensors';
    const layout = mode === 'packed' ? probe : stateLayout(model, optimizer, mode);
    const flat = wasm ? FlatState.create(layout.params.map((p) => p.size), layout.slots) : null;
    if (wasm && !flat) throw new EngineError('the WebAssembly optimizer update could not allocate its memory');
    const state = newState(layout, flat);
    loadState(layout, state.cur, model, optimizer);
    const size = Math.min(batchSize, train.numSamples);
    const graph = compileTrain(model, optimizer, layout, syntheticFeeds(train, size), options.extras ?? [], flat !== null);
    const threads = options.threads ?? null;
    const { provider, session, note } = await startSession(graph, options.backend, threads ?? DEFAULT_STEP_THREADS);
    const ex = new OrtStepExecutor(model, optimizer, train, layout, state, provider, threads, options.extras ?? [], note, flat);
    ex.trains.set(size, ex.bind(graph, session));
    return ex;
  }

  /** Run one training step. */
  step(batch: StepBatch): StepOutcome | Promise<StepOutcome> {
    const n = batch.xShape[0]!;
    const run = this.trains.get(n);
    if (!run) return this.addTrain(n).then(() => this.step(batch));
    this.prepare(run, viewFeedOf(batch.x, batch.xShape, batch.y, batch.yShape), true);
    const r = run.session.run(run.feeds, run.fetches);
    if (r instanceof Promise) return r.then(() => this.finishStep(run, batch));
    return this.finishStep(run, batch);
  }

  /** Values and gradients of the requested edges/ports in the last step (copies). */
  extras(): Map<string, { value: Tensor | null; grad: Tensor | null }> {
    const out = new Map<string, { value: Tensor | null; grad: Tensor | null }>();
    for (const e of this.last?.extras ?? []) {
      const copy = (t: ort.Tensor | null, shape: readonly number[]) =>
        t ? Tensor.fromData((t.data as Float32Array | Float64Array | Int32Array).slice(), shape) : null;
      out.set(e.key, { value: copy(e.value, e.valueShape), grad: copy(e.grad, e.gradShape) });
    }
    return out;
  }

  private async addTrain(n: number): Promise<void> {
    const graph = compileTrain(this.model, this.optimizer, this.layout, syntheticFeeds(this.train, n), this.extrasWanted, this.flat !== null);
    this.trains.set(n, this.bind(graph, await openSession(graph.bytes, { provider: this.provider, threads: this.threadsFor() })));
  }

  private finishStep(run: GraphRun, batch: StepBatch): StepOutcome {
    const loss = run.stats[0]!;
    if (!Number.isFinite(loss) || !Number.isFinite(run.stats[1]!)) return this.nonFinite(batch);
    const flat = this.flat;
    if (flat) {
      // the gradients are in the flat state: check them, then the optimizer's kernel updates in place
      const runs = run.runs;
      this.haveGrads = true;
      for (let r = 0; r < runs.length; r++) if (!flat.gradsFinite(runs[r]![0], runs[r]![1])) return this.nonFinite(batch);
      this.optimizer.setStep(this.stepCount + 1);
      const spec = this.optimizer.kernelSpec()!;
      let finite = true;
      for (let r = 0; r < runs.length; r++) finite = flat.update(spec, runs[r]![0], runs[r]![1]) && finite;
      this.stepped(run);
      // updated in place (as the ts backend does): the parameter that overflowed
      if (!finite) return { ok: false, at: this.firstNonFiniteUpdate() ?? { nodeId: this.model.lossNodeId!, port: 'loss', what: 'output' } };
      return { ok: true, loss, prediction: this.prediction(run, 2) };
    }
    this.stepped(run);
    return { ok: true, loss, prediction: this.prediction(run, 2) };
  }

  /**
   * The step gave NaN/Inf (in the loss, or in the update: a gradient). The state is still the
   * one before the step (the outputs went to the other buffers): put it into the model and let
   * the ts backend find the node where it first appeared, as it would have.
   */
  private nonFinite(batch: StepBatch): StepOutcome {
    this.sync();
    const at = this.ts.diagnose(batch) ?? this.firstNonFiniteUpdate() ?? { nodeId: this.model.lossNodeId!, port: 'loss', what: 'output' as const };
    return { ok: false, at };
  }

  /** Forward and backward were finite, so the update overflowed: the first parameter the step wrote as NaN/Inf (in `nxt`). */
  private firstNonFiniteUpdate(): NonFiniteAt | null {
    const params = this.model.parameters();
    for (let k = 0; k < params.length; k++) {
      const at = this.layout.paramAt[k]!;
      const values = this.state.nxt[at.buffer]!.subarray(at.offset, at.offset + this.layout.params[k]!.size);
      if (values.some((v) => !Number.isFinite(v))) return { nodeId: params[k]!.nodeId, port: params[k]!.name, what: 'parameter' };
    }
    return null;
  }

  private prediction(run: GraphRun, offset: number): Tensor | null {
    const shape = run.graph.predictionShape;
    if (!shape) return null;
    return Tensor.fromData(run.stats.subarray(offset, offset + run.graph.statsSize - offset), shape);
  }

  private stepped(run: GraphRun): void {
    this.swap();
    this.stepCount++;
    this.last = run;
    run.graph.paramHasGrad.forEach((h, k) => (this.updatedParams[k] ||= h));
  }

  private swap(): void {
    const s = this.state;
    [s.cur, s.nxt] = [s.nxt, s.cur];
    [s.curT, s.nxtT] = [s.nxtT, s.curT];
  }

  /** Fill the run's inputs for this feed and point its state inputs/outputs at the current buffers. */
  private prepare(run: GraphRun, feed: BatchFeed, training: boolean): void {
    for (const d of run.data) {
      const t = this.dataValue(d.nodeId, d.port, feed, training);
      const size = sizeOfShape(d.shape);
      if (t.size !== size || t.dtype !== d.dtype) {
        throw new EngineError(`the ort backend expected ${size} ${d.dtype} values from "${d.nodeId}" (shape [${d.shape.join(', ')}]), got ${t.size} ${t.dtype}`);
      }
      // onnxruntime reads the batch where it is (a view of the dataset, for an unshuffled loader)
      run.feeds[d.name] = ortTensor(t.data as Float32Array | Int32Array | Float64Array, d.shape);
    }
    for (const m of run.masks) m.draw();
    if (run.scalars.length > 0) {
      this.optimizer.setStep(this.stepCount + 1);
      for (const s of run.scalars) s.data[0] = this.optimizer.stepScalars[s.index]!.data[0]!;
    }
    for (const i of run.graph.stateInputs) run.feeds[`state_${i}`] = this.state.curT[i]!;
    for (const i of run.graph.stateOutputs) run.fetches[`state_${i}_out`] = this.state.nxtT[i]!;
  }

  private dataValue(nodeId: string, port: string, feed: BatchFeed, training: boolean): Tensor {
    const rt = this.model.runtimes.get(nodeId)!;
    return rt.forward({}, { training, feed })[port]!;
  }

  /** Wire a compiled graph and its session to pre-allocated tensors. */
  private bind(graph: StepGraph, session: OrtSession): GraphRun {
    const feeds: Record<string, ort.Tensor> = {};
    const fetches: Record<string, ort.Tensor | null> = {};
    const data = graph.data; // fed by prepare, each step
    const masks = graph.masks.map((m) => {
      const r = m.record;
      const n = sizeOfShape(r.output.shape);
      const arr = r.output.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
      const tensor = ortTensor(arr, r.output.shape);
      feeds[m.name] = tensor;
      const call = { attrs: r.attrs, inputShapes: [], inputDTypes: [], outShape: r.output.shape, outDType: r.output.dtype };
      const kernel = r.op.specialize?.(call) ?? ((_i: unknown, out: Float32Array | Float64Array) => out.set(r.op.forward([], r.attrs, call.outShape, call.outDType)));
      return { tensor, draw: () => kernel([], arr) };
    });
    const scalars: GraphRun['scalars'] = [];
    graph.scalarInputs.forEach((name, index) => {
      if (name === null) return;
      const data = new Float32Array(1);
      feeds[name] = ortTensor(data, []);
      scalars.push({ index, data });
    });
    for (const i of graph.stateInputs) feeds[`state_${i}`] = this.state.curT[i]!;
    for (const i of graph.stateOutputs) fetches[`state_${i}_out`] = this.state.nxtT[i]!;
    if (graph.gradsOut !== 'none') {
      const flat = this.flat;
      if (!flat || flat.total !== graph.gradsSize) throw new EngineError('internal: a gradients-out step graph without its flat state');
      if (graph.gradsOut === 'flat') fetches['grads'] = ortTensor(flat.grads, [graph.gradsSize]);
      else graph.paramHasGrad.forEach((h, k) => h && (fetches[`grad_${k}`] = ortTensor(flat.part(flat.grads, k), this.layout.params[k]!.shape)));
    }
    const stats = new Float32Array(graph.statsSize);
    if (graph.statsSize > 0) fetches['stats'] = ortTensor(stats, [graph.statsSize]);
    const extras = graph.extras.map((e) => {
      const mk = (o: { name: string; shape: readonly number[]; dtype: string } | null) => {
        if (!o) return null;
        const n = sizeOfShape(o.shape);
        const t = ortTensor(o.dtype === 'int32' ? new Int32Array(n) : o.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n), o.shape);
        fetches[o.name] = t;
        return t;
      };
      return { key: e.key, value: mk(e.value), grad: mk(e.grad), valueShape: e.value?.shape ?? [], gradShape: e.grad?.shape ?? [] };
    });
    return { graph, session, feeds, fetches, data, masks, scalars, stats, extras, runs: runsOf(graph.paramHasGrad) };
  }

  private threadsFor(): number {
    return this.threads ?? DEFAULT_STEP_THREADS;
  }

  /** Loss, accuracy and confusion matrix on a dataset, with the current state, in evaluation mode. */
  async evaluate(ds: Dataset, lossFn: string | null, batchSize = 1024): Promise<EvaluationResult> {
    const classification = ds.task === 'classification';
    const predicted = classification ? new Int32Array(ds.numSamples) : null;
    const truth = classification ? trueClasses(ds.labels, 0, ds.numSamples, ds.labelEncoding === 'signed') : null;
    let lossSum = 0;
    let hasLoss = false;
    for (const b of evalBatches(ds, batchSize)) {
      const feed = feedOf(b.x as Float32Array, b.xShape, b.y as Float32Array, b.yShape);
      let run = this.evals.get(b.n);
      if (!run) {
        const graph = buildEvalGraph(this.model, traceStep(this.model, feed, { training: false, restore: true }), this.layout);
        run = this.bind(graph, await openSession(graph.bytes, { provider: this.provider, threads: this.threadsFor() }));
        this.evals.set(b.n, run);
      }
      this.prepare(run, feed, false);
      const r = run.session.run(run.feeds, run.fetches);
      if (r instanceof Promise) await r;
      let offset = 0;
      if (run.graph.hasLoss) {
        hasLoss = true;
        lossSum += run.stats[0]! * b.n;
        offset = 1;
      }
      const pred = this.prediction(run, offset);
      if (predicted && pred) predicted.set(predictClasses(pred, decisionThreshold(lossFn, ds)), b.start);
    }
    return finishEvaluation(ds, predicted, truth, hasLoss ? lossSum : null);
  }

  /**
   * Parameter norms from the state; gradient norms of the last step where the graph returns the
   * gradients (the WebAssembly update), else NaN.
   */
  norms(): StepNorms {
    const { layout, flat } = this;
    const cur = this.state.cur;
    return {
      params: Float64Array.from(layout.params, (p, k) => l2norm(cur[layout.paramAt[k]!.buffer]!.subarray(layout.paramAt[k]!.offset, layout.paramAt[k]!.offset + p.size))),
      grads: flat && this.haveGrads
        ? Float64Array.from(layout.params, (_, k) => (this.last?.graph.paramHasGrad[k] ? l2norm(flat.part(flat.grads, k)) : NaN))
        : new Float64Array(layout.params.length).fill(NaN),
    };
  }

  /** Whether the optimizer's update runs as its WebAssembly kernel (else in the step graph). */
  get wasmUpdate(): boolean {
    return this.flat !== null;
  }

  /** Parameters and buffers from the state (copies), without writing them into the model. */
  weights(): TypedArray[] {
    const { layout } = this;
    const cur = this.state.cur;
    const read = (at: { buffer: number; offset: number }, size: number) => cur[at.buffer]!.slice(at.offset, at.offset + size);
    return [...layout.params.map((p, k) => read(layout.paramAt[k]!, p.size)), ...layout.buffers.map((b, k) => read(layout.bufferAt[k]!, b.size))];
  }

  /** Write parameters, buffers and optimizer state into the model's tensors and the optimizer. */
  sync(): void {
    const { layout } = this;
    const cur = this.state.cur;
    const read = (at: { buffer: number; offset: number }, size: number) => cur[at.buffer]!.subarray(at.offset, at.offset + size);
    this.model.parameterTensors().forEach((t, k) => t.data.set(read(layout.paramAt[k]!, layout.params[k]!.size)));
    this.model.buffers().forEach((b, k) => b.tensor.data.set(read(layout.bufferAt[k]!, layout.buffers[k]!.size)));
    const before = this.optimizer.stateDict();
    const slotNames = this.optimizer.slotNames;
    const buffers: OptimizerState['buffers'] = {};
    slotNames.forEach((name, s) => {
      const prev = before.buffers[name];
      if (s >= layout.slots) {
        if (prev) buffers[name] = prev;
        return;
      }
      // A parameter the optimizer never updated keeps a null state (as on the ts backend).
      buffers[name] = layout.params.map((p, k) =>
        prev?.[k] === null && !this.updatedParams[k] ? null : Array.from(read(layout.slotAt[s]![k]!, p.size)),
      );
    });
    this.optimizer.loadStateDict({ type: before.type, step: this.stepCount, buffers });
  }

  dispose(): void {
    // Sessions stay in the process-wide cache (the next run of the same graph reuses them).
    this.trains.clear();
    this.evals.clear();
  }
}

function sizeOfShape(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The state buffers, twice. With a flat state (the WebAssembly update, 'regions' layout) the
 * parameter and slot regions are its views, the same in both sets (updated in place); only the
 * buffers' region alternates.
 */
function newState(layout: StateLayout, flat: FlatState | null): PingPong {
  const fixed = new Map<number, Float32Array>();
  if (flat && layout.mode !== 'tensors') {
    fixed.set(layout.regions.get('params')!.buffer, flat.params);
    for (let s = 0; s < layout.slots; s++) fixed.set(layout.regions.get(`slot${s}` as 'slot0')!.buffer, flat.slots[s]!);
  }
  if (flat && layout.mode === 'tensors') {
    layout.paramAt.forEach((at, k) => fixed.set(at.buffer, flat.part(flat.params, k)));
    layout.slotAt.forEach((places, s) => places.forEach((at, k) => fixed.set(at.buffer, flat.part(flat.slots[s]!, k))));
  }
  const mk = () => layout.bufferSizes.map((n, i) => fixed.get(i) ?? new Float32Array(n));
  const cur = mk();
  const nxt = mk();
  const tensors = (list: Float32Array[]) => list.map((a, i) => ortTensor(a, layout.bufferShapes[i]!));
  return { cur, nxt, curT: tensors(cur), nxtT: tensors(nxt) };
}

/** Copy the model's parameters and buffers and the optimizer's state into the state buffers. */
function loadState(layout: StateLayout, cur: Float32Array[], model: CompiledGraph, optimizer: Optimizer): void {
  const write = (at: { buffer: number; offset: number }, values: ArrayLike<number>) => cur[at.buffer]!.set(values, at.offset);
  model.parameterTensors().forEach((t, k) => write(layout.paramAt[k]!, t.data));
  model.buffers().forEach((b, k) => write(layout.bufferAt[k]!, b.tensor.data));
  const st = optimizer.stateDict();
  const slotNames = optimizer.slotNames;
  for (let s = 0; s < layout.slots; s++) {
    const saved = st.buffers[slotNames[s]!];
    layout.params.forEach((_, k) => {
      const v = saved?.[k];
      if (v) write(layout.slotAt[s]![k]!, v);
    });
  }
}

/**
 * Two batches to trace the step with (the second checks that nothing computed outside the ops
 * depends on the batch): random rows of the training data, so their values are valid.
 */
function syntheticFeeds(ds: Dataset, n: number): BatchFeed[] {
  return [1, 2].map((seed) => {
    const rows = new Int32Array(n);
    let s = seed * 2654435761;
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
      rows[i] = s % ds.numSamples;
    }
    const { features, labels } = selectRows(ds, rows);
    return feedOf(features, [n, ...ds.featureShape], labels, [n, ...ds.targetShape]);
  });
}

/** Trace the step (twice when two feeds are given, to check the trace does not depend on the batch) and lower it. */
function compileTrain(model: CompiledGraph, optimizer: Optimizer, layout: StateLayout, feeds: readonly BatchFeed[], extras: readonly string[], gradientsOut: boolean): StepGraph {
  const a = traceStep(model, feeds[0]!, { training: true, extras, restore: true });
  if (feeds.length > 1) checkSameTrace(model, a, traceStep(model, feeds[1]!, { training: true, extras, restore: true }));
  return buildTrainGraph(model, a, { optimizer, layout, update: gradientsOut ? 'gradients' : 'graph' });
}

/** Providers `auto` would try before the CPU one (GPU providers that are installed). */
function gpuCandidates(): boolean {
  const webgpuToo = autoTriesWebGpu();
  return listProviders().some((p) => p.available && p.provider !== 'cpu' && (p.provider !== 'webgpu' || webgpuToo));
}

/** Whether the update runs as the optimizer's WebAssembly kernel (see OrtExecutorOptions.update). */
function wasmUpdate(optimizer: Optimizer, o: OrtExecutorOptions): boolean {
  const update = o.update ?? 'auto';
  if (update === 'graph') return false;
  const cpu = o.backend === 'ort-cpu' || (o.backend === 'auto' && !gpuCandidates());
  const can = cpu && optimKernelsAvailable && optimizer.kernelSpec() !== null && optimizer.params.every((p) => p.dtype === 'float32');
  if (update === 'wasm') {
    if (!can) throw new EngineError(`the WebAssembly optimizer update cannot run here (${!cpu ? 'not the CPU provider' : !optimKernelsAvailable ? 'the kernels are not available' : 'no kernel for this optimizer'})`);
    return true;
  }
  return can && (o.packing ?? 'auto') !== 'packed';
}

/**
 * Two traces on different batches must apply the same ops to the same kinds of inputs, and
 * their constants must be equal: a constant that changed with the batch was computed outside
 * the ops (in JS) from the data, and would be frozen into the graph.
 */
function checkSameTrace(model: CompiledGraph, a: TracedStep, b: TracedStep): void {
  const where = (nodeId: string | null) => {
    if (!nodeId) return 'the backward pass';
    const node = model.nodes.get(nodeId)!;
    return `node "${node.label ?? node.id}"`;
  };
  if (a.records.length !== b.records.length) {
    throw new EngineError(`the ort backend cannot compile this graph: its ops depend on the batch (${a.records.length} ops on one batch, ${b.records.length} on another)`);
  }
  const kind = (t: Tensor, tr: typeof a): string => {
    const i = tr.producer.get(t);
    if (i !== undefined) return `op${i}`;
    const p = tr.params.indexOf(t);
    if (p >= 0) return `param${p}`;
    const k = tr.buffers.indexOf(t);
    if (k >= 0) return `buffer${k}`;
    const d = tr.hostOf.get(t);
    if (d) return `data:${d.nodeId}:${d.port}`;
    return 'const';
  };
  for (let i = 0; i < a.records.length; i++) {
    const ra = a.records[i]!;
    const rb = b.records[i]!;
    if (ra.op !== rb.op || JSON.stringify(ra.attrs) !== JSON.stringify(rb.attrs)) {
      throw new EngineError(`the ort backend cannot compile this graph: op ${i} (${ra.op.name} in ${where(ra.nodeId)}) depends on the batch`);
    }
    ra.inputs.forEach((ta, j) => {
      const tb = rb.inputs[j]!;
      const ka = kind(ta, a);
      if (ka !== kind(tb, b) || (ka === 'const' && !sameValues(ta, tb))) {
        throw new EngineError(
          `the ort backend cannot compile this graph: input ${j} of op "${ra.op.name}" in ${where(ra.nodeId)} is computed outside the ops from the batch; use --backend ts`,
        );
      }
    });
  }
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.size !== b.size || a.shape.join() !== b.shape.join()) return false;
  for (let i = 0; i < a.size; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

/**
 * Whether `auto` tries the WebGPU provider. Its probe (Dawn) writes a native warning line to the
 * process's stderr on machines without a GPU driver, which JavaScript cannot capture, so on Linux
 * `auto` tries it only where there is a GPU device node (`/dev/dri` — Mesa, AMD, Intel — or
 * `/dev/nvidia0`); macOS and Windows always have a WebGPU backend (Metal, D3D12).
 * BPSTUDIO_AUTO_WEBGPU=1 or 0 decides instead.
 */
export function autoTriesWebGpu(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, exists: (p: string) => boolean = existsSync): boolean {
  const asked = env['BPSTUDIO_AUTO_WEBGPU'];
  if (asked === '1' || asked === '0') return asked === '1';
  if (platform !== 'linux') return true;
  return exists('/dev/dri') || exists('/dev/nvidia0');
}

/** Start a session for `graph` on the requested backend; `auto` tries the providers in order and says why it fell back. */
async function startSession(graph: StepGraph, backend: BackendName, t: number): Promise<{ provider: OrtProvider; session: OrtSession; note: string | null }> {
  if (backend !== 'auto') {
    if (backend === 'ts') throw new EngineError('internal: the ort executor was asked for the ts backend');
    const provider = PROVIDER_OF[backend];
    const info = listProviders().find((p) => p.provider === provider)!;
    if (!info.available) throw new ProviderError(provider, info.detail);
    return { provider, session: await openSession(graph.bytes, { provider, threads: t }), note: null };
  }
  const failures: string[] = [];
  const webgpuToo = autoTriesWebGpu();
  const providers = listProviders();
  // WebGPU is in the build but this machine shows no GPU device: say so, rather than "none installed"
  const skippedWebGpu = !webgpuToo && providers.some((p) => p.provider === 'webgpu' && p.available);
  for (const info of providers) {
    if (!info.available || (info.provider === 'webgpu' && !webgpuToo)) continue;
    try {
      const session = await openSession(graph.bytes, { provider: info.provider, threads: t });
      const why = skippedWebGpu
        ? ' (no GPU device here: WebGPU not tried)'
        : ' (no GPU execution provider is installed)';
      const note = failures.length > 0
        ? `auto: ${failures.join('; ')}; running on ${info.backend}`
        : `auto chose ${info.backend}${info.provider === 'cpu' ? why : ''}`;
      return { provider: info.provider, session, note };
    } catch (e) {
      if (!(e instanceof ProviderError)) throw e;
      failures.push(`${info.backend} did not start (${e.reason})`);
    }
  }
  throw new EngineError(`auto: no onnxruntime execution provider started (${failures.join('; ')})`);
}

