/**
 * DataLoader: batches over a dataset, in the manner of `torch.utils.data.DataLoader`.
 *
 * Shuffling is per epoch and reproducible on its own: epoch k's order is a permutation
 * drawn from `new Generator(epochSeed(seed, k))`, so it depends only on (seed, k) — a run
 * resumed at epoch k sees the same batches as an uninterrupted one. Without `shuffle` the
 * order is 0..N−1 every epoch.
 *
 * Nothing is reused between yields, so batches may be kept. A batch of consecutive samples (no
 * shuffle) is a view of the dataset's arrays, not a copy — it costs nothing however large the
 * samples are; a shuffled batch gathers its rows into fresh arrays. Either way, batches are
 * read, never written.
 */
import { Generator } from '../core/random';
import { featureSize, selectRows, targetSize, type Dataset } from './dataset';
import { DataError } from './errors';

export interface DataLoaderOptions {
  /** Samples per batch (a positive integer). */
  batchSize: number;
  /** Shuffle the order each epoch; default false. */
  shuffle?: boolean;
  /** Seed of the shuffling; default 0. */
  seed?: number;
  /** Drop the last batch when it is smaller than `batchSize`; default false. */
  dropLast?: boolean;
}

export interface Batch {
  /** Features, row-major `[B, ...featureShape]`. */
  x: Float32Array;
  xShape: number[];
  /** Targets, row-major `[B, ...targetShape]` (class values for classification: `[B]`). */
  y: Float32Array;
  yShape: number[];
  /** Which dataset samples are in the batch, in batch order. */
  indices: Int32Array;
  /** The epoch this batch belongs to (0-based). */
  epoch: number;
  /** Position of the batch in its epoch (0-based). */
  batchIndex: number;
}

/**
 * The seed of epoch k's shuffle: a 32-bit hash of (seed, epoch) (splitmix/murmur3 mixing),
 * so that neighbouring seeds and epochs give unrelated permutations.
 */
export function epochSeed(seed: number, epoch: number): number {
  if (!Number.isFinite(seed) || !Number.isInteger(epoch) || epoch < 0) {
    throw new DataError(`epochSeed: needs a finite seed and an epoch ≥ 0, got seed ${seed}, epoch ${epoch}`);
  }
  const lo = Math.floor(seed) >>> 0;
  const hi = Math.floor(seed / 2 ** 32) >>> 0;
  let h = mix32((lo + 0x9e3779b9) >>> 0);
  h = mix32((h ^ hi) + 0x7f4a7c15);
  h = mix32((h ^ (epoch >>> 0)) + 0x632be5ab);
  return h;
}

function mix32(z: number): number {
  z = z >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

export class DataLoader implements Iterable<Batch> {
  readonly dataset: Dataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly dropLast: boolean;
  private nextEpoch = 0;
  private cached: { epoch: number; order: Int32Array } | null = null;

  constructor(dataset: Dataset, options: DataLoaderOptions) {
    const { batchSize } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new DataError(`batch size must be a positive integer, got ${batchSize}`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = options.shuffle ?? false;
    this.seed = options.seed ?? 0;
    this.dropLast = options.dropLast ?? false;
  }

  /** Batches per epoch: ⌊N/B⌋ with `dropLast`, else ⌈N/B⌉. */
  get numBatches(): number {
    const n = this.dataset.numSamples;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** Samples seen per epoch (N, less the dropped tail with `dropLast`). */
  get samplesPerEpoch(): number {
    return Math.min(this.dataset.numSamples, this.numBatches * this.batchSize);
  }

  /** The sample order of epoch k (a copy). */
  order(epoch: number): Int32Array {
    return this.orderOf(epoch).slice();
  }

  /** The batches of epoch k, in order. */
  *batches(epoch: number): IterableIterator<Batch> {
    const nb = this.numBatches;
    for (let b = 0; b < nb; b++) yield this.batch(epoch, b);
  }

  /** Batch b of epoch k, directly (resuming mid-epoch, or one batch for `bpstudio grad`). */
  batch(epoch: number, batchIndex: number): Batch {
    const nb = this.numBatches;
    if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= nb) {
      throw new DataError(`batch index ${batchIndex} is out of range: an epoch has ${nb} batches`);
    }
    const order = this.orderOf(epoch);
    const ds = this.dataset;
    const start = batchIndex * this.batchSize;
    const end = Math.min(start + this.batchSize, ds.numSamples);
    const indices = order.slice(start, end);
    const { features: x, labels: y } = this.shuffle ? selectRows(ds, indices) : viewRows(ds, start, end);
    return {
      x,
      xShape: [indices.length, ...ds.featureShape],
      y,
      yShape: [indices.length, ...ds.targetShape],
      indices,
      epoch,
      batchIndex,
    };
  }

  /** Makes the next `for … of` over the loader run epoch k (as after a resume). */
  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0) throw new DataError(`epoch must be an integer ≥ 0, got ${epoch}`);
    this.nextEpoch = epoch;
  }

  /** The epoch the next `for … of` runs. */
  get epoch(): number {
    return this.nextEpoch;
  }

  /** Iterates one epoch — the next one: 0, then 1, … (see `setEpoch`). */
  [Symbol.iterator](): IterableIterator<Batch> {
    return this.batches(this.nextEpoch++);
  }

  private orderOf(epoch: number): Int32Array {
    if (this.cached !== null && this.cached.epoch === epoch) return this.cached.order;
    const n = this.dataset.numSamples;
    let order: Int32Array;
    if (this.shuffle) {
      order = new Generator(epochSeed(this.seed, epoch)).permutation(n);
    } else {
      order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[i] = i;
    }
    this.cached = { epoch, order };
    return order;
  }
}

/** Samples [start, end) as views of the dataset's arrays (no copy). */
function viewRows(ds: Dataset, start: number, end: number): { features: Float32Array; labels: Float32Array } {
  const f = featureSize(ds);
  const t = targetSize(ds);
  return { features: ds.features.subarray(start * f, end * f), labels: ds.labels.subarray(start * t, end * t) };
}
