import { allocate } from '../core/dtype';
import { formatShape, sizeOf, stridesOf } from '../core/shape';
import { ShapeError } from '../core/errors';
import { defineOp, onnxAttr, type ElementFn } from './define-op';
import { broadcastStrides } from './kernels/elementwise';
import { copyKernel, expandKernel } from './kernels/specialize';
import { expand, permute, reduceTo, reshape } from './functional';

/** Same elements, new shape (sizes must agree). Its VJP reshapes the gradient back. */
export const reshapeOp = defineOp<{ shape: readonly number[] }>({
  name: 'reshape',
  gradFnName: 'ViewBackward0',
  arity: 1,
  doc: 'Same elements in a new shape',
  inferShape: ([s], { shape }) => {
    if (sizeOf(shape) !== sizeOf(s!)) {
      throw new ShapeError(`reshape: shape ${formatShape(shape)} is invalid for input of size ${sizeOf(s!)} (shape ${formatShape(s!)})`);
    }
    return shape;
  },
  forward: ([x]) => x!.data.slice(),
  specialize: () => copyKernel,
  elementwise: ((x: number) => x) as ElementFn,
  elementExpr: 'x',
  // allowzero: a 0 in the shape means an empty dimension, not "copy the input's".
  toOnnx: (ctx) => ctx.node('Reshape', [ctx.inputs[0]!, ctx.int64s(ctx.attrs.shape)], ctx.attrs.shape.includes(0) ? { allowzero: onnxAttr.int(1) } : {}),
  vjp: ({ gradOutput: g, inputs: [x] }) => [reshape(g, x!.shape)],
  samples: [
    { shapes: [[2, 6]], attrs: { shape: [3, 4] } },
    { shapes: [[2, 3, 4]], attrs: { shape: [6, 4] } },
  ],
});

/** Reorder dimensions (transpose is the two-dim case). Its VJP applies the inverse permutation. */
export const permuteOp = defineOp<{ perm: readonly number[] }>({
  name: 'permute',
  arity: 1,
  doc: 'Reorder the dimensions (transpose)',
  inferShape: ([s], { perm }) => {
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== s!.length || sorted.some((d, i) => d !== i)) {
      throw new ShapeError(`permute: [${perm.join(', ')}] is not a permutation of the ${s!.length} dimensions of ${formatShape(s!)}`);
    }
    return perm.map((d) => s![d]!);
  },
  forward: ([x], { perm }, outShape, dtype) => {
    const inStrides = stridesOf(x!.shape);
    const src = perm.map((d) => inStrides[d]!);
    const n = x!.data.length;
    const out = allocate(dtype, n);
    const data = x!.data;
    const rank = outShape.length;
    if (rank === 2) {
      const [r, c] = outShape as [number, number];
      const [s0, s1] = src as [number, number];
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = data[i * s0 + j * s1]!;
      return out;
    }
    const index = new Array<number>(rank).fill(0);
    let o = 0;
    for (let i = 0; i < n; i++) {
      out[i] = data[o]!;
      for (let d = rank - 1; d >= 0; d--) {
        index[d]!++;
        o += src[d]!;
        if (index[d]! < outShape[d]!) break;
        o -= src[d]! * outShape[d]!;
        index[d] = 0;
      }
    }
    return out;
  },
  toOnnx: (ctx) => ctx.node('Transpose', [ctx.inputs[0]!], { perm: onnxAttr.ints(ctx.attrs.perm) }),
  vjp: ({ gradOutput: g, attrs: { perm } }) => {
    const inverse = new Array<number>(perm.length);
    perm.forEach((d, i) => (inverse[d] = i));
    return [permute(g, inverse)];
  },
  samples: [
    { label: 'matrix', shapes: [[3, 4]], attrs: { perm: [1, 0] } },
    { label: '3-D', shapes: [[2, 3, 4]], attrs: { perm: [2, 0, 1] } },
  ],
});

/** Broadcast to a larger shape (size-1 dims repeat, new leading dims appear). Its VJP sums back. */
export const expandOp = defineOp<{ shape: readonly number[] }>({
  name: 'expand',
  arity: 1,
  doc: 'Broadcast to a larger shape',
  inferShape: ([s], { shape }) => {
    const off = shape.length - s!.length;
    const ok = off >= 0 && s!.every((d, i) => d === 1 || d === shape[off + i]);
    if (!ok) throw new ShapeError(`expand: the shape ${formatShape(s!)} cannot be expanded to ${formatShape(shape)}`);
    return shape;
  },
  forward: ([x], _a, outShape, dtype) => {
    const n = sizeOf(outShape);
    const out = allocate(dtype, n);
    const data = x!.data;
    if (data.length === 1) return out.fill(data[0]!), out;
    const rank = outShape.length;
    const src = broadcastStrides(x!.shape, outShape);
    const index = new Array<number>(rank).fill(0);
    let o = 0;
    for (let i = 0; i < n; i++) {
      out[i] = data[o]!;
      for (let d = rank - 1; d >= 0; d--) {
        index[d]!++;
        o += src[d]!;
        if (index[d]! < outShape[d]!) break;
        o -= src[d]! * outShape[d]!;
        index[d] = 0;
      }
    }
    return out;
  },
  specialize: (call) => expandKernel(call),
  elementwise: ((x: number) => x) as ElementFn,
  elementExpr: 'x',
  toOnnx: (ctx) => ctx.node('Expand', [ctx.inputs[0]!, ctx.int64s(ctx.attrs.shape)]),
  vjp: ({ gradOutput: g, inputs: [x] }) => [reduceTo(g, x!.shape)],
  samples: [
    { label: 'row to matrix', shapes: [[1, 4]], attrs: { shape: [3, 4] } },
    { label: 'new leading dims', shapes: [[3, 1]], attrs: { shape: [2, 3, 5] } },
    { label: 'scalar', shapes: [[]], attrs: { shape: [2, 2] } },
  ],
});

export const shapeOps = [reshapeOp, permuteOp, expandOp] as const;
