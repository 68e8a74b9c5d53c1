/**
 * Test helpers: small IDX files written in the test (Fashion-MNIST-shaped, 28×28 ubyte images
 * and ubyte labels), and the real Fashion-MNIST found through the product's own lookup.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { datasetAssetsDir } from '../data/builtin';
import { fashionMnistSearchPlaces, fashionMnistStem, findFashionMnist, type FashionMnistSplit } from '../data/fashion-mnist';
import { withDataLocations } from '../data/user-data';

/** An IDX file: magic `00 00 type ndim`, big-endian dims, then `body` bytes. */
export function idxBytes(type: number, dims: readonly number[], body: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const v = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

/** `labels.length` 28×28 ubyte images; image i is filled with the value `fill + i`. */
export function imagesFile(count: number, fill: number): Uint8Array {
  const body = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) body.fill((fill + i) % 256, i * 784, (i + 1) * 784);
  return idxBytes(0x08, [count, 28, 28], body);
}

/** A ubyte labels file. */
export function labelsFile(labels: readonly number[]): Uint8Array {
  return idxBytes(0x08, [labels.length], labels);
}

/** The four files of a small Fashion-MNIST-shaped dataset. */
export function smallFashionMnist(train: readonly number[], test: readonly number[], fill = 0) {
  return {
    trainImages: imagesFile(train.length, fill),
    trainLabels: labelsFile(train),
    testImages: imagesFile(test.length, fill + 100),
    testLabels: labelsFile(test),
  };
}

/** Write a small Fashion-MNIST-shaped dataset into `dir` (created), gzipped or not. */
export function writeSmallFashionMnist(dir: string, train: readonly number[], test: readonly number[], options: { gzip?: boolean; fill?: number } = {}): string {
  mkdirSync(dir, { recursive: true });
  const f = smallFashionMnist(train, test, options.fill ?? 0);
  const put = (split: FashionMnistSplit, kind: 'images' | 'labels', bytes: Uint8Array): void =>
    writeFileSync(join(dir, fashionMnistStem(split, kind) + (options.gzip ? '.gz' : '')), options.gzip ? gzipSync(bytes) : bytes);
  put('train', 'images', f.trainImages);
  put('train', 'labels', f.trainLabels);
  put('t10k', 'images', f.testImages);
  put('t10k', 'labels', f.testLabels);
  return dir;
}

/**
 * The real Fashion-MNIST files of a split, found as the product finds them with nothing given
 * (the user data folder, the shipped datasets, Debian's /usr/share/datasets/fashion-mnist).
 * Throws — the test fails, it is not skipped — when they are not on this machine.
 */
export function realFashionMnist(split: FashionMnistSplit): { images: string; labels: string } {
  try {
    return withDataLocations({ env: { ...process.env, BPSTUDIO_DATA_DIR: undefined } }, () =>
      findFashionMnist(split, fashionMnistSearchPlaces(undefined, datasetAssetsDir())),
    );
  } catch (e) {
    throw new Error(
      `these tests need the real Fashion-MNIST: install Debian's package with \`sudo apt-get install dataset-fashion-mnist\` ` +
        `(it puts the files in /usr/share/datasets/fashion-mnist). ${(e as Error).message}`,
    );
  }
}
