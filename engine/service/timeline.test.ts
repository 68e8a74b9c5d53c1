/**
 * Time travel through the service: a run's timeline, each step's edge gradient norms, its
 * checkpoint, Backprop mode (stepThrough) at a checkpoint — equal to `bpstudio grad` run on that
 * checkpoint's weights and batch — and slow motion.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRequest } from './protocol';
import { EngineService } from './service';
import { gradients, type GradReport } from '../cli/grad';

const examples = new URL('../../assets/examples/', import.meta.url).pathname;

function nested(data: number[], shape: number[]): unknown {
  if (shape.length <= 1) return data;
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nested(data.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

describe('timeline (time travel)', () => {
  const service = new EngineService();

  async function trainXor(epochs: number, extra: { stepsPerSecond?: number | null } = {}) {
    const doc = await service.handle('getExample', { name: 'xor-mlp' });
    const document = doc as unknown as Record<string, unknown>;
    const { runId } = await service.handle('trainStart', { document, backend: 'ts', overrides: { epochs }, ...extra });
    return { runId, document };
  }

  it('records every step, and Backprop mode at step 10 equals bpstudio grad on that checkpoint', async () => {
    const { runId, document } = await trainXor(30);
    await service.handle('trainedModel', { runId }); // waits for the end
    const tl = await service.handle('timeline', { runId });
    expect(tl.step).toBe(30);
    expect(tl.records.map((r) => r.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(tl.checkpointSteps).toEqual(tl.records.map((r) => r.step));
    expect(tl.parameters.map((p) => `${p.nodeId}.${p.name}`)).toEqual(['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']);
    for (const r of tl.records) {
      expect(r.gradNorms.every((g) => g !== null && g > 0)).toBe(true);
      expect(r.paramNorms.every((g) => g !== null && g > 0)).toBe(true);
    }

    const ck = await service.handle('timelineCheckpoint', { runId, step: 10 });
    expect(ck.rows.slice().sort()).toEqual([0, 1, 2, 3]);
    const bp = await service.handle('stepThrough', { document, runId, checkpoint: { step: 10 }, split: 'train', samples: [0], dtype: 'float32' });
    expect(bp.checkpoint).toEqual({ step: 10, epoch: ck.epoch, batch: ck.batch });
    expect(bp.samples).toEqual(ck.rows);
    expect(bp.fromRun).toBe(true);
    // the loss of the step as training computed it
    expect(bp.objective!).toBeCloseTo(tl.records[9]!.loss, 6);

    // the CLI on the checkpoint's weights and batch
    const dir = mkdtempSync(join(tmpdir(), 'bpstudio-tl-'));
    writeFileSync(join(dir, 'ck.json'), JSON.stringify(ck));
    writeFileSync(join(dir, 'batch.json'), JSON.stringify({ features: nested(ck.feed.features, ck.feed.featureShape), targets: nested(ck.feed.targets, ck.feed.targetShape) }));
    const ref: GradReport = gradients(join(examples, 'xor-mlp.json'), { batch: 'batch.json', weights: 'ck.json' }, dir, () => undefined);
    expect(ref.objective.value).toBe(bp.objective);
    // every edge's gradient, number for number, as Backprop mode's last backward step has it
    const last = new Map<string, number[]>();
    for (const s of bp.steps) {
      if (s.phase !== 'backward') continue;
      for (const d of s.downstream) if (d.edgeId) last.set(d.edgeId, d.value.data);
    }
    let compared = 0;
    for (const e of ref.edges) {
      if (!e.grad || !last.has(e.id)) continue;
      expect(last.get(e.id), e.id).toEqual(e.grad.data);
      compared += e.grad.data.length;
    }
    expect(compared).toBeGreaterThan(10);

    // the wire colours of step 10: every edge's gradient norm, from the same computation
    const edges = await service.handle('timelineEdges', { runId, step: 10 });
    expect(edges).toMatchObject({ requested: 10, step: 10, epoch: ck.epoch, batch: ck.batch });
    for (const e of ref.edges) {
      if (!e.grad || e.target === 'loss' && e.targetPort === 'target') continue;
      const norm = Math.sqrt(e.grad.data.reduce((a, v) => a + v * v, 0));
      expect(edges.edges[e.id]!.norm, e.id).toBeCloseTo(norm, 6);
    }
  });

  it('says what is wrong: unknown runs, steps not taken, checkpoints of another graph', async () => {
    const { runId, document } = await trainXor(3);
    await service.handle('trainedModel', { runId });
    await expect(service.handle('timeline', { runId: 'run-999' })).rejects.toThrow('there is no training run "run-999"');
    await expect(service.handle('timelineEdges', { runId, step: 13 })).rejects.toThrow(`training run "${runId}" has taken 3 steps: there is no step 13 yet`);
    await expect(service.handle('stepThrough', { document, checkpoint: { step: 2 }, split: 'train', samples: [0], dtype: 'float32' })).rejects.toThrow(
      'stepThrough: a checkpoint needs the runId of the run that recorded it',
    );
    const other = { ...document, nodes: (document['nodes'] as { id: string; params?: Record<string, unknown> }[]).map((n) => (n.id === 'hidden' ? { ...n, params: { ...n.params, outFeatures: 5 } } : n)) };
    await expect(service.handle('stepThrough', { document: other, runId, checkpoint: { step: 2 }, split: 'train', samples: [0], dtype: 'float32' })).rejects.toThrow(/trained another graph/);
    expect(parseRequest({ id: 1, method: 'timelineEdges', params: { runId, step: 0 } })).toMatchObject({ ok: false, error: { code: 'bad-request', message: 'timelineEdges: step: steps count from 1' } });
    expect(parseRequest({ id: 2, method: 'trainSpeed', params: { runId, stepsPerSecond: -1 } })).toMatchObject({ ok: false, error: { message: 'trainSpeed: stepsPerSecond: steps per second must be positive' } });
    expect(parseRequest({ id: 3, method: 'trainSpeed', params: { runId, stepsPerSecond: null } })).toMatchObject({ ok: true });
    expect(parseRequest({ id: 4, method: 'trainStart', params: { document: {}, stepsPerSecond: 5000 } })).toMatchObject({ ok: false, error: { message: /at most 1000 steps per second/ } });
  });

  it('thins checkpoints it cannot keep, and says which are near', async () => {
    const thin = new EngineService();
    thin.timelineBounds = { denseSteps: 4, maxRecords: 8, checkpointBytes: 68 * 10 }; // XOR's 17 weights: 68 bytes
    const doc = await thin.handle('getExample', { name: 'xor-mlp' });
    const { runId } = await thin.handle('trainStart', { document: doc as unknown as Record<string, unknown>, backend: 'ts', overrides: { epochs: 40 } });
    await thin.handle('trainedModel', { runId });
    const tl = await thin.handle('timeline', { runId });
    expect(tl.records.length).toBeLessThanOrEqual(8);
    expect(tl.checkpointBytes).toBeLessThanOrEqual(tl.checkpointCap);
    expect(tl.checkpointSteps[0]).toBe(1);
    const missing = Array.from({ length: 40 }, (_, i) => i + 1).find((s) => !tl.checkpointSteps.includes(s))!;
    await expect(thin.handle('timelineCheckpoint', { runId, step: missing })).rejects.toThrow(new RegExp(`kept no weights for step ${missing}; the nearest checkpoints are at step \\d+`));
    // the wire colours use the checkpoint at or before the step
    const e = await thin.handle('timelineEdges', { runId, step: missing });
    expect(e.step).toBeLessThan(missing);
    expect(tl.checkpointSteps).toContain(e.step);
  });

  it('ort-cpu records the gradient norms of its own steps (its WebAssembly update sees the gradients), equal to ts', async () => {
    const doc = (await service.handle('getExample', { name: 'xor-mlp' })) as unknown as Record<string, unknown>;
    const runs: Record<string, Awaited<ReturnType<typeof service.handle<'timeline'>>>> = {};
    for (const backend of ['ts', 'ort-cpu'] as const) {
      const { runId } = await service.handle('trainStart', { document: doc, backend, overrides: { epochs: 30 } });
      await service.handle('trainedModel', { runId });
      runs[backend] = await service.handle('timeline', { runId });
    }
    const ts = runs['ts']!;
    const ort = runs['ort-cpu']!;
    expect(ort.records).toHaveLength(30);
    // Since the ort-cpu step returns its gradients to the optimizer's kernel, nothing is computed
    // again; a provider that keeps the update in its graph (WebGPU, CUDA) reports none, and the
    // service recomputes those from the checkpoints (`recomputed`).
    expect(ort.records.some((r) => r.recomputed)).toBe(false);
    expect(ts.records.some((r) => r.recomputed)).toBe(false);
    // the same training (float32 on both backends): the same gradient norms, to float32 rounding
    ort.records.forEach((r, i) => r.gradNorms.forEach((g, k) => {
      const want = ts.records[i]!.gradNorms[k]!;
      expect(Math.abs(g! - want), `step ${r.step} parameter ${k}`).toBeLessThanOrEqual(1e-3 * Math.max(want, 1e-3));
    }));
  });

  it('slow motion: trainSpeed changes a running run’s pace', async () => {
    const { runId } = await trainXor(1000, { stepsPerSecond: 1 });
    await new Promise((r) => setTimeout(r, 200));
    const early = (await service.handle('timeline', { runId })).step;
    expect(early).toBeLessThanOrEqual(2);
    expect((await service.handle('timeline', { runId })).stepsPerSecond).toBe(1);
    expect(await service.handle('trainSpeed', { runId, stepsPerSecond: null })).toEqual({ ok: true, stepsPerSecond: null });
    await service.handle('trainedModel', { runId });
    expect((await service.handle('timeline', { runId })).step).toBe(1000);
  });
});
