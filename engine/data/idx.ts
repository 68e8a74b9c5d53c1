/**
 * IDX reader — the format of MNIST and Fashion-MNIST — raw or gzip-compressed.
 *
 * An IDX file is a 4-byte magic number `0x00 0x00 TT DD` (TT the element type, DD the
 * number of dimensions), DD big-endian uint32 sizes, then the elements row-major and
 * big-endian. MNIST images are `0x00000803` (ubyte, 3-D: count × 28 × 28), labels
 * `0x00000801` (ubyte, 1-D: count).
 *
 * A file that starts with the gzip signature `1f 8b` is decompressed first; byte offsets
 * in messages then count in the decompressed content. Every check names the file and the
 * byte: the magic number, the element type, the header length, and that the data length
 * is exactly what the header says.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { LIMITS, limit, limitBytes, limitHint, LimitError } from '../core/limits';
import { readRegularFile } from '../core/safe-read';
import { makeDataset, type Dataset } from './dataset';
import { baseName, DataError, fileReadError } from './errors';

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A decoded IDX file. */
export interface IdxArray {
  dtype: IdxDtype;
  /** All dimensions, the record count first (after `limit`). */
  shape: number[];
  /** The elements, row-major, in native byte order. */
  data: IdxData;
  /** The record count the header states (before `limit`). */
  headerCount: number;
}

/** Type byte → element type and size. */
const DTYPES: ReadonlyMap<number, { dtype: IdxDtype; bytes: number; label: string }> = new Map([
  [0x08, { dtype: 'uint8', bytes: 1, label: 'ubyte' }],
  [0x09, { dtype: 'int8', bytes: 1, label: 'byte' }],
  [0x0b, { dtype: 'int16', bytes: 2, label: 'short' }],
  [0x0c, { dtype: 'int32', bytes: 4, label: 'int' }],
  [0x0d, { dtype: 'float32', bytes: 4, label: 'float' }],
  [0x0e, { dtype: 'float64', bytes: 8, label: 'double' }],
]);

/** Fashion-MNIST's class names, by label (Zalando's README). */
export const FASHION_MNIST_CLASSES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** MNIST's class names: the digits `0`..`9`. */
export const DIGIT_CLASSES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/**
 * Default largest decompressed size accepted from a .gz file (guards against gzip bombs); the
 * limit in force is `limitBytes('decompressed')`, raised with BPSTUDIO_MAX_DECOMPRESSED_MB.
 */
export const MAX_IDX_BYTES = LIMITS.decompressed.defaultValue * 1024 * 1024;

const hex8 = (v: number): string => `0x${(v >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
const hex2 = (v: number): string => `0x${v.toString(16).toUpperCase().padStart(2, '0')}`;

/** Whether the bytes start with the gzip signature `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip bytes, or returns raw bytes unchanged. */
export function maybeGunzip(bytes: Uint8Array, file?: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: limitBytes('decompressed') });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
    const reason =
      code === 'ERR_BUFFER_TOO_LARGE' || code === 'ERR_OUT_OF_RANGE'
        ? `decompresses to more than ${limit('decompressed')} MiB ${limitHint('decompressed')}`
        : `the gzip data is corrupt or truncated (${err instanceof Error ? err.message : String(err)})`;
    throw new DataError(reason, file !== undefined ? { file } : {});
  }
}

/**
 * Decodes an IDX file (raw or gzip). `limit` keeps only the first records (the whole file
 * is still checked). Throws a DataError naming the file and byte offset.
 */
