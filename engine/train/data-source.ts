/**
 * From a document's dataset reference to the tensors a trainer feeds: load (built-in name, CSV
 * or IDX file), split with the seed, normalise with statistics fitted on the training split.
 */
import { testPlan } from './defaults';
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { tensor } from '../core/creation';
import type { Tensor } from '../core/tensor';
import type { Dataset } from '../data/dataset';
import { numClasses } from '../data/dataset';
import { baseName, DataError } from '../data/errors';
import { isBuiltinDataset, listBuiltinDatasets, loadBuiltinDataset } from '../data/builtin';
import { loadCsvFile } from '../data/csv';
import { loadIdxDataset } from '../data/idx';
import { trainTestSplit } from '../data/split';
import { fitNormalization, applyNormalization, type Normalization } from '../data/transforms';
import type { DatasetRef, TrainingSettings } from '../graph/document';
import type { BatchFeed, DataBinding } from '../graph/node-def';

/** Datasets imported in this process (the app's CSV/IDX import), named `upload:<name>`. */
const uploads = new Map<string, Dataset>();

/** Make an imported dataset loadable by documents as `upload:<name>`; returns that reference name. */
export function registerUploadedDataset(name: string, ds: Dataset): string {
  const ref = `upload:${name}`;
  uploads.set(ref, ds);
  return ref;
}

/** Load the dataset a document names: a built-in, an uploaded one, a .csv file, or IDX images (params.labels names the labels file). */
export function loadDatasetRef(ref: DatasetRef, baseDir = process.cwd()): Dataset {
  if (isBuiltinDataset(ref.name)) return loadBuiltinDataset(ref.name, ref.params);
  const uploaded = uploads.get(ref.name);
  if (uploaded) return uploaded;
  if (ref.name.startsWith('upload:')) {
    throw new DataError(`dataset "${ref.name}" was imported in an earlier session; import the file again`, { file: ref.name });
  }
  const path = isAbsolute(ref.name) ? ref.name : resolve(baseDir, ref.name);
  if (!existsSync(path)) {
    const names = listBuiltinDatasets().map((d) => d.name).join(', ');
    throw new DataError(`dataset "${ref.name}" is neither a built-in dataset (${names}) nor an existing file`, { file: ref.name });
  }
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv') || lower.endsWith('.txt')) {
    const p = ref.params;
    return loadCsvFile(path, {
      ...(lower.endsWith('.tsv') ? { delimiter: '\t' } : {}),
      ...(p['label'] !== undefined ? { label: p['label'] } : {}),
      ...(p['task'] === 'classification' || p['task'] === 'regression' ? { task: p['task'] } : {}),
    });
  }
  const labels = ref.params['labels'];
  if (typeof labels !== 'string') {
    throw new DataError(`dataset "${ref.name}": an IDX image file needs params.labels naming its labels file`, { file: ref.name });
  }
  const classes = ref.params['classes'];
  return loadIdxDataset(path, isAbsolute(labels) ? labels : resolve(baseDir, labels), {
    ...(typeof ref.params['limit'] === 'number' ? { limit: ref.params['limit'] } : {}),
    ...(classes === 'fashion-mnist' || classes === 'digits' ? { classes } : {}),
  });
}

/** What shape inference and the compiler need to know about a dataset. */
export function bindingOf(ds: Dataset): DataBinding {
  return {
    featureShape: ds.featureShape,
    targetShape: ds.targetShape,
    task: ds.task,
    numClasses: ds.task === 'classification' ? numClasses(ds) : 0,
    name: ds.name,
  };
}

export interface PreparedData {
  readonly full: Dataset;
  readonly train: Dataset;
  readonly test: Dataset | null;
  readonly validation: Dataset | null;
  readonly normalization: Normalization;
  readonly binding: DataBinding;
}

/** Refuses a dataset without samples (an IDX file with a count of 0): training would report loss NaN, evaluation accuracy NaN. */
export function assertSamples(ds: Dataset, what = 'dataset'): Dataset {
  if (ds.numSamples === 0) {
    const file = ds.source && !ds.source.startsWith('builtin:') && baseName(ds.source) !== ds.name ? { file: ds.source } : {};
    throw new DataError(`${what} "${ds.name}" has no samples`, file);
  }
  return ds;
}

/** Split and normalise as the training settings say (statistics from the training split only). */
export function prepareData(ds: Dataset, settings: Pick<TrainingSettings, 'split' | 'seed' | 'normalize'>): PreparedData {
  assertSamples(ds);
  let train = ds;
  let test: Dataset | null = null;
  let validation: Dataset | null = null;
  const plan = testPlan(ds.numSamples, settings.split.test);
  const testFraction = plan.kind === 'fraction' ? plan.fraction : 0;
  if (testFraction > 0 || settings.split.validation > 0) {
    const s = trainTestSplit(ds, {
      testFraction,
      validationFraction: settings.split.validation,
      seed: settings.seed,
      stratify: ds.task === 'classification' && settings.split.stratify,
    });
    train = s.train;
    test = testFraction > 0 ? s.test : null;
    validation = s.validation ?? null;
  }
  // A tiny dataset (the logic gates) is tested on every row it trains on.
  if (plan.kind === 'all-rows') test = train;
  const normalization = fitNormalization(train, settings.normalize);
  const norm = (d: Dataset | null): Dataset | null => (d ? applyNormalization(d, normalization) : null);
  return {
    full: ds,
    train: norm(train)!,
    test: norm(test),
    validation: norm(validation),
    normalization,
    binding: bindingOf(ds),
  };
}

/** A batch of plain arrays as the feed of a forward pass. */
export function feedOf(x: Float32Array, xShape: readonly number[], y: Float32Array, yShape: readonly number[]): BatchFeed & { features: Tensor; targets: Tensor } {
  return { features: tensor(x, { shape: xShape }), targets: tensor(y, { shape: yShape }) };
}

/** The whole dataset as one feed. */
export function datasetFeed(ds: Dataset): BatchFeed & { features: Tensor; targets: Tensor } {
  return feedOf(ds.features, [ds.numSamples, ...ds.featureShape], ds.labels, [ds.numSamples, ...ds.targetShape]);
}

/** The feed of chosen dataset rows (in the given order): a step-through sample, a prediction. */
export function rowsFeed(ds: Dataset, rows: readonly number[]): BatchFeed & { features: Tensor; targets: Tensor } {
  const fsz = ds.features.length / Math.max(ds.numSamples, 1);
  const tsz = ds.labels.length / Math.max(ds.numSamples, 1);
  const x = new Float32Array(rows.length * fsz);
  const y = new Float32Array(rows.length * tsz);
  rows.forEach((i, k) => {
    x.set(ds.features.subarray(i * fsz, (i + 1) * fsz), k * fsz);
    y.set(ds.labels.subarray(i * tsz, (i + 1) * tsz), k * tsz);
  });
  return feedOf(x, [rows.length, ...ds.featureShape], y, [rows.length, ...ds.targetShape]);
}
