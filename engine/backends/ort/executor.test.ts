/**
 * The ort step executor beyond the examples: Dropout (masks drawn in JS, same as ts), the last
 * partial batch (its own graph), evaluation through the inference graph, requested ports, the
 * state layouts, parameters without a gradient, and the session cache.
 */
import { describe, expect, it } from 'vitest';
import { Generator } from '../../core/random';
import { makeDataset, type Dataset } from '../../data/dataset';
import { DataLoader } from '../../data/loader';
import { loadBuiltinDataset } from '../../data/builtin';
import { compileDocument, type CompiledGraph } from '../../graph/compile';
import { parseDocument, type GraphDocument } from '../../graph/document';
import type { OptimizerSettings } from '../../graph/document';
import { feedOf } from '../../graph/feed';
import { bindingOf } from '../../train/data-source';
import { makeOptimizer } from '../../train/trainer';
import { evaluateModelTs, TsStepExecutor } from '../ts/executor';
import { OrtStepExecutor } from './executor';
import { cachedSessionCount } from './runtime';

function mlp(extra: { dropout?: number; batchNorm?: boolean; optimizer?: Record<string, unknown>; unused?: boolean } = {}): GraphDocument {
  const nodes: Record<string, unknown>[] = [
    { id: 'x', type: 'Input', params: {} },
    // A bias feeding BatchNorm gets a gradient of exactly zero in exact arithmetic (the batch mean
    // removes it): in float32 it is rounding noise, different on each backend, which Adam turns
    // into steps of ±lr — so, as in PyTorch practice, that Linear has no bias.
    { id: 'l1', type: 'Linear', params: { inFeatures: 4, outFeatures: 16, ...(extra.batchNorm ? { bias: false } : {}) } },
    ...(extra.batchNorm ? [{ id: 'bn', type: 'BatchNorm1d', params: { numFeatures: 16 } }] : []),
    { id: 'act', type: 'Activation', params: { fn: 'tanh' } },
    ...(extra.dropout !== undefined ? [{ id: 'drop', type: 'Dropout', params: { p: extra.dropout } }] : []),
    { id: 'l2', type: 'Linear', params: { inFeatures: 16, outFeatures: 3 } },
    { id: 'y', type: 'Target', params: { encoding: 'index' } },
    { id: 'loss', type: 'Loss', params: { fn: 'crossEntropy' } },
    ...(extra.unused ? [{ id: 'spare', type: 'Parameter', params: { shape: [3], init: 'ones' } }, { id: 'spareOut', type: 'Output', params: { name: 'spare' } }] : []),
  ];
  const chain = nodes.filter((n) => !['y', 'loss', 'spare', 'spareOut'].includes(n['id'] as string));
  const edges = chain.slice(1).map((n, i) => ({ id: `e${i}`, source: chain[i]!['id'], target: n['id'] }));
  edges.push({ id: 'ep', source: 'l2', target: 'loss', targetPort: 'prediction' } as never, { id: 'et', source: 'y', target: 'loss', targetPort: 'target' } as never);
  if (extra.unused) edges.push({ id: 'es', source: 'spare', target: 'spareOut' } as never);
  const r = parseDocument({
    formatVersion: 2, name: 'mlp', nodes, edges,
    training: { dataset: { name: 'iris' }, optimizer: extra.optimizer ?? { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }, batchSize: 16, seed: 3 },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

const iris = loadBuiltinDataset('iris');

function pair(doc: GraphDocument, ds: Dataset = iris): { a: CompiledGraph; b: CompiledGraph; settings: OptimizerSettings } {
  const mk = () => compileDocument(doc, { seed: 3, data: bindingOf(ds), requireLoss: true });
  return { a: mk(), b: mk(), settings: doc.training!.optimizer };
}

async function curves(doc: GraphDocument, steps: number, batchSize = 16, packing?: 'packed' | 'regions' | 'tensors'): Promise<{ ts: number[]; ort: number[]; a: CompiledGraph; b: CompiledGraph; ex: OrtStepExecutor }> {
  const { a, b, settings } = pair(doc);
  const ts = new TsStepExecutor(a, makeOptimizer(a.parameterTensors(), settings));
  const ex = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), settings), iris, batchSize, { backend: 'ort-cpu', ...(packing ? { packing } : {}) });
  const loader = new DataLoader(iris, { batchSize, shuffle: true, seed: 1 });
  const out = { ts: [] as number[], ort: [] as number[] };
  let n = 0;
  for (let epoch = 0; n < steps; epoch++) {
    for (const batch of loader.batches(epoch)) {
      if (n++ === steps) break;
      const x = ts.step(batch);
      const y = await ex.step(batch);
      if (!x.ok || !y.ok) throw new Error('non-finite');
      out.ts.push(x.loss);
      out.ort.push(y.loss);
    }
  }
  return { ...out, a, b, ex };
}

