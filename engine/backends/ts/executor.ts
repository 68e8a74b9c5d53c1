/**
 * The `ts` step executor. The first step of each batch shape runs eagerly — forward and backward
 * on the engine's own tensors (the autograd tape), the optimizer's update ops — while it is
 * traced; the trace is that shape's step program, and later steps replay it (ts/replay.ts):
 * bitwise the same numbers without the tape's per-op overhead.
 */
import { noGrad } from '../../autograd/grad-mode';
import type { Dataset } from '../../data/dataset';
import type { CompiledGraph } from '../../graph/compile';
import type { Optimizer } from '../../optim/optimizer';
import { feedOf, viewFeedOf } from '../../graph/feed';
import { evaluateBatches, type EvaluationResult } from '../evaluate';
import { traceStep } from '../step-program';
import { StepReplay } from './replay';
import type { TypedArray } from '../../core/dtype';
import type { Tensor } from '../../core/tensor';
import { l2norm, type BackendReport, type NonFiniteAt, type StepBatch, type StepExecutor, type StepNorms, type StepOutcome } from '../executor';

export const TS_REPORT: BackendReport = { backend: 'ts', provider: 'typescript', note: null };

export class TsStepExecutor implements StepExecutor {
  readonly report: BackendReport;

  constructor(
    readonly model: CompiledGraph,
    readonly optimizer: Optimizer,
    note: string | null = null,
  ) {
    this.report = { ...TS_REPORT, note };
  }

  private readonly programs = new Map<string, StepReplay>();
  /** The gradients of the last step (the traced step's tensors, which its replays overwrite). */
  private lastGrads: readonly (Tensor | null)[] = [];

  step(batch: StepBatch): StepOutcome {
    const shape = `${batch.xShape.join('x')}|${batch.yShape.join('x')}`;
    const program = this.programs.get(shape);
    if (program) {
      this.lastGrads = program.traced.grads;
      // the replay copies the batch into the traced step's inputs: no copies of its own
      return program.step(viewFeedOf(batch.x, batch.xShape, batch.y, batch.yShape));
    }
    // The first step of this shape: run eagerly while tracing; the trace is the program (and
    // its inputs, which later replays overwrite, are copies of this batch).
    const feed = feedOf(batch.x, batch.xShape, batch.y, batch.yShape);
    const traced = traceStep(this.model, feed, { training: true, optimizer: this.optimizer, stopOnNonFinite: true });
    if (traced.stopped === 'loss') {
      const at = this.model.firstNonFinite(traced.result) ?? { nodeId: this.model.lossNodeId!, port: 'loss' };
      return { ok: false, at: { ...at, what: 'output' } };
    }
    if (traced.stopped === 'gradients') {
      const k = traced.grads.findIndex((g) => g !== null && !allFinite(g.data));
      const p = this.model.parameters()[k]!;
      return { ok: false, at: { nodeId: p.nodeId, port: p.name, what: 'gradient of' } };
    }
    this.programs.set(shape, new StepReplay(this.model, this.optimizer, traced));
    this.lastGrads = traced.grads;
    // Finite gradients can still overflow a parameter (a huge learning rate): stop here, before
    // the next forward pass hides where it came from.
    const overflowed = this.firstNonFiniteParameter();
    if (overflowed) return { ok: false, at: overflowed };
    return { ok: true, loss: traced.loss!.item(), prediction: traced.prediction };
  }

  /**
   * Where a batch first gives NaN/Inf, without updating anything (forward and backward only):
   * the ort backend asks this after its step reported a non-finite loss or update.
   */
  diagnose(batch: StepBatch): NonFiniteAt | null {
    const feed = feedOf(batch.x, batch.xShape, batch.y, batch.yShape);
    this.optimizer.zeroGrad();
    const result = this.model.forward(feed, { training: true });
    const loss = result.loss!;
    if (!Number.isFinite(loss.item())) return this.firstNonFiniteOutput(result);
    loss.backward();
    const bad = this.firstNonFiniteGradient();
    this.optimizer.zeroGrad();
    return bad;
  }

  evaluate(ds: Dataset, lossFn: string | null, batchSize = 1024): EvaluationResult {
    return evaluateModelTs(this.model, ds, lossFn, batchSize);
  }

  sync(): void {}
  dispose(): void {}

  norms(): StepNorms {
    const params = this.model.parameterTensors();
    const grads = this.lastGrads;
    return {
      params: Float64Array.from(params, (p) => l2norm(p.data)),
      grads: Float64Array.from(params, (_, k) => (grads[k] ? l2norm(grads[k]!.data) : NaN)),
    };
  }

  weights(): TypedArray[] {
    return [...this.model.parameterTensors(), ...this.model.buffers().map((b) => b.tensor)].map((t) => t.data.slice());
  }

  private firstNonFiniteOutput(result: Parameters<CompiledGraph['firstNonFinite']>[0]): NonFiniteAt {
    const at = this.model.firstNonFinite(result) ?? { nodeId: this.model.lossNodeId!, port: 'loss' };
    return { ...at, what: 'output' };
  }

  private firstNonFiniteParameter(): NonFiniteAt | null {
    const bad = this.model.parameters().find((p) => !allFinite(p.tensor.data));
    return bad ? { nodeId: bad.nodeId, port: bad.name, what: 'parameter' } : null;
  }

  private firstNonFiniteGradient(): NonFiniteAt | null {
    const bad = this.model.parameters().find((p) => p.tensor.grad && p.tensor.grad.data.some((v) => !Number.isFinite(v)));
    return bad ? { nodeId: bad.nodeId, port: bad.name, what: 'gradient of' } : null;
  }
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/** Evaluate a compiled model on a dataset in evaluation mode, without recording gradients (ts backend). */
export function evaluateModelTs(model: CompiledGraph, ds: Dataset, lossFn: string | null, batchSize = 1024): EvaluationResult {
  return noGrad(() =>
    evaluateBatches(ds, lossFn, batchSize, (b) => {
      const r = model.forward(feedOf(b.x as Float32Array, b.xShape, b.y as Float32Array, b.yShape), { training: false });
      return { loss: r.loss ? r.loss.item() : null, prediction: r.prediction };
    }),
  );
}
