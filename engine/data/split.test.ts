import { describe, expect, it } from 'vitest';
import { loadBuiltinDataset } from './builtin';
import { classCounts, makeDataset } from './dataset';
import { splitIndices, trainTestSplit } from './split';

const sorted = (a: Int32Array): number[] => Array.from(a).sort((x, y) => x - y);

describe('trainTestSplit', () => {
  const iris = loadBuiltinDataset('iris');

  it('Iris, 25% test, stratified: 38 test / 112 train, classes kept in proportion', () => {
    const { train, test, validation, indices } = trainTestSplit(iris, { testFraction: 0.25, seed: 42 });
    expect(test.numSamples).toBe(38);
    expect(train.numSamples).toBe(112);
    expect(validation).toBeUndefined();
    expect(classCounts(test)).toEqual([13, 13, 12]);
    expect(classCounts(train)).toEqual([37, 37, 38]);
    expect(test.name).toBe('iris/test');
    expect(train.classNames).toEqual(iris.classNames);
    // a partition of 0..149
    expect(sorted(Int32Array.from([...indices.train, ...indices.test]))).toEqual(Array.from({ length: 150 }, (_, i) => i));
    // the subsets hold the right rows
    const i0 = indices.test[0]!;
    expect(Array.from(test.features.slice(0, 4))).toEqual(Array.from(iris.features.slice(i0 * 4, i0 * 4 + 4)));
    expect(test.labels[0]).toBe(iris.labels[i0]);
  });

  it('is deterministic by seed', () => {
    const a = splitIndices(iris, { seed: 7 });
    const b = splitIndices(iris, { seed: 7 });
    const c = splitIndices(iris, { seed: 8 });
    expect(a.test).toEqual(b.test);
    expect(a.train).toEqual(b.train);
    expect(sorted(a.test)).not.toEqual(sorted(c.test));
  });

  it('with a validation split: exact sizes, disjoint, stratified', () => {
    const r = trainTestSplit(iris, { testFraction: 0.2, validationFraction: 0.1, seed: 1 });
    expect([r.train.numSamples, r.validation!.numSamples, r.test.numSamples]).toEqual([105, 15, 30]);
    expect(classCounts(r.test)).toEqual([10, 10, 10]);
    expect(classCounts(r.validation!)).toEqual([5, 5, 5]);
    const all = [...r.indices.train, ...r.indices.validation!, ...r.indices.test];
    expect(new Set(all).size).toBe(150);
  });

  it('unstratified and regression splits', () => {
    const reg = makeDataset({
      name: 'r',
      task: 'regression',
      featureShape: [1],
      features: Float32Array.from({ length: 10 }, (_, i) => i),
      targetShape: [1],
      labels: Float32Array.from({ length: 10 }, (_, i) => 2 * i),
    });
    const r = trainTestSplit(reg, { testFraction: 0.3, seed: 3 });
    expect(r.test.numSamples).toBe(3);
    for (let j = 0; j < 3; j++) expect(r.test.labels[j]).toBe(2 * r.test.features[j]!);
    expect(() => trainTestSplit(reg, { stratify: true })).toThrow('cannot stratify dataset "r": it is a regression dataset, it has no classes');
    const u = trainTestSplit(iris, { stratify: false, seed: 0 });
    expect(u.test.numSamples).toBe(38);
  });

  it('uneven classes: largest remainders get the leftover samples', () => {
    // classes of 5, 3, 2 samples, 5 to test: exact shares 2.5, 1.5, 1 → floors 2, 1, 1 (4);
    // the 5th goes to the largest remainder, classes 0 and 1 tie at 0.5 → the lower index, class 0
    const ds = makeDataset({
      name: 'u',
      task: 'classification',
      featureShape: [1],
      features: new Float32Array(10),
      targetShape: [],
      labels: Float32Array.of(0, 0, 0, 0, 0, 1, 1, 1, 2, 2),
      classNames: ['a', 'b', 'c'],
    });
    const r = trainTestSplit(ds, { testFraction: 0.5, seed: 0 });
    expect(classCounts(r.test)).toEqual([3, 1, 1]);
    expect(classCounts(r.train)).toEqual([2, 2, 1]);
  });

  it('the XOR gate (4 samples): 1 test sample, 3 train', () => {
    const r = trainTestSplit(loadBuiltinDataset('xor'), { seed: 0 });
    expect([r.train.numSamples, r.test.numSamples]).toEqual([3, 1]);
  });

  it('rejects bad fractions', () => {
    expect(() => trainTestSplit(iris, { testFraction: 1 })).toThrow('testFraction must be in [0, 1), got 1');
    expect(() => trainTestSplit(iris, { validationFraction: -0.1 })).toThrow('validationFraction must be in [0, 1), got -0.1');
    expect(() => trainTestSplit(iris, { testFraction: 0.6, validationFraction: 0.4 })).toThrow(
      'splitting 150 samples into 90 test and 60 validation leaves no training samples; lower the fractions',
    );
  });

  it('testFraction 0 gives an empty test split', () => {
    const r = trainTestSplit(iris, { testFraction: 0 });
    expect(r.test.numSamples).toBe(0);
    expect(r.train.numSamples).toBe(150);
  });
});
