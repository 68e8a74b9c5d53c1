import { allocate } from '../core/dtype';
import { stridesOf } from '../core/shape';
import type { Shape } from '../core/shape';
import type { TypedArray, DType } from '../core/dtype';
import { defineOp, onnxAttr } from './define-op';
import { exp, mul, sub, sum } from './functional';

/** Apply `rowFn` to every 1-D slice along `dim` (gathered, transformed, scattered back). */
function alongDim(
  x: TypedArray,
  shape: Shape,
  dim: number,
  dtype: DType,
  rowFn: (src: Float64Array, dst: Float64Array) => void,
): TypedArray {
  const size = shape[dim]!;
  const inner = stridesOf(shape)[dim]!;
  const outer = x.length / (size * inner);
  const out = allocate(dtype, x.length);
  const src = new Float64Array(size);
  const dst = new Float64Array(size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * size * inner + i;
      for (let k = 0; k < size; k++) src[k] = x[base + k * inner]!;
      rowFn(src, dst);
      for (let k = 0; k < size; k++) out[base + k * inner] = dst[k]!;
    }
  }
  return out;
}

function logSumExp(row: Float64Array): number {
  let m = -Infinity;
  for (let k = 0; k < row.length; k++) if (row[k]! > m) m = row[k]!;
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let k = 0; k < row.length; k++) s += Math.exp(row[k]! - m);
  return m + Math.log(s);
}

const FLOAT = ([d]: readonly DType[]): DType => (d === 'int32' ? 'float32' : d!);

/** softmax along `dim` (stable: shifted by the row maximum). VJP: y ⊙ (g − Σ g⊙y). */
export const softmaxOp = defineOp<{ dim: number }>({
  name: 'softmax',
  arity: 1,
  doc: 'Softmax along a dimension',
  inferShape: ([s]) => s!,
  inferDType: FLOAT,
  forward: ([x], { dim }, _s, dtype) =>
    alongDim(x!.data, x!.shape, dim, dtype, (src, dst) => {
      const lse = logSumExp(src);
      for (let k = 0; k < src.length; k++) dst[k] = Math.exp(src[k]! - lse);
    }),
  toOnnx: (ctx) => ctx.node('Softmax', [ctx.input(0, ctx.outDType)], { axis: onnxAttr.int(ctx.attrs.dim) }),
  vjp: ({ gradOutput: g, output: y, attrs: { dim } }) => [mul(y, sub(g, sum(mul(g, y), [dim], true)))],
  samples: [
    { label: 'rows', shapes: [[3, 4]], attrs: { dim: 1 } },
    { label: 'columns', shapes: [[3, 4]], attrs: { dim: 0 } },
    { label: 'middle of 3-D', shapes: [[2, 3, 4]], attrs: { dim: 1 } },
  ],
});

/** log-softmax along `dim`: x − logΣeˣ (stable). VJP: g − softmax(x)·Σg. */
export const logSoftmaxOp = defineOp<{ dim: number }>({
  name: 'logSoftmax',
  arity: 1,
  doc: 'Logarithm of the softmax along a dimension (numerically stable)',
  inferShape: ([s]) => s!,
  inferDType: FLOAT,
  forward: ([x], { dim }, _s, dtype) =>
    alongDim(x!.data, x!.shape, dim, dtype, (src, dst) => {
      const lse = logSumExp(src);
      for (let k = 0; k < src.length; k++) dst[k] = src[k]! - lse;
    }),
  toOnnx: (ctx) => ctx.node('LogSoftmax', [ctx.input(0, ctx.outDType)], { axis: onnxAttr.int(ctx.attrs.dim) }),
  vjp: ({ gradOutput: g, output: y, attrs: { dim } }) => [sub(g, mul(exp(y), sum(g, [dim], true)))],
  samples: [
    { label: 'rows', shapes: [[3, 4]], attrs: { dim: 1 } },
    { label: 'columns', shapes: [[3, 4]], attrs: { dim: 0 } },
  ],
});

export const softmaxOps = [softmaxOp, logSoftmaxOp] as const;
