import { describe, expect, it } from 'vitest';
import {
  chainRule, edgeViewsAt, formatTensorLabel, reachedEdges, stepCounter, toneOf, heatmapGrid, matrixTerms,
  type BackwardStep, type Step, type TensorSnapshot,
} from './backprop-model';

function snap(shape: number[], data: number[]): TensorSnapshot {
  const abs = data.map(Math.abs);
  return {
    shape, data, mean: data.reduce((a, b) => a + b, 0) / data.length, min: Math.min(...data), max: Math.max(...data),
    absMax: Math.max(...abs), norm: Math.sqrt(data.reduce((a, b) => a + b * b, 0)),
  };
}
const s22 = (v: number) => snap([2, 2], [v, v, v, v]);

// the lecture's lesson: x = ones(2,2) → y = x + 2 → z = y³ → out = mean(z)
const lesson: Step[] = [
  { phase: 'forward', index: 1, total: 5, nodeId: 'x', title: 'Input "x"', reads: [], outputs: [{ port: 'out', value: s22(1), edgeIds: ['x-y'] }] },
  { phase: 'forward', index: 2, total: 5, nodeId: 'y', title: 'Add "y = x + 2"', reads: ['x-y'], outputs: [{ port: 'out', value: s22(3), edgeIds: ['y-z'] }] },
  { phase: 'forward', index: 3, total: 5, nodeId: 'z', title: 'Power "z = y³"', reads: ['y-z'], outputs: [{ port: 'out', value: s22(27), edgeIds: ['z-out'] }] },
  { phase: 'forward', index: 4, total: 5, nodeId: 'out', title: 'Mean "out"', reads: ['z-out'], outputs: [{ port: 'out', value: snap([], [27]), edgeIds: ['out-r'] }] },
  { phase: 'forward', index: 5, total: 5, nodeId: 'r', title: 'Output "out"', reads: ['out-r'], outputs: [] },
  {
    phase: 'backward', index: 1, total: 4, nodeId: 'out', title: 'Mean "out"',
    upstream: [{ port: 'out', total: snap([], [1]), branches: [], flags: [] }],
    local: [{ of: 'in', description: '1/n', value: s22(0.25), kind: 'reduction', flags: [] }],
    downstream: [{ port: 'in', edgeId: 'z-out', value: s22(0.25), flags: [] }], parameters: [],
  },
  {
    phase: 'backward', index: 2, total: 4, nodeId: 'z', title: 'Power "z = y³"',
    upstream: [{ port: 'out', total: s22(0.25), branches: [{ edgeId: 'z-out', target: 'out:in', value: s22(0.25) }], flags: [] }],
    local: [{ of: 'in', description: '3·x^2', value: s22(27), kind: 'elementwise', flags: [] }],
    downstream: [{ port: 'in', edgeId: 'y-z', value: s22(6.75), flags: [] }], parameters: [],
  },
  {
    phase: 'backward', index: 3, total: 4, nodeId: 'y', title: 'Add "y = x + 2"',
    upstream: [{ port: 'out', total: s22(6.75), branches: [{ edgeId: 'y-z', target: 'z:in', value: s22(6.75) }], flags: [] }],
    local: [{ of: 'a', description: 'pass-through (1)', value: s22(1), kind: 'elementwise', flags: [] }],
    downstream: [{ port: 'a', edgeId: 'x-y', value: s22(6.75), flags: [] }], parameters: [],
  },
  {
    phase: 'backward', index: 4, total: 4, nodeId: 'x', title: 'Input "x"',
    upstream: [{ port: 'out', total: s22(6.75), branches: [{ edgeId: 'x-y', target: 'y:a', value: s22(6.75) }], flags: [] }],
    local: [], downstream: [], parameters: [],
  },
];

