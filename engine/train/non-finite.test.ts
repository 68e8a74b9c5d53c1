/**
 * Issue 11, item 2: training that makes a parameter NaN/Inf stops with the diagnostic naming it,
 * and no trained-model file is ever written with non-finite values; learning rates that overflow
 * float32 are refused before training starts.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument } from '../graph/document';
import { EngineService } from '../service/service';
import { effectiveSettings } from './settings';
import { trainDocument } from './train-document';
import { nonFiniteValue, saveTrainedModel } from '../graph/trained-model';

const dir = mkdtempSync(join(tmpdir(), 'bpstudio-nonfinite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** x → Linear "score" (large fixed weights) → MSE against the XOR label: finite forward and gradients, an update that overflows at lr 3.4e38. */
function overflowDoc(lr: number): GraphDocument {
  const r = parseDocument({
    formatVersion: 2,
    nodes: [
      { id: 'x', type: 'Input', params: { shape: [2] } },
      { id: 'lin', type: 'Linear', label: 'score', params: { inFeatures: 2, outFeatures: 1 }, weights: { weight: { shape: [1, 2], data: [100, 100] }, bias: { shape: [1], data: [0] } } },
      { id: 'y', type: 'Target', params: { encoding: 'column' } },
      { id: 'loss', type: 'Loss', params: { fn: 'mse' } },
    ],
    edges: [
      { id: 'e1', source: 'x', target: 'lin' },
      { id: 'e3', source: 'lin', target: 'loss', targetPort: 'prediction' },
      { id: 'e4', source: 'y', target: 'loss', targetPort: 'target' },
    ],
    training: { dataset: { name: 'xor' }, split: { test: 0 }, epochs: 1, batchSize: 4, shuffle: false, optimizer: { type: 'sgd', lr } },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

describe('parameters that overflow in the update', () => {
  it('stop training with the diagnostic naming the parameter (ts backend)', async () => {
    const r = await trainDocument(overflowDoc(3.4e38), { backend: 'ts' });
    expect(r.reason).toBe('non-finite');
    expect(r.diagnostic).toMatchObject({ nodeId: 'lin', port: 'weight', epoch: 1, batch: 1 });
    expect(r.diagnostic!.message).toBe(
      'training stopped: NaN/Inf first appeared in the parameter "weight" of Linear "score" (epoch 1, batch 1); try a lower learning rate or normalised inputs',
    );
    expect(r.history).toEqual([]);
  });

  it('the same on the ort backend, which finds it in the step\'s new state', async () => {
    const r = await trainDocument(overflowDoc(3.4e38), { backend: 'ort-cpu' });
    expect(r.reason).toBe('non-finite');
    expect(r.diagnostic).toMatchObject({ nodeId: 'lin', port: 'weight', epoch: 1, batch: 1 });
    expect(r.diagnostic!.message).toContain('the parameter "weight" of Linear "score"');
  });

  it('the trained-model writer refuses non-finite values, naming the parameter, and writes nothing', async () => {
    const r = await trainDocument(overflowDoc(3.4e38), { backend: 'ts' });
    const path = join(dir, 'overflow.trained.json');
    expect(() => saveTrainedModel(path, r.trained)).toThrow(
      /^cannot save .*overflow\.trained\.json: the parameter "weight" of node "lin" is not finite \(-?Infinity at index 0\)$/,
    );
    expect(readdirSync(dir)).toEqual([]);
    // anything else that is not finite is named by its JSON path
    const ok = await trainDocument(overflowDoc(0.01), { backend: 'ts' });
    expect(nonFiniteValue(ok.trained)).toBeNull();
    const damaged = { ...ok.trained, history: [{ ...ok.trained.history[0]!, loss: NaN }] };
    expect(nonFiniteValue(damaged)).toBe('history[0].loss is not finite (NaN)');
  });

  it('the service refuses to hand out (save, export) a model whose weights went non-finite', async () => {
    const service = new EngineService();
    const { runId } = await service.handle('trainStart', { document: overflowDoc(3.4e38) as unknown as Record<string, unknown>, backend: 'ts', overrides: {} });
    const reply = await service.dispatch({ id: 1, method: 'trainedModel', params: { runId } });
    expect(reply.error!.message).toBe(`cannot save the trained model of ${runId}: the parameter "weight" of node "lin" is not finite (-Infinity at index 0)`);
  });
});

describe('learning rates that overflow float32', () => {
  it('are refused up front, from the command line and in documents', async () => {
    const doc = overflowDoc(0.01);
    expect(() => effectiveSettings(doc, { lr: 1e39 })).toThrow('invalid optimizer setting: sgd lr 1e+39 overflows float32 (the largest float32 is 3.4028235e+38)');
    expect(() => effectiveSettings(doc, { lr: 1e39, optimizer: 'adam' })).toThrow(/^invalid optimizer setting: adam lr 1e\+39 overflows float32/);
    expect(effectiveSettings(doc, { lr: 3.4e38 }).optimizer.lr).toBe(3.4e38);
    await expect(trainDocument(doc, { overrides: { lr: 1e39 } })).rejects.toThrow('invalid optimizer setting');
    const bad = parseDocument({ ...doc, training: { ...doc.training, optimizer: { type: 'adam', lr: 1e39 } } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['training.optimizer.lr: overflows float32 (the largest float32 is 3.4028235e+38)']);
  });
});
