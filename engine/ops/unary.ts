import type { DType } from '../core/dtype';
import type { Tensor } from '../core/tensor';
import { defineOp, onnxAttr, type ElementFn, type OnnxLowering, type OpDef, type OpSample, type VjpContext } from './define-op';
import { mapUnary } from './kernels/elementwise';
import { unaryKernel } from './kernels/specialize';
import { add, div, exp, geluGrad, gt, le, mul, neg, pow, sign, sub, zerosLike } from './functional';

type NoAttrs = Record<string, never>;

/** Element functions as source, for fused loops (exactly the ops' `f`). */
const EXPR: Readonly<Record<string, string>> = {
  neg: '-x',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  sqrt: 'Math.sqrt(x)',
  relu: '(x <= 0 ? 0 : x)',
};

function unaryOp<A extends Record<string, unknown> = NoAttrs>(spec: {
  name: string;
  doc: string;
  f: (x: number, attrs: A) => number;
  vjp?: (ctx: VjpContext<A>) => readonly (Tensor | null)[];
  samples?: readonly OpSample<A>[];
  inferDType?: (dtypes: readonly DType[], attrs: A) => DType;
  toOnnx: (ctx: OnnxLowering<A>) => string;
}): OpDef<A> {
  const { f } = spec;
  return defineOp<A>({
    name: spec.name,
    arity: 1,
    doc: spec.doc,
    inferShape: ([s]) => s!,
    ...(spec.inferDType ? { inferDType: spec.inferDType } : {}),
    forward: ([x], attrs, _shape, dtype) => mapUnary(x!.data, dtype, (v) => f(v, attrs)),
    specialize: (call) => unaryKernel(spec.name, f, call.attrs, call, EXPR[spec.name]),
    elementwise: f as unknown as ElementFn,
    ...(EXPR[spec.name] ? { elementExpr: EXPR[spec.name] } : {}),
    toOnnx: spec.toOnnx,
    ...(spec.vjp ? { vjp: spec.vjp, samples: spec.samples ?? [{ shapes: [[3, 4]], attrs: {} as A }] } : {}),
  });
}

const FLOAT = (dtypes: readonly DType[]): DType => (dtypes[0] === 'int32' ? 'float32' : dtypes[0]!);

/** The ONNX op of the same meaning, applied to the input in the output's dtype. */
const same = <A extends Record<string, unknown>>(opType: string) => (ctx: OnnxLowering<A>): string => ctx.node(opType, [ctx.input(0, ctx.outDType)]);
const SQRT1_2_ = Math.SQRT1_2;
/** Φ(x) = ½(1 + erf(x/√2)) in ONNX. */
function onnxPhi<A extends Record<string, unknown>>(ctx: OnnxLowering<A>, x: string): string {
  const t = ctx.outDType;
  const erf = ctx.node('Erf', [ctx.node('Mul', [x, ctx.scalar(SQRT1_2_, t)])]);
  return ctx.node('Mul', [ctx.node('Add', [erf, ctx.scalar(1, t)]), ctx.scalar(0.5, t)]);
}

/** −x. d(−x) = −dx. */
export const negOp = unaryOp({ name: 'neg', doc: 'Negation', f: (x) => -x, vjp: ({ gradOutput: g }) => [neg(g)], toOnnx: same('Neg') });

/** eˣ. d(eˣ) = eˣ·dx — the saved output is the local gradient. */
export const expOp = unaryOp({
  name: 'exp',
  doc: 'Exponential eˣ',
  f: Math.exp,
  inferDType: FLOAT,
  toOnnx: same('Exp'),
  vjp: ({ gradOutput: g, output: y }) => [mul(g, y)],
});

/** ln x. d(ln x) = dx / x. */
export const logOp = unaryOp({
  name: 'log',
  doc: 'Natural logarithm',
  f: Math.log,
  inferDType: FLOAT,
  toOnnx: same('Log'),
  vjp: ({ gradOutput: g, inputs: [x] }) => [div(g, x!)],
  samples: [{ shapes: [[3, 4]], attrs: {}, positive: true }],
});

/** √x. d√x = dx / (2√x). */
export const sqrtOp = unaryOp({
  name: 'sqrt',
  doc: 'Square root',
  f: Math.sqrt,
  inferDType: FLOAT,
  toOnnx: same('Sqrt'),
  vjp: ({ gradOutput: g, output: y }) => [div(g, mul(y, 2))],
  samples: [{ shapes: [[3, 4]], attrs: {}, positive: true }],
});

