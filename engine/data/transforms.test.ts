import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from './dataset';
import { DataError } from './errors';
import { applyNormalization, fitNormalization, normalizationSchema, normalizeFeatures, normalizeSplits } from './transforms';

const ds = (features: number[], nf: number, name = 'd'): Dataset =>
  makeDataset({
    name,
    task: 'regression',
    featureShape: [nf],
    features: Float32Array.from(features),
    targetShape: [1],
    labels: new Float32Array(features.length / nf),
  });

describe('normalisation', () => {
  // feature 0: 1, 2, 3, 6 (mean 3, population std √3.5); feature 1: constant 5
  const train = ds([1, 5, 2, 5, 3, 5, 6, 5], 2, 'train');

  it('standardize: per-feature mean and population std, std 0 → 1', () => {
    const norm = fitNormalization(train, 'standardize');
    expect(norm).toEqual({ kind: 'standardize', mean: [3, 5], std: [Math.sqrt(3.5), 1] });
    const out = applyNormalization(train, norm);
    const s = Math.sqrt(3.5);
    expect(Array.from(out.features)).toEqual([-2 / s, 0, -1 / s, 0, 0, 0, 3 / s, 0].map(Math.fround));
    expect(train.features[0]).toBe(1); // the input is not changed
  });

  it('minmax: into [0, 1] on the fitted data, constant features → 0', () => {
    const norm = fitNormalization(train, 'minmax');
    expect(norm).toEqual({ kind: 'minmax', min: [1, 5], max: [6, 5] });
    expect(Array.from(applyNormalization(train, norm).features)).toEqual([0, 0, 0.2, 0, 0.4, 0, 1, 0].map(Math.fround));
    // values outside the train range map outside [0, 1]
    expect(Array.from(normalizeFeatures(Float32Array.of(11, 7), norm, 2))).toEqual([2, 2]);
  });

  it('scale255 and none', () => {
    expect(fitNormalization(train, 'scale255')).toEqual({ kind: 'scale255' });
    expect(Array.from(normalizeFeatures(Float32Array.of(0, 51, 255), { kind: 'scale255' }, 1))).toEqual([0, 0.2, 1].map(Math.fround));
    const same = normalizeFeatures(Float32Array.of(1, 2), { kind: 'none' }, 2);
    expect(Array.from(same)).toEqual([1, 2]);
  });

  it('is fitted on train and applied unchanged to test', () => {
    const test = ds([9, 5, 3, 4], 2, 'test');
    const r = normalizeSplits({ train, test }, 'standardize');
    expect(r.normalization).toEqual(fitNormalization(train, 'standardize'));
    const s = Math.sqrt(3.5);
    expect(Array.from(r.test.features)).toEqual([6 / s, 0, 0, -1].map(Math.fround));
    expect(r.validation).toBeUndefined();
    const v = normalizeSplits({ train, test, validation: test }, 'minmax');
    expect(Array.from(v.validation!.features)).toEqual([1.6, 0, 0.4, -1].map(Math.fround));
  });

  it('statistics are JSON data that the schema reads back', () => {
    const norm = fitNormalization(train, 'standardize');
    const back = normalizationSchema.parse(JSON.parse(JSON.stringify(norm)));
    expect(back).toEqual(norm);
    expect(normalizationSchema.safeParse({ kind: 'standardize', mean: [0], std: [0] }).success).toBe(false);
    expect(normalizationSchema.safeParse({ kind: 'zscore' }).success).toBe(false);
  });

  it('errors', () => {
    const norm = fitNormalization(train, 'standardize');
    expect(() => normalizeFeatures(Float32Array.of(1, 2, 3), norm, 3)).toThrow(
      new DataError('the "standardize" normalisation was fitted on 2 features, these samples have 3'),
    );
    expect(() => normalizeFeatures(Float32Array.of(1, 2, 3), norm, 2)).toThrow('features of length 3 are not whole samples of 2 values');
    expect(() => fitNormalization(ds([], 2, 'empty'), 'minmax')).toThrow('cannot fit "minmax" on dataset "empty": it has no samples');
  });
});
