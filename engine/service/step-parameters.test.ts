/** stepThrough sends each Linear's weight and bias on its forward step (the neuron view's weights before backward). */
import { describe, expect, it } from 'vitest';
import { EngineService } from './service';

describe('EngineService: stepThrough forward steps carry parameter values', () => {
  const service = new EngineService();
  it('the OR perceptron lesson: the Linear’s weight 1×2 and bias, equal to the W its backward step multiplies by', async () => {
    const doc = await service.handle('getExample', { name: 'perceptron-learning-or' });
    const r = await service.handle('stepThrough', { document: doc as unknown as Record<string, unknown>, split: 'train', samples: [1], dtype: 'float32' });
    const f = r.steps.find((s) => s.phase === 'forward' && s.nodeId === 'score')!;
    const b = r.steps.find((s) => s.phase === 'backward' && s.nodeId === 'score')!;
    if (f.phase !== 'forward' || b.phase !== 'backward') throw new Error('phases');
    const params = f.parameters!;
    expect(params.map((p) => `${p.name}:${p.value.shape.join('×')}`)).toEqual(['weight:1×2', 'bias:1']);
    expect(params[0]!.value.data).toEqual(b.local.find((l) => l.of === 'in')!.value.data);
    // ∂L/∂w_j = δ·x_j for the one sample
    const delta = b.upstream[0]!.total.data[0]!;
    const x = b.local.find((l) => l.of === 'weight')!.value.data;
    const g = b.parameters.find((p) => p.name === 'weight')!.grad.data;
    expect(g[0]).toBeCloseTo(delta * x[0]!, 6);
    expect(g[1]).toBeCloseTo(delta * x[1]!, 6);
    // the input node has no parameters and no field
    const input = r.steps.find((s) => s.phase === 'forward' && s.nodeId === 'x')!;
    expect(input.phase === 'forward' && input.parameters).toBeUndefined();
  });
});
