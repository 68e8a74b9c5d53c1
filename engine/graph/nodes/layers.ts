import type { LinearInit } from '../../nn/init';
import { tensor } from '../../core/creation';
import { onnxAttr } from '../../ops/define-op';
import * as F from '../../ops/functional';
import { BatchNorm1d, Dropout, Linear } from '../../nn/layers';
import type { Tensor } from '../../core/tensor';
import { defineNode, NodeShapeError } from '../node-def';
import type { SymShape } from '../symbolic';
import { symSize } from '../symbolic';
import { inShape, localTerm, stateless, storedTensor, shapeText } from './common';

/** The `nn.init` calls that start a Linear as its `init` says (`kaiming-uniform` is nn.Linear's own). */
const TORCH_LINEAR_INIT: Readonly<Record<LinearInit, string | null>> = {
  'kaiming-uniform': null,
  'kaiming-normal': 'nn.init.kaiming_normal_(%, nonlinearity="relu")',
  'he-uniform': 'nn.init.kaiming_uniform_(%, nonlinearity="relu")',
  'glorot-uniform': 'nn.init.xavier_uniform_(%)',
  'glorot-normal': 'nn.init.xavier_normal_(%)',
  zeros: 'nn.init.zeros_(%)',
};
import { BATCH_NORM_1D, DROPOUT, FLATTEN, LINEAR, RESHAPE } from './layers.spec';

/** `{ [param]: n }` when the input's last dimension is a known number n, else nothing (the param keeps its default). */
function lastDimension(inputs: Readonly<Record<string, SymShape>>, param: string): Record<string, number> {
  const s = inputs['in'];
  const last = s && s.length > 0 ? s[s.length - 1] : undefined;
  return typeof last === 'number' ? { [param]: last } : {};
}

/** y = x·Wᵀ + b — a fully connected layer (Keras Dense). */
export const LinearNode = defineNode({
  ...LINEAR,
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
  toOnnx: (ctx) => {
    const id = ctx.node.id;
    const x = ctx.inputs['in']!;
    const w = ctx.tensor('weight');
    const hasBias = ctx.params['bias'] as boolean;
    if (ctx.inputShapes['in']!.length === 2) {
      const args = [x, ctx.initializer(`${id}.weight`, w.shape, w.data)];
      if (hasBias) {
        const bias = ctx.tensor('bias');
        args.push(ctx.initializer(`${id}.bias`, bias.shape, bias.data));
      }
      return ctx.single('Gemm', args, { transB: onnxAttr.int(1) });
    }
    // Gemm takes 2-D inputs only: x·Wᵀ (+ b) as MatMul (+ Add) with the weight stored transposed.
    const [outF, inF] = w.shape as [number, number];
    const wt = new Float32Array(inF * outF);
    for (let o = 0; o < outF; o++) for (let i = 0; i < inF; i++) wt[i * outF + o] = w.data[o * inF + i]!;
    const wtName = ctx.initializer(`${id}.weight_transposed`, [inF, outF], wt);
    if (!hasBias) return ctx.single('MatMul', [x, wtName]);
    const mm = ctx.step('MatMul', [x, wtName], false);
    const bias = ctx.tensor('bias');
    return ctx.step('Add', [mm, ctx.initializer(`${id}.bias`, bias.shape, bias.data)], true);
  },
  localGradient: ({ input, params, runtime }) => {
    const weight = (name: string) => runtime.parameters.find(([n]) => n === name)![1];
    const out = [localTerm('in', 'W: ∂L/∂x = ∂L/∂y · W', weight('weight'), 'matrix'), localTerm('weight', 'xᵀ: ∂L/∂W = (∂L/∂y)ᵀ · x', input('in')!, 'matrix')];
    if (params['bias']) out.push(localTerm('bias', '1, summed over the batch: ∂L/∂b = Σₙ ∂L/∂yₙ', F.onesLike(weight('bias')), 'reduction'));
    return out;
  },
  toPyTorch: ({ params, attr }) => {
    const bias = params['bias'] as boolean;
    const weightInit = TORCH_LINEAR_INIT[params['init'] as LinearInit] ?? null;
    const init = weightInit === null ? [] : [weightInit.replace('%', `self.${attr}.weight`), ...(bias ? [`nn.init.zeros_(self.${attr}.bias)`] : [])];
    return { kind: 'layer', module: `nn.Linear(${params['inFeatures'] as number}, ${params['outFeatures'] as number}${bias ? '' : ', bias=False'})`, init };
  },
});

