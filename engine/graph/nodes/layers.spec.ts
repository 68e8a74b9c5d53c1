import { boolParam, defineSpec, enumParam, floatParam, intParam, tensorIn, tensorOut } from '../node-spec';

/** The Linear inits, as `nn/init.ts`'s LINEAR_INITS lists them (a test keeps the two equal). */
export const LINEAR_INIT_OPTIONS = ['kaiming-uniform', 'kaiming-normal', 'he-uniform', 'glorot-uniform', 'glorot-normal', 'zeros'] as const;

export const LINEAR = defineSpec({
  type: 'Linear',
  category: 'Layers',
  label: 'Linear',
  description: 'Fully connected layer y = x·Wᵀ + b',
  docs: 'Parameters `weight` `[outFeatures, inFeatures]` and `bias` `[outFeatures]`, drawn from the node\'s own seeded stream (weight first) as `init` says: `kaiming-uniform` (the default; PyTorch\'s `nn.Linear`: W ~ U(±1/√fan_in) — `kaiming_uniform_` with a = √5 — and b ~ U(±1/√fan_in)), `kaiming-normal` (He normal, `kaiming_normal_` for ReLU: W ~ N(0, 2/fan_in)), `he-uniform` (Keras `he_uniform`: W ~ U(±√(6/fan_in))), `glorot-uniform` (Keras\' `Dense` default, `xavier_uniform_`: W ~ U(±√(6/(fan_in+fan_out)))), `glorot-normal` (`xavier_normal_`: W ~ N(0, 2/(fan_in+fan_out))) and `zeros` (W = 0: every unit of a layer stays the same, the symmetry lesson). All but `kaiming-uniform` start b at 0, as Keras does; the normal ones are not truncated (PyTorch\'s; Keras truncates at 2σ). A document without `init` gets `kaiming-uniform`; stored `weights` replace the init.',
  shapeDocs: '`…×inFeatures` → `…×outFeatures`; the last dimension of the input must equal `inFeatures`; a scalar input is refused.',
  trainable: true,
  featureParam: 'inFeatures',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {
    inFeatures: { ...intParam('In features', 'Size of each input sample', 1, 1, 1 << 20), follows: "the input's features" },
    outFeatures: {
      ...intParam('Out features', 'Size of each output sample (a hidden layer of 8 unless it feeds a Loss)', 8, 1, 1 << 20),
      follows: 'the Loss it feeds (one logit per class for cross-entropy, else the target\'s width)',
    },
    bias: boolParam('Bias', 'Learn an additive bias b', true),
    init: enumParam(
      'Init',
      'How W and b start (from the node\'s seeded stream): kaiming-uniform is PyTorch\'s nn.Linear, glorot-uniform Keras\' Dense; all but kaiming-uniform start b at 0',
      LINEAR_INIT_OPTIONS,
      'kaiming-uniform',
      ['Kaiming uniform (PyTorch)', 'Kaiming normal (He)', 'He uniform', 'Glorot uniform (Keras)', 'Glorot normal', 'Zeros'],
    ),
  },
  keyParams: ['inFeatures', 'outFeatures'],
});

export const BATCH_NORM_1D = defineSpec({
  type: 'BatchNorm1d',
  category: 'Layers',
  label: 'BatchNorm1d',
  description: 'Normalise each feature over the batch, then scale and shift',
  docs: 'Parameters `weight`, `bias`; buffers `running_mean`, `running_var`. Batch statistics while training, running statistics otherwise.',
  shapeDocs: '`N×C` → `N×C` with `C = numFeatures`; any other rank is refused.',
  trainable: true,
  featureParam: 'numFeatures',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {
    numFeatures: { ...intParam('Features', 'Number of features C of an N×C input', 1, 1, 1 << 20), follows: "the input's features" },
    eps: floatParam('eps', 'Added to the variance for stability', 1e-5, 0),
    momentum: floatParam('Momentum', 'Weight of the new batch in the running statistics', 0.1, 0, 1),
  },
  keyParams: ['numFeatures'],
});

export const DROPOUT = defineSpec({
  type: 'Dropout',
  category: 'Layers',
  label: 'Dropout',
  description: 'Randomly zero inputs while training (seeded), scaling the rest by 1/(1−p)',
  docs: 'Only active while training; the mask comes from the node\'s own seeded stream.',
  shapeDocs: 'Same shape as the input.',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: { p: floatParam('p', 'Probability of zeroing an element', 0.5, 0, 1) },
  keyParams: ['p'],
});

export const FLATTEN = defineSpec({
  type: 'Flatten',
  category: 'Layers',
  label: 'Flatten',
  description: 'Flatten each sample to a vector (N×28×28 → N×784)',
  shapeDocs: '`d0×d1×…×dk` → `d0×(d1·…·dk)`; only the first dimension may be `N` (`N×28×28` → `N×784`).',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {},
});

export const RESHAPE = defineSpec({
  type: 'Reshape',
  category: 'Layers',
  label: 'Reshape',
  description: 'Give each sample a new shape with the same number of elements',
  shapeDocs: 'Batched input: `N×…` → `N×shape`; unbatched: `…` → `shape`. The number of elements per sample must not change.',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: { shape: { kind: 'shape', label: 'Shape', description: 'New shape of one sample (without N)', default: [1] } },
  keyParams: ['shape'],
});
