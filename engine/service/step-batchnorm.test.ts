/**
 * Backprop mode on the Iris example steps one sample at a time; BatchNorm cannot normalise a batch
 * of one ("expected more than 1 value per channel when training"), so such a session runs as
 * PyTorch's model.eval() does and says so. With two samples it is training mode again.
 */
import { describe, expect, it } from 'vitest';
import { EngineService } from './service';

describe('EngineService.stepThrough with BatchNorm', () => {
  it('one Iris sample: evaluation mode (running statistics), every step computed; two samples: training mode', async () => {
    const service = new EngineService();
    const iris = (await service.handle('getExample', { name: 'iris-mlp' })) as unknown as Record<string, unknown>;
    const one = await service.handle('stepThrough', { document: iris, split: 'train', samples: [0], dtype: 'float32' });
    expect(one.trainingMode).toBe(false);
    expect(Number.isFinite(one.objective)).toBe(true);
    expect(one.steps.filter((s) => s.phase === 'backward').length).toBeGreaterThan(10);
    const two = await service.handle('stepThrough', { document: iris, split: 'train', samples: [0, 1], dtype: 'float32' });
    expect(two.trainingMode).toBe(true);
    expect(two.objective).not.toBe(one.objective);
  });

  it('graphs without running statistics step one sample in training mode', async () => {
    const service = new EngineService();
    const xor = (await service.handle('getExample', { name: 'xor-mlp' })) as unknown as Record<string, unknown>;
    expect((await service.handle('stepThrough', { document: xor, split: 'train', samples: [0], dtype: 'float32' })).trainingMode).toBe(true);
  });
});

describe('EngineService.stepThrough on an imported inference model', () => {
  it('an ONNX model without a Loss steps its own forward pass (objective null), on the data the document names', async () => {
    const { exportOnnx } = await import('../onnx/export');
    const service = new EngineService();
    const xor = await service.handle('getExample', { name: 'xor-mlp' });
    const { bytes } = exportOnnx(xor);
    const { document } = await service.handle('importOnnx', { name: 'xor.onnx', base64: Buffer.from(bytes).toString('base64') });
    expect(document.nodes.some((n) => n.type === 'Loss')).toBe(false);
    const withData = { ...document, training: { dataset: { name: 'xor', params: {} } } } as unknown as Record<string, unknown>;
    const r = await service.handle('stepThrough', { document: withData, split: 'train', samples: [1, 2], dtype: 'float32' });
    expect(r.objective).toBeNull();
    expect(r.steps.every((s) => s.phase === 'forward')).toBe(true);
    expect(r.steps.map((s) => s.nodeId).sort()).toEqual(document.nodes.map((n) => n.id).sort());
    // one sample: the model's single output is a scalar, and backward starts from it (∂out/∂x)
    const one = await service.handle('stepThrough', { document: withData, split: 'train', samples: [1], dtype: 'float32' });
    expect(one.objective).not.toBeNull();
    expect(one.steps.some((s) => s.phase === 'backward')).toBe(true);
  });
});
