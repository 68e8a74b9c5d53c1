import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realFashionMnist, writeSmallFashionMnist } from '../testing/idx-files';
import { builtinDatasetShape, datasetAssetsDir, fashionMnistSearchPath, isBuiltinDataset, listBuiltinDatasets, loadBuiltinDataset } from './builtin';
import { fashionMnistSearchPlaces, findFashionMnist } from './fashion-mnist';
import { withDataLocations } from './user-data';
import { classCounts, datasetShape, describeDataset } from './dataset';
import { dataErrorOf } from '../testing/errors';


const sum = (xs: ArrayLike<number>): number => Array.from(xs).reduce((a, b) => a + b, 0);
const points = (f: Float32Array): [number, number][] => Array.from({ length: f.length / 2 }, (_, i) => [f[2 * i]!, f[2 * i + 1]!]);

describe('listBuiltinDatasets', () => {
  it('lists every dataset with kebab-case names, descriptions and defaults', () => {
    const list = listBuiltinDatasets();
    expect(list.map((d) => d.name)).toEqual(['and', 'or', 'nand', 'xor', 'iris', 'circle', 'gaussian', 'xor-quadrants', 'spiral', 'fashion-mnist']);
    for (const d of list) {
      expect(d.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(d.description.length).toBeGreaterThan(10);
      expect(d.description).not.toContain('\n');
    }
    const circle = list.find((d) => d.name === 'circle')!;
    expect(circle.defaults).toEqual({ n: 500, noise: 0, seed: 0, labels: '01' });
    expect(circle.task).toBe('classification');
    expect(circle.featureShape).toEqual([2]);
    expect(circle.numClasses).toBe(2);
    expect(list.find((d) => d.name === 'xor')!.defaults).toEqual({ labels: '01' });
    expect(list.find((d) => d.name === 'fashion-mnist')!.needsFiles).toBe(true);
    expect(isBuiltinDataset('iris')).toBe(true);
    expect(isBuiltinDataset('mnist')).toBe(false);
  });
});

describe('builtinDatasetShape', () => {
  it('is the shape of the loaded dataset, for every built-in and label encoding, without loading it', () => {
    for (const d of listBuiltinDatasets()) {
      const variants = d.name === 'fashion-mnist' ? [{ split: 'test', limit: 5 }, { split: 'train', limit: 5 }] : d.defaults['labels'] !== undefined ? [{}, { labels: 'pm1' }] : [{}];
      for (const params of variants) {
        expect(builtinDatasetShape(d.name, params).shape, `${d.name} ${JSON.stringify(params)}`).toEqual(datasetShape(loadBuiltinDataset(d.name, params)));
      }
    }
  });

  it('names the files it reads (Fashion-MNIST), and refuses what loading refuses', () => {
    const where = realFashionMnist('t10k');
    expect(builtinDatasetShape('fashion-mnist', { split: 'test' }).files).toEqual([where.images, where.labels]);
    expect(builtinDatasetShape('iris').files).toEqual([]);
    expect(dataErrorOf(() => builtinDatasetShape('mnist')).message).toMatch(/^unknown dataset "mnist"; the built-in datasets are and, or/);
    expect(dataErrorOf(() => builtinDatasetShape('circle', { n: 1 })).message).toBe('dataset "circle": parameter n must be in 2..1000000, got 1');
  });
});

describe('logic gates', () => {
  it('gives the four inputs and the truth table', () => {
    const expected: Record<string, number[]> = { and: [0, 0, 0, 1], or: [0, 1, 1, 1], nand: [1, 1, 1, 0], xor: [0, 1, 1, 0] };
    for (const [name, out] of Object.entries(expected)) {
      const ds = loadBuiltinDataset(name);
      expect(ds.numSamples).toBe(4);
      expect(Array.from(ds.features)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
      expect(Array.from(ds.labels)).toEqual(out);
      expect(ds.classNames).toEqual(['0', '1']);
      expect(ds.labelEncoding).toBeUndefined();
    }
  });

  it("labels: 'pm1' gives −1/+1 labels and keeps 0/1 inputs", () => {
    const ds = loadBuiltinDataset('or', { labels: 'pm1' });
    expect(Array.from(ds.features)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(ds.labels)).toEqual([-1, 1, 1, 1]);
    expect(ds.labelEncoding).toBe('signed');
    expect(ds.classNames).toEqual(['-1', '+1']);
    expect(classCounts(ds)).toEqual([1, 3]);
  });
});

describe('iris', () => {
  it('loads the shipped CSV: 150 × 4, 3 named classes of 50', () => {
    expect(existsSync(join(datasetAssetsDir(), 'iris.csv'))).toBe(true);
    expect(existsSync(join(datasetAssetsDir(), 'iris.LICENSE.md'))).toBe(true);
    const ds = loadBuiltinDataset('iris');
    expect(ds.name).toBe('iris');
    expect(ds.numSamples).toBe(150);
    expect(ds.featureShape).toEqual([4]);
    expect(ds.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(classCounts(ds)).toEqual([50, 50, 50]);
    expect(ds.labels[0]).toBe(0);
    expect(ds.labels[50]).toBe(1);
    expect(ds.labels[149]).toBe(2);
    // data row 35 (index 34) holds the corrected value (Fisher's paper): 4.9, 3.1, 1.5, 0.2
    expect(Array.from(ds.features.slice(34 * 4, 35 * 4))).toEqual([4.9, 3.1, 1.5, 0.2].map(Math.fround));
    const colSum = (j: number): number => sum(Array.from({ length: 150 }, (_, i) => ds.features[i * 4 + j]!));
    expect([0, 1, 2, 3].map((j) => Number(colSum(j).toFixed(3)))).toEqual([876.5, 458.6, 563.7, 179.9]);
    expect(describeDataset(ds)).toBe('iris: 150 samples × [4] features, 3 classes (setosa 50, versicolor 50, virginica 50)');
    // empty params are the defaults: the same dataset
    expect(Array.from(loadBuiltinDataset('iris', {}).features)).toEqual(Array.from(ds.features));
  });
});

describe('2-D toy sets (TensorFlow Playground)', () => {
  it('are deterministic by seed and have exactly n points, half per class', () => {
    for (const name of ['circle', 'gaussian', 'spiral']) {
      const a = loadBuiltinDataset(name, { n: 101, seed: 7 });
      const b = loadBuiltinDataset(name, { n: 101, seed: 7 });
      expect(a.numSamples).toBe(101);
      expect(a.features).toEqual(b.features);
      expect(a.labels).toEqual(b.labels);
      expect(classCounts(a)).toEqual([50, 51]);
      expect(a.classNames).toEqual(['negative', 'positive']);
      if (name !== 'spiral') expect(loadBuiltinDataset(name, { n: 101, seed: 8 }).features).not.toEqual(a.features);
    }
    const x = loadBuiltinDataset('xor-quadrants', { n: 64, seed: 3 });
    expect(x.numSamples).toBe(64);
    expect(x.features).toEqual(loadBuiltinDataset('xor-quadrants', { n: 64, seed: 3 }).features);
  });

  it('circle: a disc (r < 2.5) inside a ring (3.5 ≤ r < 5); noise flips labels, not points', () => {
    const clean = loadBuiltinDataset('circle', { n: 500, seed: 1 });
    points(clean.features).forEach(([x, y], i) => {
      const r = Math.hypot(x, y);
      if (i < 250) {
        expect(r).toBeLessThan(2.5);
        expect(clean.labels[i]).toBe(1);
      } else {
        expect(r).toBeGreaterThanOrEqual(3.5 - 1e-5);
        expect(r).toBeLessThan(5 + 1e-5);
        expect(clean.labels[i]).toBe(0);
      }
    });
    const noisy = loadBuiltinDataset('circle', { n: 500, seed: 1, noise: 0.5 });
    expect(noisy.features).toEqual(clean.features);
    const flipped = Array.from(noisy.labels).filter((v, i) => v !== clean.labels[i]).length;
    expect(flipped).toBeGreaterThan(25);
    expect(flipped).toBeLessThan(250);
    expect(Array.from(clean.features.slice(0, 2)).map((v) => v.toPrecision(6))).toEqual(['-0.910272', '1.09184']);
  });

  it('gaussian: blobs at (2,2) and (−2,−2), variance 0.5 at noise 0 and 4 at noise 0.5', () => {
    for (const [noise, variance] of [[0, 0.5], [0.5, 4]] as const) {
      const ds = loadBuiltinDataset('gaussian', { n: 20000, noise, seed: 2 });
      const pos = points(ds.features).filter((_, i) => ds.labels[i] === 1);
      const mean = sum(pos.map((p) => p[0])) / pos.length;
      const v = sum(pos.map((p) => (p[0] - mean) ** 2)) / pos.length;
      expect(mean).toBeCloseTo(2, 1);
      expect(v / variance).toBeGreaterThan(0.95);
      expect(v / variance).toBeLessThan(1.05);
      const neg = points(ds.features).filter((_, i) => ds.labels[i] === 0);
      expect(sum(neg.map((p) => p[1])) / neg.length).toBeCloseTo(-2, 1);
    }
  });

  it('xor-quadrants: points at least 0.3 from the axes, positive when x·y ≥ 0', () => {
    const ds = loadBuiltinDataset('xor-quadrants', { n: 400, seed: 5 });
    points(ds.features).forEach(([x, y], i) => {
      expect(Math.abs(x)).toBeGreaterThanOrEqual(0.3 - 1e-6);
      expect(Math.abs(y)).toBeLessThanOrEqual(5.3 + 1e-5);
      expect(ds.labels[i]).toBe(x * y >= 0 ? 1 : 0);
    });
    const noisy = loadBuiltinDataset('xor-quadrants', { n: 400, seed: 5, noise: 0.3 });
    expect(noisy.features).toEqual(ds.features);
    expect(Array.from(noisy.labels)).not.toEqual(Array.from(ds.labels));
  });

  it('spiral: two interleaved 1.75-turn spirals, noise moves the points by at most noise per axis', () => {
    const ds = loadBuiltinDataset('spiral', { n: 10 });
    const p = points(ds.features);
    // positive spiral, point i of 5: radius i, angle 1.75·2π·i/5
    expect(p[1]![0]).toBeCloseTo(Math.sin(0.7 * Math.PI), 6);
    expect(p[1]![1]).toBeCloseTo(Math.cos(0.7 * Math.PI), 6);
    // negative spiral: same radii, rotated by π
    expect(p[6]![0]).toBeCloseTo(-Math.sin(0.7 * Math.PI), 6);
    expect(p[6]![1]).toBeCloseTo(-Math.cos(0.7 * Math.PI), 6);
    expect(Math.hypot(...p[4]!)).toBeCloseTo(4, 5);
    expect(Array.from(ds.labels)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    const noisy = loadBuiltinDataset('spiral', { n: 10, noise: 0.2, seed: 9 });
    noisy.features.forEach((v, k) => expect(Math.abs(v - ds.features[k]!)).toBeLessThanOrEqual(0.2 + 1e-6));
  });

  it("labels: 'pm1' maps negative → −1 and positive → +1", () => {
    const ds = loadBuiltinDataset('circle', { n: 4, labels: 'pm1' });
    expect(Array.from(ds.labels)).toEqual([1, 1, -1, -1]);
    expect(ds.labelEncoding).toBe('signed');
  });

  it('accepts numeric strings (from the CLI) for numbers', () => {
    expect(loadBuiltinDataset('spiral', { n: '12', noise: '0.1' }).numSamples).toBe(12);
  });
});

describe('errors', () => {
  it('unknown dataset lists the valid names', () => {
    expect(dataErrorOf(() => loadBuiltinDataset('mnist')).message).toBe(
      'unknown dataset "mnist"; the built-in datasets are and, or, nand, xor, iris, circle, gaussian, xor-quadrants, spiral, fashion-mnist',
    );
  });

  it('bad parameters say what is allowed', () => {
    expect(dataErrorOf(() => loadBuiltinDataset('circle', { size: 3 })).message).toBe(
      'dataset "circle" has no parameter "size"; its parameters are n, noise, seed, labels',
    );
    expect(dataErrorOf(() => loadBuiltinDataset('iris', { n: 3 })).message).toBe('dataset "iris" has no parameter "n"; it takes no parameters');
    expect(dataErrorOf(() => loadBuiltinDataset('circle', { noise: 0.9 })).message).toBe(
      'dataset "circle": parameter noise must be in 0..0.5, got 0.9',
    );
    expect(dataErrorOf(() => loadBuiltinDataset('circle', { n: 2.5 })).message).toBe('dataset "circle": parameter n must be an integer, got 2.5');
    expect(dataErrorOf(() => loadBuiltinDataset('spiral', { n: 'many' })).message).toBe('dataset "spiral": parameter n must be a number, got "many"');
    expect(dataErrorOf(() => loadBuiltinDataset('xor', { labels: 'pm' })).message).toBe(
      `dataset "xor": parameter labels must be one of '01', 'pm1', got "pm"`,
    );
  });
});

describe('fashion-mnist', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'bp-fmnist-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  /** A fresh folder under the test's temporary root. */
  let n = 0;
  const folder = (name: string): string => join(root, `${n++}-${name}`);

  it('searches in order: the dir parameter, --data-dir, BPSTUDIO_DATA_DIR, the user data folder, the shipped datasets, Debian', () => {
    const [dir, dataDir, envDir, user] = ['param', 'cli', 'env', 'user'].map(folder) as [string, string, string, string];
    const path = withDataLocations({ dataDir, env: { BPSTUDIO_DATA_DIR: envDir, BPSTUDIO_USER_DATA_DIR: user } }, () => fashionMnistSearchPath(dir));
    expect(path).toEqual([
      dir, join(dir, 'fashion-mnist'),
      dataDir, join(dataDir, 'fashion-mnist'),
      envDir, join(envDir, 'fashion-mnist'),
      join(user, 'datasets', 'fashion-mnist'),
      join(datasetAssetsDir(), 'fashion-mnist'),
      '/usr/share/datasets/fashion-mnist',
    ]);
    // Nothing given: the user data folder first.
    expect(withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => fashionMnistSearchPath())).toEqual([
      join(user, 'datasets', 'fashion-mnist'), join(datasetAssetsDir(), 'fashion-mnist'), '/usr/share/datasets/fashion-mnist',
    ]);
  });

  it('loads from the first place that has the files (small IDX files written here)', () => {
    // Each place holds a one-image train split whose label says which place it is.
    const given = writeSmallFashionMnist(folder('given'), [1], [1]);
    const cli = folder('cli');
    writeSmallFashionMnist(join(cli, 'fashion-mnist'), [2], [2], { gzip: true });
    const env = writeSmallFashionMnist(folder('env'), [3], [3]);
    const user = folder('user');
    writeSmallFashionMnist(join(user, 'datasets', 'fashion-mnist'), [4, 5], [6, 7, 8], { gzip: true, fill: 40 });
    const labels = (dataDir: string | undefined, envDir: string | undefined, dir?: string): number[] =>
      Array.from(
        withDataLocations({ ...(dataDir ? { dataDir } : {}), env: { BPSTUDIO_USER_DATA_DIR: user, ...(envDir ? { BPSTUDIO_DATA_DIR: envDir } : {}) } }, () =>
          loadBuiltinDataset('fashion-mnist', dir !== undefined ? { dir } : {}),
        ).labels,
      );
    expect(labels(cli, env, given)).toEqual([1]);
    expect(labels(cli, env)).toEqual([2]); // --data-dir with a fashion-mnist/ subfolder
    expect(labels(undefined, env)).toEqual([3]);
    expect(labels(undefined, undefined)).toEqual([4, 5]);
    // A given folder without the files is passed over.
    expect(labels(folder('empty'), folder('empty'), folder('empty'))).toEqual([4, 5]);
    const test = withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => loadBuiltinDataset('fashion-mnist', { split: 'test', limit: 2 }));
    expect(test.name).toBe('fashion-mnist-test');
    expect(Array.from(test.labels)).toEqual([6, 7]);
    expect(test.featureShape).toEqual([28, 28]);
    expect([test.features[0], test.features[784]]).toEqual([140, 141]);
    expect(test.classNames![7]).toBe('Sneaker');
  });

  it('takes the images and the labels from the same folder', () => {
    const half = folder('half');
    writeSmallFashionMnist(half, [1], [1]);
    rmSync(join(half, 'train-labels-idx1-ubyte'));
    const user = folder('user');
    writeSmallFashionMnist(join(user, 'datasets', 'fashion-mnist'), [4], [4]);
    const ds = withDataLocations({ dataDir: half, env: { BPSTUDIO_USER_DATA_DIR: user } }, () => loadBuiltinDataset('fashion-mnist'));
    expect(Array.from(ds.labels)).toEqual([4]);
  });

  it('names every place it looked in, and how to fill each, when the files are nowhere', () => {
    const [given, user, shipped, system] = ['given', 'user', 'shipped', 'system'].map(folder) as [string, string, string, string];
    const places = withDataLocations({ env: { BPSTUDIO_DATA_DIR: given, BPSTUDIO_USER_DATA_DIR: user } }, () => fashionMnistSearchPlaces(undefined, shipped))
      // this machine may have Debian's files: look in an empty folder in its stead
      .map((p) => (p.kind === 'system' ? { ...p, dir: system } : p));
    expect(places.map((p) => p.kind)).toEqual(['given', 'given', 'user-data', 'shipped', 'system']);
    const e = dataErrorOf(() => findFashionMnist('train', places));
    expect(e.message).toBe(
      "Fashion-MNIST's train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] were not found. Looked in: " +
        `(1) a folder you give — the "dir" parameter, --data-dir or BPSTUDIO_DATA_DIR: ${given}, ${join(given, 'fashion-mnist')}; ` +
        `(2) the app's user data folder: ${join(user, 'datasets', 'fashion-mnist')} (the app's Import IDX can keep the files there), ` +
        `and the shipped datasets: ${join(shipped, 'fashion-mnist')}; ` +
        `(3) the system's: ${system} (install it with: sudo apt-get install dataset-fashion-mnist)`,
    );
    const none = dataErrorOf(() => findFashionMnist('t10k', places.filter((p) => p.kind !== 'given')));
    expect(none.message).toContain('t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] were not found');
    expect(none.message).toContain('BPSTUDIO_DATA_DIR: none given;');
  });

  it('rejects an unknown split', () => {
    const e = dataErrorOf(() => loadBuiltinDataset('fashion-mnist', { dir: folder('none'), split: 'bogus' }));
    expect(e.message).toBe(`dataset "fashion-mnist": parameter split must be one of 'train', 'test', got "bogus"`);
  });

  it('loads the real test split from the system folder when nothing else has it (Debian: dataset-fashion-mnist)', () => {
    const where = realFashionMnist('t10k');
    const ds = withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: folder('empty-user') } }, () =>
      loadBuiltinDataset('fashion-mnist', { split: 'test', limit: 3 }),
    );
    expect(ds.name).toBe('fashion-mnist-test');
    expect(ds.source).toBe(where.images);
    expect(ds.featureShape).toEqual([28, 28]);
    expect(Array.from(ds.labels)).toEqual([9, 2, 1]);
    expect(ds.classNames![9]).toBe('Ankle boot');
  });
});
