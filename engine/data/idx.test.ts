import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, idxDatasetFromBytes, loadIdxDataset, parseIdx, readIdxFile, readIdxHeader } from './idx';
import { idxBytes, realFashionMnist } from '../testing/idx-files';
import { dataErrorOf } from '../testing/errors';

const images3 = idxBytes(0x08, [3, 2, 2], [0, 1, 2, 3, 10, 20, 30, 40, 255, 254, 253, 252]);
const labels3 = idxBytes(0x08, [3], [7, 0, 9]);

describe('parseIdx', () => {
  it('decodes ubyte images, raw and gzipped, with limit', () => {
    for (const bytes of [images3, gzipSync(images3)]) {
      const a = parseIdx(bytes);
      expect(a.dtype).toBe('uint8');
      expect(a.shape).toEqual([3, 2, 2]);
      expect(a.headerCount).toBe(3);
      expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 10, 20, 30, 40, 255, 254, 253, 252]);
    }
    const lim = parseIdx(images3, { limit: 2 });
    expect(lim.shape).toEqual([2, 2, 2]);
    expect(Array.from(lim.data)).toEqual([0, 1, 2, 3, 10, 20, 30, 40]);
  });

  it('decodes the other element types, big-endian', () => {
    const i16 = new Uint8Array(4);
    new DataView(i16.buffer).setInt16(0, -2, false);
    new DataView(i16.buffer).setInt16(2, 300, false);
    expect(Array.from(parseIdx(idxBytes(0x0b, [2], i16)).data)).toEqual([-2, 300]);
    const f32 = new Uint8Array(8);
    new DataView(f32.buffer).setFloat32(0, 1.5, false);
    new DataView(f32.buffer).setFloat32(4, -0.25, false);
    const a = parseIdx(idxBytes(0x0d, [1, 2], f32));
    expect([a.dtype, ...a.data]).toEqual(['float32', 1.5, -0.25]);
    const f64 = new Uint8Array(8);
    new DataView(f64.buffer).setFloat64(0, Math.PI, false);
    expect(Array.from(parseIdx(idxBytes(0x0e, [1], f64)).data)).toEqual([Math.PI]);
    const i32 = new Uint8Array(4);
    new DataView(i32.buffer).setInt32(0, -70000, false);
    expect(Array.from(parseIdx(idxBytes(0x0c, [1], i32)).data)).toEqual([-70000]);
    expect(Array.from(parseIdx(idxBytes(0x09, [2], [0xff, 5])).data)).toEqual([-1, 5]);
  });

  it('rejects a bad magic number', () => {
    const bad = new Uint8Array([0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0]);
    const e = dataErrorOf(() => parseIdx(bad, { file: 'data/train-images.gz' }));
    expect(e.message).toBe('train-images.gz: byte 0: bad magic number 0x12345678, expected an IDX header 0x0000 08xx');
    expect(e.byteOffset).toBe(0);
    expect(dataErrorOf(() => parseIdx(gzipSync(bad), { file: 'x.gz' })).message).toBe(
      'x.gz: byte 0: bad magic number 0x12345678, expected an IDX header 0x0000 08xx',
    );
  });

  it('rejects an unknown element type and zero dimensions', () => {
    expect(dataErrorOf(() => parseIdx(idxBytes(0x07, [1], [1]), { file: 'f' })).message).toBe(
      'f: byte 2: unknown IDX element type 0x07 (magic number 0x00000701); expected 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float or 0x0E double',
    );
    expect(dataErrorOf(() => parseIdx(new Uint8Array([0, 0, 8, 0]), { file: 'f' })).message).toBe(
      'f: byte 3: the magic number 0x00000800 says 0 dimensions',
    );
  });

  it('rejects a truncated header', () => {
    expect(dataErrorOf(() => parseIdx(new Uint8Array(0), { file: 'f' })).message).toBe('f: byte 0: the file is empty; expected an IDX header');
    expect(dataErrorOf(() => parseIdx(new Uint8Array([0, 0, 8]), { file: 'f' })).message).toBe(
      'f: byte 0: truncated header: 3 bytes, an IDX header has at least 8',
    );
    const e = dataErrorOf(() => parseIdx(images3.slice(0, 10), { file: 'f' }));
    expect(e.message).toBe('f: byte 10: truncated header: 3 dimensions need a 16-byte header, the file has 10 bytes');
  });

  it('rejects truncated data and trailing bytes', () => {
    const head = idxBytes(0x08, [60000, 28, 28], new Uint8Array(1000));
    expect(dataErrorOf(() => parseIdx(gzipSync(head), { file: 'train-images.gz' })).message).toBe(
      'train-images.gz: byte 16: truncated: header says 60000×28×28 = 47040000 bytes of data, file has 1000',
    );
    expect(dataErrorOf(() => parseIdx(idxBytes(0x0c, [3], new Uint8Array(8)), { file: 'f' })).message).toBe(
      'f: byte 8: truncated: header says 3 = 3 ints × 4 = 12 bytes of data, file has 8',
    );
    expect(dataErrorOf(() => parseIdx(idxBytes(0x08, [2], [1, 2, 3]), { file: 'f' })).message).toBe(
      'f: byte 10: 1 byte after the end of the data (header says 2 = 2 bytes)',
    );
  });

  it('rejects a corrupt gzip stream', () => {
    const gz = gzipSync(images3);
    const e = dataErrorOf(() => parseIdx(gz.subarray(0, gz.length - 12), { file: 'cut.gz' }));
    expect(e.message).toMatch(/^cut\.gz: the gzip data is corrupt or truncated \(.+\)$/);
  });
});

