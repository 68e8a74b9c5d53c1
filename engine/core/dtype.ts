/** Element types. float32 is the default; float64 exists for gradient checking; int32 holds class indices. */
export type DType = 'float32' | 'float64' | 'int32';

export type TypedArray = Float32Array | Float64Array | Int32Array;

export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}

export function dtypeOf(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  return 'int32';
}

/** Result type of an op over several inputs: float64 wins, then float32; int32 only if all are int32. */
export function promoteTypes(...dtypes: DType[]): DType {
  if (dtypes.includes('float64')) return 'float64';
  if (dtypes.includes('float32')) return 'float32';
  return 'int32';
}

/** The largest finite float32 (PyTorch's `torch.finfo(torch.float32).max`). */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** Is `v` a number that stays finite when stored as float32 (not NaN, not ±Inf, not beyond ±FLOAT32_MAX after rounding)? */
export function isFiniteFloat32(v: number): boolean {
  return Number.isFinite(Math.fround(v));
}
