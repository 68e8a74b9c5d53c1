/**
 * From a document's dataset reference to the tensors a trainer feeds: load (built-in name, CSV
 * or IDX file), split with the seed, normalise with statistics fitted on the training split.
 */
import { testPlan } from './defaults';
import { feedOf } from '../graph/feed';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Tensor } from '../core/tensor';
import type { Dataset } from '../data/dataset';
import { datasetShape, selectRows } from '../data/dataset';
import { baseName, DataError } from '../data/errors';
import { builtinDatasetShape, isBuiltinDataset, listBuiltinDatasets, loadBuiltinDataset } from '../data/builtin';
import { loadCsvFile } from '../data/csv';
import { loadIdxDataset } from '../data/idx';
import { trainTestSplit } from '../data/split';
import { fitNormalization, applyNormalization, type Normalization } from '../data/transforms';
import type { DatasetRef, TrainingSettings } from '../graph/document';
import type { BatchFeed, DataBinding } from '../graph/node-def';
import { EngineError } from '../core/errors';
import { LimitError, limit, limitBytes, limitHint, mib } from '../core/limits';
import { checkDatasetAccess } from '../data/access';

/**
 * Datasets imported in this process (the app's CSV/IDX import), named `upload:<name>`. Bounded:
 * all of them together hold at most the `uploads` limit (the least recently used are freed
 * first), and one that no request used for the `uploadIdle` limit is freed; importing a name
 * again replaces it. A freed one is refused with a message saying to import the file again.
 */
const uploads = new Map<string, { ds: Dataset; bytes: number; used: number }>();
let now = (): number => Date.now();

const datasetBytes = (ds: Dataset): number => ds.features.byteLength + ds.labels.byteLength;

/** Drop idle uploads, then the least recently used while the total is over the limit. */
function trimUploads(keep?: string): void {
  const idleMs = limit('uploadIdle') * 60_000;
  const t = now();
  for (const [k, u] of uploads) if (k !== keep && t - u.used > idleMs) uploads.delete(k);
  let total = 0;
  for (const u of uploads.values()) total += u.bytes;
  const max = limitBytes('uploads');
  for (const [k, u] of uploads) {
    if (total <= max) break;
    if (k === keep) continue;
    uploads.delete(k);
    total -= u.bytes;
  }
}

/** Make an imported dataset loadable by documents as `upload:<name>`; returns that reference name. */
export function registerUploadedDataset(name: string, ds: Dataset): string {
  const ref = `upload:${name}`;
  const bytes = datasetBytes(ds);
  if (bytes > limitBytes('uploads')) {
    throw new LimitError(`dataset "${name}" takes ${mib(bytes)} in memory, more than uploaded datasets may ${limitHint('uploads')}`, 'uploads');
  }
  uploads.delete(ref); // re-inserted last: the most recently used
  uploads.set(ref, { ds, bytes, used: now() });
  trimUploads(ref);
  return ref;
}

/** What uploaded datasets hold now (for tests and the service's status). */
export function uploadedDatasetsUsage(): { count: number; bytes: number } {
  let bytes = 0;
  for (const u of uploads.values()) bytes += u.bytes;
  return { count: uploads.size, bytes };
}

/** Tests: a clock for the idle limit (null restores Date.now), and forgetting every upload. */
export function _setUploadClock(clock: (() => number) | null): void {
  now = clock ?? ((): number => Date.now());
}
export function _clearUploads(): void {
  uploads.clear();
}

function uploadedDataset(ref: string): Dataset | undefined {
  trimUploads();
  const u = uploads.get(ref);
  if (!u) return undefined;
  u.used = now();
  uploads.delete(ref);
  uploads.set(ref, u);
  return u.ds;
}

