import { defineSpec, enumParam, port } from '../node-spec';

export const LOSSES = ['mse', 'mse-half', 'crossEntropy', 'bce', 'perceptron'] as const;
export type LossFn = (typeof LOSSES)[number];

export const LOSS = defineSpec({
  type: 'Loss',
  category: 'Loss',
  label: 'Loss',
  description: 'The objective to minimise: MSE, cross-entropy, BCE or the perceptron criterion',
  docs: '`mse`: mean of squared errors (PyTorch `MSELoss`); `mse-half`: the lecture\'s e = 1/(2n)·Σ‖y−o‖² (n samples); `crossEntropy`: from logits with class-index targets (PyTorch `CrossEntropyLoss`); `bce`: binary cross-entropy from logits (`BCEWithLogitsLoss`); `perceptron`: Σ over misclassified samples of −y·s, y ∈ {−1, +1}. A graph has at most one Loss; training needs one.',
  shapeDocs: 'A scalar. `crossEntropy`: `prediction` `N×C` logits (C at least the dataset\'s number of classes) and `target` `N` class indices (Target encoding `index`). `mse`, `mse-half`, `bce`, `perceptron`: `prediction` and `target` of the same shape.',
  role: 'loss',
  trainingOnly: true,
  inputs: [port('prediction', 'tensor'), port('target', 'labels', { accepts: ['tensor'] })],
  outputs: [port('loss', 'loss')],
  params: {
    fn: enumParam('Function', 'Which loss', LOSSES, 'mse', [
      'MSE (mean)', 'MSE ½·Σ/n (lecture)', 'Cross-entropy', 'Binary cross-entropy', 'Perceptron criterion',
    ]),
  },
  keyParams: ['fn'],
  variant: (params) => (typeof params['fn'] === 'string' ? params['fn'] : null),
});
