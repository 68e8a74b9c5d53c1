/**
 * The lecture's autograd lessons, number for number (rows 6–13 of the table in DESIGN.md).
 */
import { describe, expect, it } from 'vitest';
import { grad, ones, sigmoid, sum, tensor, AutogradError } from '../index';

describe('seed row 6: y = x + 2, z = y³, out = mean(z)', () => {
  it('gives x.grad = 6.75, retained y.grad = 6.75 and z.grad = 0.25', () => {
    const x = ones([2, 2], { requiresGrad: true });
    expect(x.gradFn).toBeNull();
    const y = x.add(2);
    expect(y.gradFn?.name).toBe('AddBackward0');
    expect(y.requiresGrad).toBe(true);
    const z = y.pow(3);
    const out = z.mean();
    expect(z.gradFn?.name).toBe('PowBackward0');
    expect(out.gradFn?.name).toBe('MeanBackward0');
    y.retainGrad();
    z.retainGrad();
    out.backward();
    expect(x.grad!.toArray()).toEqual([[6.75, 6.75], [6.75, 6.75]]);
    expect(y.grad!.toArray()).toEqual([[6.75, 6.75], [6.75, 6.75]]);
    expect(z.grad!.toArray()).toEqual([[0.25, 0.25], [0.25, 0.25]]);
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
  });

  it('requiresGrad_ toggles a leaf', () => {
    const x = ones([2, 2], { requiresGrad: true });
    x.requiresGrad_(false);
    expect(x.requiresGrad).toBe(false);
    x.requiresGrad_(true);
    expect(x.requiresGrad).toBe(true);
    const y = x.mul(2);
    expect(() => y.requiresGrad_(false)).toThrow(/only change requiresGrad flags of leaf variables/);
  });
});

describe('seed row 7: a second backward without retainGraph', () => {
  it('throws the error that says so and how to fix it', () => {
    const x = ones([2, 2], { requiresGrad: true });
    const out = x.add(2).pow(3).mean();
    out.backward();
    expect(() => out.backward()).toThrow(AutogradError);
    expect(() => out.backward()).toThrow(/Trying to backward through the graph a second time.*Specify retainGraph: true/s);
  });
});

describe('seed row 8: two backwards with retainGraph', () => {
  it('accumulates x.grad = 13.5 and y.grad = 13.5; z.grad stays null', () => {
    const x = ones([2, 2], { requiresGrad: true });
    const y = x.add(2);
    const z = y.pow(3);
    const out = z.mean();
    y.retainGrad();
    out.backward(null, { retainGraph: true });
    out.backward();
    expect(x.grad!.toArray()).toEqual([[13.5, 13.5], [13.5, 13.5]]);
    expect(y.grad!.toArray()).toEqual([[13.5, 13.5], [13.5, 13.5]]);
    expect(z.grad).toBeNull();
  });
});

describe('seed row 9: vector-Jacobian product', () => {
  it('y = x·2, y.backward(v) gives x.grad = 2v', () => {
    const x = tensor([0.5778, 1.1385, -0.4793], { requiresGrad: true });
    const y = x.mul(2);
    const v = tensor([0.1, 1.0, 0.0001]);
    y.backward(v);
    const g = x.grad!.toList();
    expect(g[0]).toBeCloseTo(0.2, 7);
    expect(g[1]).toBe(2);
    expect(g[2]).toBeCloseTo(0.0002, 9);
  });

  it('a non-scalar without gradient says it needs one', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow(/grad can be implicitly created only for scalar outputs.*vector-Jacobian product/s);
  });

  it('a gradient of the wrong shape is refused', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => x.mul(2).backward(tensor([1, 2]))).toThrow(/gradient has shape \[2\] but the output has shape \[3\]/);
  });
});

describe('seed row 10: x = ones(2,2), y = sum(x), z = y·y', () => {
  it('dz/dx = 8 for every element and dz/dy = 8', () => {
    const x = ones([2, 2], { requiresGrad: true });
    const y = sum(x);
    const z = y.mul(y);
    const [dzdx, dzdy] = grad(z, [x, y]);
    expect(dzdx!.toArray()).toEqual([[8, 8], [8, 8]]);
    expect(dzdy!.item()).toBe(8);
  });
});

describe('seed row 11: persistent tape, x = 3, y = x², z = y²', () => {
  it('dz/dx = 108 and dy/dx = 6 from the same graph', () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x);
    const z = y.mul(y);
    expect(grad(z, x, { retainGraph: true })[0]!.item()).toBe(108);
    expect(grad(y, x)[0]!.item()).toBe(6);
  });
});

describe('seed row 12: nested tapes, y = x³ at x = 1', () => {
  it('dy/dx = 3 and d²y/dx² = 6', () => {
    const x = tensor(1, { requiresGrad: true });
    const y = x.pow(3);
    const [dy] = grad(y, x, { createGraph: true });
    expect(dy!.item()).toBe(3);
    expect(dy!.requiresGrad).toBe(true);
    const [d2y] = grad(dy!, x);
    expect(d2y!.item()).toBe(6);
  });

  it('backward with createGraph leaves a differentiable .grad', () => {
    const x = tensor(2, { requiresGrad: true });
    x.pow(3).backward(null, { createGraph: true });
    const g = x.grad!;
    expect(g.item()).toBe(12);
    const [g2] = grad(g, x);
    expect(g2!.item()).toBe(12);
  });
});

describe('seed row 13: sigmoid saturates', () => {
  it.each([10, -10])('local gradient at x = %d is about 4.5e-5', (v) => {
    const x = tensor(v, { requiresGrad: true, dtype: 'float64' });
    sigmoid(x).backward();
    expect(x.grad!.item()).toBeCloseTo(4.539580773595167e-5, 13);
    expect(x.grad!.item()).toBeLessThan(1e-4);
  });
  it('at x = 0 it is 0.25', () => {
    const x = tensor(0, { requiresGrad: true });
    sigmoid(x).backward();
    expect(x.grad!.item()).toBe(0.25);
  });
});

describe('autograd semantics', () => {
  it('fan-out sums the gradients of every use', () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x).add(x.mul(4)); // x² + 4x
    y.backward();
    expect(x.grad!.item()).toBe(10);
  });

  it('detach cuts the graph and noGrad records nothing', async () => {
    const { noGrad } = await import('../index');
    const x = tensor([1, 2], { requiresGrad: true });
    expect(x.detach().requiresGrad).toBe(false);
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  it('grad() does not touch .grad and rejects unused inputs unless allowed', () => {
    const x = tensor(2, { requiresGrad: true });
    const w = tensor(5, { requiresGrad: true });
    const y = x.mul(3);
    expect(grad(y, x, { retainGraph: true })[0]!.item()).toBe(3);
    expect(x.grad).toBeNull();
    expect(() => grad(y, [x, w], { retainGraph: true })).toThrow(/input 1 appears to not have been used/);
    expect(grad(y, [x, w], { allowUnused: true })[1]).toBeNull();
  });

  it('max routes the gradient to the larger input', async () => {
    const { maximum } = await import('../index');
    const a = tensor([4, -1], { requiresGrad: true });
    const b = tensor([2, 5], { requiresGrad: true });
    maximum(a, b).sum().backward();
    expect(a.grad!.toList()).toEqual([1, 0]);
    expect(b.grad!.toList()).toEqual([0, 1]);
  });
});
