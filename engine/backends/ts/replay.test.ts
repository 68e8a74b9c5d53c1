/**
 * The compiled step program (issue 12): the ts executor traces the first step of each batch
 * shape and replays it afterwards. Replayed steps must be BITWISE the eager steps — forward,
 * backward, the optimizer's update ops, BatchNorm's running statistics, dropout masks — after
 * 300 steps, on the benchmark's shapes (W2: Iris network with BatchNorm, batch 4; W1: the
 * Fashion-MNIST MLP 784-128-10, batch 32), and the ort step must agree with them to float32
 * rounding.
 */
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../data/dataset';
import { DataLoader } from '../../data/loader';
import { compileDocument, type CompiledGraph } from '../../graph/compile';
import type { GraphDocument, OptimizerSettings } from '../../graph/document';
import { feedOf } from '../../graph/feed';
import { bindingOf } from '../../train/data-source';
import { makeOptimizer } from '../../train/trainer';
import type { Optimizer } from '../../optim/optimizer';
import { OrtStepExecutor } from '../ort/executor';
import { TsStepExecutor } from './executor';
import type { StepReplay } from './replay';
import { optimKernelsAvailable } from '../../optim/kernels/optim-wasm';
import { randomClassification, sequentialDocument, W1_LAYERS, W2_LAYERS, type LayerSpec } from '../../testing/networks';
import { worstRelativeToScale } from '../../testing/allclose';

const W2: LayerSpec[] = [...W2_LAYERS.slice(0, -1), { type: 'Dropout', p: 0.2 }, W2_LAYERS[W2_LAYERS.length - 1]!];
const W1: LayerSpec[] = [...W1_LAYERS.slice(0, -1), { type: 'Dropout', p: 0.1 }, W1_LAYERS[W1_LAYERS.length - 1]!];
const network = sequentialDocument;
const randomDataset = randomClassification;

const OPTIMIZERS: Record<string, OptimizerSettings> = {
  sgd: { type: 'sgd', lr: 0.01, momentum: 0, nesterov: false, weightDecay: 0 },
  momentum: { type: 'sgd', lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-3 },
  adam: { type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-4 },
  adamw: { type: 'adamw', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 },
} as unknown as Record<string, OptimizerSettings>;

interface Run {
  model: CompiledGraph;
  optimizer: Optimizer;
}

function setup(doc: GraphDocument, ds: Dataset): Run {
  const model = compileDocument(doc, { data: bindingOf(ds), requireLoss: true });
  return { model, optimizer: makeOptimizer(model.parameterTensors(), doc.training!.optimizer) };
}

/** Every number of the training state: parameters, buffers, optimizer state and step count. */
function state(r: Run): number[] {
  const out: number[] = [r.optimizer.stepCount];
  for (const p of r.model.parameterTensors()) out.push(...p.data);
  for (const b of r.model.buffers()) out.push(...b.tensor.data);
  for (const slots of Object.values(r.optimizer.stateDict().buffers)) for (const s of slots) if (s) out.push(...s);
  return out;
}

function firstDifference(a: readonly number[], b: readonly number[]): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `element ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

function* batches(ds: Dataset, batchSize: number, steps: number) {
  const loader = new DataLoader(ds, { batchSize, shuffle: true, seed: 2 });
  let n = 0;
  for (let epoch = 0; ; epoch++) {
    for (const b of loader.batches(epoch)) {
      if (n++ === steps) return;
      yield b;
    }
  }
}

describe('the replayed step program is the eager step, bitwise', () => {
  const cases = [
    ['W2 (BatchNorm, Dropout, batch 4)', W2, 4, 4, 3, 300],
    ['W1 (784-128-10, Dropout, batch 32)', W1, 32, 784, 10, 300],
  ] as const;
  for (const [label, layers, batchSize, features, classes, steps] of cases) {
    for (const opt of Object.keys(OPTIMIZERS)) {
      it(`${label}, ${opt}: ${steps} steps, last batch partial`, () => {
        // a dataset size that leaves a partial last batch: a second program for that shape
        const ds = randomDataset(batchSize * 7 + 2, features, classes, 1);
        const doc = network(layers, OPTIMIZERS[opt]!, batchSize);
        const replay = setup(doc, ds);
        const eager = setup(doc, ds);
        const ts = new TsStepExecutor(replay.model, replay.optimizer);
        let k = 0;
        for (const b of batches(ds, batchSize, steps)) {
          const r = ts.step(b);
          eager.optimizer.zeroGrad();
          const e = eager.model.forward(feedOf(b.x, b.xShape, b.y, b.yShape), { training: true });
          e.loss!.backward();
          eager.optimizer.step();
          if (!r.ok) throw new Error(`step ${k}: not finite`);
          expect(Object.is(r.loss, e.loss!.item()), `loss at step ${k}`).toBe(true);
          k++;
        }
        expect(k).toBe(steps);
        const programs = (ts as unknown as { programs: Map<string, StepReplay> }).programs;
        expect(programs.size).toBe(2);
        // the update ran as the optimizer's WebAssembly kernel wherever it is available
        for (const p of programs.values()) expect(p.kernelUpdate).toBe(optimKernelsAvailable);
        const diff = firstDifference(state(replay), state(eager));
        expect(diff, `after ${steps} steps`).toBeNull();
        // and training did something
        expect(firstDifference(state(replay), state(setup(doc, ds)))).not.toBeNull();
      });
    }
  }
});

describe('the ort step agrees with the replayed step', () => {
  for (const opt of Object.keys(OPTIMIZERS)) {
    it(`W2 shape, ${opt}: 5 steps within float32 rounding`, async () => {
      const ds = randomDataset(40, 4, 3, 3);
      // Dropout is compared on the ort executor's own tests (same masks); here the update rule and BatchNorm.
      // AdamW without BatchNorm: a Linear's bias before a BatchNorm has a gradient of float32 noise
      // (exactly 0 in exact arithmetic), which Adam's normalisation turns into ±lr steps whose sign
      // each backend's summation order decides — only an L2 term (Adam's 1e-4 here) keeps it steady.
      const layers = W2.filter((l) => l.type !== 'Dropout' && (opt !== 'adamw' || l.type !== 'BatchNorm1d'));
      const doc = network(layers, OPTIMIZERS[opt]!, 8);
      const a = setup(doc, ds);
      const b = setup(doc, ds);
      const ts = new TsStepExecutor(a.model, a.optimizer);
      const ort = await OrtStepExecutor.create(b.model, b.optimizer, ds, 8, { backend: 'ort-cpu' });
      for (const batch of batches(ds, 8, 5)) {
        const x = ts.step(batch);
        const y = await ort.step(batch);
        if (!x.ok || !y.ok) throw new Error('not finite');
        expect(Math.abs(x.loss - y.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(x.loss)));
      }
      ort.sync();
      const sa = state(a);
      const sb = state(b);
      expect(sb.length).toBe(sa.length);
      const worst = worstRelativeToScale(sb, sa);
      // Adam divides by √v + ε: gradients that differ in their last bits (the two GEMMs sum in
      // their own orders; the JavaScript kernel even in float64) give steps that differ more.
      expect(worst).toBeLessThan(opt.startsWith('adam') ? 1e-4 : 1e-5);
    });
  }
});
