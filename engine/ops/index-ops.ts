import { allocate } from '../core/dtype';
import type { DType, TypedArray } from '../core/dtype';
import { EngineError, ShapeError } from '../core/errors';
import { formatShape, sizeOf, stridesOf } from '../core/shape';
import type { Shape } from '../core/shape';
import { defineOp, onnxAttr } from './define-op';
import { gather, scatterAdd } from './functional';

/** Visit every element of `indexShape`, giving its flat position and the flat position in a tensor of `target` shape with `dim` replaced by the index value. */
function forEachIndexed(
  index: TypedArray,
  indexShape: Shape,
  target: Shape,
  dim: number,
  op: string,
  visit: (i: number, t: number) => void,
): void {
  const rank = indexShape.length;
  const ts = stridesOf(target);
  const pos = new Array<number>(rank).fill(0);
  let base = 0;
  for (let i = 0; i < index.length; i++) {
    const k = index[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= target[dim]!) {
      throw new EngineError(`${op}: index ${k} is out of bounds for dimension ${dim} with size ${target[dim]}`);
    }
    visit(i, base + k * ts[dim]!);
    for (let d = rank - 1; d >= 0; d--) {
      pos[d]!++;
      if (d !== dim) base += ts[d]!;
      if (pos[d]! < indexShape[d]!) break;
      if (d !== dim) base -= ts[d]! * indexShape[d]!;
      pos[d] = 0;
    }
  }
}

function checkIndexShape(op: string, x: Shape, index: Shape, dim: number): void {
  const ok = x.length === index.length && index.every((d, i) => i === dim || d <= x[i]!);
  if (!ok) throw new ShapeError(`${op}: index of shape ${formatShape(index)} does not fit a tensor of shape ${formatShape(x)} along dimension ${dim}`);
}

/** out[i][j] = x[i][index[i][j]] (for dim 1) — picks the target class's score. VJP: scatter-add back. */
export const gatherOp = defineOp<{ dim: number }>({
  name: 'gather',
  arity: 2,
  doc: 'Pick elements along a dimension by integer index',
  inferShape: ([x, index], { dim }) => {
    checkIndexShape('gather', x!, index!, dim);
    return index!;
  },
  inferDType: ([d]): DType => d!,
  forward: ([x, index], { dim }, outShape, dtype) => {
    const out = allocate(dtype, sizeOf(outShape));
    const src = x!.data;
    forEachIndexed(index!.data, index!.shape, x!.shape, dim, 'gather', (i, t) => (out[i] = src[t]!));
    return out;
  },
  toOnnx: (ctx) => ctx.node('GatherElements', [ctx.inputs[0]!, ctx.inputs[1]!], { axis: onnxAttr.int(ctx.attrs.dim) }),
  vjp: ({ gradOutput: g, inputs: [x, index], attrs: { dim } }) => [scatterAdd(g, index!, dim, x!.shape), null],
  samples: [{ shapes: [[3, 4], [3, 2]], values: [undefined, [0, 3, 2, 2, 1, 0]], intInputs: [1], attrs: { dim: 1 } }],
});

/** zeros(shape) with src added at the indexed positions — gather's adjoint. VJP: gather. */
export const scatterAddOp = defineOp<{ dim: number; shape: readonly number[] }>({
  name: 'scatterAdd',
  arity: 2,
  doc: 'Add values into a zero tensor at integer indices along a dimension',
  inferShape: ([src, index], { dim, shape }) => {
    checkIndexShape('scatterAdd', shape, index!, dim);
    if (src!.join() !== index!.join()) throw new ShapeError(`scatterAdd: src ${formatShape(src!)} and index ${formatShape(index!)} differ`);
    return shape;
  },
  inferDType: ([d]): DType => d!,
  forward: ([src, index], { dim }, outShape, dtype) => {
    const out = allocate(dtype, sizeOf(outShape));
    const s = src!.data;
    forEachIndexed(index!.data, index!.shape, outShape, dim, 'scatterAdd', (i, t) => (out[t] = out[t]! + s[i]!));
    return out;
  },
  // ScatterElements with reduction 'add' (opset 16+) into zeros: repeated indices accumulate.
  toOnnx: (ctx) =>
    ctx.node('ScatterElements', [ctx.zeros(ctx.outShape, ctx.outDType), ctx.inputs[1]!, ctx.input(0, ctx.outDType)], {
      axis: onnxAttr.int(ctx.attrs.dim),
      reduction: onnxAttr.string('add'),
    }),
  vjp: ({ gradOutput: g, inputs: [, index], attrs: { dim } }) => [gather(g, index!, dim), null],
  samples: [{ shapes: [[3, 2], [3, 2]], values: [undefined, [0, 3, 2, 2, 1, 0]], intInputs: [1], attrs: { dim: 1, shape: [3, 4] } }],
});

/** Class indices → one-hot rows (float). Not differentiable. */
export const oneHotOp = defineOp<{ numClasses: number }>({
  name: 'oneHot',
  arity: 1,
  doc: 'One-hot encoding of integer class indices',
  inferShape: ([s], { numClasses }) => [...s!, numClasses],
  inferDType: (): DType => 'float32',
  forward: ([index], { numClasses }, outShape, dtype) => {
    const out = allocate(dtype, sizeOf(outShape));
    const idx = index!.data;
    for (let i = 0; i < idx.length; i++) {
      const k = idx[i]!;
      if (!Number.isInteger(k) || k < 0 || k >= numClasses) {
        throw new EngineError(`oneHot: class index ${k} at position ${i} is out of range for ${numClasses} classes`);
      }
      out[i * numClasses + k] = 1;
    }
    return out;
  },
  // OneHot(int64 indices, depth, [off, on]) along the last axis.
  toOnnx: (ctx) =>
    ctx.node(
      'OneHot',
      [ctx.node('Cast', [ctx.inputs[0]!], { to: onnxAttr.int(7) }), ctx.int64s([ctx.attrs.numClasses]), ctx.constant(ctx.outDType, [2], [0, 1])],
      { axis: onnxAttr.int(-1) },
    ),
});

export const indexOps = [gatherOp, scatterAddOp, oneHotOp] as const;
