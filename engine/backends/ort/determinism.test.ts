/**
 * The same document and seed give the same numbers on ort-cpu every run (DESIGN principle 6):
 * a step graph runs on a fixed number of intra-op threads, never one chosen by timing
 * the machine (which once chose 1 or 2 threads run to run, and the float32 rounding with it).
 */
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument } from '../../graph/document';
import { trainDocument } from '../../train/train-document';

function wideIris(): GraphDocument {
  const edge = (id: string, source: string, target: string, targetPort = 'in') => ({ id, source, sourcePort: 'out', target, targetPort });
  const r = parseDocument({
    formatVersion: 3,
    name: 'wide iris',
    nodes: [
      { id: 'x', type: 'Input' },
      { id: 'h1', type: 'Linear', params: { outFeatures: 512 } },
      { id: 'a1', type: 'Activation', params: { fn: 'relu' } },
      { id: 'h2', type: 'Linear', params: { outFeatures: 512 } },
      { id: 'a2', type: 'Activation', params: { fn: 'relu' } },
      { id: 'o', type: 'Linear' },
      { id: 'y', type: 'Target' },
      { id: 'l', type: 'Loss', params: { fn: 'crossEntropy' } },
    ],
    edges: [edge('1', 'x', 'h1'), edge('2', 'h1', 'a1'), edge('3', 'a1', 'h2'), edge('4', 'h2', 'a2'), edge('5', 'a2', 'o'), edge('6', 'o', 'l', 'prediction'), edge('7', 'y', 'l', 'target')],
    training: { dataset: { name: 'iris' }, epochs: 3, seed: 7, optimizer: { type: 'adam', lr: 0.001 }, normalize: 'standardize' },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

describe('ort-cpu is deterministic by seed', () => {
  it('two runs of a step graph of 0.3 M parameters end with bitwise-equal losses and weights', async () => {
    const runs = [];
    for (let i = 0; i < 2; i++) {
      const r = await trainDocument(wideIris(), { backend: 'ort-cpu' });
      expect(r.backend.backend).toBe('ort-cpu');
      runs.push({ losses: r.history.map((h) => h.loss), weights: r.model.exportWeights() });
    }
    expect(runs[1]!.losses).toEqual(runs[0]!.losses);
    expect(runs[1]!.weights).toEqual(runs[0]!.weights);
  });
});
