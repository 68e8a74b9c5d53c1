/**
 * Where Fashion-MNIST's four IDX files are looked for, and installing them into the app's user
 * data folder. The product never reads outside what the user gives, its own folders and the
 * system's documented data location:
 *
 * 1. a folder the user gives: the dataset's `dir` parameter, `--data-dir` (CLI), then
 *    `BPSTUDIO_DATA_DIR` — each the folder holding the files, or one with a `fashion-mnist/`
 *    subfolder holding them;
 * 2. the app's user data folder, `<userData>/datasets/fashion-mnist` (where the app's Import IDX
 *    keeps them), then the datasets shipped with the app (`assets/datasets/fashion-mnist`);
 * 3. Debian's `/usr/share/datasets/fashion-mnist` (package dataset-fashion-mnist).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write';
import { DataError } from './errors';
import { idxDatasetFromBytes, isGzip } from './idx';
import { givenDataDirs, userDatasetsDir } from './user-data';

/** Debian's dataset-fashion-mnist installs the four .gz files here. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export type FashionMnistSplit = 'train' | 't10k';

/** The file stems: `train-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, … (each `.gz` or raw). */
export function fashionMnistStem(split: FashionMnistSplit, kind: 'images' | 'labels'): string {
  return `${split}-${kind}-idx${kind === 'images' ? 3 : 1}-ubyte`;
}

/** One place searched, and what it is (for the message when nothing is found). */
export interface SearchPlace {
  dir: string;
  kind: 'given' | 'user-data' | 'shipped' | 'system';
}

/** The user data folder's Fashion-MNIST: `<userData>/datasets/fashion-mnist`. */
export function userFashionMnistDir(): string {
  return join(userDatasetsDir(), 'fashion-mnist');
}

/** Every folder searched for Fashion-MNIST, in order (`dir`: the dataset's parameter). */
export function fashionMnistSearchPlaces(dir: string | undefined, shippedDatasetsDir: string): SearchPlace[] {
  const given = [...(dir !== undefined && dir !== '' ? [dir] : []), ...givenDataDirs()];
  const out: SearchPlace[] = [];
  for (const d of given) out.push({ dir: d, kind: 'given' }, { dir: join(d, 'fashion-mnist'), kind: 'given' });
  out.push({ dir: userFashionMnistDir(), kind: 'user-data' });
  out.push({ dir: join(shippedDatasetsDir, 'fashion-mnist'), kind: 'shipped' });
  out.push({ dir: DEBIAN_FASHION_MNIST_DIR, kind: 'system' });
  // The same folder twice (a --data-dir that is the user data folder) is searched once.
  return out.filter((p, i) => out.findIndex((q) => q.dir === p.dir) === i);
}

/** The first existing `<stem>.gz` or `<stem>` in the folders, in order. */
export function findInDirs(dirs: readonly string[], stem: string): string | undefined {
  for (const d of dirs) {
    for (const f of [`${stem}.gz`, stem]) {
      const p = join(d, f);
      if (existsSync(p)) return p;
    }
  }
  return undefined;
}

/**
 * The images and labels files of a split, both from the first folder that holds the pair;
 * a DataError naming every place searched, and how to fill each, when none does.
 */
export function findFashionMnist(split: FashionMnistSplit, places: readonly SearchPlace[]): { images: string; labels: string } {
  const imagesStem = fashionMnistStem(split, 'images');
  const labelsStem = fashionMnistStem(split, 'labels');
  for (const p of places) {
    const images = findInDirs([p.dir], imagesStem);
    const labels = findInDirs([p.dir], labelsStem);
    if (images !== undefined && labels !== undefined) return { images, labels };
  }
  const dirsOf = (kind: SearchPlace['kind']): string => places.filter((p) => p.kind === kind).map((p) => p.dir).join(', ');
  const given = dirsOf('given');
  throw new DataError(
    `Fashion-MNIST's ${imagesStem}[.gz] and ${labelsStem}[.gz] were not found. Looked in: ` +
      `(1) a folder you give — the "dir" parameter, --data-dir or BPSTUDIO_DATA_DIR: ${given === '' ? 'none given' : given}; ` +
      `(2) the app's user data folder: ${dirsOf('user-data')} (the app's Import IDX can keep the files there), and the shipped datasets: ${dirsOf('shipped')}; ` +
      `(3) the system's: ${dirsOf('system')} (install it with: sudo apt-get install dataset-fashion-mnist)`,
  );
}

/** The four files' bytes, gzip-compressed or raw, as a person picked them. */
export interface FashionMnistFiles {
  trainImages: Uint8Array;
  trainLabels: Uint8Array;
  testImages: Uint8Array;
  testLabels: Uint8Array;
}

export interface InstallResult {
  /** The folder the files are now in. */
  dir: string;
  /** Images in the train and test files. */
  train: number;
  test: number;
  /** The file names written (`train-images-idx3-ubyte.gz`, …). */
  files: string[];
}

/**
 * Check four Fashion-MNIST-shaped IDX files (28×28 images with labels 0..9, as many labels as
 * images) and install them into `dir` (default: the user data folder's `datasets/fashion-mnist`),
 * replacing what was there as one step: the files are written into a new folder beside it,
 * which is then renamed into place. Nothing is written when a check fails.
 */
export function installFashionMnist(files: FashionMnistFiles, dir: string = userFashionMnistDir()): InstallResult {
  const splits = [
    { split: 'train', images: files.trainImages, labels: files.trainLabels },
    { split: 't10k', images: files.testImages, labels: files.testLabels },
  ] as const;
  const counts: number[] = [];
  const writes: { name: string; bytes: Uint8Array }[] = [];
  for (const s of splits) {
    const imagesName = fashionMnistStem(s.split, 'images');
    const labelsName = fashionMnistStem(s.split, 'labels');
    const ds = idxDatasetFromBytes(s.images, s.labels, { imagesFile: imagesName, labelsFile: labelsName, classes: 'fashion-mnist' });
    if (ds.featureShape.length !== 2 || ds.featureShape[0] !== 28 || ds.featureShape[1] !== 28) {
      throw new DataError(`Fashion-MNIST images are 28×28, this file holds ${ds.featureShape.join('×')} images`, { file: imagesName });
    }
    if (ds.numSamples === 0) throw new DataError('the file holds no images', { file: imagesName });
    counts.push(ds.numSamples);
    writes.push({ name: imagesName + (isGzip(s.images) ? '.gz' : ''), bytes: s.images });
    writes.push({ name: labelsName + (isGzip(s.labels) ? '.gz' : ''), bytes: s.labels });
  }
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tag = `${basename(dir)}.${process.pid}.${Date.now().toString(36)}`;
  const staging = join(parent, `.${tag}.new`);
  const old = join(parent, `.${tag}.old`);
  try {
    mkdirSync(staging);
    for (const w of writes) writeFileAtomic(join(staging, w.name), w.bytes);
    if (existsSync(dir)) renameSync(dir, old);
    try {
      renameSync(staging, dir);
    } catch (e) {
      if (existsSync(old)) renameSync(old, dir);
      throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
    rmSync(old, { recursive: true, force: true });
  }
  return { dir, train: counts[0]!, test: counts[1]!, files: writes.map((w) => w.name) };
}