describe('idxDatasetFromBytes / loadIdxDataset', () => {
  it('pairs images and labels into a dataset of raw pixel values', () => {
    const ds = idxDatasetFromBytes(images3, labels3, { imagesFile: 'imgs-idx3-ubyte.gz' });
    expect(ds.name).toBe('imgs-idx3-ubyte');
    expect(ds.featureShape).toEqual([2, 2]);
    expect(ds.numSamples).toBe(3);
    expect(Array.from(ds.labels)).toEqual([7, 0, 9]);
    expect(ds.features[8]).toBe(255);
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const f = idxDatasetFromBytes(images3, labels3, { classes: 'fashion-mnist', limit: 1 });
    expect(f.numSamples).toBe(1);
    expect(f.classNames).toEqual(FASHION_MNIST_CLASSES);
  });

  it('rejects a count mismatch, swapped files and out-of-range labels', () => {
    const l2 = idxBytes(0x08, [2], [1, 2]);
    expect(dataErrorOf(() => idxDatasetFromBytes(images3, l2, { imagesFile: 'a/imgs.gz', labelsFile: 'a/labs.gz' })).message).toBe(
      'labs.gz: byte 4: imgs.gz has 3 images but labs.gz has 2 labels',
    );
    expect(dataErrorOf(() => idxDatasetFromBytes(labels3, images3, { imagesFile: 'labs', labelsFile: 'imgs' })).message).toBe(
      'labs: byte 3: this is a 1-dimensional IDX file (a labels file?); expected images, magic number 0x00000803 (count × rows × columns)',
    );
    expect(dataErrorOf(() => idxDatasetFromBytes(images3, images3, { labelsFile: 'imgs' })).message).toBe(
      'imgs: byte 3: this is a 3-dimensional IDX file (an images file?); expected labels, magic number 0x00000801 (count)',
    );
    expect(dataErrorOf(() => idxDatasetFromBytes(images3, idxBytes(0x08, [3], [1, 12, 2]), { labelsFile: 'l' })).message).toBe(
      'l: byte 9: label 12 of sample 1 is out of range for 10 classes (0..9)',
    );
  });

  it('reads files from disk and reports a missing one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-idx-'));
    writeFileSync(join(dir, 'i.gz'), gzipSync(images3));
    writeFileSync(join(dir, 'l'), labels3);
    const ds = loadIdxDataset(join(dir, 'i.gz'), join(dir, 'l'));
    expect(Array.from(ds.labels)).toEqual([7, 0, 9]);
    expect(readIdxFile(join(dir, 'l')).shape).toEqual([3]);
    expect(dataErrorOf(() => readIdxFile(join(dir, 'nope'))).message).toBe(`nope: file not found (looked for ${join(dir, 'nope')})`);
  });
});

