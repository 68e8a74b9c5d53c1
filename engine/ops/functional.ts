/**
 * The functional API: one function per op (each applies the op's single definition) plus
 * composites built from them. `Tensor` methods delegate here.
 */
import type { DType } from '../core/dtype';
import { promoteTypes } from '../core/dtype';
import { ShapeError } from '../core/errors';
import { formatShape, normalizeDim, normalizeDims, shapesEqual, sizeOf } from '../core/shape';
import type { Shape } from '../core/shape';
import type { Tensor } from '../core/tensor';
import { scalar, zeros, ones, full } from '../core/creation';
import { defaultGenerator, type Generator } from '../core/random';
import { apply } from './define-op';
import { addOp, applyBinary, divOp, eqOp, geOp, gtOp, leOp, ltOp, maximumOp, mulOp, subOp } from './binary';
import {
  absOp, expOp, geluGradOp, geluOp, leakyReluOp, logOp, negOp, powOp, reluOp, sigmoidOp, signOp, sqrtOp, stepOp, tanhOp,
} from './unary';
import { argmaxOp, maxOp, meanOp, sumOp } from './reduce';
import { expandOp, permuteOp, reshapeOp } from './shape-ops';
import { matmulOp } from './matmul';
import { logSoftmaxOp, softmaxOp } from './softmax';
import { gatherOp, oneHotOp, scatterAddOp } from './index-ops';
import { identityOp } from './identity';
import { assign, dropoutMask } from './state';

export { assign };

export { zeros, ones, full };
export { zerosLike, onesLike, fullLike } from '../core/creation';

type T = Tensor;
type TN = Tensor | number;
type NoAttrs = Record<string, never>;
const NONE: NoAttrs = {};

/** A 0-d tensor of `value` with `like`'s floating dtype (int32 stays int32 only for integer values). */
export function scalarLike(value: number, like: Tensor): Tensor {
  const dtype: DType = like.dtype === 'int32' && !Number.isInteger(value) ? 'float32' : like.dtype;
  return scalar(value, dtype);
}

// ----- elementwise binary -----
export const add = (a: TN, b: TN): T => applyBinary(addOp, a, b);
export const sub = (a: TN, b: TN): T => applyBinary(subOp, a, b);
export const mul = (a: TN, b: TN): T => applyBinary(mulOp, a, b);
export const div = (a: TN, b: TN): T => applyBinary(divOp, a, b);
/** Elementwise maximum (the lecture's max gate). */
export const maximum = (a: TN, b: TN): T => applyBinary(maximumOp, a, b);
export const gt = (a: TN, b: TN): T => applyBinary(gtOp, a, b);
export const lt = (a: TN, b: TN): T => applyBinary(ltOp, a, b);
export const ge = (a: TN, b: TN): T => applyBinary(geOp, a, b);
export const le = (a: TN, b: TN): T => applyBinary(leOp, a, b);
export const eq = (a: TN, b: TN): T => applyBinary(eqOp, a, b);

// ----- elementwise unary -----
export const neg = (x: T): T => apply(negOp, [x], NONE);
export const exp = (x: T): T => apply(expOp, [x], NONE);
export const log = (x: T): T => apply(logOp, [x], NONE);
export const sqrt = (x: T): T => apply(sqrtOp, [x], NONE);
export const abs = (x: T): T => apply(absOp, [x], NONE);
/** xᵖ for a scalar exponent. */
export const pow = (x: T, exponent: number): T => apply(powOp, [x], { exponent });
export const relu = (x: T): T => apply(reluOp, [x], NONE);
export const leakyRelu = (x: T, negativeSlope = 0.01): T => apply(leakyReluOp, [x], { negativeSlope });
export const sigmoid = (x: T): T => apply(sigmoidOp, [x], NONE);
export const tanh = (x: T): T => apply(tanhOp, [x], NONE);
export const gelu = (x: T): T => apply(geluOp, [x], NONE);
export const geluGrad = (x: T): T => apply(geluGradOp, [x], NONE);
/** Heaviside step 1[x>0]; gradient zero almost everywhere. */
export const step = (x: T): T => apply(stepOp, [x], NONE);
/** sign(x); gradient zero almost everywhere. */
export const sign = (x: T): T => apply(signOp, [x], NONE);

/** A copy of x with its own node in the graph (its own gradient). */
export const identity = (x: T): T => apply(identityOp, [x], NONE);

