import type { Tensor } from '../../core/tensor';
import * as F from '../../ops/functional';
import { defineNode, NodeShapeError } from '../node-def';
import { enumParam, floatParam, inShape, stateless, tensorIn, tensorOut } from './common';

export const ACTIVATIONS = ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'gelu', 'step', 'sign', 'softmax', 'identity'] as const;
export type ActivationFn = (typeof ACTIVATIONS)[number];
const LABELS: Record<ActivationFn, string> = {
  relu: 'ReLU', leakyRelu: 'LeakyReLU', sigmoid: 'Sigmoid', tanh: 'Tanh', gelu: 'GELU', step: 'Step', sign: 'Sign', softmax: 'Softmax', identity: 'Identity',
};

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

/** An elementwise nonlinearity chosen by `fn` (softmax normalises the last dimension). */
export const ActivationNode = defineNode({
  type: 'Activation',
  category: 'Activations',
  label: 'Activation',
  description: 'A nonlinearity: ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Step, Sign, Softmax or Identity',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {
    fn: enumParam('Function', 'Which nonlinearity', ACTIVATIONS, 'relu', ACTIVATIONS.map((a) => LABELS[a])),
    negativeSlope: floatParam('Negative slope', 'LeakyReLU slope for x < 0', 0.01, 0, 1),
  },
  keyParams: ['fn'],
  inferShapes: ({ inputs, params }) => {
    const s = inShape(inputs);
    if (params['fn'] === 'softmax' && s.length === 0) throw new NodeShapeError('softmax needs at least one dimension', 'in');
    return { out: s };
  },
  build: ({ params }) => {
    const f = activationFunction(params['fn'] as string, params['negativeSlope'] as number);
    return stateless(({ in: x }) => ({ out: f(x!) }));
  },
});

