/**
 * NaN goes through as PyTorch lets it (issue 11): relu(NaN) = NaN (`x > 0 ? x : 0` made it 0 and
 * hid NaN inputs), maximum(NaN, x) = maximum(x, NaN) = NaN, the max reduction and argmax see
 * NaN as the largest — and the gradients are PyTorch's. Expected values from torch 2.x:
 *   relu([nan, -1, 2]) = [nan, 0, 2],        d/dx sum = [1, 0, 1]
 *   maximum([nan, 1, 2], [1, nan, 2]) = [nan, nan, 2],  grads [1, 1, 0.5] and [1, 1, 0.5]
 *   leaky_relu(nan, 0.1) = nan, grad 0.1;  abs(nan) = nan, grad 0;  sign(nan) = 0
 *   amax([[1, nan, 3]], 1) = [nan], argmax = [1]
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../core/creation';
import type { Tensor } from '../../core/tensor';
import { openSession, ortTensor } from '../../backends/ort/runtime';
import { buildOpGraph } from '../../backends/ort/step-graph';
import * as F from '../functional';

const vals = (t: Tensor): number[] => Array.from(t.data);

describe('NaN propagation (PyTorch semantics)', () => {
  it('relu(NaN) is NaN and its gradient there is 1', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tensor([NaN, -1, 2, 0], { requiresGrad: true, dtype });
      const y = F.relu(x);
      expect(vals(y)).toEqual([NaN, 0, 2, 0]);
      F.sum(y).backward();
      expect(vals(x.grad!)).toEqual([1, 0, 1, 0]);
    }
  });

  it('maximum propagates NaN from either side; both gradients are 1 there, ties split', () => {
    const a = tensor([NaN, 1, 2, 5], { requiresGrad: true });
    const b = tensor([1, NaN, 2, 3], { requiresGrad: true });
    const m = F.maximum(a, b);
    expect(vals(m)).toEqual([NaN, NaN, 2, 5]);
    F.sum(m).backward();
    expect(vals(a.grad!)).toEqual([1, 1, 0.5, 1]);
    expect(vals(b.grad!)).toEqual([1, 1, 0.5, 0]);
  });

  it('leaky relu, abs, sign, the max reduction and argmax already agree with PyTorch', () => {
    const x = tensor([NaN], { requiresGrad: true });
    const y = F.leakyRelu(x, 0.1);
    expect(vals(y)).toEqual([NaN]);
    F.sum(y).backward();
    expect(vals(x.grad!)[0]).toBeCloseTo(0.1, 6);
    const z = tensor([NaN], { requiresGrad: true });
    const a = F.abs(z);
    F.sum(a).backward();
    expect([vals(a), vals(z.grad!), vals(F.sign(tensor([NaN])))]).toEqual([[NaN], [0], [0]]);
    const r = tensor([[1, NaN, 3]]);
    expect(vals(F.max(r, [1]))).toEqual([NaN]);
    expect(vals(F.argmax(r, 1))).toEqual([1]);
  });
});

describe('NaN propagation: the ONNX lowering on onnxruntime agrees', () => {
  const onOrt = async (xs: Tensor[], f: (xs: Tensor[]) => Tensor): Promise<number[]> => {
    const { bytes } = buildOpGraph(xs, () => [f(xs)]);
    const session = await openSession(bytes, { provider: 'cpu', threads: 1 });
    const r = await session.run(Object.fromEntries(xs.map((t, i) => [`data_${i}`, ortTensor(t.data, t.shape)])), { y0: null });
    return Array.from(r['y0']!.data as Float32Array);
  };
  it('Relu and Max', async () => {
    expect(await onOrt([tensor([NaN, -1, 2])], ([x]) => F.relu(x!))).toEqual([NaN, 0, 2]);
    expect(await onOrt([tensor([NaN, 1, 2]), tensor([1, NaN, 2])], ([a, b]) => F.maximum(a!, b!))).toEqual([NaN, NaN, 2]);
  });
});
