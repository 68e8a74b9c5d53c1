import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idxBytes, imagesFile, labelsFile, smallFashionMnist } from '../testing/idx-files';
import { loadBuiltinDataset } from './builtin';
import { DataError } from './errors';
import { installFashionMnist, userFashionMnistDir } from './fashion-mnist';
import { withDataLocations } from './user-data';
import { dataErrorOf } from '../testing/errors';


let root: string;
let n = 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bp-fmnist-install-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const userData = (): string => join(root, `user-${n++}`);

describe('installFashionMnist', () => {
  it('installs into <userData>/datasets/fashion-mnist, where the built-in dataset then finds it', () => {
    const user = userData();
    const files = smallFashionMnist([3, 1, 4], [1, 5], 7);
    const r = withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () =>
      installFashionMnist({ ...files, trainImages: gzipSync(files.trainImages) }),
    );
    const dir = join(user, 'datasets', 'fashion-mnist');
    expect(r).toEqual({
      dir, train: 3, test: 2,
      files: ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
    });
    expect(withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => userFashionMnistDir())).toBe(dir);
    expect(readdirSync(dir).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte']);
    // no staging or old folders are left beside it
    expect(readdirSync(join(user, 'datasets'))).toEqual(['fashion-mnist']);
    const train = withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => loadBuiltinDataset('fashion-mnist'));
    expect(Array.from(train.labels)).toEqual([3, 1, 4]);
    expect([train.features[0], train.features[784], train.features[2 * 784 + 783]]).toEqual([7, 8, 9]);
    const test = withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => loadBuiltinDataset('fashion-mnist', { split: 'test' }));
    expect(Array.from(test.labels)).toEqual([1, 5]);
    expect(test.classNames![5]).toBe('Sandal');
  });

  it('replaces an earlier install as a whole', () => {
    const user = userData();
    const dir = join(user, 'datasets', 'fashion-mnist');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), 'an older file');
    withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => installFashionMnist(smallFashionMnist([0], [9])));
    expect(readdirSync(dir).sort()).toEqual(['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']);
    expect(readdirSync(join(user, 'datasets'))).toEqual(['fashion-mnist']);
    expect(readFileSync(join(dir, 't10k-labels-idx1-ubyte'))).toEqual(Buffer.from(labelsFile([9])));
  });

  it('checks the four files with the IDX reader first, and writes nothing when one is wrong', () => {
    const user = userData();
    const good = smallFashionMnist([1, 2], [3]);
    const install = (files: Partial<typeof good>): DataError =>
      dataErrorOf(() => withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, () => installFashionMnist({ ...good, ...files })));
    expect(install({ testLabels: good.testImages }).message).toBe(
      't10k-labels-idx1-ubyte: byte 3: this is a 3-dimensional IDX file (an images file?); expected labels, magic number 0x00000801 (count)',
    );
    expect(install({ trainLabels: labelsFile([1, 10]) }).message).toBe(
      'train-labels-idx1-ubyte: byte 9: label 10 of sample 1 is out of range for 10 classes (0..9)',
    );
    expect(install({ trainLabels: labelsFile([1]) }).message).toBe(
      'train-labels-idx1-ubyte: byte 4: train-images-idx3-ubyte has 2 images but train-labels-idx1-ubyte has 1 labels',
    );
    expect(install({ testImages: idxBytes(0x08, [1, 2, 2], [0, 0, 0, 0]) }).message).toBe(
      't10k-images-idx3-ubyte: Fashion-MNIST images are 28×28, this file holds 2×2 images',
    );
    expect(install({ trainImages: imagesFile(2, 0).subarray(0, 100) }).message).toMatch(/^train-images-idx3-ubyte: byte 16: truncated/);
    expect(install({ testImages: imagesFile(0, 0), testLabels: labelsFile([]) }).message).toBe('t10k-images-idx3-ubyte: the file holds no images');
    expect(existsSync(user)).toBe(false);
  });
});
