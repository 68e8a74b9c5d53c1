import type { DType } from '../core/dtype';
import { reducedShape, sizeOf } from '../core/shape';
import type { Shape } from '../core/shape';
import type { Tensor } from '../core/tensor';
import { defineOp, onnxAttr, type OnnxLowering } from './define-op';
import { argmaxAlong, reduce } from './kernels/reduce';
import { sumKernel } from './kernels/specialize';
import { div, eq, expand, mul, reshape, sum } from './functional';

/** Reduction attributes: the (normalised, sorted) dims reduced over, and whether they stay as size 1. */
export type ReduceAttrs = { dims: readonly number[]; keepDim: boolean };

const reduceSamples = [
  { label: 'all', shapes: [[3, 4]], attrs: { dims: [0, 1], keepDim: false } },
  { label: 'rows', shapes: [[3, 4]], attrs: { dims: [1], keepDim: false } },
  { label: 'cols keepDim', shapes: [[3, 4]], attrs: { dims: [0], keepDim: true } },
  { label: 'middle of 3-D', shapes: [[2, 3, 4]], attrs: { dims: [1], keepDim: false } },
  { label: 'outer two of 3-D', shapes: [[2, 3, 4]], attrs: { dims: [0, 2], keepDim: true } },
] as const;

/** The upstream gradient of a reduction, with size-1 dims put back so it broadcasts over the input. */
function keepDimGrad(g: Tensor, inputShape: Shape, { dims, keepDim }: ReduceAttrs): Tensor {
  return keepDim ? g : reshape(g, reducedShape(inputShape, dims, true));
}

/** Σ over dims. NOTE: the VJP of a sum is a broadcast — every input element gets the upstream gradient. */
export const sumOp = defineOp<ReduceAttrs>({
  name: 'sum',
  arity: 1,
  doc: 'Sum over the given dimensions',
  inferShape: ([s], { dims, keepDim }) => reducedShape(s!, dims, keepDim),
  forward: ([x], { dims }, _s, dtype) => reduce(x!.data, x!.shape, dims, dtype, 0, (a, v) => a + v),
  specialize: (call) => sumKernel(call, null),
  // NOTE: from opset 13 ReduceSum takes its axes as an input (ReduceMean/ReduceMax still as an attribute at 17).
  toOnnx: (ctx) =>
    ctx.attrs.dims.length === 0
      ? ctx.node('Identity', [ctx.inputs[0]!])
      : ctx.node('ReduceSum', [ctx.input(0, ctx.outDType), ctx.int64s(ctx.attrs.dims)], { keepdims: onnxAttr.int(ctx.attrs.keepDim) }),
  vjp: ({ gradOutput: g, inputs: [x], attrs }) => [expand(keepDimGrad(g, x!.shape, attrs), x!.shape)],
  samples: reduceSamples,
});

/** Mean over dims: the sum's VJP divided by the count. */
export const meanOp = defineOp<ReduceAttrs>({
  name: 'mean',
  arity: 1,
  doc: 'Mean over the given dimensions',
  inferShape: ([s], { dims, keepDim }) => reducedShape(s!, dims, keepDim),
  inferDType: ([d]) => (d === 'int32' ? 'float32' : d!),
  forward: ([x], { dims }, _s, dtype) => {
    const out = reduce(x!.data, x!.shape, dims, dtype, 0, (a, v) => a + v);
    const count = countOf(x!.shape, dims);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! / count;
    return out;
  },
  specialize: (call) => sumKernel(call, countOf(call.inputShapes[0]!, call.attrs.dims)),
  toOnnx: (ctx) => attrReduce(ctx, 'ReduceMean'),
  vjp: ({ gradOutput: g, inputs: [x], attrs }) => [
    div(expand(keepDimGrad(g, x!.shape, attrs), x!.shape), countOf(x!.shape, attrs.dims)),
  ],
  samples: reduceSamples,
});

/**
 * Maximum over dims. The VJP routes the upstream gradient to the position(s) holding the
 * maximum — the lecture's max gate — split evenly between ties.
 */
export const maxOp = defineOp<ReduceAttrs>({
  name: 'max',
  arity: 1,
  doc: 'Maximum over the given dimensions; the gradient routes to the largest element',
  inferShape: ([s], { dims, keepDim }) => reducedShape(s!, dims, keepDim),
  forward: ([x], { dims }, _s, dtype) => reduce(x!.data, x!.shape, dims, dtype, -Infinity, (a, v) => (v > a || Number.isNaN(v) ? v : a)),
  toOnnx: (ctx) => attrReduce(ctx, 'ReduceMax'),
  vjp: ({ gradOutput: g, inputs: [x], output: y, attrs }) => {
    const mask = eq(x!, keepDimGrad(y, x!.shape, attrs));
    const count = sum(mask, attrs.dims, true);
    return [mul(expand(keepDimGrad(g, x!.shape, attrs), x!.shape), div(mask, count))];
  },
  samples: reduceSamples.map((s) => ({ ...s, secondOrder: true })),
});

/** Index of the maximum along one dim (int32). Not differentiable. */
export const argmaxOp = defineOp<{ dim: number; keepDim: boolean }>({
  name: 'argmax',
  arity: 1,
  doc: 'Index of the largest element along a dimension',
  inferShape: ([s], { dim, keepDim }) => reducedShape(s!, [dim], keepDim),
  inferDType: (): DType => 'int32',
  forward: ([x], { dim }) => argmaxAlong(x!.data, x!.shape, dim),
  // ArgMax gives int64 (the first maximum, as the kernel); ours are int32.
  toOnnx: (ctx) =>
    ctx.node('Cast', [ctx.node('ArgMax', [ctx.inputs[0]!], { axis: onnxAttr.int(ctx.attrs.dim), keepdims: onnxAttr.int(ctx.attrs.keepDim), select_last_index: onnxAttr.int(0) })], { to: onnxAttr.int(6) }),
});

export const reduceOps = [sumOp, meanOp, maxOp, argmaxOp] as const;

/** ReduceMean / ReduceMax: axes as an attribute at opset 17. */
function attrReduce(ctx: OnnxLowering<ReduceAttrs>, opType: string): string {
  const x = ctx.input(0, ctx.outDType);
  if (ctx.attrs.dims.length === 0) return ctx.node('Identity', [x]);
  return ctx.node(opType, [x], { axes: onnxAttr.ints(ctx.attrs.dims), keepdims: onnxAttr.int(ctx.attrs.keepDim) });
}

function countOf(shape: Shape, dims: readonly number[]): number {
  return sizeOf(dims.map((d) => shape[d]!));
}
