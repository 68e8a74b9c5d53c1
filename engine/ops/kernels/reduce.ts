import type { DType, TypedArray } from '../../core/dtype';
import { allocate } from '../../core/dtype';
import type { Shape } from '../../core/shape';
import { sizeOf, stridesOf } from '../../core/shape';

/**
 * Reduce `x` over `dims` (sorted) with an associative combine, e.g. sum or max.
 * Returns the reduced values laid out as the shape with `dims` removed (keepDim only changes the shape).
 */
export function reduce(
  x: TypedArray,
  shape: Shape,
  dims: readonly number[],
  dtype: DType,
  init: number,
  combine: (acc: number, v: number) => number,
): TypedArray {
  const rank = shape.length;
  const outShape = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const n = x.length;
  const out = allocate(dtype, sizeOf(outShape));
  out.fill(init);
  if (dims.length === rank) {
    let acc = init;
    for (let i = 0; i < n; i++) acc = combine(acc, x[i]!);
    out[0] = acc;
    return out;
  }
  // Fast path: reduce the last dimension only (row reductions: softmax, cross-entropy).
  if (dims.length === 1 && dims[0] === rank - 1) {
    const inner = shape[rank - 1]!;
    const rows = n / inner;
    for (let r = 0; r < rows; r++) {
      let acc = init;
      const base = r * inner;
      for (let j = 0; j < inner; j++) acc = combine(acc, x[base + j]!);
      out[r] = acc;
    }
    return out;
  }
  // Fast path: reduce the first dimension only (bias gradients, batch statistics).
  if (dims.length === 1 && dims[0] === 0) {
    const inner = n / shape[0]!;
    for (let r = 0; r < shape[0]!; r++) {
      const base = r * inner;
      for (let j = 0; j < inner; j++) out[j] = combine(out[j]!, x[base + j]!);
    }
    return out;
  }
  const outStrides = stridesOf(outShape).map((s, i) => (dims.includes(i) ? 0 : s));
  const index = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    out[o] = combine(out[o]!, x[i]!);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      o += outStrides[d]!;
      if (index[d]! < shape[d]!) break;
      o -= outStrides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** Index of the largest element along one dim (first on ties), as int32 in the reduced layout. */
export function argmaxAlong(x: TypedArray, shape: Shape, dim: number): Int32Array {
  const size = shape[dim]!;
  const inner = stridesOf(shape)[dim]!;
  const outer = x.length / (size * inner);
  const out = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      let best = x[base]!;
      let arg = 0;
      for (let k = 1; k < size; k++) {
        const v = x[base + k * inner]!;
        if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
          best = v;
          arg = k;
        }
      }
      out[o * inner + i] = arg;
    }
  }
  return out;
}
