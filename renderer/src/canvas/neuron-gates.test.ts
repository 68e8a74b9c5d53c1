/** The sigmoid-neuron lesson's gates drawn as one neuron: found from σ, numbers from the engine's steps. */
import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../../engine/graph/document';
import { EngineService } from '../../../engine/service/service';
import { gateNeuron, gateNumbersAt, hidePredicted } from './neuron-gates';
import { neuronLayout, wireNumbers } from './neuron-model';
import { readoutText } from './NeuronView';

const service = new EngineService();
const example = async (name: string) => (await service.handle('getExample', { name })) as unknown as GraphDocument;

describe('gateNeuron', () => {
  it('finds σ(w₀·x₀ + w₁·x₁ + w₂) in the sigmoid-neuron lesson, named as the lesson names it', async () => {
    const doc = await example('lesson-sigmoid-neuron');
    const g = gateNeuron(doc, 'sig')!;
    expect(g).not.toBeNull();
    expect(g.terms.map((t) => `${t.mul}:${t.w}·${t.x}`)).toEqual(['p0:w0·x0', 'p1:w1·x1']);
    expect(g.bias).toEqual({ node: 'w2', edge: 'w2-out->z-b', add: 'z' });
    expect(g.shape).toEqual({ inFeatures: 2, outFeatures: 1, bias: true });
    expect(g.names).toEqual({ inputs: ['x₀', 'x₁'], weights: ['w₀', 'w₁'], bias: 'w₂', output: 'σ' });
    const l = neuronLayout(g.shape, g.names);
    expect(l.wires.map((w) => w.name)).toEqual(['w₀', 'w₁', 'w₂']);
    expect(l.outputs[0]!.delta).toBe('δ');
  });

  it('is null for an Activation that is not fed by products of scalar Inputs, and for other nodes', async () => {
    const xor = await example('xor-mlp');
    expect(gateNeuron(xor, 'sigma')).toBeNull();
    const doc = await example('lesson-sigmoid-neuron');
    expect(gateNeuron(doc, 's')).toBeNull();
  });
});

describe('gateNumbersAt', () => {
  it('without a session: the Inputs’ own values; through backward: ∂f/∂w₀ = δ·x₀ = 0.1966 × (−1) as the lesson says', async () => {
    const doc = await example('lesson-sigmoid-neuron');
    const g = gateNeuron(doc, 'sig')!;
    expect(gateNumbersAt(doc, g, [], -1)).toMatchObject({ weight: [2, -3], bias: [-3], x: [-1, -2], y: null, delta: null, grad: null });
    const r = await service.handle('stepThrough', { document: doc as unknown as Record<string, unknown>, split: 'train', samples: [0], dtype: 'float64' });
    const start = gateNumbersAt(doc, g, r.steps, -1);
    expect(start).toMatchObject({ weight: [2, -3], bias: [-3], x: [null, null], delta: null, grad: null });
    // backward reaches σ before the Multiplys: δ first, then one weight's gradient at a time
    const atSigma = r.steps.findIndex((s) => s.phase === 'backward' && s.nodeId === 'sig');
    const mid = gateNumbersAt(doc, g, r.steps, atSigma);
    expect(mid.delta![0]).toBeCloseTo(0.19661193, 6);
    expect(mid.grad).toBeNull();
    const end = gateNumbersAt(doc, g, r.steps, r.steps.length - 1);
    expect(end.x).toEqual([-1, -2]);
    expect(end.y![0]).toBeCloseTo(0.7310586, 6);
    const l = neuronLayout(g.shape, g.names);
    const w0 = wireNumbers(l.wires[0]!, end, g.shape);
    expect(w0.grad).toBeCloseTo(-0.19661193, 6);
    expect(w0.grad).toBeCloseTo(w0.delta! * w0.x!, 12);
    expect(wireNumbers(l.wires[1]!, end, g.shape).grad).toBeCloseTo(0.19661193 * -2, 6);
    expect(wireNumbers(l.wires[2]!, end, g.shape).grad).toBeCloseTo(0.19661193, 6);
    expect(readoutText(l.wires[0]!, w0, end, true, l)).toBe('∂L/∂w₀ = δ·x₀ = 0.1966 × (−1) = −0.1966');
  });
});

describe('hidePredicted', () => {
  it('Predict first hides the gradients not yet guessed, and only those', async () => {
    const doc = await example('lesson-sigmoid-neuron');
    const g = gateNeuron(doc, 'sig')!;
    const r = await service.handle('stepThrough', { document: doc as unknown as Record<string, unknown>, split: 'train', samples: [0], dtype: 'float64' });
    const end = gateNumbersAt(doc, g, r.steps, r.steps.length - 1);
    const h = hidePredicted(end, doc, 'sig', g, new Set(['e:w0-out->p0-a', 'e:z-out->sig-in']));
    expect(h.grad![0]).toBeNull();
    expect(h.grad![1]).toBeCloseTo(-0.3932, 4);
    expect(h.delta).toBeNull();
    expect(h.biasGrad![0]).toBeCloseTo(0.1966, 4);
    expect(hidePredicted(end, doc, 'sig', g, new Set())).toBe(end);
    const l = neuronLayout(g.shape, g.names);
    expect(readoutText(l.wires[0]!, wireNumbers(l.wires[0]!, h, g.shape), h, true, l, true)).toBe('w₀ = 2; predict ∂L/∂w₀ first');
  });
  it('a Linear’s ∂L/∂W and ∂L/∂b by their parameter keys, δ by its output edge', async () => {
    const doc = await example('perceptron-learning-or');
    const n = { weight: [1, 2], bias: [3], x: [1, 0], y: [4], delta: [-1], grad: [-1, 0], biasGrad: [-1], rows: 1 };
    expect(hidePredicted(n, doc, 'score', null, new Set(['p:score:weight']))).toMatchObject({ grad: null, biasGrad: [-1], delta: [-1] });
    expect(hidePredicted(n, doc, 'score', null, new Set(['e:score-out->loss-prediction', 'p:score:bias']))).toMatchObject({ grad: [-1, 0], biasGrad: null, delta: null });
  });
});
