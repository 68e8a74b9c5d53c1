import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument } from '../graph/document';
import { writeFileAtomic } from '../core/atomic-write';
import { trainDocument } from './train-document';
import { loadTrainedModel, parseTrainedModel, saveTrainedModel } from '../graph/trained-model';
import type { TrainEvent } from './trainer';

function xorDoc(): GraphDocument {
  const r = parseDocument(readFileSync(new URL('../../assets/examples/xor-mlp.json', import.meta.url), 'utf8'));
  if (!r.ok) throw new Error('xor-mlp');
  return r.document;
}

describe('Trainer', () => {
  it('emits start, batch and epoch events in order, then end', async () => {
    const events: TrainEvent[] = [];
    const doc = xorDoc();
    await trainDocument(doc, { overrides: { epochs: 3, batchSize: 2 }, onEvent: (e) => events.push(e) });
    expect(events[0]!.type).toBe('start');
    expect(events.filter((e) => e.type === 'batch').length).toBe(6);
    expect(events.filter((e) => e.type === 'epoch').map((e) => (e as { epoch: number }).epoch)).toEqual([1, 2, 3]);
    expect(events[events.length - 1]).toMatchObject({ type: 'end', reason: 'completed' });
  });

  it('is deterministic by seed', async () => {
    const a = await trainDocument(xorDoc(), { overrides: { epochs: 5 } });
    const b = await trainDocument(xorDoc(), { overrides: { epochs: 5 } });
    const c = await trainDocument(xorDoc(), { overrides: { epochs: 5, seed: 7 } });
    expect(a.history.map((h) => h.loss)).toEqual(b.history.map((h) => h.loss));
    expect(a.history.map((h) => h.loss)).not.toEqual(c.history.map((h) => h.loss));
  });

  it('stops when asked, at a batch boundary: asked during epoch 3, it ends after epoch 3', async () => {
    let trainer: { stop(): void } | null = null;
    const r = await trainDocument(xorDoc(), {
      overrides: { epochs: 1000 },
      onEvent: (e) => {
        if (e.type === 'epoch' && e.epoch === 3) trainer!.stop();
      },
      onTrainer: (t) => {
        trainer = t;
      },
    });
    expect(r.reason).toBe('cancelled');
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
  });

  it('pauses and resumes', async () => {
    const events: string[] = [];
    let trainer: { pause(): void; resume(): void; paused: boolean } | null = null;
    let pausedAfter = -1;
    let epochsWhilePaused = 0;
    const done = trainDocument(xorDoc(), {
      overrides: { epochs: 400 },
      onEvent: (e) => {
        if (e.type === 'paused' || e.type === 'resumed') events.push(e.type);
        if (e.type === 'epoch' && trainer!.paused) epochsWhilePaused++;
        if (e.type === 'epoch' && e.epoch === 5) {
          // pause at the end of epoch 5; a macrotask later (the loop has yielded), check and resume
          trainer!.pause();
          pausedAfter = e.epoch;
          setTimeout(() => {
            expect(trainer!.paused).toBe(true);
            trainer!.resume();
          }, 0);
        }
      },
      onTrainer: (t) => {
        trainer = t;
      },
    });
    const r = await done;
    expect(pausedAfter).toBe(5);
    expect(epochsWhilePaused).toBe(0);
    expect(r.reason).toBe('completed');
    expect(events).toEqual(['paused', 'resumed']);
    expect(r.history.map((h) => h.epoch)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it('stops on NaN and names the node where it first appeared', async () => {
    // log of a Linear output that goes negative: NaN appears first at the Log node
    const doc = parseDocument({
      formatVersion: 2,
      nodes: [
        { id: 'x', type: 'Input', params: { shape: [2] } },
        { id: 'lin', type: 'Linear', label: 'score', params: { inFeatures: 2, outFeatures: 1 }, weights: { weight: { shape: [1, 2], data: [-1, -1] }, bias: { shape: [1], data: [-0.5] } } },
        { id: 'log', type: 'Log', label: 'log score', params: {} },
        { id: 'y', type: 'Target', params: { encoding: 'column' } },
        { id: 'loss', type: 'Loss', params: { fn: 'mse' } },
      ],
      edges: [
        { id: 'e1', source: 'x', target: 'lin' },
        { id: 'e2', source: 'lin', target: 'log' },
        { id: 'e3', source: 'log', target: 'loss', targetPort: 'prediction' },
        { id: 'e4', source: 'y', target: 'loss', targetPort: 'target' },
      ],
      training: { dataset: { name: 'xor' }, split: { test: 0 }, epochs: 3, batchSize: 4 },
    });
    if (!doc.ok) throw new Error(JSON.stringify(doc.issues));
    const r = await trainDocument(doc.document);
    expect(r.reason).toBe('non-finite');
    expect(r.diagnostic).toMatchObject({ nodeId: 'log', port: 'out', epoch: 1, batch: 1 });
    expect(r.diagnostic!.message).toBe(
      'training stopped: NaN/Inf first appeared in the output "out" of Log "log score" (epoch 1, batch 1); try a lower learning rate or normalised inputs',
    );
  });
});

describe('trained-model files', () => {
  it('save atomically, load, and resume training where it stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpstudio-'));
    const path = join(dir, 'xor.trained.json');
    const first = await trainDocument(xorDoc(), { overrides: { epochs: 10 } });
    saveTrainedModel(path, first.trained);
    expect(readdirSync(dir)).toEqual(['xor.trained.json']);
    const loaded = loadTrainedModel(path);
    expect(loaded.history.length).toBe(10);
    expect(loaded.weights['hidden']!['weight']!.shape).toEqual([4, 2]);
    expect(loaded.optimizer!.type).toBe('adam');
    const resumed = await trainDocument(loaded.document, { resume: loaded, overrides: { epochs: 20 } });
    expect(resumed.history.length).toBe(20);
    expect(resumed.history.slice(0, 10)).toEqual(first.history);
    // resuming continues the same run: the same as training 20 epochs in one go
    const straight = await trainDocument(xorDoc(), { overrides: { epochs: 20 } });
    expect(resumed.history[19]!.loss).toBeCloseTo(straight.history[19]!.loss, 5);
  });

  it('reject a damaged file with the JSON path at fault', () => {
    expect(() => parseTrainedModel({ format: 'bpstudio-trained-model', formatVersion: 1 }, 'm.json')).toThrow(/^m\.json: savedAt: /);
  });

  it('atomic writes replace the whole file and leave no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpstudio-'));
    const path = join(dir, 'f.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new contents');
    expect(readFileSync(path, 'utf8')).toBe('new contents');
    expect(readdirSync(dir)).toEqual(['f.json']);
    expect(() => writeFileAtomic(join(dir, 'missing-dir', 'x.json'), 'x')).toThrow();
    expect(existsSync(join(dir, 'missing-dir'))).toBe(false);
  });
});
