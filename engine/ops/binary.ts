import type { DType } from '../core/dtype';
import { promoteTypes } from '../core/dtype';
import { broadcastShapes } from '../core/shape';
import type { Tensor } from '../core/tensor';
import { apply, defineOp, type ElementFn, type OnnxLowering, type OpDef, type OpSample } from './define-op';
import { mapBinary } from './kernels/elementwise';
import { binaryKernel } from './kernels/specialize';
import { div, eq, gt, lt, mul, neg, reduceTo, scalarLike, sub } from './functional';

type Fn2 = (x: number, y: number) => number;

const broadcastSamples: OpSample<Record<string, never>>[] = [
  { label: 'same shape', shapes: [[2, 3], [2, 3]], attrs: {} },
  { label: 'row broadcast', shapes: [[3, 4], [4]], attrs: {} },
  { label: 'both broadcast', shapes: [[2, 1, 3], [4, 1]], attrs: {} },
  { label: 'scalar', shapes: [[3], []], attrs: {} },
];

type Lower = (ctx: OnnxLowering<Record<string, never>>) => string;

/** ONNX's arithmetic ops broadcast as numpy does, like ours; both inputs take the output's dtype. */
const arithmetic = (opType: string): Lower => (ctx) => ctx.node(opType, [ctx.input(0, ctx.outDType), ctx.input(1, ctx.outDType)]);

/** Comparisons: compare in the promoted dtype, then turn the boolean into 1/0 of the output's dtype. */
const comparison = (opType: string): Lower => (ctx) => {
  const t = promoteTypes(...ctx.inputDTypes);
  return ctx.cast(ctx.node(opType, [ctx.input(0, t), ctx.input(1, t)]), 'bool', ctx.outDType);
};

/** The element functions of the arithmetic ops as source, for fused loops (exactly `f`). */
const EXPR: Readonly<Record<string, string>> = { add: 'x + y', sub: 'x - y', mul: 'x * y', div: 'x / y' };

function binaryOp(
  name: string,
  doc: string,
  f: Fn2,
  vjp: OpDef<Record<string, never>>['vjp'],
  toOnnx: Lower,
  samples: readonly OpSample<Record<string, never>>[] = broadcastSamples,
  inferDType?: (dtypes: readonly DType[]) => DType,
): OpDef<Record<string, never>> {
  return defineOp<Record<string, never>>({
    name,
    arity: 2,
    doc,
    inferShape: ([a, b]) => broadcastShapes(a!, b!, name),
    ...(inferDType ? { inferDType } : {}),
    forward: ([a, b], _attrs, outShape, dtype) => mapBinary(a!.data, a!.shape, b!.data, b!.shape, outShape, dtype, f),
    specialize: (call) => binaryKernel(name, f, call, EXPR[name]),
    elementwise: f as ElementFn,
    ...(EXPR[name] ? { elementExpr: EXPR[name] } : {}),
    toOnnx,
    ...(vjp ? { vjp, samples } : {}),
  });
}

/** a + b. d(a+b) = da + db: the upstream gradient passes through to both inputs. */
export const addOp = binaryOp(
  'add',
  'Elementwise sum with broadcasting',
  (x, y) => x + y,
  ({ inputs: [a, b], gradOutput: g }) => [reduceTo(g, a!.shape), reduceTo(g, b!.shape)],
  arithmetic('Add'),
);

/** a − b. d(a−b) = da − db. */
export const subOp = binaryOp(
  'sub',
  'Elementwise difference with broadcasting',
  (x, y) => x - y,
  ({ inputs: [a, b], gradOutput: g, needsGrad }) => [
    reduceTo(g, a!.shape),
    needsGrad[1] ? reduceTo(neg(g), b!.shape) : null,
  ],
  arithmetic('Sub'),
);

/** a · b. d(ab) = b·da + a·db: each input's gradient is the upstream gradient times the other input. */
export const mulOp = binaryOp(
  'mul',
  'Elementwise product with broadcasting',
  (x, y) => x * y,
  ({ inputs: [a, b], gradOutput: g, needsGrad }) => [
    needsGrad[0] ? reduceTo(mul(g, b!), a!.shape) : null,
    needsGrad[1] ? reduceTo(mul(g, a!), b!.shape) : null,
  ],
  arithmetic('Mul'),
);

