import type { Tensor } from '../../core/tensor';
import * as F from '../../ops/functional';
import { defineNode, NodeShapeError, type NodeDef } from '../node-def';
import { broadcastSym, type Dim, type SymShape } from '../symbolic';
import { boolParam, floatParam, inShape, stateless, tensorIn, tensorOut, shapeText } from './common';

function binaryNode(type: string, label: string, description: string, f: (a: Tensor, b: Tensor) => Tensor): NodeDef {
  return defineNode({
    type,
    category: 'Operations',
    label,
    description,
    inputs: [tensorIn('a'), tensorIn('b')],
    outputs: [tensorOut()],
    params: {},
    inferShapes: ({ inputs }) => {
      const a = inShape(inputs, 'a');
      const b = inShape(inputs, 'b');
      const out = broadcastSym(a, b);
      if (!out) throw new NodeShapeError(`inputs of shape ${shapeText(a)} and ${shapeText(b)} cannot be broadcast together`, 'b');
      return { out };
    },
    build: () => stateless(({ a, b }) => ({ out: f(a!, b!) })),
  });
}

/** The lecture's add gate: passes the upstream gradient through to both inputs. */
export const AddNode = binaryNode('Add', 'Add', 'a + b (the add gate: the gradient passes through to both inputs)', F.add);
/** The multiply gate: each input's gradient is the upstream gradient times the other input. */
export const MultiplyNode = binaryNode('Multiply', 'Multiply', 'a · b elementwise (the multiply gate: the gradients swap inputs)', F.mul);
/** The max gate: routes the gradient to the larger input. */
export const MaxNode = binaryNode('Max', 'Max', 'max(a, b) elementwise (the max gate: the gradient routes to the larger input)', F.maximum);

export const MatMulNode = defineNode({
  type: 'MatMul',
  category: 'Operations',
  label: 'MatMul',
  description: 'Matrix product a·b',
  inputs: [tensorIn('a'), tensorIn('b')],
  outputs: [tensorOut()],
  params: {},
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
});

export const PowerNode = defineNode({
  type: 'Power',
  category: 'Operations',
  label: 'Power',
  description: 'xᵖ for a fixed exponent p',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: { exponent: floatParam('Exponent', 'The power p', 2) },
  keyParams: ['exponent'],
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: ({ params }) => stateless(({ in: x }) => ({ out: F.pow(x!, params['exponent'] as number) })),
});

export const ExpNode = defineNode({
  type: 'Exp', category: 'Operations', label: 'Exp', description: 'eˣ elementwise',
  inputs: [tensorIn()], outputs: [tensorOut()], params: {},
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: () => stateless(({ in: x }) => ({ out: F.exp(x!) })),
});

export const LogNode = defineNode({
  type: 'Log', category: 'Operations', label: 'Log', description: 'Natural logarithm elementwise',
  inputs: [tensorIn()], outputs: [tensorOut()], params: {},
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: () => stateless(({ in: x }) => ({ out: F.log(x!) })),
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

function reductionNode(type: string, description: string, f: (x: Tensor, dims: number[] | undefined, keep: boolean) => Tensor): NodeDef {
  return defineNode({
    type,
    category: 'Operations',
    label: type,
    description,
    inputs: [tensorIn()],
    outputs: [tensorOut()],
    params: {
      dims: { kind: 'dims', label: 'Dims', description: 'Dimensions to reduce (empty: all, giving a scalar)', default: null },
      keepDim: boolParam('Keep dims', 'Keep reduced dimensions with size 1', false),
    },
    keyParams: ['dims'],
    inferShapes: ({ inputs, params }) => ({ out: reductionShape(inShape(inputs), reduceDims(params['dims']), params['keepDim'] as boolean) }),
    build: ({ params }) => {
      const dims = reduceDims(params['dims']);
      return stateless(({ in: x }) => ({ out: f(x!, dims ?? undefined, params['keepDim'] as boolean) }));
    },
  });
}

export const SumNode = reductionNode('Sum', 'Sum over dimensions (all by default)', F.sum);
export const MeanNode = reductionNode('Mean', 'Mean over dimensions (all by default)', F.mean);