// ----- shape -----
/** Reshape; one dimension may be -1 (inferred). */
export function reshape(x: T, shape: Shape): T {
  const resolved = resolveShape(shape, x.size, x.shape);
  if (shapesEqual(resolved, x.shape)) return x;
  return apply(reshapeOp, [x], { shape: resolved });
}
export function permute(x: T, perm: readonly number[]): T {
  const p = perm.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (p.every((d, i) => d === i)) return x;
  return apply(permuteOp, [x], { perm: p });
}
/** Swap two dimensions. */
export function transpose(x: T, dim0 = -2, dim1 = -1): T {
  const a = normalizeDim(dim0, x.ndim, 'transpose');
  const b = normalizeDim(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}
/** Broadcast to `shape` (−1 keeps a dimension). */
export function expand(x: T, shape: Shape): T {
  const off = shape.length - x.ndim;
  const resolved = shape.map((d, i) => (d === -1 ? x.shape[i - off]! : d));
  if (shapesEqual(resolved, x.shape)) return x;
  return apply(expandOp, [x], { shape: resolved });
}
/** Merge dims startDim..endDim into one. */
export function flatten(x: T, startDim = 0, endDim = -1): T {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten');
  const e = normalizeDim(endDim, x.ndim, 'flatten');
  const merged = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}
/** Insert a size-1 dimension. */
export function unsqueeze(x: T, dim: number): T {
  const d = dim < 0 ? dim + x.ndim + 1 : dim;
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

/**
 * Sum a broadcast gradient back down to `shape` — the adjoint of broadcasting, used by every
 * binary op's VJP.
 */
export function reduceTo(g: T, shape: Shape): T {
  if (shapesEqual(g.shape, shape)) return g;
  const off = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < off || (shape[i - off] === 1 && g.shape[i] !== 1)) dims.push(i);
  const summed = dims.length > 0 ? sum(g, dims, true) : g;
  return reshape(summed, shape);
}

function resolveShape(shape: Shape, size: number, from: Shape): number[] {
  const unknown = shape.indexOf(-1);
  if (unknown === -1) return [...shape];
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (known === 0 || size % known !== 0) {
    throw new ShapeError(`reshape: shape ${formatShape(shape)} is invalid for input of size ${size} (shape ${formatShape(from)})`);
  }
  return shape.map((d) => (d === -1 ? size / known : d));
}

// ----- reductions -----
export function sum(x: T, dims?: number | readonly number[], keepDim = false): T {
  return apply(sumOp, [x], { dims: normalizeDims(dims, x.ndim, 'sum'), keepDim });
}
export function mean(x: T, dims?: number | readonly number[], keepDim = false): T {
  return apply(meanOp, [x], { dims: normalizeDims(dims, x.ndim, 'mean'), keepDim });
}
/** Maximum over dims (all by default); the gradient routes to the maximum. */
export function max(x: T, dims?: number | readonly number[], keepDim = false): T {
  return apply(maxOp, [x], { dims: normalizeDims(dims, x.ndim, 'max'), keepDim });
}
/** Index of the maximum along `dim` (over the flattened tensor when omitted). */
export function argmax(x: T, dim?: number, keepDim = false): T {
  if (dim === undefined) return apply(argmaxOp, [reshape(x, [-1])], { dim: 0, keepDim: false });
  return apply(argmaxOp, [x], { dim: normalizeDim(dim, x.ndim, 'argmax'), keepDim });
}

// ----- matrix product -----
/** Matrix product with PyTorch's rules for 1-D operands (a vector is treated as a row or column). */
export function matmul(a: T, b: T): T {
  if (a.ndim === 1 && b.ndim === 1) return reshape(matmulT(reshape(a, [1, -1]), reshape(b, [-1, 1])), []);
  if (a.ndim === 1) {
    const r = matmulT(reshape(a, [1, -1]), b);
    return reshape(r, [...r.shape.slice(0, -2), r.shape[r.ndim - 1]!]);
  }
  if (b.ndim === 1) {
    const r = matmulT(a, reshape(b, [-1, 1]));
    return reshape(r, r.shape.slice(0, -1));
  }
  return matmulT(a, b);
}
/** op(a)·op(b) where op transposes the last two dims when asked (ONNX Gemm's transA/transB). */
export const matmulT = (a: T, b: T, transA = false, transB = false): T => apply(matmulOp, [a, b], { transA, transB });

// ----- softmax family -----
export const softmax = (x: T, dim = -1): T => apply(softmaxOp, [x], { dim: normalizeDim(dim, x.ndim, 'softmax') });
export const logSoftmax = (x: T, dim = -1): T => apply(logSoftmaxOp, [x], { dim: normalizeDim(dim, x.ndim, 'logSoftmax') });

// ----- indexing -----
/** out[i][j] = x[i][index[i][j]] along `dim` (PyTorch `torch.gather`); index is int32. */
export function gather(x: T, index: T, dim: number): T {
  return apply(gatherOp, [x, index.dtype === 'int32' ? index : index.to('int32')], { dim: normalizeDim(dim, x.ndim, 'gather') });
}
/** zeros(shape) with `src` added at `index` along `dim` — gather's adjoint. */
export function scatterAdd(src: T, index: T, dim: number, shape: Shape): T {
  return apply(scatterAddOp, [src, index], { dim, shape: [...shape] });
}
/** Integer class indices → one-hot rows. */
export function oneHot(index: T, numClasses: number): T {
  return apply(oneHotOp, [index], { numClasses });
}

// ----- composites -----
/**
 * Inverted dropout: in training, zero each element with probability p and scale the rest by
 * 1/(1−p); the identity in evaluation. The mask comes from the seeded generator; the gradient
 * flows through the same mask (it is a product with a constant).
 */
export function dropout(x: T, p = 0.5, training = true, generator: Generator = defaultGenerator): T {
  if (p < 0 || p > 1) throw new RangeError(`dropout: probability has to be between 0 and 1, but got ${p}`);
  if (!training || p === 0) return x;
  if (p === 1) return mul(x, 0);
  return mul(x, dropoutMask(x.shape, p, generator, x.dtype === 'float64' ? 'float64' : 'float32'));
}

/** Result dtype of combining tensors (float64 wins). */
export const resultType = (...ts: T[]): DType => promoteTypes(...ts.map((t) => t.dtype));