/** a / b. d(a/b) = da/b − a·db/b². */
export const divOp = binaryOp(
  'div',
  'Elementwise quotient with broadcasting',
  (x, y) => x / y,
  ({ inputs: [a, b], gradOutput: g, needsGrad }) => [
    needsGrad[0] ? reduceTo(div(g, b!), a!.shape) : null,
    needsGrad[1] ? reduceTo(neg(div(mul(g, a!), mul(b!, b!))), b!.shape) : null,
  ],
  arithmetic('Div'),
  [
    { label: 'same shape', shapes: [[2, 3], [2, 3]], attrs: {}, awayFromZero: 0.5 },
    { label: 'row broadcast', shapes: [[3, 4], [4]], attrs: {}, awayFromZero: 0.5 },
  ],
);

/**
 * Elementwise maximum — the lecture's max gate: the upstream gradient is routed to the larger
 * input (split evenly on ties, as PyTorch does). A NaN on either side gives NaN (`torch.maximum`),
 * and there, as in PyTorch's backward (the gradient masked only where the input is the
 * smaller), both inputs get the upstream gradient.
 */
export const maximumOp = binaryOp(
  'maximum',
  'Elementwise maximum of two tensors; the gradient routes to the larger input',
  (x, y) => (x >= y || x !== x ? x : y),
  ({ inputs: [a, b], gradOutput: g, needsGrad }) => {
    const tie = mul(eq(a!, b!), 0.5);
    return [
      needsGrad[0] ? reduceTo(mul(g, sub(sub(1, lt(a!, b!)), tie)), a!.shape) : null,
      needsGrad[1] ? reduceTo(mul(g, sub(sub(1, gt(a!, b!)), tie)), b!.shape) : null,
    ];
  },
  arithmetic('Max'),
  [
    { label: 'same shape', shapes: [[2, 3], [2, 3]], attrs: {}, secondOrder: true },
    { label: 'row broadcast', shapes: [[3, 4], [4]], attrs: {} },
  ],
);

const floatResult = (dtypes: readonly DType[]): DType => {
  const t = promoteTypes(...dtypes);
  return t === 'int32' ? 'float32' : t;
};

/** Comparisons return 1 where true and 0 where false. Not differentiable: they never join the tape. */
export const gtOp = binaryOp('gt', 'a > b as 1/0', (x, y) => (x > y ? 1 : 0), undefined, comparison('Greater'), [], floatResult);
export const ltOp = binaryOp('lt', 'a < b as 1/0', (x, y) => (x < y ? 1 : 0), undefined, comparison('Less'), [], floatResult);
export const geOp = binaryOp('ge', 'a ≥ b as 1/0', (x, y) => (x >= y ? 1 : 0), undefined, comparison('GreaterOrEqual'), [], floatResult);
export const leOp = binaryOp('le', 'a ≤ b as 1/0', (x, y) => (x <= y ? 1 : 0), undefined, comparison('LessOrEqual'), [], floatResult);
export const eqOp = binaryOp('eq', 'a = b as 1/0', (x, y) => (x === y ? 1 : 0), undefined, comparison('Equal'), [], floatResult);

export const binaryOps = [addOp, subOp, mulOp, divOp, maximumOp, gtOp, ltOp, geOp, leOp, eqOp] as const;

/** Apply a binary op to tensors or numbers (a number takes the other operand's dtype, like PyTorch's wrapped scalars). */
export function applyBinary(op: OpDef<Record<string, never>>, a: Tensor | number, b: Tensor | number): Tensor {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new TypeError(`${op.name}: at least one argument must be a Tensor`);
  }
  const ta = typeof a === 'number' ? scalarLike(a, b as Tensor) : a;
  const tb = typeof b === 'number' ? scalarLike(b, ta) : b;
  return apply(op, [ta, tb], {});
}