/** Load the dataset a document names: a built-in, an uploaded one, a .csv file, or IDX images (params.labels names the labels file). */
export function loadDatasetRef(ref: DatasetRef, baseDir = process.cwd()): Dataset {
  if (isBuiltinDataset(ref.name)) return loadBuiltinDataset(ref.name, ref.params);
  const uploaded = uploadedDataset(ref.name);
  if (uploaded) return uploaded;
  if (ref.name.startsWith('upload:')) {
    throw new DataError(`dataset "${ref.name}" was imported in an earlier session or freed (unused for ${limit('uploadIdle')} minutes, or over ${limit('uploads')} MiB of imports); import the file again`, { file: ref.name });
  }
  const path = isAbsolute(ref.name) ? ref.name : resolve(baseDir, ref.name);
  checkDatasetAccess(path, ref.name);
  const labelsRef = ref.params['labels'];
  if (typeof labelsRef === 'string') checkDatasetAccess(isAbsolute(labelsRef) ? labelsRef : resolve(baseDir, labelsRef), labelsRef);
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

/** What shape inference and the compiler need to know about a loaded dataset. */
export function bindingOf(ds: Dataset): DataBinding {
  return datasetShape(ds);
}

/**
 * What shape inference needs to know about the dataset a reference names, without loading its
 * samples where that can be helped: a built-in's from its table (Fashion-MNIST's from its IDX
 * headers); an imported one's from memory; a file's from loading it once, then from a cache
 * kept per reference (and base folder) that holds while the file's size and modification time
 * stay the same. Validation runs after every edit: this is what keeps it cheap.
 */
export function datasetBinding(ref: DatasetRef, baseDir = process.cwd()): DataBinding {
  if (isBuiltinDataset(ref.name)) return builtinDatasetShape(ref.name, ref.params).shape;
  const uploaded = uploadedDataset(ref.name);
  if (uploaded) return uploadedShapes.get(uploaded) ?? remember(uploadedShapes, uploaded, datasetShape(uploaded));
  const key = JSON.stringify([baseDir, ref.name, ref.params]);
  const named = [ref.name, ...(typeof ref.params['labels'] === 'string' ? [ref.params['labels']] : [])];
  const stamps = named.map((f) => fileStamp(isAbsolute(f) ? f : resolve(baseDir, f)));
  const stamp = stamps.every((t) => t !== null) ? stamps.join('|') : null;
  const hit = fileShapes.get(key);
  if (hit && stamp !== null && hit.stamp === stamp) {
    // The allow-list (a host's) may have changed since the shapes were read.
    for (const f of named) checkDatasetAccess(isAbsolute(f) ? f : resolve(baseDir, f), f);
    return hit.shape;
  }
  const shape = datasetShape(loadDatasetRef(ref, baseDir));
  fileShapes.delete(key); // re-inserted last: the most recently used
  if (stamp !== null) fileShapes.set(key, { stamp, shape });
  if (fileShapes.size > MAX_CACHED_SHAPES) fileShapes.delete(fileShapes.keys().next().value!);
  return shape;
}

/** Shapes of dataset files by reference, with the files' stamp when they were read. */
const fileShapes = new Map<string, { stamp: string; shape: DataBinding }>();
const MAX_CACHED_SHAPES = 64;
const uploadedShapes = new WeakMap<Dataset, DataBinding>();

function remember<K extends object, V>(m: WeakMap<K, V>, k: K, v: V): V {
  m.set(k, v);
  return v;
}

/** `size:mtime` of a file; null when it is not a readable regular file (then nothing is cached). */
function fileStamp(path: string): string | null {
  try {
    const st = statSync(path);
    return st.isFile() ? `${st.size}:${st.mtimeMs}` : null;
  } catch {
    return null;
  }
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


/** The whole dataset as one feed. */
export function datasetFeed(ds: Dataset): BatchFeed & { features: Tensor; targets: Tensor } {
  return feedOf(ds.features, [ds.numSamples, ...ds.featureShape], ds.labels, [ds.numSamples, ...ds.targetShape]);
}

/** The feed of chosen dataset rows (in the given order, `selectRows`): a step-through sample, a prediction. */
export function rowsFeed(ds: Dataset, rows: readonly number[]): BatchFeed & { features: Tensor; targets: Tensor } {
  const { features, labels } = selectRows(ds, rows);
  return feedOf(features, [rows.length, ...ds.featureShape], labels, [rows.length, ...ds.targetShape]);
}

/** Load, split and normalise the document's data (a separate `testDataset` replaces the test split). */
export function prepareDocumentData(settings: TrainingSettings, baseDir: string): PreparedData {
  if (!settings.dataset) throw new EngineError('no dataset: set training.dataset in the document or pass --dataset');
  const ds = loadDatasetRef(settings.dataset, baseDir);
  if (!settings.testDataset) return prepareData(ds, settings);
  const prepared = prepareData(ds, { ...settings, split: { ...settings.split, test: 0 } });
  const test = applyNormalization(assertSamples(loadDatasetRef(settings.testDataset, baseDir), 'test dataset'), prepared.normalization);
  return { ...prepared, test };
}
