import { boolParam, defineSpec, enumParam, port } from '../node-spec';

export const INPUT = defineSpec({
  type: 'Input',
  category: 'Data',
  label: 'Input',
  description: 'Features of the dataset, one row per sample (N×features)',
  docs: 'Fed with the batch\'s features; in lesson graphs a value can be fed per node (by id or label), else `value` is used.',
  shapeDocs: 'Batched: `N×shape`, where `shape` is the param or, when empty, the dataset\'s feature shape (when both are given they must agree). Unbatched (`batched: false`): `shape`, or the shape of `value` when `shape` is empty.',
  role: 'input',
  inputs: [],
  outputs: [port('out', 'tensor')],
  params: {
    shape: { kind: 'shape', label: 'Shape', description: 'Shape of one sample; empty means: from the dataset', default: [], allowEmpty: true },
    batched: boolParam('Batched', 'Rows are samples (a leading batch dimension N)', true),
    dataset: { kind: 'string', label: 'Dataset', description: 'The dataset this input reads (empty: the training dataset)', default: '' },
    value: { kind: 'tensor', label: 'Value', description: 'A fixed value used when no data is fed (scalar lesson graphs); empty for none', default: null },
  },
  keyParams: ['shape'],
});

export const TARGET = defineSpec({
  type: 'Target',
  category: 'Data',
  label: 'Target',
  description: 'Labels or target values of the dataset, one per sample',
  docs: 'Fed with the batch\'s targets, encoded for the loss: `index` class indices (cross-entropy), `onehot` rows of 0/1, `column` the class value as a float column (BCE, or MSE on a sigmoid), `signed` −1/+1 (the perceptron criterion; two classes only). Skipped when predicting without targets.',
  shapeDocs: 'Classification: `index` → `N`; `onehot` → `N×C` (C = the dataset\'s number of classes, so it needs a dataset); `column` and `signed` → `N×1`. Regression datasets: `N×T` whatever the encoding.',
  role: 'target',
  trainingOnly: true,
  inputs: [],
  outputs: [port('out', 'labels')],
  params: {
    encoding: {
      ...enumParam('Encoding', 'How classes are given to the loss: class indices, one-hot rows, a 0/1 column, or −1/+1', ['index', 'onehot', 'column', 'signed'], 'index'),
      follows: 'the Loss it feeds (index for cross-entropy, a 0/1 column for BCE, one-hot for MSE, −1/+1 for the perceptron)',
    },
  },
  keyParams: ['encoding'],
});

export const CONSTANT = defineSpec({
  type: 'Constant',
  category: 'Data',
  label: 'Constant',
  description: 'A fixed number or array (not trained)',
  shapeDocs: 'The shape of `value` (a number is a scalar).',
  inputs: [],
  outputs: [port('out', 'tensor')],
  params: { value: { kind: 'tensor', label: 'Value', description: 'A number or nested array of numbers', default: 1 } },
  keyParams: ['value'],
});

export const PARAMETER = defineSpec({
  type: 'Parameter',
  category: 'Data',
  label: 'Parameter',
  description: 'A trainable tensor (a weight you wire yourself)',
  docs: 'A trainable tensor whose start values come from `init`, drawn from the node\'s own seeded stream; stored as weight `value`.',
  shapeDocs: '`shape` (`[]`: a scalar).',
  trainable: true,
  inputs: [],
  outputs: [port('out', 'tensor')],
  params: {
    shape: { kind: 'shape', label: 'Shape', description: 'Shape of the tensor ([] for a scalar)', default: [], allowEmpty: true },
    init: enumParam('Init', 'How the values start', ['zeros', 'ones', 'constant', 'normal', 'uniform', 'kaiming'], 'normal'),
    value: { kind: 'float', label: 'Value', description: 'The start value for init "constant"; the std for "normal"; the bound for "uniform"', default: 1 },
  },
  keyParams: ['shape', 'init'],
});