function expectCurvesClose(r: { ts: number[]; ort: number[] }, tol = 1e-4): void {
  r.ts.forEach((v, i) => expect(Math.abs(v - r.ort[i]!), `step ${i}: ts ${v}, ort ${r.ort[i]}`).toBeLessThan(tol * Math.max(1, Math.abs(v))));
}

describe('the ort executor', () => {
  it('draws Dropout masks from the same seeded generator as ts: the same run', async () => {
    const r = await curves(mlp({ dropout: 0.3 }), 40);
    expectCurvesClose(r);
    // and the masks really do something: without Dropout the curve differs
    const plain = await curves(mlp(), 5);
    expect(plain.ts.slice(1)).not.toEqual(r.ts.slice(1, 5));
  });

  it('gives the last partial batch its own graph (150 = 9×16 + 6), BatchNorm included', async () => {
    const r = await curves(mlp({ batchNorm: true }), 30);
    expectCurvesClose(r);
    const sizes = [...(r.ex as unknown as { trains: Map<number, unknown> }).trains.keys()].sort((x, y) => x - y);
    expect(sizes).toEqual([6, 16]);
    r.ex.sync();
    r.a.buffers().forEach((buf, k) => r.b.buffers()[k]!.tensor.data.forEach((v, i) => expect(v).toBeCloseTo(buf.tensor.data[i]!, 4)));
  });

  it.each(['packed', 'regions', 'tensors'] as const)('keeps the state %s: same numbers (Adam, BatchNorm)', async (packing) => {
    const r = await curves(mlp({ batchNorm: true, optimizer: { type: 'adam', lr: 0.01, weightDecay: 1e-4 } }), 20, 16, packing);
    expectCurvesClose(r);
    r.ex.sync();
    r.a.parameterTensors().forEach((t, k) => r.b.parameterTensors()[k]!.data.forEach((v, i) => expect(v).toBeCloseTo(t.data[i]!, 4)));
  });

  it('trains on unshuffled batches — views of the dataset — without writing into the dataset (ts and ort)', async () => {
    const { a, b, settings } = pair(mlp({ batchNorm: true }));
    const ts = new TsStepExecutor(a, makeOptimizer(a.parameterTensors(), settings));
    const ex = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), settings), iris, 16, { backend: 'ort-cpu' });
    const features = iris.features.slice();
    const labels = iris.labels.slice();
    const loader = new DataLoader(iris, { batchSize: 16 });
    const r = { ts: [] as number[], ort: [] as number[] };
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const batch of loader.batches(epoch)) {
        expect(batch.x.buffer).toBe(iris.features.buffer);
        const x = ts.step(batch);
        const y = await ex.step(batch);
        if (!x.ok || !y.ok) throw new Error('non-finite');
        r.ts.push(x.loss);
        r.ort.push(y.loss);
      }
    }
    expect(r.ts).toHaveLength(30);
    expectCurvesClose(r);
    expect(iris.features).toEqual(features);
    expect(iris.labels).toEqual(labels);
  });

  it('leaves a parameter the loss does not use untouched, with a null optimizer state', async () => {
    const r = await curves(mlp({ unused: true, optimizer: { type: 'adam', lr: 0.01 } }), 5);
    expectCurvesClose(r);
    r.ex.sync();
    const spare = r.b.parameters().findIndex((p) => p.nodeId === 'spare');
    expect(Array.from(r.b.parameterTensors()[spare]!.data)).toEqual([1, 1, 1]);
    const opt = r.ex.optimizer.stateDict();
    expect(opt.buffers['expAvg']![spare]).toBeNull();
    expect(opt.buffers['expAvg']![r.b.parameters().findIndex((p) => p.nodeId === 'l1')]).not.toBeNull();
  });

  it('evaluates through the inference graph as the ts backend does (BatchNorm in eval form)', async () => {
    const r = await curves(mlp({ batchNorm: true }), 25);
    r.ex.sync();
    const ts = evaluateModelTs(r.a, iris, 'crossEntropy', 64);
    const ort = await r.ex.evaluate(iris, 'crossEntropy', 64);
    expect(ort.loss!).toBeCloseTo(ts.loss!, 4);
    expect(ort.accuracy).toBe(ts.accuracy);
    expect(Array.from(ort.predicted!)).toEqual(Array.from(ts.predicted!));
  });

  it('returns requested ports (nodeId:port) and edges with their gradients', async () => {
    const doc = mlp();
    const { a, b, settings } = pair(doc);
    const batch = new DataLoader(iris, { batchSize: 8 }).batch(0, 0);
    const ex = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), settings), iris, 8, { backend: 'ort-cpu', extras: ['act:out', 'e1', 'loss:loss'] });
    await ex.step(batch);
    const got = ex.extras();
    const r = a.forward(feedOf(batch.x, batch.xShape, batch.y, batch.yShape), { training: true, retainGrad: true });
    r.loss!.backward();
    const act = r.values.get('act:out')!;
    got.get('act:out')!.value!.data.forEach((v, i) => expect(v).toBeCloseTo(act.data[i]!, 5));
    got.get('act:out')!.grad!.data.forEach((v, i) => expect(v).toBeCloseTo(act.grad!.data[i]!, 6));
    expect(got.get('e1')!.value!.shape).toEqual([8, 16]);
    expect(got.get('loss:loss')!.grad!.item()).toBe(1);
  });

  it('compiles a graph once: a second executor of the same model reuses the cached session', async () => {
    const doc = mlp();
    const { a, b, settings } = pair(doc);
    await OrtStepExecutor.create(a, makeOptimizer(a.parameterTensors(), settings), iris, 16, { backend: 'ort-cpu' });
    const n = cachedSessionCount();
    await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), settings), iris, 16, { backend: 'ort-cpu' });
    expect(cachedSessionCount()).toBe(n);
  });

  it('trains a regression target (MSE on [N, 1]) like ts', async () => {
    const g = new Generator(4);
    const n = 64;
    const features = Float32Array.from({ length: n * 3 }, () => g.normal());
    const labels = Float32Array.from({ length: n }, (_, i) => features[i * 3]! - 2 * features[i * 3 + 1]! + 0.5);
    const ds = makeDataset({ name: 'reg', task: 'regression', featureShape: [3], targetShape: [1], features, labels });
    const r = parseDocument({
      formatVersion: 2, name: 'reg',
      nodes: [
        { id: 'x', type: 'Input', params: {} }, { id: 'l', type: 'Linear', params: { inFeatures: 3, outFeatures: 1 } },
        { id: 'y', type: 'Target', params: {} }, { id: 'loss', type: 'Loss', params: { fn: 'mse-half' } },
      ],
      edges: [
        { id: 'a', source: 'x', target: 'l' }, { id: 'b', source: 'l', target: 'loss', targetPort: 'prediction' },
        { id: 'c', source: 'y', target: 'loss', targetPort: 'target' },
      ],
      training: { optimizer: { type: 'sgd', lr: 0.1 }, batchSize: 10 },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    const { a, b, settings } = pair(r.document, ds);
    const ts = new TsStepExecutor(a, makeOptimizer(a.parameterTensors(), settings));
    const ex = await OrtStepExecutor.create(b, makeOptimizer(b.parameterTensors(), settings), ds, 10, { backend: 'ort-cpu' });
    for (const batch of new DataLoader(ds, { batchSize: 10 }).batches(0)) {
      const x = ts.step(batch);
      const y = await ex.step(batch);
      if (!x.ok || !y.ok) throw new Error('non-finite');
      expect(y.loss).toBeCloseTo(x.loss, 5);
    }
  });
});
