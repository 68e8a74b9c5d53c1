import { LINEAR_INITS, type LinearInit } from '../../nn/init';
import { BatchNorm1d, Dropout, Linear } from '../../nn/layers';
import { flatten, reshape } from '../../ops/functional';
import { defineNode, NodeShapeError } from '../node-def';
import type { SymShape } from '../symbolic';
import { symSize } from '../symbolic';
import { boolParam, enumParam, floatParam, inShape, intParam, stateless, storedTensor, tensorIn, tensorOut, shapeText } from './common';

/** `{ [param]: n }` when the input's last dimension is a known number n, else nothing (the param keeps its default). */
function lastDimension(inputs: Readonly<Record<string, SymShape>>, param: string): Record<string, number> {
  const s = inputs['in'];
  const last = s && s.length > 0 ? s[s.length - 1] : undefined;
  return typeof last === 'number' ? { [param]: last } : {};
}

/** y = x·Wᵀ + b — a fully connected layer (Keras Dense). */
export const LinearNode = defineNode({
  type: 'Linear',
  category: 'Layers',
  label: 'Linear',
  description: 'Fully connected layer y = x·Wᵀ + b',
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
      LINEAR_INITS,
      'kaiming-uniform',
      ['Kaiming uniform (PyTorch)', 'Kaiming normal (He)', 'He uniform', 'Glorot uniform (Keras)', 'Glorot normal', 'Zeros'],
    ),
  },
  keyParams: ['inFeatures', 'outFeatures'],
  follow: ({ inputs, loss }) => ({
    ...lastDimension(inputs, 'inFeatures'),
    ...(loss?.port === 'prediction' && loss.predictionWidth !== null ? { outFeatures: loss.predictionWidth } : {}),
  }),
  inferShapes: ({ inputs, params }) => {
    const s = inShape(inputs);
    const last = s[s.length - 1];
    if (s.length === 0) throw new NodeShapeError('input is a scalar; Linear needs [N, features]', 'in');
    if (last !== params['inFeatures']) {
      throw new NodeShapeError(`input has ${last === 'N' ? 'a batch-sized number of' : last} features but in_features is ${params['inFeatures']}`, 'in');
    }
    return { out: [...s.slice(0, -1), params['outFeatures'] as number] };
  },
  parameterCount: ({ params }) => ((params['inFeatures'] as number) + (params['bias'] ? 1 : 0)) * (params['outFeatures'] as number),
  build: ({ node, params, generator, weights }) => {
    const inF = params['inFeatures'] as number;
    const outF = params['outFeatures'] as number;
    const layer = new Linear(inF, outF, { bias: params['bias'] as boolean, init: params['init'] as LinearInit, generator });
    if (weights?.['weight']) layer.weight.data.set(storedTensor(node, 'weight', weights['weight'], [outF, inF]).data);
    if (weights?.['bias'] && layer.bias) layer.bias.data.set(storedTensor(node, 'bias', weights['bias'], [outF]).data);
    layer.weight.name = `${node.id}.weight`;
    if (layer.bias) layer.bias.name = `${node.id}.bias`;
    return {
      parameters: layer.namedParameters(),
      buffers: [],
      module: layer,
      forward: ({ in: x }) => ({ out: layer.forward(x!) }),
    };
  },
});

