import type { Tensor } from '../../core/tensor';
import { tensor, zeros } from '../../core/creation';
import { EngineError } from '../../core/errors';
import { kaimingUniform_, normal_, uniform_ } from '../../nn/init';
import { oneHot } from '../../ops/functional';
import { defineNode, NodeShapeError, type ParamValues } from '../node-def';
import type { SymShape } from '../symbolic';
import { boolParam, enumParam, port, stateless, storedTensor } from './common';
import { targetEncodingFor } from './loss';

function feedFor(id: string, given: Readonly<Record<string, Tensor>> | undefined): Tensor | undefined {
  return given?.[id];
}

/** The features of the chosen dataset, one row per sample. */
export const InputNode = defineNode({
  type: 'Input',
  category: 'Data',
  label: 'Input',
  description: 'Features of the dataset, one row per sample (N×features)',
  inputs: [],
  outputs: [port('out', 'tensor')],
  params: {
    shape: { kind: 'shape', label: 'Shape', description: 'Shape of one sample; empty means: from the dataset', default: [], allowEmpty: true },
    batched: boolParam('Batched', 'Rows are samples (a leading batch dimension N)', true),
    dataset: { kind: 'string', label: 'Dataset', description: 'The dataset this input reads (empty: the training dataset)', default: '' },
    value: { kind: 'tensor', label: 'Value', description: 'A fixed value used when no data is fed (scalar lesson graphs); empty for none', default: null },
  },
  keyParams: ['shape'],
  inferShapes: ({ params, data, node }) => {
    const given = params['shape'] as readonly number[];
    if (!params['batched']) return { out: given.length === 0 && params['value'] !== null ? [...tensor(params['value'] as number).shape] : [...given] };
    let sample: readonly number[];
    if (given.length > 0) {
      if (data && given.join() !== data.featureShape.join()) {
        throw new NodeShapeError(`its shape [${given.join(', ')}] does not match the dataset's features [${data.featureShape.join(', ')}]`, 'out');
      }
      sample = given;
    } else if (data) sample = data.featureShape;
    else throw new NodeShapeError(`no dataset is chosen and no shape is given for input "${node.label ?? node.id}"`, 'out');
    return { out: ['N', ...sample] };
  },
  build: ({ node, params }) => {
    const fixed = params['value'] !== null ? tensor(params['value'] as number) : null;
    return stateless((_inputs, { feed }) => {
      const v = feedFor(node.id, feed.inputs) ?? (node.label ? feedFor(node.label, feed.inputs) : undefined) ?? feed.features ?? fixed;
      if (!v) throw new EngineError('no features were given for this batch');
      return { out: v };
    });
  },
});

/**
 * The dataset's targets. `index`: class indices [N] (cross-entropy); `onehot`: [N, C];
 * `column`: the class value as an [N, 1] float column (BCE or MSE on a sigmoid output);
 * `signed`: −1/+1 as [N, 1] (the perceptron criterion). Regression targets are [N, T].
 */
export const TargetNode = defineNode({
  type: 'Target',
  category: 'Data',
  label: 'Target',
  description: 'Labels or target values of the dataset, one per sample',
  inputs: [],
  outputs: [port('out', 'labels')],
  params: {
    encoding: {
      ...enumParam('Encoding', 'How classes are given to the loss: class indices, one-hot rows, a 0/1 column, or −1/+1', ['index', 'onehot', 'column', 'signed'], 'index'),
      follows: 'the Loss it feeds (index for cross-entropy, a 0/1 column for BCE, one-hot for MSE, −1/+1 for the perceptron)',
    },
  },
  keyParams: ['encoding'],
  follow: ({ loss, data }) => (loss ? { encoding: targetEncodingFor(loss.fn, data?.task) } : {}),
  inferShapes: ({ params, data }) => {
    if (!data) return { out: targetShape(params, null) };
    return { out: targetShape(params, data) };
  },
  build: ({ node, params, data }) =>
    stateless((_inputs, { feed }) => {
      const given = feedFor(node.id, feed.inputs) ?? (node.label ? feedFor(node.label, feed.inputs) : undefined);
      if (given) return { out: given };
      const t = feed.targets;
      if (!t) throw new EngineError('no targets were given for this batch');
      return { out: encodeTargets(t, params, data?.task ?? 'classification', data?.numClasses ?? 0) };
    }),
});

