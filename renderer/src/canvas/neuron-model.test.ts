/** The neuron view's model: which Linear expands, where units and wires sit, and the numbers at the cursor. */
import { describe, expect, it } from 'vitest';
import type { GraphDocument, GraphNode } from '../../../engine/graph/document';
import type { Step, TensorSnapshot } from '../../../engine/graph/step-through';
import { GEOMETRY, NEURON_LIMIT, neuronEligibility, neuronLayout, neuronNumbersAt, wireNumbers, wireStroke } from './neuron-model';
import { readoutText } from './NeuronView';

const linear = (inF: unknown, outF: unknown, extra: Partial<GraphNode> = {}): GraphNode => ({ id: 'lin', type: 'Linear', position: { x: 0, y: 0 }, params: { inFeatures: inF, outFeatures: outF }, ...extra });
const snap = (shape: number[], data: number[]): TensorSnapshot => ({ shape, data, mean: 0, min: 0, max: 0, absMax: Math.max(...data.map(Math.abs)), norm: 0 });

describe('neuronEligibility', () => {
  it('is null for a node that is not a Linear', () => {
    expect(neuronEligibility({ id: 'a', type: 'Activation', position: { x: 0, y: 0 }, params: {} })).toBeNull();
  });
  it('accepts up to 8×8, with the bias unless it is off', () => {
    expect(neuronEligibility(linear(2, 1))).toEqual({ ok: true, shape: { inFeatures: 2, outFeatures: 1, bias: true } });
    expect(neuronEligibility(linear(NEURON_LIMIT, NEURON_LIMIT, { params: { inFeatures: 8, outFeatures: 8, bias: false } }))).toEqual({ ok: true, shape: { inFeatures: 8, outFeatures: 8, bias: false } });
  });
  it('refuses larger than 8×8 with a one-line reason', () => {
    const r = neuronEligibility(linear(9, 2));
    expect(r).toEqual({ ok: false, reason: 'Neuron view draws a Linear of at most 8×8; this one is 9→2 (18 weights)' });
    expect(neuronEligibility(linear(4, 16))?.ok).toBe(false);
    expect(r?.ok === false && r.reason.includes('\n')).toBe(false);
  });
  it('takes in_features the engine followed from the input wire, and refuses without a shape', () => {
    expect(neuronEligibility(linear('follow', 3), { inFeatures: 4 })).toEqual({ ok: true, shape: { inFeatures: 4, outFeatures: 3, bias: true } });
    expect(neuronEligibility(linear('follow', 3))?.ok).toBe(false);
  });
});

describe('neuronLayout', () => {
  it('2→1 with bias: x₁, x₂, the bias unit on the left, y₁ centred on the right, three wires', () => {
    const l = neuronLayout({ inFeatures: 2, outFeatures: 1, bias: true });
    const { row, pad, inX, outX } = GEOMETRY;
    expect(l.inputs.map((u) => [u.name, u.x, u.y])).toEqual([['x₁', inX, pad], ['x₂', inX, pad + row]]);
    expect(l.biasUnit).toMatchObject({ name: '1', x: inX, y: pad + 2 * row });
    expect(l.outputs.map((u) => [u.name, u.x, u.y])).toEqual([['y₁', outX, pad + row]]);
    expect(l.height).toBe(2 * pad + 2 * row);
    expect(l.wires.map((w) => `${w.key}:${w.name}:${w.out}:${w.in}`)).toEqual(['w1,1:w₁,₁:0:0', 'w1,2:w₁,₂:0:1', 'b1:b₁:0:null']);
    const w12 = l.wires[1]!;
    expect([w12.x1, w12.y1, w12.x2, w12.y2]).toEqual([inX, pad + row, outX, pad + row]);
  });
  it('one wire per weight (out × in, plus a bias each), every label between its ends and inside the drawing', () => {
    const l = neuronLayout({ inFeatures: 8, outFeatures: 8, bias: true });
    expect(l.wires).toHaveLength(8 * 8 + 8);
    expect(new Set(l.wires.map((w) => w.key)).size).toBe(72);
    expect(l.wires.find((w) => w.key === 'w3,5')).toMatchObject({ out: 2, in: 4, y2: l.outputs[2]!.y, y1: l.inputs[4]!.y });
    for (const w of l.wires) {
      expect(w.labelX).toBeGreaterThan(w.x1);
      expect(w.labelX).toBeLessThan(w.x2);
      expect(w.labelY).toBeGreaterThanOrEqual(0);
      expect(w.labelY).toBeLessThanOrEqual(l.height);
    }
    // the taller column (8 inputs + bias) sets the height; the outputs are centred on it
    expect(l.height).toBe(2 * GEOMETRY.pad + 8 * GEOMETRY.row);
    expect((l.outputs[0]!.y + l.outputs[7]!.y) / 2).toBeCloseTo((l.inputs[0]!.y + l.biasUnit!.y) / 2, 9);
  });
  it('labels of one output unit’s wires do not overlap (a 15 px label row)', () => {
    const l = neuronLayout({ inFeatures: 8, outFeatures: 3, bias: true });
    for (let o = 0; o < 3; o++) {
      const ys = l.wires.filter((w) => w.out === o).map((w) => w.labelY).sort((a, b) => a - b);
      for (let k = 1; k < ys.length; k++) expect(ys[k]! - ys[k - 1]!).toBeGreaterThanOrEqual(16);
    }
  });
});

