/**
 * onnxruntime-node's results for pre-allocated outputs (runtime.ts, `ownOutputs`): the binding
 * writes them in place and also returns a copy in a fresh ArrayBuffer; the session hands back the
 * caller's own tensors and releases the copy at once where ArrayBuffer.prototype.transfer exists.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { tensor } from '../../core/creation';
import { apply } from '../../ops/define-op';
import { matmulOp } from '../../ops/matmul';
import { buildOpGraph } from './step-graph';
import { openSession, ortTensor, ownOutputs } from './runtime';

type Results = Parameters<typeof ownOutputs>[0];
type Fetches = Parameters<typeof ownOutputs>[1];

/** A result as the native binding returns it, over a buffer whose `transfer` calls are counted. */
function bindingCopy(calls: number[]): { data: { buffer: { transfer(n: number): void } } } {
  return { data: { buffer: { transfer: (n: number) => void calls.push(n) } } };
}

describe('the results of a run', () => {
  it('are the caller\'s own tensors for pre-allocated outputs, read after a real run', async () => {
    const a = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    const b = tensor(Float32Array.from([1, 0, 0, 1, 1, 1]), { shape: [3, 2] });
    const { bytes } = buildOpGraph([a, b], () => [apply(matmulOp, [a, b], { transA: false, transB: false })]);
    const session = await openSession(bytes, { provider: 'cpu', threads: 1 });
    const own = ortTensor(new Float32Array(4), [2, 2]);
    const r = await session.run({ data_0: ortTensor(a.data, [2, 3]), data_1: ortTensor(b.data, [3, 2]) }, { y0: own });
    expect(r['y0']).toBe(own);
    expect(Array.from(own.data as Float32Array)).toEqual([4, 5, 10, 11]);
  });

  it('release the binding\'s copies where transfer exists, and nothing else', () => {
    const calls: number[] = [];
    const own = new ort.Tensor('float32', new Float32Array(2), [2]);
    const mine = { data: { buffer: own.data.buffer } }; // a binding that returned the caller's buffer itself
    const fetched = new ort.Tensor('float32', new Float32Array(1), [1]);
    const results = { pre: bindingCopy(calls), same: mine, free: fetched } as unknown as Results;
    const out = ownOutputs(results, { pre: own, same: own, free: null } as unknown as Fetches);
    expect(calls).toEqual([0]); // the copy only: never the caller's memory
    expect(out['pre']).toBe(own);
    expect(out['same']).toBe(own);
    expect(out['free']).toBe(fetched); // not pre-allocated: the binding's tensor is the result
  });

  it('leave the copies to the garbage collector where transfer does not exist', () => {
    const own = new ort.Tensor('float32', new Float32Array(2), [2]);
    const copy = { data: { buffer: {} } };
    const out = ownOutputs({ pre: copy } as unknown as Results, { pre: own } as unknown as Fetches);
    expect(out['pre']).toBe(own);
  });
});