export function parseIdx(bytes: Uint8Array, options: { file?: string; limit?: number } = {}): IdxArray {
  const file = options.file;
  const at = (byteOffset: number): { file?: string; byteOffset: number } =>
    file !== undefined ? { file, byteOffset } : { byteOffset };
  const buf = maybeGunzip(bytes, file);
  if (buf.length < 4) {
    throw new DataError(
      buf.length === 0 ? 'the file is empty; expected an IDX header' : `truncated header: ${buf.length} bytes, an IDX header has at least 8`,
      at(0),
    );
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, false);
  if (buf[0] !== 0 || buf[1] !== 0) {
    throw new DataError(`bad magic number ${hex8(magic)}, expected an IDX header 0x0000 08xx`, at(0));
  }
  const type = DTYPES.get(buf[2]!);
  if (type === undefined) {
    throw new DataError(
      `unknown IDX element type ${hex2(buf[2]!)} (magic number ${hex8(magic)}); expected 0x08 ubyte, 0x09 byte, ` +
        '0x0B short, 0x0C int, 0x0D float or 0x0E double',
      at(2),
    );
  }
  const ndim = buf[3]!;
  if (ndim === 0) throw new DataError(`the magic number ${hex8(magic)} says 0 dimensions`, at(3));
  const headerBytes = 4 + 4 * ndim;
  if (buf.length < headerBytes) {
    throw new DataError(
      `truncated header: ${ndim} dimensions need a ${headerBytes}-byte header, the file has ${buf.length} bytes`,
      at(buf.length),
    );
  }
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape[0]!;
  const recordElems = shape.slice(1).reduce((a, b) => a * b, 1);
  const dataBytes = count * recordElems * type.bytes;
  const have = buf.length - headerBytes;
  const dims = shape.join('×');
  const size = type.bytes === 1 ? `${dims} = ${count * recordElems} bytes` : `${dims} = ${count * recordElems} ${type.label}s × ${type.bytes} = ${dataBytes} bytes`;
  if (have < dataBytes) {
    throw new DataError(`truncated: header says ${size} of data, file has ${have}`, at(headerBytes));
  }
  if (have > dataBytes) {
    throw new DataError(`${have - dataBytes} byte${have - dataBytes === 1 ? '' : 's'} after the end of the data (header says ${size})`, at(headerBytes + dataBytes));
  }

  const limit = options.limit;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new DataError(`limit must be a non-negative integer, got ${limit}`, file !== undefined ? { file } : {});
  }
  const keep = limit === undefined ? count : Math.min(limit, count);
  const elems = keep * recordElems;
  let data: IdxData;
  if (type.dtype === 'uint8') {
    data = buf.slice(headerBytes, headerBytes + elems);
  } else if (type.dtype === 'int8') {
    data = new Int8Array(buf.slice(headerBytes, headerBytes + elems).buffer);
  } else {
    const Ctor = { int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array }[type.dtype];
    const out = new Ctor(elems);
    for (let k = 0; k < elems; k++) {
      const o = headerBytes + k * type.bytes;
      out[k] =
        type.dtype === 'int16'
          ? view.getInt16(o, false)
          : type.dtype === 'int32'
            ? view.getInt32(o, false)
            : type.dtype === 'float32'
              ? view.getFloat32(o, false)
              : view.getFloat64(o, false);
    }
    data = out;
  }
  return { dtype: type.dtype, shape: [keep, ...shape.slice(1)], data, headerCount: count };
}

/** An IDX file's header: its element type and every dimension (the record count first). */
export interface IdxHeader {
  dtype: IdxDtype;
  shape: number[];
}

/**
 * The header of an IDX file (raw or gzip), reading only the file's first bytes: what the
 * file's shapes are without decoding its data (validation learns a dataset's shapes so).
 * The data's length is not checked here; `parseIdx` checks it when the file is loaded.
 */
