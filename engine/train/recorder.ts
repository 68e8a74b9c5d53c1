/**
 * The training timeline ("time travel"): what a run records per step, bounded.
 *
 *   - Step records: the loss, each parameter's L2 norm (after the step's update) and its
 *     gradient's L2 norm in that step. Every step for the first `denseSteps`, then every
 *     `stride`-th: when the thinned part grows past its share of `maxRecords`, the stride
 *     doubles and every other thinned record goes (so the kept steps stay evenly spaced).
 *   - Weight checkpoints: the weights a step RAN ON (the parameters and buffers before its
 *     update) and the dataset rows of its batch, so that the step's forward and backward pass —
 *     every edge's value and gradient — can be computed again exactly (Backprop mode at that
 *     step, the timeline's wire colours). Every step for as many first steps as half of
 *     `checkpointBytes` holds (at most `denseSteps`), then thinned the same way within the cap.
 *
 * Steps are numbered from 1 (the trainer's `step` after the step ran).
 */
import type { TypedArray } from '../core/dtype';
import type { CompiledGraph } from '../graph/compile';

export interface RecorderOptions {
  /** Steps recorded one by one before thinning starts (default 1,000). */
  denseSteps?: number;
  /** Most step records kept (default 2,000; at least `denseSteps` + 2). */
  maxRecords?: number;
  /** Most bytes of weight checkpoints kept (default 16 MiB a run). */
  checkpointBytes?: number;
}

export interface StepRecord {
  step: number;
  /** 0-based epoch and batch within it. */
  epoch: number;
  batch: number;
  loss: number;
  /** Per parameter (`TrainingRecorder.parameters` order): L2 norm after the step's update; null when the backend gives none. */
  paramNorms: (number | null)[];
  /** Per parameter: L2 norm of its gradient in the step; null where the backend does not keep it or the loss does not depend on it. */
  gradNorms: (number | null)[];
  /**
   * The gradient norms were computed again afterwards from the step's checkpoint and batch (a
   * backend that does not keep gradients: ort), not taken from the step itself.
   */
  recomputed?: boolean;
}

export interface WeightCheckpoint {
  /** The step that ran on these weights (they are the weights after step − 1 updates). */
  step: number;
  epoch: number;
  batch: number;
  /** The training split's rows that formed the step's batch, in batch order. */
  rows: Int32Array;
  /** Parameters then buffers (`TrainingRecorder.parameters`, `.buffers` order), copies. */
  tensors: TypedArray[];
}

export interface TensorName {
  nodeId: string;
  name: string;
  shape: number[];
}

const DEFAULTS = { denseSteps: 1000, maxRecords: 2000, checkpointBytes: 16 * 1024 * 1024 };

export class TrainingRecorder {
  readonly denseSteps: number;
  readonly maxRecords: number;
  readonly checkpointBytes: number;
  private readonly list: StepRecord[] = [];
  private recordStride = 1;
  private readonly cks: WeightCheckpoint[] = [];
  private ckStride = 1;
  private ckBytes = 0;
  /** Checkpoints kept one by one from step 1 (set by `setWeightSize`). */
  private denseCheckpoints = 0;
  private bytesPerCheckpoint = 0;

  constructor(
    readonly parameters: readonly TensorName[],
    readonly buffers: readonly TensorName[],
    options: RecorderOptions = {},
  ) {
    const o = { ...DEFAULTS, ...options };
    if (!Number.isInteger(o.denseSteps) || o.denseSteps < 0) throw new RangeError(`denseSteps must be a whole number ≥ 0, got ${o.denseSteps}`);
    if (!Number.isInteger(o.maxRecords) || o.maxRecords < o.denseSteps + 2) throw new RangeError(`maxRecords must be at least denseSteps + 2 (${o.denseSteps + 2}), got ${o.maxRecords}`);
    if (!(o.checkpointBytes >= 0)) throw new RangeError(`checkpointBytes must be ≥ 0, got ${o.checkpointBytes}`);
    this.denseSteps = o.denseSteps;
    this.maxRecords = o.maxRecords;
    this.checkpointBytes = o.checkpointBytes;
    const bytes = [...parameters, ...buffers].reduce((a, t) => a + 4 * t.shape.reduce((x, y) => x * y, 1), 0);
    this.setWeightSize(bytes);
  }

  /** Bytes one checkpoint takes (weights as float32; the batch rows are counted when kept). */
  private setWeightSize(bytes: number): void {
    this.bytesPerCheckpoint = Math.max(bytes, 1);
    this.denseCheckpoints = Math.min(this.denseSteps, Math.floor(this.checkpointBytes / 2 / this.bytesPerCheckpoint));
  }

