/**
 * The data model every loader produces and every consumer (splits, normalisation,
 * DataLoader, trainer, the app's Data tab) reads.
 *
 * A dataset is a set of samples, each a feature tensor of `featureShape` and a target of
 * `targetShape`, stored as plain row-major typed arrays (the Tensor class adapts batches
 * later). Datasets are treated as immutable: helpers return new ones and never write into
 * an input's arrays.
 */
import { DataError } from './errors';

/** What the labels mean: class indices (classification) or real-valued targets (regression). */
export type Task = 'classification' | 'regression';

/**
 * How a classification dataset writes a class into `labels`:
 * - `index` (default): the class index 0..K−1 (what cross-entropy wants);
 * - `signed`: two classes only, class 0 → −1 and class 1 → +1 (the perceptron criterion
 *   and sign-activation lessons; the logic gates with `labels: 'pm1'`).
 */
export type LabelEncoding = 'index' | 'signed';

export interface Dataset {
  /** Short name shown in the UI and CLI (`iris`, `circle`, `t10k-images-idx3-ubyte`). */
  name: string;
  /** `classification` (labels are classes, see `labelEncoding`) or `regression`. */
  task: Task;
  /** Number of samples N. */
  numSamples: number;
  /** Shape of one sample's features: `[4]` for Iris, `[28, 28]` for MNIST images. */
  featureShape: number[];
  /** All features, row-major `[N, ...featureShape]`: sample i is `features[i*F .. (i+1)*F)`, F = ∏featureShape. */
  features: Float32Array;
  /**
   * Shape of one sample's target. Classification: `[]` (one class value per sample).
   * Regression: `[T]` with T target columns (`[1]` for a single target, matching a model
   * output of shape N×1).
   */
  targetShape: number[];
  /**
   * All targets, row-major `[N, ...targetShape]`. Classification: one value per sample, the
   * class index (or ±1 when `labelEncoding` is `signed`). Regression: the target values.
   */
  labels: Float32Array;
  /** Classification only: how `labels` encodes a class; absent means `index`. */
  labelEncoding?: LabelEncoding;
  /** Classification: the name of each class, indexed by class index (`['setosa', 'versicolor', 'virginica']`). */
  classNames?: string[];
  /** Name of each feature, when the source has them (CSV header): length F. */
  featureNames?: string[];
  /** Regression: name of each target column, when known. */
  targetNames?: string[];
  /** Where the data came from, for people: a file path, `builtin:iris`, … */
  source?: string;
}

/** The fields a caller gives to `makeDataset`; `numSamples` is derived from `features`. */
export type DatasetInit = Omit<Dataset, 'numSamples'> & { numSamples?: number };

/** Product of a shape (1 for `[]`). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Number of samples N. */
export function sampleCount(ds: Dataset): number {
  return ds.numSamples;
}

/** Number of feature values per sample (∏featureShape; 784 for 28×28 images). */
export function featureSize(ds: Dataset): number {
  return shapeSize(ds.featureShape);
}

/** Number of target values per sample (1 for classification). */
export function targetSize(ds: Dataset): number {
  return shapeSize(ds.targetShape);
}

/**
 * What a dataset is without its samples: its shapes, task and number of classes — all that
 * validation, shape inference and the compiler need to know about it.
 */
export interface DatasetShape {
  readonly name: string;
  readonly task: Task;
  readonly featureShape: readonly number[];
  /** Classification: []; regression: [T]. */
  readonly targetShape: readonly number[];
  /** Classification: K; regression: 0. */
  readonly numClasses: number;
}

/** The shape of a loaded dataset (`numClasses` reads the labels when there are no class names). */
export function datasetShape(ds: Dataset): DatasetShape {
  return {
    name: ds.name,
    task: ds.task,
    featureShape: ds.featureShape,
    targetShape: ds.targetShape,
    numClasses: ds.task === 'classification' ? numClasses(ds) : 0,
  };
}

