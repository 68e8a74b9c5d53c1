import type { DType, TypedArray } from '../../core/dtype';
import { allocate } from '../../core/dtype';
import type { Shape } from '../../core/shape';
import { sizeOf, stridesOf } from '../../core/shape';

/** Elementwise f(x) into a new array of `dtype`. */
export function mapUnary(x: TypedArray, dtype: DType, f: (v: number) => number): TypedArray {
  const n = x.length;
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) out[i] = f(x[i]!);
  return out;
}

/**
 * Elementwise f(a, b) with NumPy broadcasting into `outShape`. Fast paths for equal shapes, a
 * scalar on either side, and a trailing row broadcast (the bias of a Linear layer: [N, C] + [C]).
 */
export function mapBinary(
  a: TypedArray,
  aShape: Shape,
  b: TypedArray,
  bShape: Shape,
  outShape: Shape,
  dtype: DType,
  f: (x: number, y: number) => number,
): TypedArray {
  const n = sizeOf(outShape);
  const out = allocate(dtype, n);
  const na = a.length;
  const nb = b.length;
  if (na === n && nb === n) {
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, b[i]!);
    return out;
  }
  if (nb === 1 && na === n) {
    const y = b[0]!;
    for (let i = 0; i < n; i++) out[i] = f(a[i]!, y);
    return out;
  }
  if (na === 1 && nb === n) {
    const x = a[0]!;
    for (let i = 0; i < n; i++) out[i] = f(x, b[i]!);
    return out;
  }
  if (na === n && isTrailingSuffix(bShape, outShape)) {
    for (let i = 0, j = 0; i < n; i++, j++) {
      if (j === nb) j = 0;
      out[i] = f(a[i]!, b[j]!);
    }
    return out;
  }
  if (nb === n && isTrailingSuffix(aShape, outShape)) {
    for (let i = 0, j = 0; i < n; i++, j++) {
      if (j === na) j = 0;
      out[i] = f(a[j]!, b[i]!);
    }
    return out;
  }
  const rank = outShape.length;
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const index = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let i = 0; i < n; i++) {
    out[i] = f(a[ia]!, b[ib]!);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      ia += sa[d]!;
      ib += sb[d]!;
      if (index[d]! < outShape[d]!) break;
      ia -= sa[d]! * outShape[d]!;
      ib -= sb[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** Strides of `shape` read as if broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const strides = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => {
    const k = d - offset;
    if (k < 0) return 0;
    return shape[k] === 1 ? 0 : strides[k]!;
  });
}

/** True when `shape` (without leading 1s) equals the trailing dims of `outShape` — a repeated row. */
export function isTrailingSuffix(shape: Shape, outShape: Shape): boolean {
  let s = 0;
  while (s < shape.length && shape[s] === 1) s++;
  const rest = shape.length - s;
  if (rest === 0 || rest > outShape.length) return false;
  for (let i = 0; i < rest; i++) if (shape[s + i] !== outShape[outShape.length - rest + i]) return false;
  return true;
}
