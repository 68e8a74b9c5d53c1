/**
 * Train / test (/ validation) splits, seeded and deterministic.
 *
 * Sizes follow scikit-learn's `train_test_split`: test = ⌈testFraction·N⌉, validation =
 * ⌈validationFraction·N⌉, train = the rest (Iris, 150 samples, 0.25 → 38 test, 112 train).
 *
 * Stratified (the default for classification): each class gives the test and validation
 * splits a share proportional to its size; shares are rounded down and the leftover samples
 * go to the classes with the largest remainders (ties: lower class index), so the totals are
 * exact. Which samples of a class go where is random (the seed). Each split's samples come
 * in a random order too (also from the seed); the DataLoader reshuffles per epoch anyway.
 */
import { Generator } from '../core/random';
import { classIndices, numClasses, subset, type Dataset } from './dataset';
import { DataError } from './errors';

export interface SplitOptions {
  /** Fraction of samples for the test split, in [0, 1); default 0.25. */
  testFraction?: number;
  /** Fraction for a validation split, in [0, 1); default 0 (no validation split). */
  validationFraction?: number;
  /** Seed of the split; default 0. */
  seed?: number;
  /** Keep class proportions in every split; default true for classification. Regression: must be false. */
  stratify?: boolean;
}

/** Sample indices (into the original dataset) of each split. */
export interface SplitIndices {
  train: Int32Array;
  test: Int32Array;
  validation?: Int32Array;
}

export interface SplitResult {
  train: Dataset;
  test: Dataset;
  /** Present when `validationFraction` > 0. */
  validation?: Dataset;
  /** Which original samples each split holds (to save with a model, or to show). */
  indices: SplitIndices;
}

/** Splits a dataset; the splits are named `<name>/train`, `<name>/test`, `<name>/validation`. */
export function trainTestSplit(ds: Dataset, options: SplitOptions = {}): SplitResult {
  const indices = splitIndices(ds, options);
  const result: SplitResult = {
    train: subset(ds, indices.train, `${ds.name}/train`),
    test: subset(ds, indices.test, `${ds.name}/test`),
    indices,
  };
  if (indices.validation !== undefined) result.validation = subset(ds, indices.validation, `${ds.name}/validation`);
  return result;
}

/** The index sets `trainTestSplit` uses, without copying data. */
export function splitIndices(ds: Dataset, options: SplitOptions = {}): SplitIndices {
  const testFraction = options.testFraction ?? 0.25;
  const validationFraction = options.validationFraction ?? 0;
  const seed = options.seed ?? 0;
  const stratify = options.stratify ?? ds.task === 'classification';
  for (const [what, f] of [['testFraction', testFraction], ['validationFraction', validationFraction]] as const) {
    if (!(f >= 0 && f < 1)) throw new DataError(`${what} must be in [0, 1), got ${f}`);
  }
  if (stratify && ds.task !== 'classification') {
    throw new DataError(`cannot stratify dataset "${ds.name}": it is a regression dataset, it has no classes`);
  }
  const n = ds.numSamples;
  const nTest = Math.ceil(testFraction * n - 1e-9);
  const nVal = Math.ceil(validationFraction * n - 1e-9);
  const nTrain = n - nTest - nVal;
  if (nTrain < 1 && n > 0) {
    throw new DataError(
      `splitting ${n} samples into ${nTest} test and ${nVal} validation leaves no training samples; lower the fractions`,
    );
  }
  const rng = new Generator(seed);
  const test: number[] = [];
  const val: number[] = [];
  const train: number[] = [];

  if (!stratify) {
    const p = rng.permutation(n);
    for (let k = 0; k < n; k++) (k < nTest ? test : k < nTest + nVal ? val : train).push(p[k]!);
  } else {
    const cls = classIndices(ds);
    const k = numClasses(ds);
    const members: number[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < n; i++) members[cls[i]!]!.push(i);
    const sizes = members.map((m) => m.length);
    const testShare = allocate(nTest, sizes, sizes);
    const valShare = allocate(nVal, sizes, sizes.map((s, c) => s - testShare[c]!));
    for (let c = 0; c < k; c++) {
      const m = members[c]!;
      const p = rng.permutation(m.length);
      const t = testShare[c]!;
      const v = valShare[c]!;
      for (let j = 0; j < m.length; j++) (j < t ? test : j < t + v ? val : train).push(m[p[j]!]!);
    }
  }
  const out: SplitIndices = { train: shuffled(train, rng), test: shuffled(test, rng) };
  if (validationFraction > 0) out.validation = shuffled(val, rng);
  return out;
}

/**
 * Splits `total` among groups in proportion to `sizes`, at most `capacity[c]` each:
 * floors first, then one more to the largest remainders (ties: lower index) while capacity lasts.
 */
function allocate(total: number, sizes: number[], capacity: number[]): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  if (n === 0 || total === 0) return sizes.map(() => 0);
  const exact = sizes.map((s) => (total * s) / n);
  const share = exact.map((e, c) => Math.min(Math.floor(e + 1e-9), capacity[c]!));
  let left = total - share.reduce((a, b) => a + b, 0);
  const order = exact.map((e, c) => c).sort((a, b) => exact[b]! - Math.floor(exact[b]! + 1e-9) - (exact[a]! - Math.floor(exact[a]! + 1e-9)) || a - b);
  while (left > 0) {
    let moved = false;
    for (const c of order) {
      if (left === 0) break;
      if (share[c]! < capacity[c]!) {
        share[c]!++;
        left--;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return share;
}

function shuffled(xs: number[], rng: Generator): Int32Array {
  const p = rng.permutation(xs.length);
  const out = new Int32Array(xs.length);
  for (let j = 0; j < xs.length; j++) out[j] = xs[p[j]!]!;
  return out;
}