/** Number of classes K (classification: `classNames.length`, else 1 + the largest class). 0 for regression. */
export function numClasses(ds: Dataset): number {
  if (ds.task !== 'classification') return 0;
  if (ds.classNames !== undefined) return ds.classNames.length;
  const idx = classIndices(ds);
  let max = -1;
  for (let i = 0; i < idx.length; i++) if (idx[i]! > max) max = idx[i]!;
  return max + 1;
}

/** The class index 0..K−1 of every sample, whatever the `labelEncoding`. Throws for regression. */
export function classIndices(ds: Dataset): Int32Array {
  if (ds.task !== 'classification') {
    throw new DataError(`dataset "${ds.name}" is a regression dataset; it has no classes`);
  }
  const out = new Int32Array(ds.numSamples);
  const signed = ds.labelEncoding === 'signed';
  for (let i = 0; i < ds.numSamples; i++) {
    const v = ds.labels[i]!;
    out[i] = signed ? (v > 0 ? 1 : 0) : v;
  }
  return out;
}

/** How many samples each class has, indexed by class index. */
export function classCounts(ds: Dataset): number[] {
  const counts = new Array<number>(numClasses(ds)).fill(0);
  const idx = classIndices(ds);
  for (let i = 0; i < idx.length; i++) counts[idx[i]!] = (counts[idx[i]!] ?? 0) + 1;
  return counts;
}

/**
 * Builds a dataset and checks it (`validateDataset`). `numSamples` defaults to
 * `labels.length / targetSize` — features and labels must agree.
 */
export function makeDataset(init: DatasetInit): Dataset {
  const n = init.numSamples ?? Math.floor(init.labels.length / Math.max(1, shapeSize(init.targetShape)));
  const ds: Dataset = { ...init, numSamples: n };
  validateDataset(ds);
  return ds;
}

/**
 * Checks that the arrays, shapes and class metadata agree; throws a DataError naming the
 * dataset and the first inconsistency. Every loader in this folder returns valid datasets;
 * this is for datasets that arrive from elsewhere (a saved file, the app, a test).
 */
export function validateDataset(ds: Dataset): void {
  const where = `dataset "${ds.name}"`;
  const n = ds.numSamples;
  if (!Number.isInteger(n) || n < 0) throw new DataError(`${where}: numSamples must be a non-negative integer, got ${n}`);
  for (const [what, shape] of [['featureShape', ds.featureShape], ['targetShape', ds.targetShape]] as const) {
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new DataError(`${where}: ${what} must hold non-negative integers, got [${shape.join(', ')}]`);
    }
  }
  const f = featureSize(ds);
  if (ds.features.length !== n * f) {
    throw new DataError(
      `${where}: features has ${ds.features.length} values, expected ${n} samples × ${f} = ${n * f}`,
    );
  }
  const t = targetSize(ds);
  if (ds.labels.length !== n * t) {
    throw new DataError(`${where}: labels has ${ds.labels.length} values, expected ${n} samples × ${t} = ${n * t}`);
  }
  if (ds.featureNames !== undefined && ds.featureNames.length !== f) {
    throw new DataError(`${where}: ${ds.featureNames.length} feature names for ${f} features`);
  }
  if (ds.task === 'regression') {
    if (ds.labelEncoding !== undefined || ds.classNames !== undefined) {
      throw new DataError(`${where}: a regression dataset has no classNames or labelEncoding`);
    }
    if (ds.targetNames !== undefined && ds.targetNames.length !== t) {
      throw new DataError(`${where}: ${ds.targetNames.length} target names for ${t} targets`);
    }
    return;
  }
  if (ds.task !== 'classification') throw new DataError(`${where}: unknown task "${String(ds.task)}"`);
  if (ds.targetShape.length !== 0) {
    throw new DataError(`${where}: a classification dataset has targetShape [], got [${ds.targetShape.join(', ')}]`);
  }
  const k = ds.classNames?.length;
  const signed = ds.labelEncoding === 'signed';
  if (signed && k !== undefined && k !== 2) {
    throw new DataError(`${where}: labelEncoding "signed" needs exactly 2 classes, got ${k}`);
  }
  for (let i = 0; i < n; i++) {
    const v = ds.labels[i]!;
    const ok = signed ? v === -1 || v === 1 : Number.isInteger(v) && v >= 0 && (k === undefined || v < k);
    if (!ok) {
      const expect = signed ? '−1 or +1' : k !== undefined ? `a class index 0..${k - 1}` : 'a class index ≥ 0';
      throw new DataError(`${where}: sample ${i} has label ${v}, expected ${expect}`);
    }
  }
}