/** |x|. d|x| = sign(x)·dx (0 at 0, as PyTorch). */
export const absOp = unaryOp({
  name: 'abs',
  doc: 'Absolute value',
  f: Math.abs,
  toOnnx: same('Abs'),
  vjp: ({ gradOutput: g, inputs: [x] }) => [mul(g, sign(x!))],
  samples: [{ shapes: [[3, 4]], attrs: {}, awayFromZero: 0.1 }],
});

/** xᵖ for a scalar exponent p. d(xᵖ) = p·xᵖ⁻¹·dx. */
export const powOp = unaryOp<{ exponent: number }>({
  name: 'pow',
  doc: 'Power with a scalar exponent',
  f: (x, { exponent }) => (exponent === 2 ? x * x : exponent === 3 ? x * x * x : Math.pow(x, exponent)),
  inferDType: FLOAT,
  // x² and x³ as products (what the kernel computes); other exponents through Pow.
  toOnnx: (ctx) => {
    const x = ctx.input(0, ctx.outDType);
    const e = ctx.attrs.exponent;
    if (e === 2) return ctx.node('Mul', [x, x]);
    if (e === 3) return ctx.node('Mul', [ctx.node('Mul', [x, x]), x]);
    return ctx.node('Pow', [x, ctx.scalar(e, ctx.outDType)]);
  },
  vjp: ({ gradOutput: g, inputs: [x], attrs: { exponent } }) =>
    exponent === 0 ? [zerosLike(x!)] : [mul(g, mul(pow(x!, exponent - 1), exponent))],
  samples: [
    { label: 'cube', shapes: [[3, 4]], attrs: { exponent: 3 } },
    { label: 'square', shapes: [[2, 3]], attrs: { exponent: 2 } },
    { label: 'fractional', shapes: [[2, 3]], attrs: { exponent: 1.5 }, positive: true },
    { label: 'negative', shapes: [[2, 3]], attrs: { exponent: -1 }, positive: true },
  ],
});

/**
 * max(x, 0), NaN staying NaN (PyTorch; `x > 0 ? x : 0` would turn a NaN input into 0 and hide
 * it). Local gradient 1[x>0] — 0 at the kink, 1 at NaN — as PyTorch's `threshold_backward`:
 * 0 where x ≤ 0, the upstream gradient elsewhere.
 */
export const reluOp = unaryOp({
  name: 'relu',
  doc: 'Rectified linear unit max(x, 0)',
  f: (x) => (x <= 0 ? 0 : x),
  toOnnx: same('Relu'),
  vjp: ({ gradOutput: g, inputs: [x] }) => [mul(g, sub(1, le(x!, 0)))],
  samples: [{ shapes: [[3, 4]], attrs: {}, awayFromZero: 0.1 }],
});

/** x for x > 0, αx otherwise. Local gradient 1 or α. */
export const leakyReluOp = unaryOp<{ negativeSlope: number }>({
  name: 'leakyRelu',
  doc: 'Leaky ReLU: x if x > 0 else negativeSlope·x',
  f: (x, { negativeSlope }) => (x > 0 ? x : negativeSlope * x),
  toOnnx: (ctx) => ctx.node('LeakyRelu', [ctx.input(0, ctx.outDType)], { alpha: onnxAttr.float(ctx.attrs.negativeSlope) }),
  vjp: ({ gradOutput: g, inputs: [x], attrs: { negativeSlope } }) => [
    mul(g, add(mul(gt(x!, 0), 1 - negativeSlope), negativeSlope)),
  ],
  samples: [{ shapes: [[3, 4]], attrs: { negativeSlope: 0.01 }, awayFromZero: 0.1 }, { shapes: [[5]], attrs: { negativeSlope: 0.2 }, awayFromZero: 0.1 }],
});

/** σ(x) = 1/(1+e⁻ˣ). Local gradient σ(x)(1−σ(x)), built from the saved output. */
export const sigmoidOp = unaryOp({
  name: 'sigmoid',
  doc: 'Logistic sigmoid 1/(1+e⁻ˣ)',
  f: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  inferDType: FLOAT,
  toOnnx: same('Sigmoid'),
  vjp: ({ gradOutput: g, output: y }) => [mul(g, mul(y, sub(1, y)))],
});

