import { describe, expect, it } from 'vitest';
import { calloutRows, edgeKey, guessIsRight, hiddenKeys, localIn, localText, pendingAt, rowNumbers } from './callout-model';
import type { BackwardStep, TensorSnapshot } from './backprop-model';

function snap(shape: number[], data: number[]): TensorSnapshot {
  return { shape, data, mean: data.reduce((a, b) => a + b, 0) / data.length, min: Math.min(...data), max: Math.max(...data), absMax: Math.max(...data.map(Math.abs)), norm: Math.hypot(...data) };
}
const s22 = (v: number) => snap([2, 2], [v, v, v, v]);
const names = (out: string, inputs: Record<string, string>) => ({ out, input: (p: string) => inputs[p] ?? p });

// the autograd lesson's Add node: y = x + 2
const add: BackwardStep = {
  phase: 'backward', index: 3, total: 4, nodeId: 'y', title: 'Add "y = x + 2"',
  upstream: [{ port: 'out', total: s22(6.75), branches: [{ edgeId: 'y-z', target: 'z:in', value: s22(6.75) }], flags: [] }],
  local: [{ of: 'a', description: 'pass-through (1)', value: s22(1), kind: 'elementwise', flags: [] }],
  downstream: [{ port: 'a', edgeId: 'x-y', value: s22(6.75), flags: [] }], parameters: [],
};

describe('the chain rule at the node', () => {
  it('upstream × local = downstream with the node’s names and one-based subscripts: 6.75 × 1 = 6.75', () => {
    const [r] = calloutRows(add, names('y', { a: 'x' }), 3);
    expect(r).toMatchObject({ key: 'e:x-y', name: 'x', sub: '2,2', element: 3, op: 'times' });
    expect(r!.up).toMatchObject({ symbol: '∂L/∂y', sub: '2,2', value: 6.75 });
    expect(r!.local).toMatchObject({ symbol: '∂y/∂x', value: 1 });
    expect(r!.down).toMatchObject({ symbol: '∂L/∂x', value: 6.75, hidden: false });
    expect(rowNumbers(r!)).toBe('6.75 × 1 = 6.75');
  });
  it('a fan-out upstream shows its branches and their sum; a leaf its total', () => {
    const x: BackwardStep = {
      phase: 'backward', index: 4, total: 4, nodeId: 'x', title: 'Input "x"',
      upstream: [{ port: 'out', total: snap([], [8]), branches: [{ edgeId: 'a', target: 'a:b', value: snap([], [2]) }, { edgeId: 'b1', target: 'b:a', value: snap([], [3]) }, { edgeId: 'b2', target: 'b:b', value: snap([], [3]) }], flags: [] }],
      local: [], downstream: [], parameters: [],
    };
    const [r] = calloutRows(x, names('x', {}), 0);
    expect(r!.op).toBe('leaf');
    expect(rowNumbers(r!)).toBe('(2 + 3 + 3) = 8');
  });
  it('a scalar upstream broadcast over a mean: 1 × 0.25 = 0.25', () => {
    const mean: BackwardStep = {
      phase: 'backward', index: 1, total: 4, nodeId: 'out', title: 'Mean',
      upstream: [{ port: 'out', total: snap([], [1]), branches: [], flags: [] }],
      local: [{ of: 'in', description: '1/n', value: s22(0.25), kind: 'reduction', flags: [] }],
      downstream: [{ port: 'in', edgeId: 'z-out', value: s22(0.25), flags: [] }], parameters: [],
    };
    expect(rowNumbers(calloutRows(mean, names('out', { in: 'z' }), 0)[0]!)).toBe('1 × 0.25 = 0.25');
  });
});

describe('predict first', () => {
  it('hides what backward produced until guessed, and a hidden row reads ?', () => {
    const steps = [add];
    expect([...hiddenKeys(true, steps, 0, {})]).toEqual(['e:x-y']);
    expect(hiddenKeys(true, steps, 0, { 'e:x-y': {} }).size).toBe(0);
    expect(hiddenKeys(false, steps, 0, {}).size).toBe(0);
    expect(pendingAt(add, {})).toEqual([edgeKey('x-y')]);
    const [r] = calloutRows(add, names('y', { a: 'x' }), 0, (k) => k === 'e:x-y');
    expect(rowNumbers(r!)).toBe('6.75 × 1 = ?');
  });
  it('right within 1e-3 relative: 6.75 is right, 6 is wrong', () => {
    expect(guessIsRight(6.75, 6.75)).toBe(true);
    expect(guessIsRight(6.755, 6.75)).toBe(true);
    expect(guessIsRight(6.76, 6.75)).toBe(false);
    expect(guessIsRight(6, 6.75)).toBe(false);
    expect(guessIsRight(0, 0)).toBe(true);
    expect(guessIsRight(Number.NaN, 1)).toBe(false);
  });
  it('writes a local derivative in the node’s own variable', () => {
    expect(localIn('3·x^2', 'y')).toBe('3·y^2');
    expect(localIn('eˣ', 'y')).toBe('eˣ');
  });
  it('names the other inputs a local derivative reads as the user did (a multiply gate w · x)', () => {
    const input = (p: string) => ({ a: 'w', b: 'x' })[p] ?? p;
    // the x of `{b}`'s name is not taken for the variable: ports are substituted after it
    expect(localText('the other input, {b}', 'w', input)).toBe('the other input, x');
    expect(localText('the other input, {a}', 'x', input)).toBe('the other input, w');
    expect(localText('routing mask 1[{a} > {b}]', 'w', input)).toBe('routing mask 1[w > x]');
    expect(localText('σ(x)(1 − σ(x))', 'z', input)).toBe('σ(z)(1 − σ(z))');
    const mul: BackwardStep = {
      phase: 'backward', index: 2, total: 5, nodeId: 'm', title: 'Multiply "wx"',
      upstream: [{ port: 'out', total: snap([], [2]), branches: [], flags: [] }],
      local: [{ of: 'a', description: 'the other input, {b}', value: snap([], [-3]), kind: 'elementwise', flags: [] }],
      downstream: [{ port: 'a', edgeId: 'w-m', value: snap([], [-6]), flags: [] }], parameters: [],
    };
    const [r] = calloutRows(mul, names('wx', { a: 'w', b: 'x' }), 0);
    expect(r!.local).toMatchObject({ symbol: '∂wx/∂w', value: -3, description: 'the other input, x' });
    expect(rowNumbers(r!)).toBe('2 × −3 = −6');
  });
});