describe('neuronNumbersAt', () => {
  const doc: GraphDocument = {
    formatVersion: 3, name: 't',
    nodes: [
      { id: 'x', type: 'Input', position: { x: 0, y: 0 }, params: {} },
      linear(2, 1, { weights: { weight: { shape: [1, 2], data: [0.5, 0.5] }, bias: { shape: [1], data: [-0.7] } } }),
      { id: 'loss', type: 'Loss', position: { x: 0, y: 0 }, params: {} },
    ],
    edges: [
      { id: 'x->lin', source: 'x', sourcePort: 'out', target: 'lin', targetPort: 'in' },
      { id: 'lin->loss', source: 'lin', sourcePort: 'out', target: 'loss', targetPort: 'prediction' },
    ],
  } as GraphDocument;
  const shape = { inFeatures: 2, outFeatures: 1, bias: true };
  const steps: Step[] = [
    { phase: 'forward', index: 1, total: 3, nodeId: 'x', title: 'x', reads: [], outputs: [{ port: 'out', value: snap([1, 2], [1, -2]), edgeIds: ['x->lin'] }] },
    { phase: 'forward', index: 2, total: 3, nodeId: 'lin', title: 'lin', reads: ['x->lin'], outputs: [{ port: 'out', value: snap([1, 1], [-2]), edgeIds: ['lin->loss'] }],
      parameters: [{ name: 'weight', value: snap([1, 2], [2, 1.5]) }, { name: 'bias', value: snap([1], [-1]) }] },
    { phase: 'forward', index: 3, total: 3, nodeId: 'loss', title: 'loss', reads: ['lin->loss'], outputs: [] },
    { phase: 'backward', index: 1, total: 2, nodeId: 'loss', title: 'loss', upstream: [], local: [], downstream: [], parameters: [] },
    { phase: 'backward', index: 2, total: 2, nodeId: 'lin', title: 'lin', upstream: [{ port: 'out', total: snap([1, 1], [-0.25]), branches: [], flags: [] }], local: [],
      downstream: [], parameters: [{ name: 'weight', grad: snap([1, 2], [-0.25, 0.5]), flags: [] }, { name: 'bias', grad: snap([1], [-0.25]), flags: [] }] },
  ];

  it('without a session: the document’s stored weights, nothing else', () => {
    const n = neuronNumbersAt(doc, 'lin', shape, [], -1);
    expect(n).toMatchObject({ weight: [0.5, 0.5], bias: [-0.7], x: null, y: null, delta: null, grad: null });
  });
  it('before the first step: the session’s weights (what this pass uses), no x yet', () => {
    const n = neuronNumbersAt(doc, 'lin', shape, steps, -1);
    expect(n).toMatchObject({ weight: [2, 1.5], bias: [-1], x: null, y: null, grad: null });
  });
  it('forward fills x then y; backward fills δ and ∂L/∂W, and each wire’s gradient is δ·x', () => {
    expect(neuronNumbersAt(doc, 'lin', shape, steps, 0)).toMatchObject({ x: [1, -2], y: null });
    expect(neuronNumbersAt(doc, 'lin', shape, steps, 1)).toMatchObject({ x: [1, -2], y: [-2], delta: null });
    expect(neuronNumbersAt(doc, 'lin', shape, steps, 3)).toMatchObject({ delta: null, grad: null });
    const n = neuronNumbersAt(doc, 'lin', shape, steps, 4);
    expect(n).toMatchObject({ delta: [-0.25], grad: [-0.25, 0.5], biasGrad: [-0.25], rows: 1 });
    const l = neuronLayout(shape);
    for (const w of l.wires) {
      const v = wireNumbers(w, n, shape);
      expect(v.grad).toBe(v.delta! * v.x!);
    }
    const w12 = wireNumbers(l.wires[1]!, n, shape);
    expect(w12).toEqual({ value: 1.5, grad: 0.5, delta: -0.25, x: -2 });
    expect(readoutText(l.wires[1]!, w12, n, true, l)).toBe('∂L/∂w₁,₂ = δ₁·x₂ = (−0.25) × (−2) = 0.5');
    expect(readoutText(l.wires[2]!, wireNumbers(l.wires[2]!, n, shape), n, true, l)).toBe('∂L/∂b₁ = δ₁·1 = (−0.25) × 1 = −0.25');
    const early = neuronNumbersAt(doc, 'lin', shape, steps, 1);
    expect(readoutText(l.wires[1]!, wireNumbers(l.wires[1]!, early, shape), early, true, l)).toBe('w₁,₂ = 1.5; backward gives δ₁·x₂');
    expect(readoutText(l.wires[1]!, wireNumbers(l.wires[1]!, early, shape), early, false, l)).toBe('w₁,₂ = 1.5 (∂L/∂w = δ·x in Backprop)');
    const none = neuronNumbersAt({ ...doc, nodes: doc.nodes.map((x) => (x.id === 'lin' ? { ...x, weights: undefined } : x)) } as GraphDocument, 'lin', shape, [], -1);
    expect(readoutText(l.wires[0]!, wireNumbers(l.wires[0]!, none, shape), none, false, l)).toBe('Backprop mode: wᵢⱼ and ∂L/∂wᵢⱼ = δᵢ·xⱼ');
  });
  it('wire width grows with |w| up to 5 px; the sign picks the colour', () => {
    const n = neuronNumbersAt(doc, 'lin', shape, steps, -1);
    expect(wireStroke(2, n)).toEqual({ width: 5, sign: 'pos' });
    expect(wireStroke(-1, n)).toEqual({ width: 3, sign: 'neg' });
    expect(wireStroke(null, n)).toEqual({ width: 1, sign: 'none' });
  });
});