// The real files, found where the product looks (Debian's dataset-fashion-mnist puts them in
// /usr/share/datasets/fashion-mnist); without them these tests fail, saying what to install.
describe('readIdxHeader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'idx-header-'));
  it('reads the element type and dimensions from the first bytes, raw or gzip', () => {
    const raw = join(dir, 'images');
    writeFileSync(raw, images3);
    expect(readIdxHeader(raw)).toEqual({ dtype: 'uint8', shape: [3, 2, 2] });
    // A gzip file much larger than the prefix read: only its header is inflated.
    const big = idxBytes(0x0d, [5000, 7], new Uint8Array(5000 * 7 * 4).map((_, i) => (i * 7919) % 251));
    const gz = join(dir, 'big.gz');
    writeFileSync(gz, gzipSync(big));
    expect(readIdxHeader(gz)).toEqual({ dtype: 'float32', shape: [5000, 7] });
  });

  it('refuses what is not an IDX header, naming the file and byte', () => {
    const bad = join(dir, 'bad');
    writeFileSync(bad, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    expect(dataErrorOf(() => readIdxHeader(bad)).message).toBe(`bad: byte 0: bad magic number 0x01020304, expected an IDX header 0x0000 08xx`);
    const short = join(dir, 'short');
    writeFileSync(short, Uint8Array.of(0, 0, 8, 3, 0, 0));
    expect(dataErrorOf(() => readIdxHeader(short)).message).toContain('3 dimensions need a 16-byte header, the file has 6 bytes');
  });

  it('gives the real Fashion-MNIST t10k images 10000 × 28 × 28', () => {
    const t10k = realFashionMnist('t10k');
    expect(readIdxHeader(t10k.images)).toEqual({ dtype: 'uint8', shape: [10000, 28, 28] });
    expect(readIdxHeader(t10k.labels)).toEqual({ dtype: 'uint8', shape: [10000] });
  });
});

describe('Fashion-MNIST t10k (real files)', () => {
  it('has 10000 28×28 images with the published first labels and pixel sums', () => {
    const t10k = realFashionMnist('t10k');
    const ds = loadIdxDataset(t10k.images, t10k.labels, {
      classes: 'fashion-mnist',
    });
    expect(ds.numSamples).toBe(10000);
    expect(ds.featureShape).toEqual([28, 28]);
    expect(Array.from(ds.labels.slice(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    expect(ds.classNames![ds.labels[0]!]).toBe('Ankle boot');
    let first = 0;
    for (let k = 0; k < 784; k++) first += ds.features[k]!;
    expect(first).toBe(33456);
    let total = 0;
    for (let k = 0; k < ds.features.length; k++) total += ds.features[k]!;
    expect(total).toBe(573469082);
    expect(ds.features[14 * 28 + 14]).toBe(110);
    const counts = new Array(10).fill(0);
    for (const v of ds.labels) counts[v]++;
    expect(counts).toEqual(new Array(10).fill(1000));
  });

  it('limit keeps the first images', () => {
    const t10k = realFashionMnist('t10k');
    const ds = loadIdxDataset(t10k.images, t10k.labels, { limit: 2 });
    expect(ds.numSamples).toBe(2);
    expect(ds.features.length).toBe(2 * 784);
    expect(Array.from(ds.labels)).toEqual([9, 2]);
  });
});
