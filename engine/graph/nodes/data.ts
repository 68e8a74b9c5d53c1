import type { Tensor } from '../../core/tensor';
import { tensor, zeros } from '../../core/creation';
import { EngineError } from '../../core/errors';
import { kaimingUniform_, normal_, uniform_ } from '../../nn/init';
import { oneHot } from '../../ops/functional';
import { defineNode, NodeShapeError, type ParamValues } from '../node-def';
import type { SymShape } from '../symbolic';
import { pyFloats, pyShape, stateless, storedTensor } from './common';
import { CONSTANT, INPUT, PARAMETER, TARGET } from './data.spec';
import { targetEncodingFor } from './loss';

function feedFor(id: string, given: Readonly<Record<string, Tensor>> | undefined): Tensor | undefined {
  return given?.[id];
}

/** The features of the chosen dataset, one row per sample. */
export const InputNode = defineNode({
  ...INPUT,
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
  toPyTorch: ({ params }) =>
    params['dataset'] ? { kind: 'refused', reason: `reads dataset "${String(params['dataset'])}", and the script feeds every Input the training dataset` } : { kind: 'input' },
});

/**
 * The dataset's targets. `index`: class indices [N] (cross-entropy); `onehot`: [N, C];
 * `column`: the class value as an [N, 1] float column (BCE or MSE on a sigmoid output);
 * `signed`: −1/+1 as [N, 1] (the perceptron criterion). Regression targets are [N, T].
 */
export const TargetNode = defineNode({
  ...TARGET,
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
  // The dataset's labels (class values, or regression targets) as the Loss wants them, as `encodeTargets` does.
  toPyTorch: ({ params, data }) => {
    if (data?.task === 'regression') return { kind: 'target', encode: 'labels' };
    switch (params['encoding']) {
      case 'onehot':
        return { kind: 'target', encode: `F.one_hot(labels.long(), ${data?.numClasses ?? 0}).float()` };
      case 'column':
        return { kind: 'target', encode: 'labels.clamp(min=0).unsqueeze(1)' };
      case 'signed':
        return { kind: 'target', encode: '((labels == 1).float() * 2 - 1).unsqueeze(1)' };
      default:
        return { kind: 'target', encode: 'labels.long()' };
    }
  },
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
  ...CONSTANT,
  inferShapes: ({ params }) => ({ out: tensor(params['value'] as number).shape }),
  build: ({ params }) => {
    const value = tensor(params['value'] as number);
    return stateless(() => ({ out: value }));
  },
  toOnnx: (ctx) => {
    const t = ctx.runtime.forward({}, { training: false, feed: {} })['out']!;
    const name = ctx.initializer(ctx.node.id, [...t.shape], Float32Array.from(t.data));
    return ctx.outputNamed ? ctx.single('Identity', [name]) : name;
  },
  toPyTorch: ({ params, num }) => ({ kind: 'expression', expression: `torch.tensor(${pyFloats(params['value'], num)})` }),
});

/** A trainable tensor of a given shape and initialisation. */
export const ParameterNode = defineNode({
  ...PARAMETER,
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
  toOnnx: (ctx) => {
    const t = ctx.tensor('value');
    const name = ctx.initializer(`${ctx.node.id}.value`, t.shape, t.data);
    return ctx.outputNamed ? ctx.single('Identity', [name]) : name;
  },
  // The same distributions as `build` (from PyTorch's generator, not the node's stream: --weights brings the engine's values).
  toPyTorch: ({ params, num }) => {
    const dims = params['shape'] as number[];
    const shape = pyShape(dims);
    const v = num(params['value'] as number);
    const init: Readonly<Record<string, string>> = {
      zeros: `torch.zeros(${shape})`,
      ones: `torch.ones(${shape})`,
      constant: `torch.full(${dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`}, ${v})`,
      normal: `torch.randn(${shape}) * ${v}`,
      uniform: `torch.empty(${shape}).uniform_(-${v}, ${v})`,
      kaiming: `nn.init.kaiming_uniform_(torch.empty(${shape}), a=math.sqrt(5))`,
    };
    return { kind: 'parameter', init: init[params['init'] as string] ?? `torch.zeros(${shape})` };
  },
});
