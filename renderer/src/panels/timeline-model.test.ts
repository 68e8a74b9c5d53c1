import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineClient, Method, Params, Results, TimelineResult } from '../../../engine/service/protocol';
import { createAppStore } from '../store/app-store';
import { sliceApi } from '../store/slice';
import { nearestRecorded, selectTimelineCheckpoint, wireStrength } from './timeline-model';
import { timelineWireStyle } from './timeline-edge';

const data = (step: number): TimelineResult => ({
  step,
  parameters: [{ nodeId: 'hidden', name: 'weight', shape: [4, 2] }],
  records: Array.from({ length: step }, (_, i) => ({ step: i + 1, epoch: i, batch: 0, loss: 1 / (i + 1), paramNorms: [1], gradNorms: [0.5] })),
  checkpointSteps: Array.from({ length: step }, (_, i) => i + 1),
  denseSteps: 1000,
  checkpointBytes: 100,
  checkpointCap: 1000,
  stepsPerSecond: null,
});

/** A fake engine: records requests, answers timeline / timelineEdges / stepThrough. */
function fakeEngine() {
  const calls: { method: string; params: unknown }[] = [];
  const client: EngineClient = {
    request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
      calls.push({ method, params });
      const p = params as { runId?: string; step?: number };
      if (method === 'timeline') return Promise.resolve(data(p.runId === 'run-2' ? 5 : 20) as unknown as Results[M]);
      if (method === 'timelineEdges') {
        return Promise.resolve({ requested: p.step!, step: p.step!, epoch: 0, batch: 0, loss: 0.5, edges: { e1: { norm: p.step!, mean: 0, absMax: 1 } } } as unknown as Results[M]);
      }
      if (method === 'stepThrough') {
        return Promise.resolve({ sessionId: 's', objective: 0.5, steps: [], samples: [0, 1], splitSize: 4, fromRun: true, trainingMode: true } as unknown as Results[M]);
      }
      return Promise.reject(new Error(`no ${method} here`));
    },
    on: () => () => undefined,
  };
  return { client, calls };
}

describe('the timeline slice', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fetches a run’s timeline, scrubs (asking for the step it rests on only) and goes live again', async () => {
    const { client, calls } = fakeEngine();
    const app = createAppStore({ client });
    const t = () => app.getState().timeline;
    await t().refresh('run-1');
    expect(t().data!.records).toHaveLength(20);
    t().scrub(3);
    t().scrub(7);
    t().scrub(10);
    expect(t().cursor).toBe(10);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls.filter((c) => c.method === 'timelineEdges').map((c) => c.params)).toEqual([{ runId: 'run-1', step: 10 }]);
    expect(t().edges!.edges['e1']!.norm).toBe(10);
    t().scrub(null);
    expect(t()).toMatchObject({ cursor: null, edges: null });
    // another run: the cursor goes
    t().scrub(4);
    await t().refresh('run-2');
    expect(t()).toMatchObject({ runId: 'run-2', cursor: null });
    expect(t().data!.step).toBe(5);
  });

  it('opens Backprop mode at the scrubbed step’s checkpoint, and leaves it with Backprop mode', async () => {
    const { client, calls } = fakeEngine();
    const app = createAppStore({ client });
    const t = () => app.getState().timeline;
    const docId = app.getState().document.docId;
    await t().refresh('run-1');
    t().openBackprop(); // live: nothing to open
    expect(t().backpropAt).toBeNull();
    t().scrub(10);
    t().openBackprop();
    expect(selectTimelineCheckpoint(app.getState(), docId)).toEqual({ runId: 'run-1', step: 10 });
    expect(app.getState().backprop.mode).toBe('backprop');
    await vi.advanceTimersByTimeAsync(10);
    const st = calls.filter((c) => c.method === 'stepThrough');
    expect(st).toHaveLength(1);
    expect(st[0]!.params).toMatchObject({ runId: 'run-1', checkpoint: { step: 10 } });
    // scrubbing on follows with Backprop mode
    t().scrub(12);
    await vi.advanceTimersByTimeAsync(200);
    expect(t().backpropAt).toBe(12);
    expect(calls.filter((c) => c.method === 'stepThrough').at(-1)!.params).toMatchObject({ checkpoint: { step: 12 } });
    app.getState().backprop.setMode('edit');
    expect(t().backpropAt).toBeNull();
    // another document: the timeline is cleared
    t().scrub(5);
    app.getState().document.newDocument('B');
    expect(sliceApi(app, 'timeline').getState()).toMatchObject({ runId: null, data: null, cursor: null });
  });

  it('maps gradient norms to wire strength on a log scale over six decades', () => {
    expect(wireStrength(2, 2)).toBe(1);
    expect(wireStrength(2e-3, 2)).toBeCloseTo(0.5, 10);
    expect(wireStrength(1e-9, 1)).toBe(0);
    expect(wireStrength(0, 1)).toBe(0);
    const strong = timelineWireStyle(1, 1);
    const faint = timelineWireStyle(1e-7, 1);
    expect(strong.cls).toBe(' is-timeline-grad');
    expect(Number(strong.style.strokeWidth)).toBeGreaterThan(Number(faint.style.strokeWidth));
    expect(nearestRecorded(data(20), 13.4)).toBe(13);
  });
});
