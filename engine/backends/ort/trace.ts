/**
 * Tracing a compiled graph: run one step on the ts backend while `traceOps` records every op
 * applied — the forward pass, the loss, and the backward pass (its VJPs are ops too, applied
 * under noGrad) — so that the whole step can be lowered to ONE ONNX graph.
 *
 * Besides the ops, the lowering must know what each leaf tensor (an op input that no traced op
 * produced) stands for: a parameter, a buffer, the batch (the outputs of the Input and Target
 * nodes), a Dropout mask (drawn in JS), or a constant. The tracer marks node boundaries by
 * wrapping each node runtime's `forward`, so it can tell them apart, and finds the BatchNorm
 * batch statistics whose running averages are updated in JS.
 */
import { grad } from '../../autograd/backward';
import { noGrad } from '../../autograd/grad-mode';
import { EngineError } from '../../core/errors';
import type { Generator } from '../../core/random';
import type { Tensor } from '../../core/tensor';
import type { CompiledGraph } from '../../graph/compile';
import type { BatchFeed, ForwardContext, NodeRuntime } from '../../graph/node-def';
import { nodeTitle } from '../../graph/validate';
import { BatchNorm1d, Dropout } from '../../nn/layers';
import { traceOps, type Attrs, type OpDef } from '../../ops/define-op';

export interface TraceRecord {
  readonly op: OpDef;
  readonly inputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly output: Tensor;
  /** The canvas node whose forward applied the op; null for the backward pass and the per-edge copies. */
  readonly nodeId: string | null;
}

/** An output of an Input or Target node: the batch, fed to the graph each step. */
export interface DataRef {
  readonly nodeId: string;
  readonly port: string;
}

/** A Dropout mask (drawn in JS from the node's seeded generator, fed each step). */
export interface MaskRef {
  readonly nodeId: string;
  readonly p: number;
  readonly generator: Generator;
}

/** A BatchNorm1d in training mode: the batch statistics its running averages are updated from. */
export interface BatchNormRef {
  readonly nodeId: string;
  readonly mean: Tensor;
  readonly variance: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly momentum: number;
  /** Batch size (the variance's unbiasing factor is n/(n−1)). */
  readonly n: number;
}

/** A requested edge (`edge id`) or port (`nodeId:port`): its value and gradient in the step. */
export interface ExtraRef {
  readonly key: string;
  readonly value: Tensor | null;
  readonly grad: Tensor | null;
}

export interface Trace {
  readonly training: boolean;
  readonly records: readonly TraceRecord[];
  /** Output tensor → index of the record that produced it. */
  readonly producer: ReadonlyMap<Tensor, number>;
  readonly params: readonly Tensor[];
  readonly buffers: readonly Tensor[];
  readonly data: ReadonlyMap<Tensor, DataRef>;
  readonly masks: ReadonlyMap<Tensor, MaskRef>;
  readonly loss: Tensor | null;
  readonly prediction: Tensor | null;
  /** ∂loss/∂parameter for each parameter (null: the loss does not depend on it). Training only. */
  readonly grads: readonly (Tensor | null)[];
  readonly batchNorms: readonly BatchNormRef[];
  readonly extras: readonly ExtraRef[];
}

export interface TraceOptions {
  /** Edge ids or `nodeId:port` keys whose values (and gradients, in training) are wanted. */
  readonly extras?: readonly string[];
}

const DATA_NODES = new Set(['Input', 'Target']);

interface Saved {
  buffers: Float32Array[] | (Float32Array | Float64Array | Int32Array)[];
  generators: [Generator, Record<string, unknown>][];
  tracked: [BatchNorm1d, number][];
}

function moduleOf(rt: NodeRuntime): unknown {
  return rt.module;
}

/** The Dropout module's seeded generator (a private field: the mask must be drawn from the same stream as on the ts backend). */
export function dropoutGenerator(d: Dropout): Generator {
  return (d as unknown as { generator: Generator }).generator;
}

function saveState(model: CompiledGraph): Saved {
  const generators: Saved['generators'] = [];
  const tracked: Saved['tracked'] = [];
  for (const rt of model.runtimes.values()) {
    const m = moduleOf(rt);
    if (m instanceof Dropout) {
      const g = dropoutGenerator(m);
      generators.push([g, { ...(g as unknown as Record<string, unknown>) }]);
    }
    if (m instanceof BatchNorm1d) tracked.push([m, m.numBatchesTracked]);
  }
  return { buffers: model.buffers().map((b) => b.tensor.data.slice()), generators, tracked };
}

function restoreState(model: CompiledGraph, s: Saved): void {
  model.buffers().forEach((b, i) => b.tensor.data.set(s.buffers[i]!));
  for (const [g, state] of s.generators) Object.assign(g, state);
  for (const [m, n] of s.tracked) m.numBatchesTracked = n;
}

/**
 * Trace one training step (forward in training mode, then ∂loss/∂every parameter) on `feed`,
 * or, with `training: false`, one forward pass in evaluation mode. The model's state
 * (BatchNorm running statistics, Dropout generators) is left as it was.
 */
