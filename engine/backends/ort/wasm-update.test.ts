/**
 * The CPU provider's optimizer update outside onnxruntime (issue 14): the step graph outputs the
 * gradients flat and the optimizer's WebAssembly kernel updates the flat state in place. It must
 * train as the in-graph update does (same forward/backward, the same float32 update rule), check
 * for NaN/Inf as the ts backend does, and return the gradients' norms. Without the kernels
 * (BPSTUDIO_WASM=0) the executor falls back to the in-graph update.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/dataset';
import { DataLoader } from '../../data/loader';
import { compileDocument, type CompiledGraph } from '../../graph/compile';
import type { GraphDocument, OptimizerSettings } from '../../graph/document';
import { bindingOf } from '../../train/data-source';
import { makeOptimizer } from '../../train/trainer';
import { optimKernelsAvailable } from '../../optim/kernels/optim-wasm';
import { randomClassification, sequentialDocument, W2_LAYERS } from '../../testing/networks';
import { worstRelativeToScale } from '../../testing/allclose';
import { TsStepExecutor } from '../ts/executor';
import { OrtStepExecutor } from './executor';

const OPTIMIZERS: Record<string, OptimizerSettings> = {
  sgd: { type: 'sgd', lr: 0.01, momentum: 0, nesterov: false, weightDecay: 0 },
  nesterov: { type: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  adam: { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
  adamw: { type: 'adamw', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
} as unknown as Record<string, OptimizerSettings>;

const ds: Dataset = randomClassification(8 * 6 + 3, 4, 3, 5);

function model(doc: GraphDocument): CompiledGraph {
  return compileDocument(doc, { data: bindingOf(ds), requireLoss: true });
}

function* batches(steps: number, batchSize = 8) {
  const loader = new DataLoader(ds, { batchSize, shuffle: true, seed: 4 });
  let n = 0;
  for (let epoch = 0; ; epoch++) {
    for (const b of loader.batches(epoch)) {
      if (n++ === steps) return;
      yield b;
    }
  }
}

/** Parameters, buffers and optimizer state after sync, as one list. */
function state(ex: OrtStepExecutor): number[] {
  ex.sync();
  const out: number[] = [];
  for (const p of ex.model.parameterTensors()) out.push(...p.data);
  for (const b of ex.model.buffers()) out.push(...b.tensor.data);
  for (const slots of Object.values(ex.optimizer.stateDict().buffers)) for (const s of slots) if (s) out.push(...s);
  return out;
}

describe('the ort-cpu executor with the WebAssembly optimizer update', () => {
  it(`is used by default on the CPU provider exactly where the kernels are available (${optimKernelsAvailable ? 'here' : 'not here'})`, async () => {
    const doc = sequentialDocument(W2_LAYERS, OPTIMIZERS['adam']!, 8);
    const m = model(doc);
    const ex = await OrtStepExecutor.create(m, makeOptimizer(m.parameterTensors(), doc.training!.optimizer), ds, 8, { backend: 'ort-cpu' });
    expect(ex.wasmUpdate).toBe(optimKernelsAvailable);
    const packed = await OrtStepExecutor.create(m, makeOptimizer(m.parameterTensors(), doc.training!.optimizer), ds, 8, { backend: 'ort-cpu', packing: 'packed' });
    expect(packed.wasmUpdate).toBe(false);
    if (!optimKernelsAvailable) {
      await expect(OrtStepExecutor.create(m, makeOptimizer(m.parameterTensors(), doc.training!.optimizer), ds, 8, { backend: 'ort-cpu', update: 'wasm' })).rejects.toThrow(/cannot run here/);
    }
  });

  if (!optimKernelsAvailable) return;

  for (const name of Object.keys(OPTIMIZERS)) {
    it(`${name}: trains as the update in the graph does (W2 with BatchNorm, last batch partial, 40 steps)`, async () => {
      const doc = sequentialDocument(W2_LAYERS, OPTIMIZERS[name]!, 8);
      const a = model(doc);
      const b = model(doc);
      const wasm = await OrtStepExecutor.create(a, makeOptimizer(a.parameterTensors(), doc.training!.optimizer), ds, 8, { backend: 'ort-cpu', update: 'wasm' });
      const graph = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), doc.training!.optimizer), ds, 8, { backend: 'ort-cpu', update: 'graph' });
      expect([wasm.wasmUpdate, graph.wasmUpdate]).toEqual([true, false]);
      for (const batch of batches(40)) {
        const x = await wasm.step(batch);
        const y = await graph.step(batch);
        if (!x.ok || !y.ok) throw new Error('not finite');
        expect(Math.abs(x.loss - y.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(y.loss)));
      }
      const sa = state(wasm);
      const sb = state(graph);
      expect(sa.length).toBe(sb.length);
      expect(worstRelativeToScale(sa, sb)).toBeLessThan(name.startsWith('adam') ? 1e-4 : 1e-5);
      expect(wasm.optimizer.stepCount).toBe(40);
    });
  }

  it('returns the gradients’ norms, as the ts backend does', async () => {
    const doc = sequentialDocument(W2_LAYERS, OPTIMIZERS['nesterov']!, 8);
    const a = model(doc);
    const b = model(doc);
    const ts = new TsStepExecutor(a, makeOptimizer(a.parameterTensors(), doc.training!.optimizer));
    const ort = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), doc.training!.optimizer), ds, 8, { backend: 'ort-cpu' });
    expect(Array.from(ort.norms().grads).every(Number.isNaN)).toBe(true);
    const batch = batches(1).next().value!;
    ts.step(batch);
    await ort.step(batch);
    const x = ts.norms().grads;
    const y = ort.norms().grads;
    expect(y.length).toBe(x.length);
    x.forEach((v, k) => expect(Math.abs(v - y[k]!), `parameter ${k}`).toBeLessThan(1e-4 * Math.max(1, v)));
  });

  it('stops where the ts backend stops when training diverges (lr 1e38), naming the same node', async () => {
    const huge = { type: 'sgd', lr: 1e38, momentum: 0, nesterov: false, weightDecay: 0 } as unknown as OptimizerSettings;
    const doc = sequentialDocument(W2_LAYERS, huge, 8);
    const a = model(doc);
    const b = model(doc);
    const ts = new TsStepExecutor(a, makeOptimizer(a.parameterTensors(), huge));
    const ort = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), huge), ds, 8, { backend: 'ort-cpu', update: 'wasm' });
    let k = 0;
    for (const batch of batches(10)) {
      const x = ts.step(batch);
      const y = await ort.step(batch);
      expect(y.ok, `step ${k}`).toBe(x.ok);
      if (!x.ok && !y.ok) {
        expect(y.at).toEqual(x.at);
        return;
      }
      k++;
    }
    throw new Error('lr 1e38 never overflowed');
  });
});
