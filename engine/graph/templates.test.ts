/** "MLP for this dataset": the documents it makes validate, follow their data, and train. */
import { describe, expect, it } from 'vitest';
import { listBuiltinDatasets } from '../data/builtin';
import { trainDocument } from '../train/train-document';
import { mlpTemplate, templateLoss } from './templates';
import { parseDocument } from './document';
import { validateDocument } from './validate';

const info = (name: string) => listBuiltinDatasets().find((d) => d.name === name)!;

describe('mlpTemplate', () => {
  it('XOR: Input → Linear(8) → ReLU → Linear → BCE ← Target; a current, valid document whose sizes follow the data', () => {
    const doc = mlpTemplate({ dataset: info('xor'), hidden: [8], activation: 'relu' });
    expect(parseDocument(doc)).toMatchObject({ ok: true });
    expect(doc.nodes.map((n) => n.type)).toEqual(['Input', 'Linear', 'Activation', 'Linear', 'Target', 'Loss']);
    const v = validateDocument(doc, { data: { featureShape: [2], targetShape: [], task: 'classification', numClasses: 2 }, purpose: 'train' });
    expect(v.diagnostics).toEqual([]);
    expect(Object.fromEntries(v.followed)).toEqual({ dense1: { inFeatures: 2 }, out: { inFeatures: 8, outFeatures: 1 }, y: { encoding: 'column' } });
  });

  it('the loss suits the task: BCE for two classes, cross-entropy for more; images get a Flatten', () => {
    expect(templateLoss(info('xor'))).toBe('bce');
    expect(templateLoss(info('iris'))).toBe('crossEntropy');
    expect(templateLoss({ name: 'r', featureShape: [3], task: 'regression', numClasses: 0 })).toBe('mse');
    const images = mlpTemplate({ dataset: { name: 'fashion-mnist', featureShape: [28, 28], task: 'classification', numClasses: 10 }, hidden: [128], activation: 'relu' });
    expect(images.nodes.map((n) => n.type)).toEqual(['Input', 'Flatten', 'Linear', 'Activation', 'Linear', 'Target', 'Loss']);
    expect(() => mlpTemplate({ dataset: info('xor'), hidden: [0], activation: 'relu' })).toThrow('hidden layer sizes must be positive whole numbers, got 0');
  });

  it('trains: XOR to 100 % and Iris above 90 % with every default', async () => {
    for (const seed of [0, 1, 2]) {
      const doc = mlpTemplate({ dataset: info('xor'), hidden: [8], activation: 'relu' });
      const r = await trainDocument({ ...doc, training: { ...doc.training!, seed } });
      expect(r.history.at(-1)!.accuracy, `xor seed ${seed}`).toBe(1);
    }
    const iris = mlpTemplate({ dataset: info('iris'), hidden: [16], activation: 'relu' });
    const r = await trainDocument(iris);
    expect(r.history.at(-1)!.testAccuracy!).toBeGreaterThan(0.9);
  });
});