  /** Whether step `step` gets a record (ask before computing its norms). */
  wantsRecord(step: number): boolean {
    return step <= this.denseSteps || (step - this.denseSteps) % this.recordStride === 0;
  }

  /** Whether step `step` gets a checkpoint (ask before it runs: the checkpoint is of its input weights). */
  wantsCheckpoint(step: number): boolean {
    if (this.bytesPerCheckpoint > this.checkpointBytes) return false;
    return step <= this.denseCheckpoints || (step - this.denseCheckpoints) % this.ckStride === 0;
  }

  record(r: StepRecord): void {
    if (!this.wantsRecord(r.step)) return;
    this.list.push(r);
    while (this.list.length > this.maxRecords) {
      this.recordStride *= 2;
      const d = this.denseSteps;
      const s = this.recordStride;
      const kept = this.list.filter((x) => x.step <= d || (x.step - d) % s === 0);
      this.list.length = 0;
      this.list.push(...kept);
    }
  }

  checkpoint(c: WeightCheckpoint): void {
    if (!this.wantsCheckpoint(c.step)) return;
    this.cks.push(c);
    this.ckBytes += checkpointSize(c);
    while (this.ckBytes > this.checkpointBytes && this.cks.length > 1) {
      // Over the cap with only the dense ones left (their batch rows took more than counted): thin those too.
      if (this.cks.every((x) => x.step <= this.denseCheckpoints)) this.denseCheckpoints = Math.floor(this.denseCheckpoints / 2);
      else this.ckStride *= 2;
      const d = this.denseCheckpoints;
      const s = this.ckStride;
      const kept = this.cks.filter((x) => x.step <= d || (x.step - d) % s === 0);
      this.cks.length = 0;
      this.cks.push(...kept);
      this.ckBytes = kept.reduce((a, x) => a + checkpointSize(x), 0);
    }
  }

  /** Records without any gradient norm whose step kept its weights, newest first (for `setGradNorms`). */
  recordsWithoutGradients(): StepRecord[] {
    const out: StepRecord[] = [];
    for (let i = this.list.length - 1; i >= 0; i--) {
      const r = this.list[i]!;
      if (!r.recomputed && r.gradNorms.every((g) => g === null) && this.checkpointAt(r.step)) out.push(r);
    }
    return out;
  }

  /** Gradient norms of a recorded step computed again from its checkpoint (`recomputed`). */
  setGradNorms(step: number, norms: readonly (number | null)[]): void {
    const r = this.list.find((x) => x.step === step);
    if (!r) return;
    r.gradNorms = [...norms];
    r.recomputed = true;
  }

  /** The step records kept, oldest first. */
  get records(): readonly StepRecord[] {
    return this.list;
  }

  /** The checkpoints kept, oldest first. */
  get checkpoints(): readonly WeightCheckpoint[] {
    return this.cks;
  }

  /** What the checkpoints take now. */
  get bytes(): number {
    return this.ckBytes;
  }

  /** The checkpoint of exactly this step, or null. */
  checkpointAt(step: number): WeightCheckpoint | null {
    let lo = 0;
    let hi = this.cks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.cks[mid]!.step;
      if (s === step) return this.cks[mid]!;
      if (s < step) lo = mid + 1;
      else hi = mid - 1;
    }
    return null;
  }

  /** The checkpoint of the latest step at or before `step`, or null. */
  checkpointAtOrBefore(step: number): WeightCheckpoint | null {
    let best: WeightCheckpoint | null = null;
    for (const c of this.cks) {
      if (c.step > step) break;
      best = c;
    }
    return best;
  }

  /** A checkpoint's tensors by node and name, as a trained-model file's `weights` (parameters and buffers). */
  weightsOf(c: WeightCheckpoint): Record<string, Record<string, { shape: number[]; data: number[] }>> {
    const out: Record<string, Record<string, { shape: number[]; data: number[] }>> = {};
    [...this.parameters, ...this.buffers].forEach((t, k) => {
      (out[t.nodeId] ??= {})[t.name] = { shape: [...t.shape], data: Array.from(c.tensors[k]!) };
    });
    return out;
  }
}

function checkpointSize(c: WeightCheckpoint): number {
  return c.rows.byteLength + c.tensors.reduce((a, t) => a + t.byteLength, 0);
}

/** A recorder for a compiled model's parameters and buffers. */
export function recorderFor(model: CompiledGraph, options: RecorderOptions = {}): TrainingRecorder {
  const names = (ps: readonly { nodeId: string; name: string; tensor: { shape: readonly number[] } }[]): TensorName[] =>
    ps.map((p) => ({ nodeId: p.nodeId, name: p.name, shape: [...p.tensor.shape] }));
  return new TrainingRecorder(names(model.parameters()), names(model.buffers()), options);
}