export function readIdxHeader(path: string): IdxHeader {
  let head: Uint8Array;
  try {
    const fd = openSync(path, 'r');
    try {
      const buf = new Uint8Array(HEADER_PREFIX_BYTES);
      head = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    throw fileReadError(path, err);
  }
  if (isGzip(head)) {
    try {
      // A prefix of a gzip stream: inflate what it holds (Z_SYNC_FLUSH accepts the missing end).
      const out = gunzipSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      head = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    } catch (err) {
      throw new DataError(`the gzip data is corrupt (${err instanceof Error ? err.message : String(err)})`, { file: path });
    }
  }
  const at = (byteOffset: number): { file: string; byteOffset: number } => ({ file: path, byteOffset });
  if (head.length < 4) throw new DataError(head.length === 0 ? 'the file is empty; expected an IDX header' : `truncated header: ${head.length} bytes, an IDX header has at least 8`, at(0));
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const magic = view.getUint32(0, false);
  if (head[0] !== 0 || head[1] !== 0) throw new DataError(`bad magic number ${hex8(magic)}, expected an IDX header 0x0000 08xx`, at(0));
  const type = DTYPES.get(head[2]!);
  if (type === undefined) throw new DataError(`unknown IDX element type ${hex2(head[2]!)} (magic number ${hex8(magic)})`, at(2));
  const ndim = head[3]!;
  if (ndim === 0) throw new DataError(`the magic number ${hex8(magic)} says 0 dimensions`, at(3));
  if (head.length < 4 + 4 * ndim) throw new DataError(`truncated header: ${ndim} dimensions need a ${4 + 4 * ndim}-byte header, the file has ${head.length} bytes`, at(head.length));
  const shape: number[] = [];
  for (let d = 0; d < ndim; d++) shape.push(view.getUint32(4 + 4 * d, false));
  return { dtype: type.dtype, shape };
}

/** Bytes read from the start of a file for its header (gzip's own header and a first block included). */
const HEADER_PREFIX_BYTES = 4096;

/** Reads and decodes an IDX file (`parseIdx`). */
export function readIdxFile(path: string, options: { limit?: number } = {}): IdxArray {
  return parseIdx(readBytes(path), { ...options, file: path });
}

/** Options for `loadIdxDataset`. */
export interface IdxDatasetOptions {
  /** Keep only the first `limit` samples. */
  limit?: number;
  /** Class names: `digits` (`0`..`9`, the default), `fashion-mnist`, or a list. */
  classes?: 'digits' | 'fashion-mnist' | readonly string[];
  /** Dataset name; default the images file's base name without `.gz`. */
  name?: string;
}

/**
 * An image-classification dataset from an IDX images file (count × H × W …, any element
 * type) and an IDX labels file (count, integer type). Pixels stay as they are (0..255 for
 * MNIST; normalise separately); `featureShape` is the image shape (`[28, 28]`).
 */
export function loadIdxDataset(imagesPath: string, labelsPath: string, options: IdxDatasetOptions = {}): Dataset {
  return idxDatasetFromBytes(readBytes(imagesPath), readBytes(labelsPath), {
    ...options,
    imagesFile: imagesPath,
    labelsFile: labelsPath,
  });
}

/** `loadIdxDataset` on bytes already in memory (file names only for messages). */
export function idxDatasetFromBytes(
  imageBytes: Uint8Array,
  labelBytes: Uint8Array,
  options: IdxDatasetOptions & { imagesFile?: string; labelsFile?: string } = {},
): Dataset {
  const { imagesFile, labelsFile } = options;
  const loc = (file: string | undefined, byteOffset?: number): { file?: string; byteOffset?: number } => ({
    ...(file !== undefined ? { file } : {}),
    ...(byteOffset !== undefined ? { byteOffset } : {}),
  });
  const images = parseIdx(imageBytes, { ...loc(imagesFile), ...(options.limit !== undefined ? { limit: options.limit } : {}) });
  if (images.shape.length < 2) {
    throw new DataError(
      `this is a 1-dimensional IDX file (a labels file?); expected images, magic number 0x00000803 (count × rows × columns)`,
      loc(imagesFile, 3),
    );
  }
  const labels = parseIdx(labelBytes, { ...loc(labelsFile), ...(options.limit !== undefined ? { limit: options.limit } : {}) });
  if (labels.shape.length !== 1) {
    throw new DataError(
      `this is a ${labels.shape.length}-dimensional IDX file (an images file?); expected labels, magic number 0x00000801 (count)`,
      loc(labelsFile, 3),
    );
  }
  if (labels.dtype === 'float32' || labels.dtype === 'float64') {
    throw new DataError(`labels must be integers, this file holds ${labels.dtype} values`, loc(labelsFile, 2));
  }
  if (images.headerCount !== labels.headerCount) {
    const iname = imagesFile !== undefined ? baseName(imagesFile) : 'the images file';
    const lname = labelsFile !== undefined ? baseName(labelsFile) : 'the labels file';
    throw new DataError(
      `${iname} has ${images.headerCount} images but ${lname} has ${labels.headerCount} labels`,
      loc(labelsFile, 4),
    );
  }
  const classNames =
    options.classes === 'fashion-mnist' ? [...FASHION_MNIST_CLASSES] : options.classes === undefined || options.classes === 'digits' ? [...DIGIT_CLASSES] : [...options.classes];
  const n = labels.shape[0]!;
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels.data[i]!;
    if (v < 0 || v >= classNames.length) {
      const width = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 }[labels.dtype];
      throw new DataError(
        `label ${v} of sample ${i} is out of range for ${classNames.length} classes (0..${classNames.length - 1})`,
        loc(labelsFile, 8 + i * width),
      );
    }
    y[i] = v;
  }
  const x = images.data instanceof Float32Array ? images.data : Float32Array.from(images.data);
  const defaultName = imagesFile !== undefined ? baseName(imagesFile).replace(/\.gz$/i, '') : 'idx';
  return makeDataset({
    name: options.name ?? defaultName,
    task: 'classification',
    featureShape: images.shape.slice(1),
    features: x,
    targetShape: [],
    labels: y,
    classNames,
    ...(imagesFile !== undefined ? { source: imagesFile } : {}),
  });
}

function readBytes(path: string): Uint8Array {
  try {
    const b = readRegularFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (err) {
    if (err instanceof LimitError) throw new DataError(err.message, { file: path });
    throw fileReadError(path, err);
  }
}