function targetShape(params: ParamValues, data: { task: string; targetShape: readonly number[]; numClasses: number } | null): SymShape {
  if (data && data.task === 'regression') return ['N', ...data.targetShape];
  switch (params['encoding']) {
    case 'onehot':
      // The number of classes comes from the dataset; 'N' here would claim it equals the batch size.
      if (!data) throw new NodeShapeError('one-hot targets need a dataset to know the number of classes', 'out');
      return ['N', data.numClasses];
    case 'column':
    case 'signed':
      return ['N', 1];
    default:
      return ['N'];
  }
}

/** Dataset targets (class values [B] or regression [B, T]) in the encoding the Target node asks for. */
export function encodeTargets(t: Tensor, params: ParamValues, task: string, numClasses: number): Tensor {
  if (task === 'regression') return t;
  const b = t.shape[0]!;
  switch (params['encoding']) {
    case 'onehot':
      return oneHot(t.to('int32'), numClasses);
    case 'column':
      return tensor(Float32Array.from(t.data, (v) => (v < 0 ? 0 : v)), { shape: [b, 1] });
    case 'signed': {
      const out = new Float32Array(b);
      for (let i = 0; i < b; i++) {
        const v = t.data[i]!;
        if (v !== 0 && v !== 1 && v !== -1) throw new EngineError(`signed encoding needs two classes, got class ${v}`);
        out[i] = v === 1 ? 1 : -1;
      }
      return tensor(out, { shape: [b, 1] });
    }
    default:
      return t.to('int32');
  }
}

/** A fixed value: a number or a nested array. */
export const ConstantNode = defineNode({
  type: 'Constant',
  category: 'Data',
  label: 'Constant',
  description: 'A fixed number or array (not trained)',
  inputs: [],
  outputs: [port('out', 'tensor')],
  params: { value: { kind: 'tensor', label: 'Value', description: 'A number or nested array of numbers', default: 1 } },
  keyParams: ['value'],
  inferShapes: ({ params }) => ({ out: tensor(params['value'] as number).shape }),
  build: ({ params }) => {
    const value = tensor(params['value'] as number);
    return stateless(() => ({ out: value }));
  },
});

/** A trainable tensor of a given shape and initialisation. */
export const ParameterNode = defineNode({
  type: 'Parameter',
  category: 'Data',
  label: 'Parameter',
  description: 'A trainable tensor (a weight you wire yourself)',
  inputs: [],
  outputs: [port('out', 'tensor')],
  params: {
    shape: { kind: 'shape', label: 'Shape', description: 'Shape of the tensor ([] for a scalar)', default: [], allowEmpty: true },
    init: enumParam('Init', 'How the values start', ['zeros', 'ones', 'constant', 'normal', 'uniform', 'kaiming'], 'normal'),
    value: { kind: 'float', label: 'Value', description: 'The start value for init "constant"; the std for "normal"; the bound for "uniform"', default: 1 },
  },
  keyParams: ['shape', 'init'],
  inferShapes: ({ params }) => ({ out: [...(params['shape'] as number[])] }),
  parameterCount: ({ params }) => (params['shape'] as number[]).reduce((a, b) => a * b, 1),
  build: ({ node, params, generator, weights }) => {
    const shape = params['shape'] as number[];
    const v = params['value'] as number;
    let t: Tensor;
    if (weights?.['value']) t = storedTensor(node, 'value', weights['value'], shape);
    else {
      t = zeros(shape);
      switch (params['init']) {
        case 'ones':
          t.data.fill(1);
          break;
        case 'constant':
          t.data.fill(v);
          break;
        case 'normal':
          normal_(t, 0, v, generator);
          break;
        case 'uniform':
          uniform_(t, -v, v, generator);
          break;
        case 'kaiming':
          kaimingUniform_(t, Math.sqrt(5), generator);
          break;
        default:
          break;
      }
    }
    t.requiresGrad_(true);
    t.name = `${node.id}.value`;
    return { parameters: [['value', t]], buffers: [], forward: () => ({ out: t }) };
  },
});
