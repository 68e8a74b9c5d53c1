/**
 * The service's side of "one document, one world": a backprop session is made from the document
 * on screen (a run's weights only when that run trained the same graph), and a Start that cannot
 * start is refused by trainStart itself, never reported later as a log line only.
 */
import { describe, expect, it } from 'vitest';
import { EngineService } from './service';
import type { GraphDocument } from '../graph/document';

const asParam = (d: GraphDocument) => d as unknown as Record<string, unknown>;

describe('EngineService: a document, its run', () => {
  it('steps a run\'s weights only for the graph that run trained; another document gets its own weights', async () => {
    const service = new EngineService();
    const xor = await service.handle('getExample', { name: 'xor-mlp' });
    const and = await service.handle('getExample', { name: 'and-perceptron' });
    const { runId } = await service.handle('trainStart', { document: asParam(xor), backend: 'ts', overrides: { epochs: 3 } });
    await service.handle('trainedModel', { runId });

    const own = await service.handle('stepThrough', { document: asParam(xor), runId, split: 'train', samples: [0], dtype: 'float32' });
    expect(own.fromRun).toBe(true);
    const mine = await service.handle('stepThrough', { document: asParam(xor), split: 'train', samples: [0], dtype: 'float32' });
    expect(mine.fromRun).toBe(false);
    // the trained weights differ from the initial ones: the sessions are not the same model
    expect(own.objective).not.toBe(mine.objective);

    // another document with XOR's run id: AND's own graph, never XOR's run
    const other = await service.handle('stepThrough', { document: asParam(and), runId, split: 'train', samples: [0], dtype: 'float32' });
    expect(other.fromRun).toBe(false);
    expect(other.steps.every((s) => and.nodes.some((n) => n.id === s.nodeId))).toBe(true);
    expect(other.steps.some((s) => s.nodeId === 'hidden')).toBe(false);

    // XOR edited after training (another width): its own initial weights, not the run's
    const edited: GraphDocument = { ...xor, nodes: xor.nodes.map((n) => (n.id === 'hidden' ? { ...n, params: { ...n.params, outFeatures: 3 } } : n.id === 'out' ? { ...n, params: { ...n.params, inFeatures: 3 } } : n)) };
    const stale = await service.handle('stepThrough', { document: asParam(edited), runId, split: 'train', samples: [0], dtype: 'float32' });
    expect(stale.fromRun).toBe(false);

    // the document on screen is required: "the last run" alone is not a request any more
    const bad = await service.dispatch({ id: 1, method: 'stepThrough', params: { runId } });
    expect(bad.error!.code).toBe('bad-request');
  });

  it('refuses a Start without a Loss in its answer, with the diagnostic, and starts no run', async () => {
    const service = new EngineService();
    const logs: string[] = [];
    service.onEvent((event, data) => {
      if (event === 'log') logs.push((data as { message: string }).message);
    });
    const xor = await service.handle('getExample', { name: 'xor-mlp' });
    const noLoss: GraphDocument = { ...xor, nodes: xor.nodes.filter((n) => n.id !== 'loss'), edges: xor.edges.filter((e) => e.target !== 'loss') };
    const r = await service.dispatch({ id: 1, method: 'trainStart', params: { document: noLoss, backend: 'ts' } });
    expect(r.error, 'trainStart answers with the error').toBeDefined();
    expect(r.error!.message).toMatch(/Loss/);
    expect(r.error!.diagnostics?.some((d) => d.code === 'no-loss')).toBe(true);
    await new Promise((res) => setTimeout(res, 20));
    expect(logs.filter((m) => / failed: /.test(m))).toEqual([]);
  });

  it('refuses a Start whose data cannot be read in its answer too', async () => {
    const service = new EngineService();
    const xor = await service.handle('getExample', { name: 'xor-mlp' });
    const broken: GraphDocument = { ...xor, training: { ...xor.training!, dataset: { name: 'upload:gone.csv', params: {} } } };
    const r = await service.dispatch({ id: 1, method: 'trainStart', params: { document: broken, backend: 'ts' } });
    expect(r.error).toBeDefined();
    expect(r.error!.message).toMatch(/gone\.csv|upload/);
  });
});
