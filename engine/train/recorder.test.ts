import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument } from '../graph/document';
import { compileDocument } from '../graph/compile';
import { StepThrough } from '../graph/step-through';
import { l2norm } from '../backends/executor';
import { rowsFeed } from './data-source';
import { TrainingRecorder, type StepRecord } from './recorder';
import { trainDocument } from './train-document';
import type { Trainer } from './trainer';

function xorDoc(): GraphDocument {
  const r = parseDocument(readFileSync(new URL('../../assets/examples/xor-mlp.json', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error('xor-mlp');
  return r.document;
}

const rec = (step: number): StepRecord => ({ step, epoch: 0, batch: step - 1, loss: 1 / step, paramNorms: [1], gradNorms: [step] });
const W = [{ nodeId: 'a', name: 'weight', shape: [25] }]; // 100 bytes a checkpoint

describe('TrainingRecorder', () => {
  it('records every step up to denseSteps, then thins evenly within maxRecords', () => {
    const r = new TrainingRecorder(W, [], { denseSteps: 10, maxRecords: 20, checkpointBytes: 0 });
    for (let s = 1; s <= 1000; s++) if (r.wantsRecord(s)) r.record(rec(s));
    const steps = r.records.map((x) => x.step);
    expect(steps.length).toBeLessThanOrEqual(20);
    expect(steps.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const thinned = steps.slice(10);
    expect(thinned.length).toBeGreaterThan(4);
    const gaps = new Set(thinned.map((s, i) => s - (i === 0 ? 10 : thinned[i - 1]!)));
    expect(gaps.size).toBe(1); // evenly spaced
    const stride = [...gaps][0]!;
    expect(stride & (stride - 1)).toBe(0); // a power of two
    expect(thinned[thinned.length - 1]).toBeGreaterThan(1000 - stride);
    // a step off the stride is not recorded even when offered
    r.record(rec(1001));
    expect(r.records.map((x) => x.step)).not.toContain(1001);
  });

  it('keeps all records while under the bound', () => {
    const r = new TrainingRecorder(W, [], { denseSteps: 5, maxRecords: 50 });
    for (let s = 1; s <= 40; s++) r.record(rec(s));
    expect(r.records.map((x) => x.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('keeps checkpoints within the byte cap: the first ones every step, then thinned', () => {
    const cap = 2000;
    const r = new TrainingRecorder(W, [], { denseSteps: 1000, maxRecords: 2000, checkpointBytes: cap });
    const rows = new Int32Array([0, 1]);
    let offered = 0;
    for (let s = 1; s <= 500; s++) {
      if (!r.wantsCheckpoint(s)) continue;
      offered++;
      r.checkpoint({ step: s, epoch: 0, batch: s - 1, rows, tensors: [new Float32Array(25).fill(s)] });
      expect(r.bytes).toBeLessThanOrEqual(cap);
    }
    expect(offered).toBeLessThan(500);
    const steps = r.checkpoints.map((c) => c.step);
    // half the cap (1,000 bytes) holds the first 10 steps' weights (100 bytes each)
    expect(steps.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(steps[steps.length - 1]).toBeGreaterThan(400);
    expect(r.checkpointAt(7)!.tensors[0]![0]).toBe(7);
    expect(r.checkpointAt(11)).toBeNull();
    expect(r.checkpointAtOrBefore(steps[11]! + 1)!.step).toBe(steps[11]);
    expect(r.weightsOf(r.checkpointAt(3)!)).toEqual({ a: { weight: { shape: [25], data: Array(25).fill(3) } } });
  });

  it('keeps no checkpoint that alone is over the cap', () => {
    const r = new TrainingRecorder(W, [], { checkpointBytes: 50 });
    expect(r.wantsCheckpoint(1)).toBe(false);
  });

  it('refuses bounds that cannot hold', () => {
    expect(() => new TrainingRecorder(W, [], { denseSteps: 10, maxRecords: 11 })).toThrow(/maxRecords must be at least/);
    expect(() => new TrainingRecorder(W, [], { denseSteps: -1 })).toThrow(/denseSteps/);
  });
});

describe('the trainer records the timeline', () => {
  it('norms per step and the exact weights each checkpointed step ran on, with its batch rows', async () => {
    // the weights after each step, read from the model (the ts backend updates it in place)
    const after: Float32Array[][] = [];
    let trainer: Trainer | null = null;
    let initial: Float32Array[] = [];
    const r = await trainDocument(xorDoc(), {
      overrides: { epochs: 6, batchSize: 2 },
      record: { denseSteps: 8, maxRecords: 10, checkpointBytes: 1 << 20 },
      onTrainer: (t) => {
        trainer = t;
        initial = t.model.parameterTensors().map((p) => Float32Array.from(p.data));
      },
      onEvent: (e) => {
        if (e.type === 'batch') after.push(trainer!.model.parameterTensors().map((p) => Float32Array.from(p.data)));
      },
    });
    const recorder = r.trainer.recorder!;
    expect(r.trainer.step).toBe(12);
    // records: 1..8, then every 2nd (10 at most)
    expect(recorder.records.map((x) => x.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 12]);
    expect(recorder.parameters.map((p) => `${p.nodeId}.${p.name}`)).toEqual(r.model.parameters().map((p) => `${p.nodeId}.${p.name}`));
    // checkpoints: every step (small model), each the weights BEFORE its step
    expect(recorder.checkpoints.map((c) => c.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(recorder.checkpointAt(1)!.tensors).toEqual(initial);
    for (let s = 2; s <= 12; s++) expect(recorder.checkpointAt(s)!.tensors, `step ${s}`).toEqual(after[s - 2]);
    // the batch rows: two per step, each epoch a permutation of the 4 rows
    const ck = recorder.checkpoints;
    expect(ck.every((c) => c.rows.length === 2)).toBe(true);
    for (let e = 0; e < 6; e++) expect([...ck[2 * e]!.rows, ...ck[2 * e + 1]!.rows].sort()).toEqual([0, 1, 2, 3]);

    for (const x of recorder.records) {
      // parameter norms: of the weights after the step
      x.paramNorms.forEach((n, k) => expect(n).toBeCloseTo(l2norm(after[x.step - 1]![k]!), 6));
      // gradient norms: the gradient of that step, computed again from its checkpoint and batch
      const c = recorder.checkpointAt(x.step)!;
      const model = compileDocument(r.trained.document, { seed: 1, data: r.data.binding, requireLoss: true });
      model.parameterTensors().forEach((p, k) => p.data.set(c.tensors[k]!));
      const st = new StepThrough(model, rowsFeed(r.data.train, Array.from(c.rows)));
      expect(st.objective!).toBeCloseTo(x.loss, 6);
      model.parameterTensors().forEach((p, k) => {
        const g = x.gradNorms[k]!;
        expect(Math.abs(g - l2norm(p.grad!.data)), `step ${x.step} gradient ${k}`).toBeLessThanOrEqual(1e-5 * Math.max(1, g));
      });
    }
  });

  it('records nothing unless asked (the CLI trains as before)', async () => {
    const r = await trainDocument(xorDoc(), { overrides: { epochs: 2 } });
    expect(r.trainer.recorder).toBeNull();
  });
});

describe('slow motion', () => {
  it('keeps to the steps per second asked for, and a new speed takes effect while training', async () => {
    const t0 = performance.now();
    const slow = await trainDocument(xorDoc(), { overrides: { epochs: 6 }, stepsPerSecond: 40 });
    const slowMs = performance.now() - t0;
    expect(slow.trainer.step).toBe(6);
    expect(slowMs).toBeGreaterThanOrEqual(6 * 25 - 10);

    let trainer: Trainer | null = null;
    const t1 = performance.now();
    const r = await trainDocument(xorDoc(), {
      overrides: { epochs: 200 },
      stepsPerSecond: 2,
      onTrainer: (t) => (trainer = t),
      onEvent: (e) => {
        if (e.type === 'batch' && e.step === 1) trainer!.setStepsPerSecond(null);
      },
    });
    expect(r.trainer.step).toBe(200);
    expect(performance.now() - t1).toBeLessThan(5000); // 2 steps/s would take 100 s
    expect(r.trainer.stepsPerSecond).toBeNull();
  });

  it('refuses a speed that is no positive number', async () => {
    await expect(trainDocument(xorDoc(), { overrides: { epochs: 1 }, stepsPerSecond: 0 })).rejects.toThrow(/steps per second must be a positive number/);
    await expect(trainDocument(xorDoc(), { overrides: { epochs: 1 }, stepsPerSecond: Number.NaN })).rejects.toThrow(/steps per second/);
  });
});
