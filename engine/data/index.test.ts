import { describe, expect, it } from 'vitest';
import * as data from './index';

describe('engine/data public API', () => {
  it('exports the loaders, transforms, splits and the DataLoader', () => {
    for (const name of [
      'DataError',
      'makeDataset',
      'subset',
      'featureSize',
      'sampleCount',
      'parseCsv',
      'loadCsvFile',
      'parseIdx',
      'loadIdxDataset',
      'listBuiltinDatasets',
      'loadBuiltinDataset',
      'fitNormalization',
      'applyNormalization',
      'trainTestSplit',
      'DataLoader',
    ]) {
      expect(typeof (data as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('runs the seed’s Iris pipeline end to end: load, split, standardise, batch', () => {
    const iris = data.loadBuiltinDataset('iris');
    const split = data.trainTestSplit(iris, { testFraction: 0.25, seed: 0 });
    const { train, test, normalization } = data.normalizeSplits(split, 'standardize');
    expect(normalization.kind).toBe('standardize');
    const loader = new data.DataLoader(train, { batchSize: 16, shuffle: true, seed: 0 });
    expect(loader.numBatches).toBe(7);
    const first = loader.batch(0, 0);
    expect(first.xShape).toEqual([16, 4]);
    expect(first.yShape).toEqual([16]);
    expect(test.numSamples).toBe(38);
    // standardised train features have mean ≈ 0
    let m = 0;
    for (let i = 0; i < train.numSamples; i++) m += train.features[i * 4]!;
    expect(Math.abs(m / train.numSamples)).toBeLessThan(1e-6);
  });
});