/**
 * The features and targets of the given samples, in the given order (indices may repeat),
 * copied into new arrays: row-major `[m, ...featureShape]` and `[m, ...targetShape]`. The one way
 * rows are picked out of a dataset — subsets, DataLoader batches, a step-through's or a
 * prediction's samples. An index outside 0..N−1 is a DataError naming it.
 */
export function selectRows(ds: Dataset, indices: ArrayLike<number>): { features: Float32Array; labels: Float32Array } {
  const f = featureSize(ds);
  const t = targetSize(ds);
  const m = indices.length;
  const features = new Float32Array(m * f);
  const labels = new Float32Array(m * t);
  for (let j = 0; j < m; j++) {
    const i = indices[j]!;
    if (!Number.isInteger(i) || i < 0 || i >= ds.numSamples) {
      throw new DataError(`sample ${i} of "${ds.name}" is out of range: it has ${ds.numSamples} samples (0..${ds.numSamples - 1})`);
    }
    features.set(ds.features.subarray(i * f, (i + 1) * f), j * f);
    if (t === 1) labels[j] = ds.labels[i]!;
    else labels.set(ds.labels.subarray(i * t, (i + 1) * t), j * t);
  }
  return { features, labels };
}

/**
 * A new dataset holding the given samples in the given order (indices may repeat); arrays
 * are copied (`selectRows`), metadata kept. `name` defaults to the parent's.
 */
export function subset(ds: Dataset, indices: ArrayLike<number>, name = ds.name): Dataset {
  return { ...copyMeta(ds), name, numSamples: indices.length, ...selectRows(ds, indices) };
}

/** The metadata of a dataset (everything but the arrays), with arrays of names copied. */
function copyMeta(ds: Dataset): Omit<Dataset, 'features' | 'labels' | 'numSamples'> {
  const { features: _f, labels: _l, numSamples: _n, ...meta } = ds;
  const out: Omit<Dataset, 'features' | 'labels' | 'numSamples'> = {
    ...meta,
    featureShape: [...ds.featureShape],
    targetShape: [...ds.targetShape],
  };
  if (ds.classNames) out.classNames = [...ds.classNames];
  if (ds.featureNames) out.featureNames = [...ds.featureNames];
  if (ds.targetNames) out.targetNames = [...ds.targetNames];
  return out;
}

/** The same dataset with new feature values (same shape), e.g. after normalisation. */
export function withFeatures(ds: Dataset, features: Float32Array): Dataset {
  if (features.length !== ds.features.length) {
    throw new DataError(`dataset "${ds.name}": new features have ${features.length} values, expected ${ds.features.length}`);
  }
  return { ...copyMeta(ds), numSamples: ds.numSamples, features, labels: ds.labels };
}

/**
 * One line for people: `iris: 150 samples × [4] features, 3 classes (setosa 50, versicolor 50, virginica 50)`
 * or `houses: 20 samples × [8] features, regression to [1]`.
 */
export function describeDataset(ds: Dataset): string {
  const head = `${ds.name}: ${ds.numSamples} samples × [${ds.featureShape.join(', ')}] features`;
  if (ds.task === 'regression') return `${head}, regression to [${ds.targetShape.join(', ')}]`;
  const counts = classCounts(ds);
  const names = ds.classNames ?? counts.map((_, i) => String(i));
  const parts = counts.map((c, i) => `${names[i]} ${c}`);
  return `${head}, ${counts.length} classes (${parts.join(', ')})`;
}
