/** New from template: what the dialog reads from its fields and the document it opens. */
import { describe, expect, it } from 'vitest';
import type { BuiltinDatasetInfo } from '../../../engine/data/builtin';
import { parseHidden, suggestedHidden, templateDocument } from './template';

const fashion: BuiltinDatasetInfo = {
  name: 'fashion-mnist', description: 'Fashion-MNIST', task: 'classification', featureShape: [28, 28], numClasses: 10,
  params: [{ name: 'split', kind: 'choice', default: 'train', choices: ['train', 'test'], description: 'split' }],
  defaults: { split: 'train' }, needsFiles: true,
};

describe('New from template', () => {
  it('reads hidden sizes as a list of positive whole numbers', () => {
    expect(parseHidden('8')).toEqual([8]);
    expect(parseHidden(' 16, 8 ')).toEqual([16, 8]);
    expect(parseHidden('')).toEqual([]);
    expect(parseHidden('8, x')).toBeNull();
    expect(parseHidden('0')).toBeNull();
    expect(parseHidden('2.5')).toBeNull();
  });

  it('suggests 8 units for 2-D toy sets, 16 for tables, 128 for images', () => {
    expect(suggestedHidden({ featureShape: [2] })).toBe('8');
    expect(suggestedHidden({ featureShape: [4] })).toBe('16');
    expect(suggestedHidden({ featureShape: [28, 28] })).toBe('128');
  });

  it('an image dataset with an official test split: Flatten first, train on train, test on test, ÷255', () => {
    const doc = templateDocument(fashion, [128], 'relu');
    expect(doc.nodes.map((n) => n.type)).toEqual(['Input', 'Flatten', 'Linear', 'Activation', 'Linear', 'Target', 'Loss']);
    expect(doc.training).toMatchObject({
      dataset: { name: 'fashion-mnist', params: { split: 'train' } },
      testDataset: { name: 'fashion-mnist', params: { split: 'test' } },
      normalize: 'scale255',
      optimizer: { type: 'adam', lr: 0.01 },
    });
    expect(doc.nodes.find((n) => n.type === 'Loss')!.params).toEqual({ fn: 'crossEntropy' });
  });
});
