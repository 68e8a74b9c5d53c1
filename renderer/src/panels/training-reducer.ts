/**
 * The pure part of the training store: how the engine's `train` events (start, batch, epoch,
 * paused, resumed, end) turn into the run's state — status, epoch, step, history, the
 * per-batch loss points for the live chart, throughput and the ETA. No engine, no DOM, no
 * clock of its own: every function takes `now` (ms), so the tests drive time.
 */
import type { EpochRecord, TrainEvent } from '../../../engine/service/protocol';

export type TrainingStatus = 'idle' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

/** Where training stopped on a NaN/Inf (the editor outlines `nodeId`). */
export interface TrainingDiagnostic {
  nodeId: string;
  message: string;
  port?: string;
}

export interface RunProgress {
  runId: string | null;
  status: TrainingStatus;
  /** The epoch in progress (1-based); after the end, the last one trained. */
  epoch: number;
  epochs: number;
  /** Batch in the current epoch (1-based) and batches per epoch. */
  batch: number;
  batches: number;
  /** Optimizer steps taken in this run. */
  step: number;
  startEpoch: number;
  trainSamples: number;
  testSamples: number;
  samplesPerSecond: number | null;
  /** Loss of the latest batch. */
  lastLoss: number | null;
  history: EpochRecord[];
  /** Per-batch losses for the live chart: x in fractional epochs (epoch 1 ends at x = 1). */
  batchX: number[];
  batchLoss: number[];
  /** Milliseconds spent running (pauses excluded) before `runningSince`. */
  activeMs: number;
  /** When the current running stretch began (ms), null when not running. */
  runningSince: number | null;
  /** Seconds left, estimated from the time per step so far; null until known. */
  etaSeconds: number | null;
  endReason: 'completed' | 'cancelled' | 'non-finite' | null;
  diagnostic: TrainingDiagnostic | null;
}

export const initialProgress: RunProgress = {
  runId: null,
  status: 'idle',
  epoch: 0,
  epochs: 0,
  batch: 0,
  batches: 0,
  step: 0,
  startEpoch: 0,
  trainSamples: 0,
  testSamples: 0,
  samplesPerSecond: null,
  lastLoss: null,
  history: [],
  batchX: [],
  batchLoss: [],
  activeMs: 0,
  runningSince: null,
  etaSeconds: null,
  endReason: null,
  diagnostic: null,
};

/** At most this many per-batch loss points are kept; beyond it every other old point is dropped. */
export const MAX_BATCH_POINTS = 4000;

/** Fraction of the run's batches done, 0..1 (resumed runs count from their start epoch). */
export function progressFraction(p: Pick<RunProgress, 'epoch' | 'epochs' | 'batch' | 'batches' | 'startEpoch' | 'status'>): number {
  if (p.status === 'done') return 1;
  const totalEpochs = p.epochs - p.startEpoch;
  if (totalEpochs <= 0 || p.batches <= 0) return 0;
  const doneEpochs = Math.max(0, p.epoch - 1 - p.startEpoch);
  const f = (doneEpochs * p.batches + p.batch) / (totalEpochs * p.batches);
  return Math.min(1, Math.max(0, f));
}

/**
 * Seconds left: the active time so far scaled by what remains (`elapsed · (1 − f) / f`).
 * Null before anything is done or when the elapsed time is unknown.
 */
export function estimateEta(elapsedSeconds: number, fraction: number): number | null {
  if (!(fraction > 0) || !(elapsedSeconds >= 0) || !Number.isFinite(elapsedSeconds)) return null;
  if (fraction >= 1) return 0;
  return (elapsedSeconds * (1 - fraction)) / fraction;
}

/** Active milliseconds of the run up to `now` (pauses excluded). */
export function activeMillis(p: Pick<RunProgress, 'activeMs' | 'runningSince'>, now: number): number {
  return p.activeMs + (p.runningSince !== null ? Math.max(0, now - p.runningSince) : 0);
}

/** Keep the batch series under `max` points by thinning the older half. */
export function thinSeries(xs: number[], ys: number[], max = MAX_BATCH_POINTS): { xs: number[]; ys: number[] } {
  if (xs.length <= max) return { xs, ys };
  const half = Math.floor(xs.length / 2);
  const ox: number[] = [];
  const oy: number[] = [];
  for (let i = 0; i < half; i += 2) {
    ox.push(xs[i]!);
    oy.push(ys[i]!);
  }
  for (let i = half; i < xs.length; i++) {
    ox.push(xs[i]!);
    oy.push(ys[i]!);
  }
  return { xs: ox, ys: oy };
}

/** The state after one engine event at time `now` (ms). Events of another run are ignored. */
export function reduceTrainEvent(p: RunProgress, runId: string, e: TrainEvent, now: number): RunProgress {
  if (p.runId !== null && runId !== p.runId) return p;
  switch (e.type) {
    case 'start':
      return {
        ...initialProgress,
        runId,
        status: 'running',
        epoch: e.startEpoch + 1,
        epochs: e.epochs,
        batches: e.batchesPerEpoch,
        startEpoch: e.startEpoch,
        trainSamples: e.trainSamples,
        testSamples: e.testSamples,
        runningSince: now,
      };
    case 'batch': {
      const epoch = e.epoch + 1;
      const batch = e.batch + 1;
      let batchX = [...p.batchX, e.epoch + batch / e.batches];
      let batchLoss = [...p.batchLoss, e.loss];
      if (batchX.length > MAX_BATCH_POINTS) ({ xs: batchX, ys: batchLoss } = thinSeries(batchX, batchLoss));
      const next: RunProgress = {
        ...p,
        epoch,
        batch,
        batches: e.batches,
        step: e.step,
        lastLoss: e.loss,
        samplesPerSecond: e.samplesPerSecond > 0 ? e.samplesPerSecond : p.samplesPerSecond,
        batchX,
        batchLoss,
      };
      next.etaSeconds = estimateEta(activeMillis(next, now) / 1000, progressFraction(next));
      return next;
    }
    case 'epoch': {
      const { type: _t, ...record } = e;
      const history = [...p.history.filter((h) => h.epoch !== record.epoch), record];
      return { ...p, history, epoch: record.epoch, batch: p.batches };
    }
    case 'paused':
      if (p.status !== 'running') return p;
      return { ...p, status: 'paused', activeMs: activeMillis(p, now), runningSince: null, etaSeconds: p.etaSeconds };
    case 'resumed':
      if (p.status !== 'paused') return p;
      return { ...p, status: 'running', runningSince: now };
    case 'end': {
      const status: TrainingStatus = e.reason === 'completed' ? 'done' : e.reason === 'cancelled' ? 'stopped' : 'failed';
      const last = e.history[e.history.length - 1];
      return {
        ...p,
        runId,
        status,
        endReason: e.reason,
        history: e.history.length > 0 || p.history.length === 0 ? [...e.history] : p.history,
        epoch: last ? last.epoch : p.epoch,
        activeMs: activeMillis(p, now),
        runningSince: null,
        etaSeconds: status === 'done' ? 0 : null,
        diagnostic: e.diagnostic ? { nodeId: e.diagnostic.nodeId, message: e.diagnostic.message, port: e.diagnostic.port } : null,
      };
    }
  }
}

/** Is the run still going (running or paused)? */
export function isActive(status: TrainingStatus): boolean {
  return status === 'running' || status === 'paused';
}
