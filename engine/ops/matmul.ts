import { allocate } from '../core/dtype';
import { ShapeError } from '../core/errors';
import { broadcastShapes, formatShape, sizeOf } from '../core/shape';
import type { Shape } from '../core/shape';
import { defineOp, onnxAttr, type OnnxLowering } from './define-op';
import { broadcastStrides } from './kernels/elementwise';
import { gemm } from './kernels/matmul';
import { matmulT, reduceTo } from './functional';

export type MatmulAttrs = { transA: boolean; transB: boolean };

function dims(s: Shape, trans: boolean): [number, number] {
  const r = s[s.length - 2]!;
  const c = s[s.length - 1]!;
  return trans ? [c, r] : [r, c];
}

/**
 * Matrix product op(A)·op(B) over the last two dims, batch dims broadcast (op transposes when
 * transA/transB is set, like ONNX Gemm — the backward pass uses it to avoid copies).
 * VJP of C = A·B: ∂L/∂A = ∂L/∂C · Bᵀ and ∂L/∂B = Aᵀ · ∂L/∂C (the operands that multiply).
 */
export const matmulOp = defineOp<MatmulAttrs>({
  name: 'matmul',
  gradFnName: 'MmBackward0',
  arity: 2,
  doc: 'Matrix product (batched, with broadcasting batch dimensions)',
  inferShape: ([a, b], { transA, transB }) => {
    if (a!.length < 2 || b!.length < 2) {
      throw new ShapeError(`matmul: both operands need at least 2 dimensions, got ${formatShape(a!)} and ${formatShape(b!)}`);
    }
    const [m, k1] = dims(a!, transA);
    const [k2, n] = dims(b!, transB);
    if (k1 !== k2) {
      throw new ShapeError(
        `matmul: shapes ${formatShape(a!)} and ${formatShape(b!)} cannot be multiplied (${m}×${k1} and ${k2}×${n})`,
      );
    }
    const batch = broadcastShapes(a!.slice(0, -2), b!.slice(0, -2), 'matmul');
    return [...batch, m, n];
  },
  forward: ([a, b], { transA, transB }, outShape, dtype) => {
    const [M, K] = dims(a!.shape, transA);
    const N = dims(b!.shape, transB)[1];
    const out = allocate(dtype, sizeOf(outShape));
    const batchShape = outShape.slice(0, -2);
    const batches = sizeOf(batchShape);
    if (batches === 1) {
      gemm(a!.data, 0, b!.data, 0, out, 0, M, N, K, transA, transB);
      return out;
    }
    const sa = broadcastStrides(a!.shape.slice(0, -2), batchShape);
    const sb = broadcastStrides(b!.shape.slice(0, -2), batchShape);
    const index = new Array<number>(batchShape.length).fill(0);
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < batches; i++) {
      gemm(a!.data, ia * M * K, b!.data, ib * K * N, out, i * M * N, M, N, K, transA, transB);
      for (let d = batchShape.length - 1; d >= 0; d--) {
        index[d]!++;
        ia += sa[d]!;
        ib += sb[d]!;
        if (index[d]! < batchShape[d]!) break;
        ia -= sa[d]! * batchShape[d]!;
        ib -= sb[d]! * batchShape[d]!;
        index[d] = 0;
      }
    }
    return out;
  },
  specialize: ({ inputShapes: [a, b], attrs: { transA, transB }, outShape }) => {
    if (sizeOf(outShape.slice(0, -2)) !== 1) return null;
    const [M, K] = dims(a!, transA);
    const N = dims(b!, transB)[1];
    return ([x, y], o) => gemm(x!, 0, y!, 0, o, 0, M, N, K, transA, transB);
  },
  toOnnx: lowerMatmul,
  vjp: ({ gradOutput: g, inputs: [a, b], attrs: { transA, transB }, needsGrad }) => {
    // C = op(A)·op(B). Each case writes ∂L/∂A and ∂L/∂B as products with the stored layouts.
    let ga = null;
    let gb = null;
    if (!transA && !transB) {
      if (needsGrad[0]) ga = matmulT(g, b!, false, true); // g·Bᵀ
      if (needsGrad[1]) gb = matmulT(a!, g, true, false); // Aᵀ·g
    } else if (transA && !transB) {
      if (needsGrad[0]) ga = matmulT(b!, g, false, true); // (g·Bᵀ)ᵀ = B·gᵀ
      if (needsGrad[1]) gb = matmulT(a!, g, false, false); // A·g
    } else if (!transA && transB) {
      if (needsGrad[0]) ga = matmulT(g, b!, false, false); // g·B
      if (needsGrad[1]) gb = matmulT(g, a!, true, false); // gᵀ·A
    } else {
      if (needsGrad[0]) ga = matmulT(b!, g, true, true); // Bᵀ·gᵀ
      if (needsGrad[1]) gb = matmulT(g, a!, true, true); // gᵀ·Aᵀ
    }
    return [ga && reduceTo(ga, a!.shape), gb && reduceTo(gb, b!.shape)];
  },
  samples: [
    { label: '2-D', shapes: [[3, 4], [4, 5]], attrs: { transA: false, transB: false } },
    { label: 'transA', shapes: [[4, 3], [4, 5]], attrs: { transA: true, transB: false } },
    { label: 'transB', shapes: [[3, 4], [5, 4]], attrs: { transA: false, transB: true } },
    { label: 'both', shapes: [[4, 5], [6, 4]], attrs: { transA: true, transB: true } },
    { label: 'batched', shapes: [[2, 3, 4], [2, 4, 2]], attrs: { transA: false, transB: false } },
    { label: 'broadcast batch', shapes: [[2, 3, 4], [4, 5]], attrs: { transA: false, transB: false } },
    { label: 'odd tile sizes', shapes: [[5, 7], [7, 6]], attrs: { transA: false, transB: false } },
  ],
});

/**
 * Two float matrices: Gemm with transA/transB (one node, no copies). Otherwise (batched, or
 * int32, which Gemm does not take): MatMul, after a Transpose of the last two dims where asked.
 */
function lowerMatmul(ctx: OnnxLowering<MatmulAttrs>): string {
  const t = ctx.outDType;
  const a = ctx.input(0, t);
  const b = ctx.input(1, t);
  const { transA, transB } = ctx.attrs;
  if (ctx.inputShapes[0]!.length === 2 && ctx.inputShapes[1]!.length === 2 && t !== 'int32') {
    return ctx.node('Gemm', [a, b], { transA: onnxAttr.int(transA), transB: onnxAttr.int(transB) });
  }
  const swapLast = (v: string, rank: number): string => {
    const perm = Array.from({ length: rank }, (_, i) => i);
    perm[rank - 2] = rank - 1;
    perm[rank - 1] = rank - 2;
    return ctx.node('Transpose', [v], { perm: onnxAttr.ints(perm) });
  };
  return ctx.node('MatMul', [transA ? swapLast(a, ctx.inputShapes[0]!.length) : a, transB ? swapLast(b, ctx.inputShapes[1]!.length) : b]);
}
