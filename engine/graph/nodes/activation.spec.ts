import { defineSpec, enumParam, floatParam, tensorIn, tensorOut } from '../node-spec';

export const ACTIVATIONS = ['relu', 'leakyRelu', 'sigmoid', 'tanh', 'gelu', 'step', 'sign', 'softmax', 'identity'] as const;
export type ActivationFn = (typeof ACTIVATIONS)[number];
export const ACTIVATION_LABELS: Readonly<Record<ActivationFn, string>> = {
  relu: 'ReLU', leakyRelu: 'LeakyReLU', sigmoid: 'Sigmoid', tanh: 'Tanh', gelu: 'GELU', step: 'Step', sign: 'Sign', softmax: 'Softmax', identity: 'Identity',
};

export const ACTIVATION = defineSpec({
  type: 'Activation',
  category: 'Activations',
  label: 'Activation',
  description: 'A nonlinearity: ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Step, Sign, Softmax or Identity',
  shapeDocs: 'Same shape as the input; `softmax` normalises the last dimension and needs at least one.',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {
    fn: enumParam('Function', 'Which nonlinearity', ACTIVATIONS, 'relu', ACTIVATIONS.map((a) => ACTIVATION_LABELS[a])),
    negativeSlope: floatParam('Negative slope', 'LeakyReLU slope for x < 0', 0.01, 0, 1),
  },
  keyParams: ['fn'],
  variant: (params) => (typeof params['fn'] === 'string' ? params['fn'] : null),
});
