import type { Tensor } from '../../core/tensor';
import { onnxAttr } from '../../ops/define-op';
import * as F from '../../ops/functional';
import { defineNode, NodeShapeError, type LocalGradientContext, type LocalGradientTerm, type NodeDef, type OnnxNodeContext } from '../node-def';
import type { NodeSpec } from '../node-spec';
import { broadcastSym, type Dim, type SymShape } from '../symbolic';
import { inShape, localTerm, stateless, shapeText } from './common';
import { ADD, EXP, LOG, MATMUL, MAX, MEAN, MULTIPLY, POWER, SUM } from './primitives.spec';

function binaryNode(
  spec: NodeSpec,
  f: (a: Tensor, b: Tensor) => Tensor,
  onnxOp: string,
  localGradient: (ctx: LocalGradientContext) => LocalGradientTerm[],
  python: (a: string, b: string) => string,
): NodeDef {
  return defineNode({
    ...spec,
    inferShapes: ({ inputs }) => {
      const a = inShape(inputs, 'a');
      const b = inShape(inputs, 'b');
      const out = broadcastSym(a, b);
      if (!out) throw new NodeShapeError(`inputs of shape ${shapeText(a)} and ${shapeText(b)} cannot be broadcast together`, 'b');
      return { out };
    },
    build: () => stateless(({ a, b }) => ({ out: f(a!, b!) })),
    toOnnx: (ctx) => ctx.single(onnxOp, [ctx.inputs['a']!, ctx.inputs['b']!]),
    localGradient,
    toPyTorch: ({ inputs }) => ({ kind: 'expression', expression: python(inputs['a']!, inputs['b']!) }),
  });
}

/** The lecture's add gate: passes the upstream gradient through to both inputs. */
export const AddNode = binaryNode(ADD, F.add, 'Add', ({ input }) => [
  localTerm('a', 'pass-through (1)', F.onesLike(input('a')!), 'elementwise'),
  localTerm('b', 'pass-through (1)', F.onesLike(input('b')!), 'elementwise'),
], (a, b) => `${a} + ${b}`);
/** The multiply gate: each input's gradient is the upstream gradient times the other input. */
export const MultiplyNode = binaryNode(MULTIPLY, F.mul, 'Mul', ({ input }) => [
  localTerm('a', 'the other input, {b}', input('b')!, 'elementwise'),
  localTerm('b', 'the other input, {a}', input('a')!, 'elementwise'),
], (a, b) => `${a} * ${b}`);
/** The max gate: routes the gradient to the larger input — the mask is the maximum op's own VJP. */
export const MaxNode = binaryNode(MAX, F.maximum, 'Max', ({ byVjp }) => {
  const masks = byVjp();
  return [localTerm('a', 'routing mask 1[{a} > {b}]', masks['a']!, 'elementwise'), localTerm('b', 'routing mask 1[{b} > {a}]', masks['b']!, 'elementwise')];
}, (a, b) => `torch.maximum(${a}, ${b})`);

export const MatMulNode = defineNode({
  ...MATMUL,
  inferShapes: ({ inputs }) => {
    const a = inShape(inputs, 'a');
    const b = inShape(inputs, 'b');
    if (a.length < 1 || b.length < 1) throw new NodeShapeError('matmul needs tensors of at least one dimension', 'a');
    const a2: Dim[] = a.length === 1 ? [1, a[0]!] : [...a];
    const b2: Dim[] = b.length === 1 ? [b[0]!, 1] : [...b];
    const k1 = a2[a2.length - 1]!;
    const k2 = b2[b2.length - 2]!;
    if (k1 !== k2) throw new NodeShapeError(`shapes ${shapeText(a)} and ${shapeText(b)} cannot be multiplied (${k1} vs ${k2})`, 'b');
    const batch = broadcastSym(a2.slice(0, -2), b2.slice(0, -2));
    if (!batch) throw new NodeShapeError(`batch dimensions of ${shapeText(a)} and ${shapeText(b)} do not broadcast`, 'b');
    const out: Dim[] = [...batch];
    if (a.length > 1) out.push(a2[a2.length - 2]!);
    if (b.length > 1) out.push(b2[b2.length - 1]!);
    return { out };
  },
  build: () => stateless(({ a, b }) => ({ out: F.matmul(a!, b!) })),
  toOnnx: (ctx) => ctx.single('MatMul', [ctx.inputs['a']!, ctx.inputs['b']!]),
  localGradient: ({ input }) => [
    localTerm('a', '{b}ᵀ: ∂L/∂{a} = ∂L/∂out · {b}ᵀ', input('b')!, 'matrix'),
    localTerm('b', '{a}ᵀ: ∂L/∂{b} = {a}ᵀ · ∂L/∂out', input('a')!, 'matrix'),
  ],
  toPyTorch: ({ inputs }) => ({ kind: 'expression', expression: `${inputs['a']!} @ ${inputs['b']!}` }),
});

/** The elementwise derivative of a one-input node, by its own VJP. */
const elementwise = (description: string) => (ctx: LocalGradientContext): LocalGradientTerm[] => [localTerm('in', description, ctx.byVjp()['in']!, 'elementwise')];

