import { describe, expect, it } from 'vitest';
import {
  classCounts,
  classIndices,
  describeDataset,
  featureSize,
  makeDataset,
  numClasses,
  sampleCount,
  selectRows,
  subset,
  targetSize,
  validateDataset,
  withFeatures,
  type Dataset,
} from './dataset';
import { dataErrorOf } from '../testing/errors';


const images = (): Dataset =>
  makeDataset({
    name: 'tiny',
    task: 'classification',
    featureShape: [2, 2],
    features: Float32Array.from({ length: 12 }, (_, k) => k),
    targetShape: [],
    labels: Float32Array.of(2, 0, 2),
    classNames: ['a', 'b', 'c'],
  });

describe('Dataset helpers', () => {
  it('sizes and counts', () => {
    const ds = images();
    expect(ds.numSamples).toBe(3);
    expect(sampleCount(ds)).toBe(3);
    expect(featureSize(ds)).toBe(4);
    expect(targetSize(ds)).toBe(1);
    expect(numClasses(ds)).toBe(3);
    expect(classCounts(ds)).toEqual([1, 0, 2]);
    expect(describeDataset(ds)).toBe('tiny: 3 samples × [2, 2] features, 3 classes (a 1, b 0, c 2)');
  });

  it('subset copies the chosen samples in order, repeats allowed', () => {
    const ds = images();
    const s = subset(ds, [2, 0, 2], 'picked');
    expect(s.name).toBe('picked');
    expect(s.numSamples).toBe(3);
    expect(Array.from(s.features)).toEqual([8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
    expect(Array.from(s.labels)).toEqual([2, 2, 2]);
    expect(s.featureShape).toEqual([2, 2]);
    expect(s.classNames).toEqual(['a', 'b', 'c']);
    s.features[0] = -1;
    s.classNames![0] = 'z';
    expect(ds.features[8]).toBe(8);
    expect(ds.classNames![0]).toBe('a');
    expect(dataErrorOf(() => subset(ds, [3])).message).toBe('sample 3 of "tiny" is out of range: it has 3 samples (0..2)');
  });

  it('selectRows copies the rows asked for, in order, and names a row out of range', () => {
    const ds = images();
    const r = selectRows(ds, Int32Array.of(1, 1, 0));
    expect(Array.from(r.features)).toEqual([4, 5, 6, 7, 4, 5, 6, 7, 0, 1, 2, 3]);
    expect(Array.from(r.labels)).toEqual([0, 0, 2]);
    r.features[0] = -1;
    expect(ds.features[4]).toBe(4);
    expect(selectRows(ds, []).features.length).toBe(0);
    for (const bad of [-1, 1.5, 3]) {
      expect(dataErrorOf(() => selectRows(ds, [0, bad])).message).toBe(`sample ${bad} of "tiny" is out of range: it has 3 samples (0..2)`);
    }
  });

  it('subset of a regression dataset copies whole target rows', () => {
    const ds = makeDataset({
      name: 'r',
      task: 'regression',
      featureShape: [1],
      features: Float32Array.of(1, 2, 3),
      targetShape: [2],
      labels: Float32Array.of(10, 11, 20, 21, 30, 31),
    });
    expect(Array.from(subset(ds, [2, 1]).labels)).toEqual([30, 31, 20, 21]);
    expect(numClasses(ds)).toBe(0);
    expect(dataErrorOf(() => classIndices(ds)).message).toBe('dataset "r" is a regression dataset; it has no classes');
    expect(describeDataset(ds)).toBe('r: 3 samples × [1] features, regression to [2]');
  });

  it('classIndices decodes signed labels', () => {
    const ds = makeDataset({
      name: 's',
      task: 'classification',
      featureShape: [1],
      features: Float32Array.of(0, 1, 2),
      targetShape: [],
      labels: Float32Array.of(-1, 1, 1),
      labelEncoding: 'signed',
      classNames: ['-1', '+1'],
    });
    expect(Array.from(classIndices(ds))).toEqual([0, 1, 1]);
    expect(classCounts(ds)).toEqual([1, 2]);
  });

  it('withFeatures replaces values and keeps the rest', () => {
    const ds = images();
    const w = withFeatures(ds, new Float32Array(12).fill(1));
    expect(w.features[5]).toBe(1);
    expect(w.labels).toBe(ds.labels);
    expect(dataErrorOf(() => withFeatures(ds, new Float32Array(3))).message).toBe('dataset "tiny": new features have 3 values, expected 12');
  });

  it('validateDataset names the inconsistency', () => {
    const base = images();
    expect(dataErrorOf(() => validateDataset({ ...base, features: new Float32Array(5) })).message).toBe(
      'dataset "tiny": features has 5 values, expected 3 samples × 4 = 12',
    );
    expect(dataErrorOf(() => validateDataset({ ...base, labels: Float32Array.of(0, 3, 1) })).message).toBe(
      'dataset "tiny": sample 1 has label 3, expected a class index 0..2',
    );
    expect(dataErrorOf(() => validateDataset({ ...base, labels: Float32Array.of(0, 0.5, 1) })).message).toBe(
      'dataset "tiny": sample 1 has label 0.5, expected a class index 0..2',
    );
    expect(dataErrorOf(() => validateDataset({ ...base, labelEncoding: 'signed' })).message).toBe(
      'dataset "tiny": labelEncoding "signed" needs exactly 2 classes, got 3',
    );
    expect(dataErrorOf(() => validateDataset({ ...base, featureNames: ['x'] })).message).toBe('dataset "tiny": 1 feature names for 4 features');
    expect(dataErrorOf(() => validateDataset({ ...base, targetShape: [1] })).message).toBe(
      'dataset "tiny": a classification dataset has targetShape [], got [1]',
    );
  });
});