export function traceStep(model: CompiledGraph, feed: BatchFeed, training: boolean, options: TraceOptions = {}): Trace {
  const records: TraceRecord[] = [];
  const producer = new Map<Tensor, number>();
  const data = new Map<Tensor, DataRef>();
  const masks = new Map<Tensor, MaskRef>();
  const batchNorms: BatchNormRef[] = [];
  const params = model.parameterTensors();
  const buffers = model.buffers().map((b) => b.tensor);
  const known = new Set<Tensor>([...params, ...buffers]);
  let current: string | null = null;
  const saved = saveState(model);
  const originals: [NodeRuntime, NodeRuntime['forward']][] = [];
  const pendingBn: { nodeId: string; bn: BatchNorm1d; before: { rm: Float32Array; rv: Float32Array }; from: number }[] = [];

  for (const [nodeId, rt] of model.runtimes) {
    const forward = rt.forward;
    originals.push([rt, forward]);
    const node = model.nodes.get(nodeId)!;
    (rt as { forward: NodeRuntime['forward'] }).forward = (inputs: Readonly<Record<string, Tensor>>, ctx: ForwardContext) => {
      const m = moduleOf(rt);
      if (m instanceof BatchNorm1d && ctx.training) {
        pendingBn.push({ nodeId, bn: m, before: { rm: Float32Array.from(m.runningMean.data), rv: Float32Array.from(m.runningVar.data) }, from: records.length });
      }
      current = nodeId;
      const from = records.length;
      let outs: Record<string, Tensor>;
      try {
        outs = forward.call(rt, inputs, ctx);
      } finally {
        current = null;
      }
      if (DATA_NODES.has(node.type)) {
        for (const [port, t] of Object.entries(outs)) if (!producer.has(t) && !known.has(t)) data.set(t, { nodeId, port });
      }
      if (m instanceof Dropout && ctx.training) {
        for (let i = from; i < records.length; i++) {
          const r = records[i]!;
          if (r.op.name !== 'mul') continue;
          const mask = r.inputs[1]!;
          if (!producer.has(mask) && !known.has(mask) && mask.size > 1) masks.set(mask, { nodeId, p: m.p, generator: dropoutGenerator(m) });
        }
      }
      return outs;
    };
  }

  let loss: Tensor | null = null;
  let prediction: Tensor | null = null;
  let grads: (Tensor | null)[] = [];
  const extras: ExtraRef[] = [];
  try {
    traceOps(
      (op, inputs, attrs, output) => {
        producer.set(output, records.length);
        records.push({ op, inputs, attrs, output, nodeId: current });
      },
      () => {
        const wanted = options.extras ?? [];
        const perEdge = wanted.some((k) => model.edgeSource.has(k));
        const run = () => model.forward(feed, { training, perEdge });
        const r = training ? run() : noGrad(run);
        loss = r.loss;
        prediction = r.prediction;
        const extraValues = wanted.map((key) => (model.edgeSource.has(key) ? r.edges.get(key) : r.values.get(key)) ?? null);
        if (!training) {
          wanted.forEach((key, i) => extras.push({ key, value: extraValues[i]!, grad: null }));
          return;
        }
        if (!loss) throw new EngineError('the graph has no Loss node: nothing to train');
        const targets: Tensor[] = [...params];
        for (const v of extraValues) if (v && v.requiresGrad && !targets.includes(v)) targets.push(v);
        const g = loss.requiresGrad ? grad(loss, targets, { allowUnused: true }) : targets.map(() => null);
        grads = params.map((_, i) => g[i] ?? null);
        wanted.forEach((key, i) => {
          const v = extraValues[i]!;
          const k = v ? targets.indexOf(v) : -1;
          extras.push({ key, value: v, grad: k >= 0 ? (g[k] ?? null) : null });
        });
      },
    );
    for (const p of pendingBn) batchNorms.push(findBatchStats(model, p, records));
  } finally {
    for (const [rt, f] of originals) (rt as { forward: NodeRuntime['forward'] }).forward = f;
    restoreState(model, saved);
  }
  return { training, records, producer, params, buffers, data, masks, loss, prediction, grads, batchNorms, extras };
}

/**
 * BatchNorm1d updates its running statistics in JS from the batch mean and variance, which
 * are the first two `mean` ops it applies. Identify them and check the identification against
 * the update it made (exactly the same float arithmetic).
 */
function findBatchStats(
  model: CompiledGraph,
  p: { nodeId: string; bn: BatchNorm1d; before: { rm: Float32Array; rv: Float32Array }; from: number },
  records: readonly TraceRecord[],
): BatchNormRef {
  const means = records.filter((r, i) => i >= p.from && r.nodeId === p.nodeId && r.op.name === 'mean').map((r) => r.output);
  const { bn } = p;
  const fail = () =>
    new EngineError(`the ort backend could not find the batch statistics of ${nodeTitle(model.nodes.get(p.nodeId)!, model.defs.get(p.nodeId))}`);
  if (means.length < 2 || !bn.trackRunningStats) throw fail();
  const [mean, variance] = means as [Tensor, Tensor];
  const n = records.find((r, i) => i >= p.from && r.nodeId === p.nodeId)!.inputs[0]!.shape[0]!;
  const m = bn.momentum;
  const unbias = n / (n - 1);
  const rm = new Float32Array(p.before.rm.length);
  const rv = new Float32Array(p.before.rv.length);
  for (let c = 0; c < rm.length; c++) {
    rm[c] = (1 - m) * p.before.rm[c]! + m * mean.data[c]!;
    rv[c] = (1 - m) * p.before.rv[c]! + m * variance.data[c]! * unbias;
  }
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.prototype.every.call(a, (v: number, i: number) => Object.is(v, b[i]));
  if (!same(rm, bn.runningMean.data) || !same(rv, bn.runningVar.data)) throw fail();
  return { nodeId: p.nodeId, mean, variance, runningMean: bn.runningMean, runningVar: bn.runningVar, momentum: m, n };
}