export const PowerNode = defineNode({
  ...POWER,
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: ({ params }) => stateless(({ in: x }) => ({ out: F.pow(x!, params['exponent'] as number) })),
  toOnnx: (ctx) => ctx.single('Pow', [ctx.inputs['in']!, ctx.constant('float32', [], [ctx.params['exponent'] as number], `${ctx.node.id}.exponent`)]),
  localGradient: (ctx) => elementwise(`${ctx.params['exponent']}·x^${Number(ctx.params['exponent']) - 1}`)(ctx),
  toPyTorch: ({ inputs, params, num }) => {
    const p = params['exponent'] as number;
    return { kind: 'expression', expression: `${inputs['in']!} ** ${Number.isInteger(p) && p >= 0 ? String(p) : num(p)}` };
  },
});

export const ExpNode = defineNode({
  ...EXP,
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: () => stateless(({ in: x }) => ({ out: F.exp(x!) })),
  toOnnx: (ctx) => ctx.single('Exp', [ctx.inputs['in']!]),
  localGradient: elementwise('eˣ'),
  toPyTorch: ({ inputs }) => ({ kind: 'expression', expression: `torch.exp(${inputs['in']!})` }),
});

export const LogNode = defineNode({
  ...LOG,
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: () => stateless(({ in: x }) => ({ out: F.log(x!) })),
  toOnnx: (ctx) => ctx.single('Log', [ctx.inputs['in']!]),
  localGradient: elementwise('1/x'),
  toPyTorch: ({ inputs }) => ({ kind: 'expression', expression: `torch.log(${inputs['in']!})` }),
});

/** The dims to reduce: null (or an empty list, as the param's description promises) means all. */
function reduceDims(value: unknown): number[] | null {
  const dims = value as number[] | null;
  return dims === null || dims.length === 0 ? null : dims;
}

function reductionShape(s: SymShape, dims: readonly number[] | null, keepDim: boolean): SymShape {
  if (dims === null) return keepDim ? s.map(() => 1) : [];
  const norm = dims.map((d) => {
    const k = d < 0 ? d + s.length : d;
    if (k < 0 || k >= s.length) throw new NodeShapeError(`dimension ${d} is out of range for an input of shape ${shapeText(s)}`, 'in');
    return k;
  });
  const out: Dim[] = [];
  s.forEach((d, i) => {
    if (norm.includes(i)) {
      if (keepDim) out.push(1);
    } else out.push(d);
  });
  return out;
}

function reductionNode(
  spec: NodeSpec,
  f: (x: Tensor, dims: number[] | undefined, keep: boolean) => Tensor,
  toOnnx: (ctx: OnnxNodeContext, x: string, dims: readonly number[] | null, keepDims: boolean) => string,
  localGradient: (ctx: LocalGradientContext) => LocalGradientTerm[],
  method: 'sum' | 'mean',
): NodeDef {
  return defineNode({
    ...spec,
    inferShapes: ({ inputs, params }) => ({ out: reductionShape(inShape(inputs), reduceDims(params['dims']), params['keepDim'] as boolean) }),
    build: ({ params }) => {
      const dims = reduceDims(params['dims']);
      return stateless(({ in: x }) => ({ out: f(x!, dims ?? undefined, params['keepDim'] as boolean) }));
    },
    toOnnx: (ctx) => {
      const x = ctx.inputs['in']!;
      const dims = ctx.params['dims'] as number[] | null;
      if (dims !== null && dims.length === 0) return ctx.single('Identity', [x]); // nothing to reduce (as the engine does)
      return toOnnx(ctx, x, dims, ctx.params['keepDim'] as boolean);
    },
    localGradient,
    toPyTorch: ({ inputs, params }) => {
      const x = inputs['in']!;
      const dims = reduceDims(params['dims']);
      const keep = params['keepDim'] as boolean;
      if (dims === null) return { kind: 'expression', expression: keep ? `${x}.${method}(dim=list(range(${x}.dim())), keepdim=True)` : `${x}.${method}()` };
      const dim = dims.length === 1 ? String(dims[0]) : `(${dims.join(', ')})`;
      return { kind: 'expression', expression: `${x}.${method}(dim=${dim}${keep ? ', keepdim=True' : ''})` };
    },
  });
}

export const SumNode = reductionNode(
  SUM,
  F.sum,
  (ctx, x, dims, keep) =>
    ctx.single('ReduceSum', dims === null ? [x] : [x, ctx.constant('int64', [dims.length], dims, `${ctx.node.id}.axes`)], { keepdims: onnxAttr.int(keep ? 1 : 0) }),
  ({ input }) => [localTerm('in', '1 (a sum passes the gradient to every element)', F.onesLike(input('in')!), 'reduction')],
  'sum',
);
export const MeanNode = reductionNode(
  MEAN,
  F.mean,
  (ctx, x, dims, keep) =>
    ctx.single('ReduceMean', [x], dims === null ? { keepdims: onnxAttr.int(keep ? 1 : 0) } : { axes: onnxAttr.ints(dims), keepdims: onnxAttr.int(keep ? 1 : 0) }),
  ({ input, output }) => {
    const x = input('in')!;
    return [localTerm('in', '1/n (a mean shares the gradient equally)', F.div(F.onesLike(x), x.size / output('out')!.size), 'reduction')];
  },
  'mean',
);
