/**
 * Validation is cheap (issue 12, item 5): the service's `validate` runs after every edit. It
 * learns a dataset's shapes from metadata (a built-in's table, IDX headers) or, for a file,
 * once per reference while the file stays the same; it counts parameters from shapes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { compileDocument } from '../graph/compile';
import { parseDocument, type GraphDocument } from '../graph/document';
import { datasetBinding } from '../train/data-source';
import { EngineService } from './service';

const reads = vi.hoisted(() => ({ csv: 0, idx: 0 }));
vi.mock('../data/csv', async (importOriginal) => {
  const m = await importOriginal<typeof import('../data/csv')>();
  return { ...m, loadCsvFile: (...a: Parameters<typeof m.loadCsvFile>) => (reads.csv++, m.loadCsvFile(...a)) };
});
vi.mock('../data/idx', async (importOriginal) => {
  const m = await importOriginal<typeof import('../data/idx')>();
  return { ...m, loadIdxDataset: (...a: Parameters<typeof m.loadIdxDataset>) => (reads.idx++, m.loadIdxDataset(...a)) };
});

const examplesDir = new URL('../../assets/examples/', import.meta.url);
const example = (name: string): GraphDocument => {
  const r = parseDocument(JSON.parse(readFileSync(new URL(`${name}.json`, examplesDir), 'utf8')));
  if (!r.ok) throw new Error(`${name}: ${r.issues[0]!.message}`);
  return r.document;
};
const asRequest = (d: GraphDocument): Record<string, unknown> => d as unknown as Record<string, unknown>;

/** A two-layer classifier over a CSV file: its hidden Linear's in_features follows the file's columns. */
function csvDocument(file: string): GraphDocument {
  const r = parseDocument({
    formatVersion: 3, name: 'csv',
    nodes: [
      { id: 'x', type: 'Input', params: {}, position: { x: 0, y: 0 } },
      { id: 'h', type: 'Linear', params: { outFeatures: 3 }, position: { x: 0, y: 0 } },
      { id: 'y', type: 'Target', params: {}, position: { x: 0, y: 0 } },
      { id: 'loss', type: 'Loss', params: { fn: 'crossEntropy' }, position: { x: 0, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'x', sourcePort: 'out', target: 'h', targetPort: 'in' },
      { id: 'e2', source: 'h', sourcePort: 'out', target: 'loss', targetPort: 'prediction' },
      { id: 'e3', source: 'y', sourcePort: 'out', target: 'loss', targetPort: 'target' },
    ],
    training: { dataset: { name: file, params: { label: 'class', task: 'classification' } } },
  });
  if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  return r.document;
}

describe('validate is cheap', () => {
  const service = new EngineService();
  const dir = mkdtempSync(join(tmpdir(), 'validate-cost-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    reads.csv = 0;
    reads.idx = 0;
  });

  it('reads a dataset file once: a second validation takes the shapes from the cache', async () => {
    const file = join(dir, 'points.csv');
    writeFileSync(file, 'a,b,class\n0,1,0\n1,0,1\n2,2,2\n');
    const doc = csvDocument(file);
    const first = await service.handle('validate', { document: asRequest(doc) });
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(first.parameterCounts['h']).toBe((2 + 1) * 3);
    expect(reads.csv).toBe(1);
    const second = await service.handle('validate', { document: asRequest(doc) });
    expect(second.parameterCounts).toEqual(first.parameterCounts);
    expect(reads.csv).toBe(1);
  });

  it('reads the file again when it changes (size, modification time) or the reference does', async () => {
    const file = join(dir, 'grows.csv');
    writeFileSync(file, 'a,b,class\n0,1,0\n1,0,1\n');
    const doc = csvDocument(file);
    expect((await service.handle('validate', { document: asRequest(doc) })).parameterCounts['h']).toBe(9);
    writeFileSync(file, 'a,b,c,d,class\n0,1,2,3,0\n1,0,3,2,1\n');
    expect((await service.handle('validate', { document: asRequest(doc) })).parameterCounts['h']).toBe((4 + 1) * 3);
    expect(reads.csv).toBe(2);
    // another reference to the same file (another label column) is another entry
    const other = { ...doc, training: { ...doc.training!, dataset: { name: file, params: { label: 'd', task: 'classification' } } } };
    await service.handle('validate', { document: asRequest(other) });
    expect(reads.csv).toBe(3);
    await service.handle('validate', { document: asRequest(doc) });
    expect(reads.csv).toBe(3);
    // a file gone is an error again, never a stale answer
    rmSync(file);
    const gone = await service.handle('validate', { document: asRequest(doc) });
    expect(gone.diagnostics.find((d) => d.code === 'dataset')?.message).toMatch(/^dataset: grows\.csv: dataset ".*grows\.csv" is neither a built-in dataset/);
  });

  it('never loads Fashion-MNIST to validate its example (shapes from the IDX headers)', async () => {
    const v = await service.handle('validate', { document: asRequest(example('fashion-mnist-mlp')) });
    expect(v.ok).toBe(true);
    expect(v.parameterCounts).toMatchObject({ dense1: 784 * 128 + 128, dense2: 128 * 10 + 10 });
    expect(reads.idx).toBe(0);
    expect(datasetBinding({ name: 'fashion-mnist', params: { split: 'test' } })).toEqual({
      name: 'fashion-mnist-test', task: 'classification', featureShape: [28, 28], targetShape: [], numClasses: 10,
    });
  });

  it('counts from shapes what the compiled model holds, for every shipped example', async () => {
    const names = readdirSync(examplesDir).filter((f) => f.endsWith('.json') && !f.endsWith('.batch.json')).map((f) => f.replace(/\.json$/, '')).sort();
    expect(names).toHaveLength(16);
    const counts: Record<string, Record<string, number>> = {};
    for (const name of names) {
      const doc = example(name);
      const v = await service.handle('validate', { document: asRequest(doc) });
      expect(v.ok, name).toBe(true);
      const ref = doc.training?.dataset;
      const model = compileDocument(doc, { data: ref ? datasetBinding(ref) : null, requireLoss: false });
      for (const n of doc.nodes) expect(v.parameterCounts[n.id], `${name} ${n.id}`).toBe(model.parameterCount(n.id));
      counts[name] = Object.fromEntries(Object.entries(v.parameterCounts).filter(([, k]) => k > 0));
    }
    // The counts the app showed before they came from shapes (compiled and initialised then).
    expect(counts).toEqual({
      'and-perceptron': { perceptron: 3 }, 'autograd-lesson': {}, 'fashion-mnist-mlp': { dense1: 100480, dense2: 1290 },
      'iris-mlp': { l1: 640, bn1: 256, l2: 8256, bn2: 128, l3: 2080, bn3: 64, l4: 528, l5: 51 },
      'keras-sequential': { layer1: 8, layer2: 9, layer3: 16 }, 'lesson-add-multiply': {}, 'lesson-fan-out': {}, 'lesson-max-gate': {},
      'lesson-sigmoid-neuron': {}, 'mse-lesson': {}, 'nand-perceptron': { perceptron: 3 }, 'or-perceptron': { perceptron: 3 },
      'perceptron-learning-or': { score: 3 }, 'perceptron-learning-xor': { score: 3 }, 'sigmoid-vanishing': {}, 'xor-mlp': { hidden: 12, out: 5 },
    });
  });

  it('still checks weights stored in the document against the shapes', async () => {
    const doc = example('and-perceptron');
    const bad = { ...doc, nodes: doc.nodes.map((n) => (n.weights ? { ...n, weights: { ...n.weights, weight: { shape: [1, 3], data: [1, 2, 3] } } } : n)) };
    const v = await service.handle('validate', { document: asRequest(bad) });
    expect(v.ok).toBe(false);
    expect(v.diagnostics.find((d) => d.code === 'compile')?.message).toMatch(/perceptron/);
  });
});
