/**
 * Save keeps the trained weights: the document and its run's weights in one trained-model file,
 * which Open reads back with the same weights and `bpstudio eval` evaluates to the run's own
 * accuracy. Weights are kept only while they fit the graph; a paused run's weights can be saved.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineService } from '../../engine/service/service';
import { runCli, type CliIo } from '../../engine/cli/main';
import type { GraphDocument } from '../../engine/graph/document';
import type { TrainEvent } from '../../engine/train/trainer';
import { readProjectFile, serializeDocument, serializeTrained, weightsFit, type TrainedModelLike } from './store/load-file';
import { sniffFile } from './store/sniff';

const dir = mkdtempSync(join(tmpdir(), 'bpstudio-save-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: dir, env: {} };
  return { code: await runCli(args, io), out, err };
}

describe('Save with weights', () => {
  const service = new EngineService();

  it('save → open gives the same weights, and bpstudio eval on the saved file the run\'s accuracy', async () => {
    const doc = (await service.handle('getExample', { name: 'xor-mlp' })) as GraphDocument;
    const { runId } = await service.handle('trainStart', { document: doc as unknown as Record<string, unknown>, backend: 'ts', overrides: {} });
    const trained = (await service.handle('trainedModel', { runId })) as unknown as TrainedModelLike;
    const run = await service.handle('evaluate', { runId, split: 'train' });
    expect(run.accuracy).toBe(1);

    // the person moved a node and renamed the graph after training: the weights still fit
    const edited: GraphDocument = { ...doc, name: 'XOR, trained', nodes: doc.nodes.map((n, i) => (i === 0 ? { ...n, position: { x: n.position.x + 50, y: n.position.y } } : n)) };
    expect(weightsFit(trained, edited)).toBe(true);
    const text = serializeTrained(trained, edited);
    const path = join(dir, 'xor.json');
    writeFileSync(path, text);

    // Open: by content a trained-model file, read back with the same document and the same weights
    expect((await sniffFile('xor.json', new TextEncoder().encode(readFileSync(path, 'utf8')))).kind).toBe('trained');
    const opened = readProjectFile(readFileSync(path, 'utf8'));
    expect(opened.issues).toEqual([]);
    expect(opened.document).toEqual(edited);
    expect(opened.trained!.weights).toEqual(trained.weights);
    expect(Object.keys(opened.trained!.weights).sort()).toEqual(['hidden', 'out']);

    // bpstudio eval reads the same file: the run's accuracy and loss
    const r = await cli(['eval', path, '--json']);
    expect(r.code, r.err).toBe(0);
    const rep = JSON.parse(r.out) as { accuracy: number; loss: number; model: string; samples: number };
    expect(rep.model).toBe('XOR, trained');
    expect(rep.samples).toBe(4);
    expect(rep.accuracy).toBe(run.accuracy);
    expect(rep.loss).toBeCloseTo(run.loss!, 6);

    // Save Without Weights writes the graph alone: eval then uses its initial weights
    const plain = join(dir, 'xor-plain.json');
    writeFileSync(plain, serializeDocument(edited));
    const untrained = JSON.parse((await cli(['eval', plain, '--json'])).out) as { loss: number };
    expect(untrained.loss).not.toBeCloseTo(run.loss!, 3);
  });

  it('weights no longer fit once the graph changed: another layer size, another edge, another node', () => {
    const doc = JSON.parse(readFileSync(new URL('../../assets/examples/xor-mlp.json', import.meta.url), 'utf8')) as GraphDocument;
    const trained = { document: doc, weights: {} };
    expect(weightsFit(trained, doc)).toBe(true);
    expect(weightsFit(trained, { ...doc, training: { ...doc.training!, epochs: 5 } })).toBe(true);
    expect(weightsFit(trained, { ...doc, nodes: doc.nodes.map((n) => (n.id === 'hidden' ? { ...n, params: { ...n.params, outFeatures: 8 } } : n)) })).toBe(false);
    expect(weightsFit(trained, { ...doc, edges: doc.edges.slice(1) })).toBe(false);
    expect(weightsFit(trained, { ...doc, nodes: [...doc.nodes, { id: 'extra', type: 'Output', params: {}, position: { x: 0, y: 0 } }] })).toBe(false);
    expect(weightsFit({ document: 'nonsense', weights: {} } as unknown as TrainedModelLike, doc)).toBe(false);
  });

  it('a paused run\'s weights can be saved (a snapshot, without waiting for the run to end)', async () => {
    const doc = (await service.handle('getExample', { name: 'xor-mlp' })) as GraphDocument;
    const events: TrainEvent[] = [];
    const off = service.onEvent((e, d) => {
      if (e === 'train') events.push((d as { event: TrainEvent }).event);
    });
    const { runId } = await service.handle('trainStart', { document: doc as unknown as Record<string, unknown>, backend: 'ts', overrides: { epochs: 100_000 } });
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'epoch'); i++) await new Promise((r) => setTimeout(r, 10));
    await service.handle('trainPause', { runId });
    for (let i = 0; i < 200 && !events.some((e) => e.type === 'paused'); i++) await new Promise((r) => setTimeout(r, 10));
    const snap = (await service.handle('trainedModel', { runId })) as unknown as TrainedModelLike & { history: unknown[] };
    expect(snap.history.length).toBeGreaterThan(0);
    expect(snap.history.length).toBeLessThan(100_000);
    expect(weightsFit(snap, doc)).toBe(true);
    const path = join(dir, 'paused.json');
    writeFileSync(path, serializeTrained(snap, doc));
    expect((await cli(['eval', path, '--json'])).code).toBe(0);
    await service.handle('trainStop', { runId });
    await service.handle('trainResume', { runId }).catch(() => undefined);
    off();
  });
});