/** Batch normalisation over the batch dimension (PyTorch BatchNorm1d). */
export const BatchNorm1dNode = defineNode({
  type: 'BatchNorm1d',
  category: 'Layers',
  label: 'BatchNorm1d',
  description: 'Normalise each feature over the batch, then scale and shift',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {
    numFeatures: { ...intParam('Features', 'Number of features C of an N×C input', 1, 1, 1 << 20), follows: "the input's features" },
    eps: floatParam('eps', 'Added to the variance for stability', 1e-5, 0),
    momentum: floatParam('Momentum', 'Weight of the new batch in the running statistics', 0.1, 0, 1),
  },
  keyParams: ['numFeatures'],
  follow: ({ inputs }) => lastDimension(inputs, 'numFeatures'),
  inferShapes: ({ inputs, params }) => {
    const s = inShape(inputs);
    if (s.length !== 2) throw new NodeShapeError(`input must be N×C, got ${shapeText(s)}`, 'in');
    if (s[1] !== params['numFeatures']) {
      throw new NodeShapeError(`input has ${s[1]} features but num_features is ${params['numFeatures']}`, 'in');
    }
    return { out: s };
  },
  parameterCount: ({ params }) => 2 * (params['numFeatures'] as number),
  build: ({ node, params, weights }) => {
    const c = params['numFeatures'] as number;
    const bn = new BatchNorm1d(c, { eps: params['eps'] as number, momentum: params['momentum'] as number });
    for (const [name, t] of [...bn.namedParameters(), ...bn.namedBuffers()]) {
      if (weights?.[name]) t.data.set(storedTensor(node, name, weights[name], [c]).data);
      t.name = `${node.id}.${name}`;
    }
    return {
      parameters: bn.namedParameters(),
      buffers: bn.namedBuffers(),
      module: bn,
      forward: ({ in: x }, { training }) => {
        bn.train(training);
        return { out: bn.forward(x!) };
      },
    };
  },
});

export const DropoutNode = defineNode({
  type: 'Dropout',
  category: 'Layers',
  label: 'Dropout',
  description: 'Randomly zero inputs while training (seeded), scaling the rest by 1/(1−p)',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: { p: floatParam('p', 'Probability of zeroing an element', 0.5, 0, 1) },
  keyParams: ['p'],
  inferShapes: ({ inputs }) => ({ out: inShape(inputs) }),
  build: ({ params, generator }) => {
    const d = new Dropout(params['p'] as number, generator);
    return {
      parameters: [],
      buffers: [],
      module: d,
      forward: ({ in: x }, { training }) => {
        d.train(training);
        return { out: d.forward(x!) };
      },
    };
  },
});

export const FlattenNode = defineNode({
  type: 'Flatten',
  category: 'Layers',
  label: 'Flatten',
  description: 'Flatten each sample to a vector (N×28×28 → N×784)',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: {},
  inferShapes: ({ inputs }) => {
    const s = inShape(inputs);
    if (s.length < 1) throw new NodeShapeError('cannot flatten a scalar', 'in');
    const rest = symSize(s.slice(1));
    if (rest === null) throw new NodeShapeError(`cannot flatten ${shapeText(s)}: only the first dimension may be N`, 'in');
    return { out: [s[0]!, rest] };
  },
  build: () => stateless(({ in: x }) => ({ out: flatten(x!, 1) })),
});

export const ReshapeNode = defineNode({
  type: 'Reshape',
  category: 'Layers',
  label: 'Reshape',
  description: 'Give each sample a new shape with the same number of elements',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: { shape: { kind: 'shape', label: 'Shape', description: 'New shape of one sample (without N)', default: [1] } },
  keyParams: ['shape'],
  inferShapes: ({ inputs, params }) => {
    const s = inShape(inputs);
    const target = params['shape'] as number[];
    const batched = s[0] === 'N';
    const from = symSize(batched ? s.slice(1) : s);
    const to = target.reduce((a, b) => a * b, 1);
    if (from !== to) {
      throw new NodeShapeError(`cannot reshape ${shapeText(s)} to ${shapeText(batched ? ['N', ...target] : target)}: ${from} elements per sample vs ${to}`, 'in');
    }
    const out: SymShape = batched ? ['N', ...target] : target;
    return { out };
  },
  build: ({ params, inputShapes }) => {
    const target = params['shape'] as number[];
    const batched = inputShapes['in']?.[0] === 'N';
    return stateless(({ in: x }) => ({ out: reshape(x!, batched ? [x!.shape[0]!, ...target] : target) }));
  },
});