/** tanh x. Local gradient 1 − tanh²x. */
export const tanhOp = unaryOp({
  name: 'tanh',
  doc: 'Hyperbolic tangent',
  f: Math.tanh,
  inferDType: FLOAT,
  toOnnx: same('Tanh'),
  vjp: ({ gradOutput: g, output: y }) => [mul(g, sub(1, mul(y, y)))],
});

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** GELU, exact form x·Φ(x) (PyTorch's default). Local gradient Φ(x) + x·φ(x), itself an op (`geluGrad`). */
export const geluOp = unaryOp({
  name: 'gelu',
  doc: 'Gaussian error linear unit x·Φ(x)',
  f: (x) => 0.5 * x * (1 + erf(x * SQRT1_2)),
  inferDType: FLOAT,
  // x·Φ(x) with Erf (opset 17 has no Gelu; onnxruntime fuses the pattern).
  toOnnx: (ctx) => {
    const x = ctx.input(0, ctx.outDType);
    return ctx.node('Mul', [x, onnxPhi(ctx, x)]);
  },
  vjp: ({ gradOutput: g, inputs: [x] }) => [mul(g, geluGrad(x!))],
});

/** GELU's derivative Φ(x) + x·φ(x); its own derivative is φ(x)·(2 − x²). */
export const geluGradOp = unaryOp({
  name: 'geluGrad',
  doc: "Derivative of GELU, Φ(x) + x·φ(x) (GELU's local gradient)",
  f: (x) => 0.5 * (1 + erf(x * SQRT1_2)) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x),
  inferDType: FLOAT,
  // Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π)
  toOnnx: (ctx) => {
    const t = ctx.outDType;
    const x = ctx.input(0, t);
    const density = ctx.node('Mul', [ctx.node('Exp', [ctx.node('Mul', [ctx.node('Mul', [x, x]), ctx.scalar(-0.5, t)])]), ctx.scalar(INV_SQRT_2PI, t)]);
    return ctx.node('Add', [onnxPhi(ctx, x), ctx.node('Mul', [x, density])]);
  },
  vjp: ({ gradOutput: g, inputs: [x] }) => [
    mul(g, mul(mul(exp(mul(mul(x!, x!), -0.5)), INV_SQRT_2PI), sub(2, mul(x!, x!)))),
  ],
});

/**
 * Heaviside step, 1[x > 0] — the perceptron's activation. Its gradient is zero almost
 * everywhere (and undefined at 0), so nothing flows back through it: that is why the
 * perceptron learns with its own criterion, not with backprop through the step.
 */
export const stepOp = unaryOp({
  name: 'step',
  doc: 'Step function 1[x > 0]; gradient zero almost everywhere',
  f: (x) => (x > 0 ? 1 : 0),
  toOnnx: (ctx) => ctx.cast(ctx.node('Greater', [ctx.inputs[0]!, ctx.scalar(0, ctx.inputDTypes[0]!)]), 'bool', ctx.outDType),
  vjp: ({ inputs: [x] }) => [zerosLike(x!)],
  samples: [{ shapes: [[3, 4]], attrs: {}, awayFromZero: 0.1 }],
});

/** sign(x) ∈ {−1, 0, 1}. Gradient zero almost everywhere (undefined at 0), as PyTorch. */
export const signOp = unaryOp({
  name: 'sign',
  doc: 'Sign function; gradient zero almost everywhere',
  f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  toOnnx: same('Sign'),
  vjp: ({ inputs: [x] }) => [zerosLike(x!)],
  samples: [{ shapes: [[3, 4]], attrs: {}, awayFromZero: 0.1 }],
});

export const unaryOps = [
  negOp, expOp, logOp, sqrtOp, absOp, powOp, reluOp, leakyReluOp, sigmoidOp, tanhOp, geluOp, geluGradOp, stepOp, signOp,
] as const;

/**
 * The error function, to double precision: Maclaurin series for |x| < 2.5 (terms shrink fast
 * enough that cancellation costs under 3 digits) and a continued fraction for erfc beyond.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  let k = ax;
  for (let n = 80; n >= 1; n--) k = ax + n / 2 / k;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / k;
  return Math.sign(x) * (1 - erfc);
}
