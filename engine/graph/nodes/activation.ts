import type { Tensor } from '../../core/tensor';
import * as F from '../../ops/functional';
import { onnxAttr } from '../../ops/define-op';
import { geluOp, stepOp } from '../../ops/unary';
import { defineNode, NodeShapeError } from '../node-def';
import { ACTIVATION, type ActivationFn } from './activation.spec';
import { inShape, localTerm, stateless } from './common';

export { ACTIVATIONS, type ActivationFn } from './activation.spec';

export function activationFunction(fn: string, negativeSlope: number): (x: Tensor) => Tensor {
  switch (fn as ActivationFn) {
    case 'relu':
      return F.relu;
    case 'leakyRelu':
      return (x) => F.leakyRelu(x, negativeSlope);
    case 'sigmoid':
      return F.sigmoid;
    case 'tanh':
      return F.tanh;
    case 'gelu':
      return F.gelu;
    case 'step':
      return F.step;
    case 'sign':
      return F.sign;
    case 'softmax':
      return (x) => F.softmax(x, -1);
    case 'identity':
      return (x) => x;
  }
}

/** Each function's local gradient in the lecture's words (softmax's is a Jacobian, shown apart). */
const LOCAL: Readonly<Record<Exclude<ActivationFn, 'softmax'>, string>> = {
  relu: '1[x > 0]', leakyRelu: '1 if x > 0 else α', sigmoid: 'σ(x)(1 − σ(x))', tanh: '1 − tanh²(x)', gelu: 'Φ(x) + x·φ(x)',
  step: '0 (almost everywhere)', sign: '0 (almost everywhere)', identity: '1',
};

/** An elementwise nonlinearity chosen by `fn` (softmax normalises the last dimension). */
export const ActivationNode = defineNode({
  ...ACTIVATION,
  inferShapes: ({ inputs, params }) => {
    const s = inShape(inputs);
    if (params['fn'] === 'softmax' && s.length === 0) throw new NodeShapeError('softmax needs at least one dimension', 'in');
    return { out: s };
  },
  build: ({ params }) => {
    const f = activationFunction(params['fn'] as string, params['negativeSlope'] as number);
    return stateless(({ in: x }) => ({ out: f(x!) }));
  },
  endsIn: (params) => String(params['fn']),
  toOnnx: (ctx) => {
    const x = ctx.inputs['in']!;
    const fn = ctx.params['fn'] as ActivationFn;
    switch (fn) {
      case 'relu':
        return ctx.single('Relu', [x]);
      case 'leakyRelu':
        return ctx.single('LeakyRelu', [x], { alpha: onnxAttr.float(ctx.params['negativeSlope'] as number) });
      case 'sigmoid':
        return ctx.single('Sigmoid', [x]);
      case 'tanh':
        return ctx.single('Tanh', [x]);
      case 'softmax':
        return ctx.single('Softmax', [x], { axis: onnxAttr.int(-1) });
      case 'identity':
        return ctx.single('Identity', [x]);
      case 'sign':
        return ctx.single('Sign', [x]);
      // The ops' own rules (what the ort backend traces): 1[x > 0] as Cast(Greater); x·Φ(x) with Erf (opset 17 has no Gelu).
      case 'step':
        return ctx.op(stepOp, [x], {});
      case 'gelu':
        return ctx.op(geluOp, [x], {});
    }
  },
  toPyTorch: ({ inputs, params, num }) => {
    const x = inputs['in']!;
    const expression: Readonly<Record<ActivationFn, string>> = {
      relu: `torch.relu(${x})`,
      leakyRelu: `F.leaky_relu(${x}, ${num(params['negativeSlope'] as number)})`,
      sigmoid: `torch.sigmoid(${x})`,
      tanh: `torch.tanh(${x})`,
      gelu: `F.gelu(${x})`,
      // 1[x > 0]: its gradient is 0, as the engine's
      step: `(${x} > 0).float()`,
      sign: `torch.sign(${x})`,
      softmax: `torch.softmax(${x}, dim=-1)`,
      identity: x,
    };
    return { kind: 'expression', expression: expression[params['fn'] as ActivationFn] };
  },
  localGradient: (ctx) => {
    const fn = ctx.params['fn'] as ActivationFn;
    if (fn === 'softmax') return [localTerm('in', 'diag(y) − y·yᵀ per row (a Jacobian, not elementwise); y shown', ctx.output('out')!, 'other')];
    return [localTerm('in', LOCAL[fn] ?? fn, ctx.byVjp()['in']!, 'elementwise')];
  },
});
