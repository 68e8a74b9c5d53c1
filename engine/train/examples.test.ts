/**
 * Every lecture example in assets/examples/ does what the lecture says (rows 1–5, 13, 15–18 of
 * the table in DESIGN.md).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument } from '../graph/document';
import { compileDocument } from '../graph/compile';
import { validateDocument } from '../graph/validate';
import { loadBuiltinDataset } from '../data/builtin';
import { fashionMnistSearchPath } from '../data/builtin';
import { existsSync } from 'node:fs';
import { tensor, ones, noGrad } from '../index';
import { bindingOf } from './data-source';
import { trainDocument } from './train-document';

const dir = new URL('../../assets/examples/', import.meta.url);
function example(name: string): GraphDocument {
  const r = parseDocument(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.issues)}`);
  return r.document;
}

describe('every example document', () => {
  const names = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.batch.json')).map((f) => f.replace(/\.json$/, ''));
  it('there are the lecture examples', () => {
    expect(names.length).toBeGreaterThanOrEqual(12);
  });
  it.each(names)('%s parses, has a description and validates without errors', (name) => {
    const doc = example(name);
    expect(doc.description?.length ?? 0).toBeGreaterThan(20);
    const data = doc.training?.dataset && doc.training.dataset.name !== 'fashion-mnist' ? bindingOf(loadBuiltinDataset(doc.training.dataset.name, doc.training.dataset.params)) : null;
    const v = validateDocument(doc, { data, requireLoss: false });
    const errors = v.diagnostics.filter((d) => d.severity === 'error' && !(d.code === 'shape-mismatch' && data === null && /no dataset/.test(d.message)));
    expect(errors).toEqual([]);
  });
});

describe('rows 1–2: fixed-weight perceptrons', () => {
  it.each([
    ['and-perceptron', 'and', [0, 0, 0, 1]],
    ['nand-perceptron', 'nand', [1, 1, 1, 0]],
    ['or-perceptron', 'or', [0, 1, 1, 1]],
  ] as const)('%s outputs the truth table', (name, gate, expected) => {
    const ds = loadBuiltinDataset(gate);
    const model = compileDocument(example(name), { data: bindingOf(ds), requireLoss: false });
    const x = tensor(ds.features, { shape: [4, 2] });
    expect(Array.from(ds.features)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    const out = noGrad(() => model.forward({ features: x }, { training: false })).outputs['y']!;
    expect(out.toList()).toEqual([...expected]);
  });
});

describe('rows 3–4: perceptron learning', () => {
  it('on OR reaches 0 misclassified samples', async () => {
    const r = await trainDocument(example('perceptron-learning-or'));
    const last = r.history[r.history.length - 1]!;
    expect(last.accuracy).toBe(1);
    expect(last.loss).toBe(0);
  });
  it('on XOR never reaches 0 misclassified samples', async () => {
    const r = await trainDocument(example('perceptron-learning-xor'));
    expect(r.history.length).toBe(50);
    expect(Math.max(...r.history.map((h) => h.accuracy!))).toBeLessThanOrEqual(0.75);
    expect(Math.min(...r.history.map((h) => h.loss))).toBeGreaterThan(0);
  });
});

describe('row 5: XOR with one hidden sigmoid layer', () => {
  it('reaches 100% accuracy', async () => {
    const r = await trainDocument(example('xor-mlp'));
    expect(r.reason).toBe('completed');
    expect(r.history[r.history.length - 1]!.accuracy).toBe(1);
    expect(r.history[r.history.length - 1]!.loss).toBeLessThan(r.history[0]!.loss / 10);
  });
});

describe('autograd lesson graph: y = x + 2, z = y³, out = mean(z)', () => {
  it('gives 6.75 on the edge leaving x', () => {
    const doc = example('autograd-lesson');
    const model = compileDocument(doc, { requireLoss: false });
    const x = ones([2, 2], { requiresGrad: true });
    const r = model.forward({ inputs: { x } }, { training: true, retainGrad: true });
    expect(r.objective!.item()).toBe(27);
    r.objective!.backward();
    expect(x.grad!.toList()).toEqual([6.75, 6.75, 6.75, 6.75]);
    const edge = doc.edges.find((e) => e.source === 'x')!;
    expect(model.edgeValue(r, edge.id)).toBe(x);
    const zEdge = doc.edges.find((e) => e.source === 'z')!;
    expect(model.edgeValue(r, zEdge.id)!.grad!.toList()).toEqual([0.25, 0.25, 0.25, 0.25]);
  });
});

describe('row 13: sigmoid vanishing gradient', () => {
  it.each([10, -10])('at x = %d the gradient is about 4.5e-5', (v) => {
    const model = compileDocument(example('sigmoid-vanishing'), { requireLoss: false });
    const x = tensor(v, { requiresGrad: true });
    model.forward({ inputs: { x } }, { training: true }).objective!.backward();
    // float32, like PyTorch: σ(10) rounds to 0.99995458, so 1 − σ keeps ~3 digits
    expect(x.grad!.item()).toBeCloseTo(4.5396e-5, 7);
    expect(x.grad!.item()).toBeLessThan(1e-4);
  });
});

describe('row 15: Iris MLP', () => {
  it('reaches ≥ 0.9 test accuracy with its fixed seed', async () => {
    const r = await trainDocument(example('iris-mlp'));
    expect(r.model.parameters().length).toBe(16);
    expect(r.data.test!.numSamples).toBe(38);
    expect(r.history.length).toBe(20);
    expect(r.history[r.history.length - 1]!.testAccuracy).toBeGreaterThanOrEqual(0.9);
  });
});

describe('row 16: Keras-style Sequential', () => {
  it('maps ones(3,3) to shape (3, 4)', () => {
    const model = compileDocument(example('keras-sequential'), { requireLoss: false });
    const out = model.forward({ features: ones([3, 3]) }, { training: false }).outputs['y']!;
    expect(out.shape).toEqual([3, 4]);
    expect(model.parameterCount()).toBe(3 * 2 + 2 + 2 * 3 + 3 + 3 * 4 + 4);
  });
});

describe('row 18: the lecture’s MSE e = 1/(2n)·Σ‖y − o‖²', () => {
  it('matches the value by hand', () => {
    const model = compileDocument(example('mse-lesson'), { requireLoss: true });
    const o = tensor([[1, 2], [3, 5], [0, 0]]);
    const y = tensor([[0, 2], [1, 1], [1, 1]]);
    const e = model.forward({ inputs: { o, y } }, { training: true }).loss!.item();
    // ‖y−o‖² per sample: 1, 20, 2 → Σ = 23; n = 3 → 23 / 6
    expect(e).toBeCloseTo(23 / 6, 6);
  });
});

describe('row 17: Fashion-MNIST MLP (short run; the full 5 epochs: npm run example:fashion)', () => {
  const present = fashionMnistSearchPath().some((d) => existsSync(`${d}/t10k-images-idx3-ubyte.gz`) || existsSync(`${d}/t10k-images-idx3-ubyte`));
  it.runIf(present)('learns: one epoch on 6,000 images gives > 0.7 test accuracy on 2,000', async () => {
    const doc = example('fashion-mnist-mlp');
    const t = doc.training!;
    const short: GraphDocument = {
      ...doc,
      training: {
        ...t,
        epochs: 1,
        dataset: { name: 'fashion-mnist', params: { split: 'train', limit: 6000 } },
        testDataset: { name: 'fashion-mnist', params: { split: 'test', limit: 2000 } },
      },
    };
    const r = await trainDocument(short);
    expect(r.history[0]!.testAccuracy).toBeGreaterThan(0.7);
  });
});
