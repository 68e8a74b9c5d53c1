/**
 * Sequential networks as graph documents, for the tests and benchmarks that train the same
 * shapes as the benchmark workloads (W1: the Fashion-MNIST MLP; W2: the Iris network with
 * BatchNorm): Input → layers → Loss(crossEntropy) ← Target. Sizes not given follow the graph.
 */
import { Generator } from '../core/random';
import { makeDataset, type Dataset } from '../data/dataset';
import { parseDocument, type GraphDocument, type OptimizerSettings } from '../graph/document';

export type LayerSpec =
  | { readonly type: 'Linear'; readonly out: number }
  | { readonly type: 'BatchNorm1d' }
  | { readonly type: 'Activation'; readonly fn: string }
  | { readonly type: 'Dropout'; readonly p: number };

const relu: LayerSpec = { type: 'Activation', fn: 'relu' };

/** W2: Iris 4-128-64-32-16-3 with BatchNorm after the first three Linears. */
export const W2_LAYERS: readonly LayerSpec[] = [
  { type: 'Linear', out: 128 }, { type: 'BatchNorm1d' }, relu,
  { type: 'Linear', out: 64 }, { type: 'BatchNorm1d' }, relu,
  { type: 'Linear', out: 32 }, { type: 'BatchNorm1d' }, relu,
  { type: 'Linear', out: 16 }, relu,
  { type: 'Linear', out: 3 },
];

/** W1: the Fashion-MNIST MLP 784-128-10. */
export const W1_LAYERS: readonly LayerSpec[] = [{ type: 'Linear', out: 128 }, relu, { type: 'Linear', out: 10 }];

export function sequentialDocument(layers: readonly LayerSpec[], optimizer: OptimizerSettings, batchSize: number, seed = 5): GraphDocument {
  const nodes: Record<string, unknown>[] = [{ id: 'x', type: 'Input', params: {} }];
  layers.forEach((l, i) => {
    const id = `n${i}`;
    if (l.type === 'Linear') nodes.push({ id, type: 'Linear', params: { outFeatures: l.out } });
    else if (l.type === 'BatchNorm1d') nodes.push({ id, type: 'BatchNorm1d', params: {} });
    else if (l.type === 'Activation') nodes.push({ id, type: 'Activation', params: { fn: l.fn } });
    else nodes.push({ id, type: 'Dropout', params: { p: l.p } });
  });
  const edges: Record<string, unknown>[] = nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!['id'], target: n['id'] }));
  nodes.push({ id: 'y', type: 'Target', params: {} }, { id: 'loss', type: 'Loss', params: { fn: 'crossEntropy' } });
  edges.push({ id: 'ep', source: `n${layers.length - 1}`, target: 'loss', targetPort: 'prediction' }, { id: 'et', source: 'y', target: 'loss', targetPort: 'target' });
  const r = parseDocument({ formatVersion: 3, name: 'sequential', nodes, edges, training: { dataset: { name: 'random' }, optimizer, batchSize, seed } });
  if (!r.ok) throw new Error(`sequentialDocument: ${JSON.stringify(r.issues)}`);
  return r.document;
}

/** n samples of standard-normal features and uniform class labels. */
export function randomClassification(n: number, features: number, classes: number, seed: number): Dataset {
  const g = new Generator(seed);
  return makeDataset({
    name: `random-${features}`,
    task: 'classification',
    featureShape: [features],
    features: Float32Array.from({ length: n * features }, () => g.normal()),
    targetShape: [],
    labels: Float32Array.from({ length: n }, () => g.randint(classes)),
    classNames: Array.from({ length: classes }, (_, k) => `c${k}`),
  });
}