describe('edge labels', () => {
  it('shows the numbers for ≤ 4 elements and shape + mean + |max| above', () => {
    expect(formatTensorLabel(snap([], [6.75]))).toBe('6.75');
    expect(formatTensorLabel(snap([1, 2], [0.123456, -2]))).toBe('[0.1235, −2]');
    expect(formatTensorLabel(snap([2, 2], [1, 2, 3, 4]))).toBe('[1, 2; 3, 4]');
    expect(formatTensorLabel(s22(6.75))).toBe('6.75 ×4');
    expect(formatTensorLabel(snap([1, 8], [1, 2, 3, 4, 5, 6, 7, -9]))).toBe('1×8 μ 2.375 |max| 9');
  });
  it('places values on a linear or log diverging scale', () => {
    expect(toneOf(5, 10)).toBe(0.5);
    expect(toneOf(-10, 10)).toBe(-1);
    expect(toneOf(1e-3, 1, true)).toBeCloseTo(0.5);
    expect(toneOf(0, 1)).toBe(0);
  });
});

describe('which edges are reached at step k', () => {
  it('forward reaches the edges of the steps run so far', () => {
    expect([...reachedEdges(lesson, -1)]).toEqual([]);
    expect([...reachedEdges(lesson, 1)].sort()).toEqual(['x-y', 'y-z']);
  });
  it('backward reaches edges as their gradient is known, from the objective back', () => {
    expect([...reachedEdges(lesson, 5)].sort()).toEqual(['out-r', 'z-out']);
    expect([...reachedEdges(lesson, 7)].sort()).toEqual(['out-r', 'x-y', 'y-z', 'z-out']);
  });
  it('labels the x edge 6.75 at the end of backward, and keeps unchanged labels identical', () => {
    const a = edgeViewsAt(lesson, 8, { log: false });
    expect(a['x-y']!.phase).toBe('grad');
    expect(a['x-y']!.text).toBe('6.75 ×4');
    expect(a['out-r']!.text).toBe('1');
    const b = edgeViewsAt(lesson, 8, { log: false }, a);
    expect(b['x-y']).toBe(a['x-y']);
  });
  it('counts steps', () => {
    expect(stepCounter(lesson, 6)).toBe("backward 2/4: Power 'z = y³'");
    expect(stepCounter(lesson, 0)).toBe("forward 1/5: Input 'x'");
  });
});

describe('chain rule with numbers', () => {
  const names = { out: 'z', input: () => 'y' };
  it('writes elementwise steps as upstream × local', () => {
    const r = chainRule(lesson[6] as BackwardStep, 'in', 0, names)!;
    expect(r.value).toBe(6.75);
    expect(r.tex).toContain('0.25 \\times 27 = 6.75');
    expect(r.tex).toContain('\\frac{\\partial L}{\\partial y_{1,1}}');
  });
  it('writes a scalar upstream broadcast over a mean', () => {
    const r = chainRule(lesson[5] as BackwardStep, 'in', 3, { out: '\\text{out}', input: () => 'z' })!;
    expect(r.tex).toContain('1 \\times 0.25 = 0.25');
  });
  it('writes Linear as the sum over the products', () => {
    // y = x Wᵀ, W [2, 3]; g [1, 2]; ∂L/∂x [1, 3] = g · W
    const W = [1, 2, 3, 4, 5, 6];
    const g = [0.5, -1];
    const dx = [0.5 * 1 - 4, 0.5 * 2 - 5, 0.5 * 3 - 6];
    const step: BackwardStep = {
      phase: 'backward', index: 1, total: 1, nodeId: 'h', title: 'Linear "h"',
      upstream: [{ port: 'out', total: snap([1, 2], g), branches: [], flags: [] }],
      local: [{ of: 'in', description: 'W', value: snap([2, 3], W), kind: 'matrix', flags: [] }],
      downstream: [{ port: 'in', edgeId: 'e', value: snap([1, 3], dx), flags: [] }], parameters: [],
    };
    const r = chainRule(step, 'in', 1, { out: 'h', input: () => 'x' })!;
    expect(r.tex).toContain('\\sum_{k}');
    expect(r.tex).toContain('0.5 \\times 2 + (-1) \\times 5 = -4');
    expect(matrixTerms([1, 2], g, [2, 3], W, [1, 3], 2, dx[2]!)).toEqual([{ g: 0.5, l: 3 }, { g: -1, l: 6 }]);
  });
});

describe('heatmap grid', () => {
  it('reshapes 784 to 28×28', () => {
    expect(heatmapGrid([1, 784], 784)).toEqual({ rows: 28, cols: 28 });
    expect(heatmapGrid([4, 16], 64)).toEqual({ rows: 4, cols: 16 });
  });
});
