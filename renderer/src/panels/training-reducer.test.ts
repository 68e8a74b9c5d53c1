import { describe, expect, it } from 'vitest';
import type { EpochRecord, TrainEvent } from '../../../engine/service/protocol';
import { activeMillis, estimateEta, initialProgress, isActive, MAX_BATCH_POINTS, progressFraction, reduceTrainEvent, thinSeries, type RunProgress } from './training-reducer';

const start: TrainEvent = { type: 'start', epochs: 4, batchesPerEpoch: 10, trainSamples: 320, testSamples: 80, startEpoch: 0 };
const batch = (epoch: number, b: number, step: number, loss = 0.5): TrainEvent => ({ type: 'batch', epoch, batch: b, batches: 10, step, loss, samplesPerSecond: 1000 });
const record = (epoch: number, loss: number): EpochRecord => ({ epoch, loss, accuracy: 0.5 + epoch / 10, testLoss: loss + 0.1, testAccuracy: 0.4 + epoch / 10, seconds: 1 });

function run(events: [TrainEvent, number][], from: RunProgress = initialProgress, runId = 'run-1'): RunProgress {
  return events.reduce((p, [e, t]) => reduceTrainEvent(p, runId, e, t), from);
}

describe('reduceTrainEvent', () => {
  it('start: running, with the run’s shape and a clean slate', () => {
    const dirty: RunProgress = { ...initialProgress, history: [record(1, 1)], batchX: [1], batchLoss: [1], diagnostic: { nodeId: 'a', message: 'x' } };
    const p = run([[start, 1000]], dirty);
    expect(p).toMatchObject({ runId: 'run-1', status: 'running', epoch: 1, epochs: 4, batches: 10, trainSamples: 320, testSamples: 80, step: 0, runningSince: 1000 });
    expect(p.history).toEqual([]);
    expect(p.batchX).toEqual([]);
    expect(p.diagnostic).toBeNull();
  });

  it('batch: epoch and batch become 1-based, step and loss follow, the chart point sits at a fractional epoch', () => {
    const p = run([[start, 0], [batch(0, 4, 5, 0.7), 1000]]);
    expect(p).toMatchObject({ epoch: 1, batch: 5, step: 5, lastLoss: 0.7, samplesPerSecond: 1000 });
    expect(p.batchX).toEqual([0.5]);
    expect(p.batchLoss).toEqual([0.7]);
  });

  it('ETA: elapsed active time scaled by the work left', () => {
    // 5 of 40 batches in 1 s → 35 left at 0.2 s each = 7 s
    const p = run([[start, 0], [batch(0, 4, 5), 1000]]);
    expect(progressFraction(p)).toBeCloseTo(5 / 40);
    expect(p.etaSeconds).toBeCloseTo(7);
    // half-way after 10 s → 10 s left
    const q = run([[batch(1, 9, 20), 10_000]], p);
    expect(progressFraction(q)).toBeCloseTo(0.5);
    expect(q.etaSeconds).toBeCloseTo(10);
  });

  it('epoch: appends the record, and a repeated epoch replaces its record', () => {
    const p = run([[start, 0], [batch(0, 9, 10, 0.6), 10], [{ type: 'epoch', ...record(1, 0.6) }, 20]]);
    expect(p.history).toEqual([record(1, 0.6)]);
    expect(progressFraction(p)).toBeCloseTo(0.25);
    const q = run([[{ type: 'epoch', ...record(1, 0.55) }, 30]], p);
    expect(q.history).toEqual([record(1, 0.55)]);
  });

  it('pause excludes its time from the ETA; resume continues', () => {
    const p = run([
      [start, 0],
      [batch(0, 4, 5), 1000],
      [{ type: 'paused' }, 1000],
    ]);
    expect(p.status).toBe('paused');
    expect(p.activeMs).toBe(1000);
    expect(p.runningSince).toBeNull();
    expect(activeMillis(p, 60_000)).toBe(1000); // a minute of pause does not count
    const q = run([[{ type: 'resumed' }, 61_000], [batch(1, 9, 20), 62_000]], p);
    expect(q.status).toBe('running');
    // 2 s active for half the work → 2 s left
    expect(q.etaSeconds).toBeCloseTo(2);
  });

  it('end completed: done, the engine’s history wins, ETA 0', () => {
    const history = [record(1, 0.6), record(2, 0.4), record(3, 0.3), record(4, 0.2)];
    const p = run([[start, 0], [batch(3, 9, 40), 4000], [{ type: 'end', reason: 'completed', history }, 4100]]);
    expect(p).toMatchObject({ status: 'done', endReason: 'completed', epoch: 4, etaSeconds: 0, runningSince: null, activeMs: 4100 });
    expect(p.history).toEqual(history);
    expect(progressFraction(p)).toBe(1);
    expect(isActive(p.status)).toBe(false);
  });

  it('end cancelled: stopped', () => {
    const p = run([[start, 0], [{ type: 'end', reason: 'cancelled', history: [record(1, 0.5)] }, 100]]);
    expect(p.status).toBe('stopped');
    expect(p.etaSeconds).toBeNull();
  });

  it('end non-finite: failed, with the diagnostic naming the node', () => {
    const p = run([
      [start, 0],
      [
        {
          type: 'end',
          reason: 'non-finite',
          history: [],
          diagnostic: { nodeId: 'hidden', port: 'out', epoch: 2, batch: 3, message: 'training stopped: NaN/Inf first appeared in the output "out" of hidden' },
        },
        100,
      ],
    ]);
    expect(p.status).toBe('failed');
    expect(p.diagnostic).toEqual({ nodeId: 'hidden', port: 'out', message: 'training stopped: NaN/Inf first appeared in the output "out" of hidden' });
  });

  it('ignores another run’s events', () => {
    const p = run([[start, 0]]);
    expect(reduceTrainEvent(p, 'run-2', batch(0, 1, 2), 10)).toBe(p);
  });

  it('ignores pause/resume that do not fit the status', () => {
    const p = run([[start, 0]]);
    expect(reduceTrainEvent(p, 'run-1', { type: 'resumed' }, 5)).toBe(p);
    const done = run([[{ type: 'end', reason: 'completed', history: [] }, 5]], p);
    expect(reduceTrainEvent(done, 'run-1', { type: 'paused' }, 6)).toBe(done);
  });

  it('keeps the per-batch series bounded', () => {
    let p = run([[start, 0]]);
    for (let i = 0; i < MAX_BATCH_POINTS + 50; i++) p = reduceTrainEvent(p, 'run-1', batch(0, i % 10, i + 1), i);
    expect(p.batchX.length).toBeLessThanOrEqual(MAX_BATCH_POINTS);
    expect(p.batchX.length).toBe(p.batchLoss.length);
    // the newest points are all kept, in order
    for (let i = 1; i < p.batchX.length; i++) expect(p.batchX[i]).toBeGreaterThanOrEqual(p.batchX[i - 1]! - 1);
  });
});

describe('estimateEta and progressFraction', () => {
  it('is unknown before any work, zero at the end', () => {
    expect(estimateEta(3, 0)).toBeNull();
    expect(estimateEta(NaN, 0.5)).toBeNull();
    expect(estimateEta(3, 1)).toBe(0);
    expect(estimateEta(3, 0.25)).toBeCloseTo(9);
  });
  it('counts a resumed run from its start epoch', () => {
    expect(progressFraction({ epoch: 6, epochs: 10, batch: 5, batches: 10, startEpoch: 5, status: 'running' })).toBeCloseTo(5 / 50);
    expect(progressFraction({ epoch: 0, epochs: 0, batch: 0, batches: 0, startEpoch: 0, status: 'idle' })).toBe(0);
  });
  it('thins the older half of a long series', () => {
    const xs = Array.from({ length: 10 }, (_, i) => i);
    const { xs: tx, ys: ty } = thinSeries(xs, xs, 8);
    expect(tx).toEqual([0, 2, 4, 5, 6, 7, 8, 9]);
    expect(ty).toEqual(tx);
  });
});
