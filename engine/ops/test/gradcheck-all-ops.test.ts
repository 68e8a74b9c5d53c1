import { describe, expect, it } from 'vitest';
import { opRegistry } from '../registry';
import { gradcheckOp } from '../../testing/gradcheck';
import type { OpDef } from '../define-op';

const ops = [...opRegistry.values()];
const differentiable = ops.filter((op) => op.vjp);

describe('op registry', () => {
  it('holds every op the engine promises, each once', () => {
    const names = ops.map((o) => o.name);
    for (const required of [
      'add', 'sub', 'mul', 'div', 'neg', 'pow', 'exp', 'log', 'sqrt', 'abs', 'matmul', 'permute', 'reshape', 'expand',
      'sum', 'mean', 'max', 'maximum', 'argmax', 'relu', 'leakyRelu', 'sigmoid', 'tanh', 'gelu', 'step', 'sign',
      'softmax', 'logSoftmax', 'gather', 'scatterAdd', 'oneHot', 'gt', 'lt', 'ge', 'le', 'eq',
    ]) {
      expect(names).toContain(required);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives every differentiable op gradient-check samples', () => {
    const missing = differentiable.filter((op) => !op.samples || op.samples.length === 0).map((o) => o.name);
    expect(missing).toEqual([]);
  });

  it('names backward nodes as PyTorch does', () => {
    const byName = (n: string): OpDef => opRegistry.get(n)!;
    expect(byName('add').gradFnName).toBe('AddBackward0');
    expect(byName('pow').gradFnName).toBe('PowBackward0');
    expect(byName('mean').gradFnName).toBe('MeanBackward0');
    expect(byName('matmul').gradFnName).toBe('MmBackward0');
  });
});

describe.each(differentiable.map((op) => [op.name, op] as const))('gradcheck %s', (_name, op) => {
  it.each((op.samples ?? []).map((s, i) => [s.label ?? `sample ${i}`, s] as const))('%s', (_label, sample) => {
    const results = gradcheckOp(op, sample);
    for (const r of results) expect(r.ok, r.message).toBe(true);
    expect(results.length).toBe(sample.secondOrder === false ? 1 : 2);
  });
});

describe('gradcheck itself', () => {
  it('fails on a wrong VJP', async () => {
    const { defineOp } = await import('../define-op');
    const { mul } = await import('../functional');
    const wrongSquare = defineOp<Record<string, never>>({
      name: 'wrongSquare',
      arity: 1,
      doc: 'x² with a VJP missing its factor 2',
      inferShape: ([s]) => s!,
      forward: ([x]) => x!.data.map((v) => v * v),
      vjp: ({ gradOutput: g, inputs: [x] }) => [mul(g, x!)],
      samples: [{ shapes: [[3]], attrs: {} }],
    });
    const [first] = gradcheckOp(wrongSquare, wrongSquare.samples![0]!);
    expect(first!.ok).toBe(false);
    expect(first!.message).toMatch(/order 1, input 0/);
  });
});