/** Batch normalisation over the batch dimension (PyTorch BatchNorm1d). */
export const BatchNorm1dNode = defineNode({
  ...BATCH_NORM_1D,
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
  // The evaluation form: the running statistics (ONNX's momentum weighs the old value, PyTorch's the new batch).
  toOnnx: (ctx) => {
    const names = ['weight', 'bias', 'running_mean', 'running_var'].map((n) => {
      const t = ctx.tensor(n);
      return ctx.initializer(`${ctx.node.id}.${n}`, t.shape, t.data);
    });
    return ctx.single('BatchNormalization', [ctx.inputs['in']!, ...names], {
      epsilon: onnxAttr.float(ctx.params['eps'] as number),
      momentum: onnxAttr.float(1 - (ctx.params['momentum'] as number)),
    });
  },
  localGradient: ({ input, params, runtime }) => {
    const gamma = runtime.parameters.find(([n]) => n === 'weight')?.[1];
    const xs = input('in')!;
    const variance = F.mean(F.pow(F.sub(xs, F.mean(xs, 0, true)), 2), 0);
    const scale = F.div(gamma ?? F.onesLike(variance), F.sqrt(F.add(variance, Number(params['eps']))));
    return [localTerm('in', 'γ/σ_B per feature (the batch-statistics terms are part of the downstream gradient)', scale, 'other')];
  },
  toPyTorch: ({ params, num }) => {
    const eps = params['eps'] as number;
    const momentum = params['momentum'] as number;
    const extra = `${eps !== 1e-5 ? `, eps=${num(eps)}` : ''}${momentum !== 0.1 ? `, momentum=${num(momentum)}` : ''}`;
    return { kind: 'layer', module: `nn.BatchNorm1d(${params['numFeatures'] as number}${extra})` };
  },
});

export const DropoutNode = defineNode({
  ...DROPOUT,
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
  toOnnx: (ctx) => ctx.single('Identity', [ctx.inputs['in']!]),
  localGradient: ({ input, output }) => [localTerm('in', 'the dropout mask ÷ (1 − p)', maskRatio(input('in')!, output('out')!), 'elementwise')],
  toPyTorch: ({ params, num }) => ({ kind: 'layer', module: `nn.Dropout(${num(params['p'] as number)})` }),
});

/** The dropout mask as it was applied: out / in where the input is nonzero. */
function maskRatio(x: Tensor, y: Tensor): Tensor {
  const out = new Float64Array(x.size);
  for (let i = 0; i < out.length; i++) out[i] = x.data[i] === 0 ? 0 : y.data[i]! / x.data[i]!;
  return tensor(out, { shape: x.shape });
}

export const FlattenNode = defineNode({
  ...FLATTEN,
  inferShapes: ({ inputs }) => {
    const s = inShape(inputs);
    if (s.length < 1) throw new NodeShapeError('cannot flatten a scalar', 'in');
    const rest = symSize(s.slice(1));
    if (rest === null) throw new NodeShapeError(`cannot flatten ${shapeText(s)}: only the first dimension may be N`, 'in');
    return { out: [s[0]!, rest] };
  },
  build: () => stateless(({ in: x }) => ({ out: F.flatten(x!, 1) })),
  toOnnx: (ctx) => ctx.single('Flatten', [ctx.inputs['in']!], { axis: onnxAttr.int(1) }),
  localGradient: ({ input }) => [localTerm('in', 'pass-through, reshaped', F.onesLike(input('in')!), 'elementwise')],
  toPyTorch: ({ inputs }) => ({ kind: 'expression', expression: `${inputs['in']!}.flatten(1)` }),
});

export const ReshapeNode = defineNode({
  ...RESHAPE,
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
    return stateless(({ in: x }) => ({ out: F.reshape(x!, batched ? [x!.shape[0]!, ...target] : target) }));
  },
  toOnnx: (ctx) => {
    const target = ctx.params['shape'] as number[];
    const shape = ctx.inputShapes['in']![0] === 'N' ? [0, ...target] : target;
    return ctx.single('Reshape', [ctx.inputs['in']!, ctx.constant('int64', [shape.length], shape, `${ctx.node.id}.shape`)]);
  },
  localGradient: ({ input }) => [localTerm('in', 'pass-through, reshaped', F.onesLike(input('in')!), 'elementwise')],
  toPyTorch: ({ inputs, inputShapes, params }) => {
    const target = params['shape'] as number[];
    const batched = inputShapes['in']?.[0] === 'N';
    return { kind: 'expression', expression: `${inputs['in']!}.reshape(${batched ? ['-1', ...target].join(', ') : target.length === 0 ? '()' : target.join(', ')})` };
  },
});
