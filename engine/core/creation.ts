import type { DType, TypedArray } from './dtype';
import { allocate } from './dtype';
import { EngineError } from './errors';
import type { Shape } from './shape';
import { sizeOf } from './shape';
import { Tensor, type NestedArray } from './tensor';
import { defaultGenerator, type Generator } from './random';

export interface CreateOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A tensor from nested arrays, a number, or a typed array (with `shape`). */
export function tensor(data: NestedArray | TypedArray | readonly number[], opts: CreateOptions & { shape?: Shape } = {}): Tensor {
  const dtype = opts.dtype ?? (ArrayBuffer.isView(data) ? dtypeOfView(data as TypedArray) : 'float32');
  let shape: number[];
  let flat: ArrayLike<number>;
  if (ArrayBuffer.isView(data)) {
    flat = data as TypedArray;
    shape = opts.shape ? [...opts.shape] : [(data as TypedArray).length];
  } else {
    shape = inferNestedShape(data as NestedArray);
    const values: number[] = [];
    flattenInto(data as NestedArray, shape, 0, values);
    flat = values;
    if (opts.shape) shape = [...opts.shape];
  }
  if (flat.length !== sizeOf(shape)) {
    throw new EngineError(`tensor: ${flat.length} values do not fill shape [${shape.join(', ')}]`);
  }
  const storage = allocate(dtype, flat.length);
  storage.set(flat);
  return finish(Tensor.fromData(storage, shape), opts);
}

function dtypeOfView(x: TypedArray): DType {
  return x instanceof Float64Array ? 'float64' : x instanceof Int32Array ? 'int32' : 'float32';
}

function inferNestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0]!;
  }
  return shape;
}

function flattenInto(data: NestedArray, shape: number[], depth: number, out: number[]): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') throw new EngineError(`tensor: ragged nested array (expected a number at depth ${depth})`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new EngineError(`tensor: ragged nested array: expected ${shape[depth]} elements at depth ${depth}`);
  }
  for (const d of data) flattenInto(d, shape, depth + 1, out);
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) data.fill(value);
  return finish(Tensor.fromData(data, shape), opts);
}
export const zeros = (shape: Shape, opts: CreateOptions = {}): Tensor => full(shape, 0, opts);
export const ones = (shape: Shape, opts: CreateOptions = {}): Tensor => full(shape, 1, opts);
export const zerosLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 0, { dtype: t.dtype, ...opts });
export const onesLike = (t: Tensor, opts: CreateOptions = {}): Tensor => full(t.shape, 1, { dtype: t.dtype, ...opts });
export const fullLike = (t: Tensor, value: number, opts: CreateOptions = {}): Tensor => full(t.shape, value, { dtype: t.dtype, ...opts });

/** A 0-d tensor holding `value` (the engine's wrapped scalar). */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  const data = allocate(dtype, 1);
  data[0] = value;
  return Tensor.fromData(data, []);
}

/** Values from `start` (inclusive) to `end` (exclusive) by `step`, like `torch.arange`. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0) throw new EngineError('arange: step must be nonzero');
  const n = Math.max(0, Math.ceil((end - start) / step));
  const data = allocate(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return finish(Tensor.fromData(data, [n]), opts);
}

/** Standard normal samples from the seeded generator (`manualSeed` sets the default one). */
export function randn(shape: Shape, opts: RandomOptions = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.normal();
  return finish(Tensor.fromData(data, shape), opts);
}

/** Uniform samples in [low, high) from the seeded generator. */
export function rand(shape: Shape, opts: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const g = opts.generator ?? defaultGenerator;
  const low = opts.low ?? 0;
  const high = opts.high ?? 1;
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = g.uniform(low, high);
  return finish(Tensor.fromData(data, shape), opts);
}

/** Identity matrix. */
export function eye(n: number, opts: CreateOptions = {}): Tensor {
  const t = zeros([n, n], opts);
  for (let i = 0; i < n; i++) t.data[i * n + i] = 1;
  return t;
}
