/**
 * The compiler: parameters owned by node ids with PyTorch-like names, seeded initialisation with
 * one stream per node, a forward pass that gives the loss, stored weights, and the edge → tensor map.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../core/creation';
import { crossEntropy } from '../nn/losses';
import { compileDocument, GraphCompileError } from './compile';
import { parseDocument, type GraphDocument, type GraphDocumentInput } from './document';
import type { DataBinding } from './node-def';

type NodeIn = GraphDocumentInput['nodes'][number];
type EdgeIn = NonNullable<GraphDocumentInput['edges']>[number];

const node = (id: string, type: string, params: Record<string, unknown> = {}, extra: Partial<NodeIn> = {}): NodeIn => ({ id, type, params, ...extra });
const edge = (id: string, source: string, sourcePort: string, target: string, targetPort: string): EdgeIn => ({ id, source, sourcePort, target, targetPort });

function doc(nodes: NodeIn[], edges: EdgeIn[], extra: Partial<GraphDocumentInput> = {}): GraphDocument {
  const r = parseDocument({ formatVersion: 2, nodes, edges, ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

const DATA: DataBinding = { featureShape: [4], targetShape: [], task: 'classification', numClasses: 3 };

/** Input(4) → Linear h(4→8) → ReLU → Linear o(8→3) → cross-entropy ← Target; o also feeds an Output. */
function mlp(overrides: { hidden?: Record<string, unknown>; out?: Record<string, unknown>; weights?: NodeIn['weights']; training?: GraphDocumentInput['training'] } = {}): GraphDocument {
  return doc(
    [
      node('x', 'Input'),
      node('h', 'Linear', { inFeatures: 4, outFeatures: 8, ...overrides.hidden }, overrides.weights ? { weights: overrides.weights } : {}),
      node('a', 'Activation', { fn: 'relu' }),
      node('o', 'Linear', { inFeatures: 8, outFeatures: 3, ...overrides.out }),
      node('y', 'Target'),
      node('l', 'Loss', { fn: 'crossEntropy' }),
      node('p', 'Output', { name: 'logits' }),
    ],
    [
      edge('e1', 'x', 'out', 'h', 'in'),
      edge('e2', 'h', 'out', 'a', 'in'),
      edge('e3', 'a', 'out', 'o', 'in'),
      edge('e4', 'o', 'out', 'l', 'prediction'),
      edge('e5', 'y', 'out', 'l', 'target'),
      edge('e6', 'o', 'out', 'p', 'in'),
    ],
    overrides.training ? { training: overrides.training } : {},
  );
}

const features = (): ReturnType<typeof tensor> => tensor([[1, 2, 3, 4], [-1, 0, 1, 2], [0.5, -0.5, 0.25, 0]]);
const targets = (): ReturnType<typeof tensor> => tensor([0, 2, 1]);
const values = (g: GraphDocument, seed: number, nodeId: string): number[][] =>
  compileDocument(g, { seed, data: DATA }).parameters().filter((p) => p.nodeId === nodeId).map((p) => Array.from(p.tensor.data));

describe('compileDocument', () => {
  it('parameters are owned by node ids, in execution order, with PyTorch names and shapes', () => {
    const model = compileDocument(mlp(), { seed: 1, data: DATA });
    const params = model.parameters();
    expect(params.map((p) => [p.nodeId, p.name, p.tensor.shape])).toEqual([
      ['h', 'weight', [8, 4]],
      ['h', 'bias', [8]],
      ['o', 'weight', [3, 8]],
      ['o', 'bias', [3]],
    ]);
    expect(params.map((p) => p.tensor.name)).toEqual(['h.weight', 'h.bias', 'o.weight', 'o.bias']);
    expect(params.every((p) => p.tensor.requiresGrad && p.tensor.isLeaf)).toBe(true);
    expect(model.parameterCount()).toBe(8 * 4 + 8 + 3 * 8 + 3);
    expect(model.parameterCount('o')).toBe(27);
    expect(model.parameterCount('a')).toBe(0);
    expect(model.lossNodeId).toBe('l');
    expect(model.outputNodes).toEqual([{ nodeId: 'p', name: 'logits', key: 'o:out' }]);
  });

  it('Linear without bias has only a weight; BatchNorm1d has weight, bias and running buffers', () => {
    const g = doc(
      [node('x', 'Input'), node('h', 'Linear', { inFeatures: 4, outFeatures: 2, bias: false }), node('bn', 'BatchNorm1d', { numFeatures: 2 }), node('out', 'Output')],
      [edge('e1', 'x', 'out', 'h', 'in'), edge('e2', 'h', 'out', 'bn', 'in'), edge('e3', 'bn', 'out', 'out', 'in')],
    );
    const model = compileDocument(g, { data: DATA });
    expect(model.parameters().map((p) => `${p.nodeId}.${p.name}`)).toEqual(['h.weight', 'bn.weight', 'bn.bias']);
    expect(model.buffers().map((p) => `${p.nodeId}.${p.name}`)).toEqual(expect.arrayContaining(['bn.running_mean', 'bn.running_var']));
  });

  it('the same seed gives identical initial parameters; another seed different ones', () => {
    const a = compileDocument(mlp(), { seed: 7, data: DATA }).parameters().map((p) => Array.from(p.tensor.data));
    const b = compileDocument(mlp(), { seed: 7, data: DATA }).parameters().map((p) => Array.from(p.tensor.data));
    const c = compileDocument(mlp(), { seed: 8, data: DATA }).parameters().map((p) => Array.from(p.tensor.data));
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    for (let i = 0; i < a.length; i++) expect(c[i]).not.toEqual(a[i]);
  });

  it('the seed comes from the training settings when not given', () => {
    const fromDoc = compileDocument(mlp({ training: { seed: 7 } }), { data: DATA, requireLoss: false }).parameters().map((p) => Array.from(p.tensor.data));
    const given = compileDocument(mlp(), { seed: 7, data: DATA }).parameters().map((p) => Array.from(p.tensor.data));
    expect(fromDoc).toEqual(given);
  });

  it('each node has its own seeded stream: editing another node does not change its init', () => {
    const before = values(mlp(), 3, 'h');
    // Change the other Linear's size, and add a node before it in the document.
    const edited = mlp({ out: { outFeatures: 5 } });
    const withExtra: GraphDocument = {
      ...edited,
      nodes: [
        { id: 'w0', type: 'Parameter', params: { shape: [10] }, position: { x: 0, y: 0 } },
        { id: 'w0out', type: 'Output', params: { name: 'w0' }, position: { x: 0, y: 0 } },
        ...edited.nodes,
      ],
      edges: [{ id: 'w', source: 'w0', sourcePort: 'out', target: 'w0out', targetPort: 'in' }, ...edited.edges],
    };
    const model = compileDocument(withExtra, { seed: 3, data: DATA });
    expect(model.order[0]!.id).toBe('w0');
    const after = model.parameters().filter((p) => p.nodeId === 'h').map((p) => Array.from(p.tensor.data));
    expect(after).toEqual(before);
    // …while the edited node itself changes.
    expect(values(mlp({ out: { outFeatures: 5 } }), 3, 'o')[1]).toHaveLength(5);
  });

  it('two nodes with the same params draw different values', () => {
    const g = doc(
      [node('p', 'Parameter', { shape: [6] }), node('q', 'Parameter', { shape: [6] }), node('s', 'Add'), node('out', 'Output')],
      [edge('e1', 'p', 'out', 's', 'a'), edge('e2', 'q', 'out', 's', 'b'), edge('e3', 's', 'out', 'out', 'in')],
    );
    const [p, q] = compileDocument(g, { seed: 0 }).parameters();
    expect(p!.name).toBe('value');
    expect(p!.tensor.name).toBe('p.value');
    expect(Array.from(p!.tensor.data)).not.toEqual(Array.from(q!.tensor.data));
  });

  it('forward with {features, targets} gives the loss, the prediction and the named outputs', () => {
    const model = compileDocument(mlp(), { seed: 1, data: DATA });
    const r = model.forward({ features: features(), targets: targets() }, { training: true });
    expect(r.loss).not.toBeNull();
    expect(r.loss!.shape).toEqual([]);
    expect(Number.isFinite(r.loss!.item())).toBe(true);
    // the Loss node's value is the cross-entropy of the prediction it was given
    expect(r.loss!.item()).toBeCloseTo(crossEntropy(r.prediction!, targets().to('int32')).item(), 6);
    expect(r.objective).toBe(r.loss);
    expect(r.prediction!.shape).toEqual([3, 3]);
    expect(r.outputs['logits']).toBe(r.prediction);
    // Every edge's tensor, with the shape inference promised (N = 3).
    expect(model.edgeValue(r, 'e1')!.shape).toEqual([3, 4]);
    expect(model.edgeValue(r, 'e2')!.shape).toEqual([3, 8]);
    expect(model.edgeValue(r, 'e5')!.shape).toEqual([3]);
    // The loss backpropagates to every parameter.
    r.loss!.backward();
    for (const p of model.parameters()) expect(p.tensor.grad, `${p.nodeId}.${p.name}`).not.toBeNull();
  });

  it('the loss is the cross-entropy of the logits', () => {
    const model = compileDocument(mlp(), { seed: 1, data: DATA });
    const r = model.forward({ features: features(), targets: targets() }, { training: false });
    const z = r.prediction!.toArray() as number[][];
    const t = [0, 2, 1];
    const expected = z.reduce((acc, row, i) => acc + (Math.log(row.reduce((s, v) => s + Math.exp(v), 0)) - row[t[i]!]!), 0) / z.length;
    expect(r.loss!.item()).toBeCloseTo(expected, 5);
  });

  it('without targets (prediction) the Target and the Loss are skipped', () => {
    const model = compileDocument(mlp(), { seed: 1, data: DATA });
    const r = model.forward({ features: features() }, { training: false });
    expect(r.loss).toBeNull();
    expect(r.outputs['logits']!.shape).toEqual([3, 3]);
  });

  it('perEdge gives every edge its own tensor with its own gradient', () => {
    const model = compileDocument(mlp(), { seed: 1, data: DATA });
    const r = model.forward({ features: features(), targets: targets() }, { training: true, perEdge: true, retainGrad: true });
    r.loss!.backward();
    // e4 (into the Loss) and e6 (into the Output) carry the same values but only e4 leads to the loss.
    expect(r.edges.get('e4')!.grad).not.toBeNull();
    expect(r.edges.get('e2')!.grad!.shape).toEqual([3, 8]);
    expect(Array.from(r.edges.get('e4')!.data)).toEqual(Array.from(r.edges.get('e6')!.data));
  });

  it('stored weights on a node are used instead of the initialiser', () => {
    const weight = { shape: [8, 4], data: Array.from({ length: 32 }, (_, i) => i / 100) };
    const bias = { shape: [8], data: [1, 2, 3, 4, 5, 6, 7, 8] };
    const model = compileDocument(mlp({ weights: { weight, bias } }), { seed: 1, data: DATA });
    const [w, b] = model.parameters().filter((p) => p.nodeId === 'h');
    expect(Array.from(w!.tensor.data)).toEqual(Array.from(Float32Array.from(weight.data)));
    expect(Array.from(b!.tensor.data)).toEqual(bias.data);
    // …and they are what the forward pass computes with: h(x) = x·Wᵀ + b.
    const r = model.forward({ features: tensor([[1, 0, 0, 0]]) }, { training: false });
    const h = Array.from(model.edgeValue(r, 'e2')!.data);
    expect(h.map((v) => Number(v.toFixed(4)))).toEqual([1, 2.04, 3.08, 4.12, 5.16, 6.2, 7.24, 8.28]);
  });

  it('the fixed-weight AND perceptron gives the lecture truth table', () => {
    const g = doc(
      [
        node('x', 'Input', { shape: [2] }),
        node('n', 'Linear', { inFeatures: 2, outFeatures: 1 }, { weights: { weight: { shape: [1, 2], data: [0.5, 0.5] }, bias: { shape: [1], data: [-0.7] } } }),
        node('s', 'Activation', { fn: 'step' }),
        node('out', 'Output', { name: 'y' }),
      ],
      [edge('e1', 'x', 'out', 'n', 'in'), edge('e2', 'n', 'out', 's', 'in'), edge('e3', 's', 'out', 'out', 'in')],
    );
    const r = compileDocument(g).forward({ features: tensor([[0, 0], [0, 1], [1, 0], [1, 1]]) }, { training: false });
    expect(Array.from(r.outputs['y']!.data)).toEqual([0, 0, 0, 1]);
  });

  it('a stored weight of the wrong shape is refused, naming the node', () => {
    expect(() => compileDocument(mlp({ weights: { weight: { shape: [4, 8], data: Array.from({ length: 32 }, () => 0) } } }), { data: DATA })).toThrow(
      'node "h": stored weight has shape [4, 8], expected [8, 4]',
    );
  });

  it('exportWeights / loadWeights round-trip by node id and name', () => {
    const a = compileDocument(mlp(), { seed: 1, data: DATA });
    const b = compileDocument(mlp(), { seed: 2, data: DATA });
    b.loadWeights(a.exportWeights());
    expect(b.parameters().map((p) => Array.from(p.tensor.data))).toEqual(a.parameters().map((p) => Array.from(p.tensor.data)));
    expect(Object.keys(a.exportWeights())).toEqual(['h', 'o']);
  });

  it('a lesson graph without Loss: the single scalar Output is the objective', () => {
    // x = ones(2,2); y = x + 2; z = y³; out = mean(z) → dout/dx = 6.75
    const g = doc(
      [
        node('x', 'Input', { batched: false, value: [[1, 1], [1, 1]] }),
        node('two', 'Constant', { value: 2 }),
        node('y', 'Add'),
        node('z', 'Power', { exponent: 3 }),
        node('m', 'Mean'),
        node('out', 'Output'),
      ],
      [edge('e1', 'x', 'out', 'y', 'a'), edge('e2', 'two', 'out', 'y', 'b'), edge('e3', 'y', 'out', 'z', 'in'), edge('e4', 'z', 'out', 'm', 'in'), edge('e5', 'm', 'out', 'out', 'in')],
    );
    const model = compileDocument(g);
    const x = tensor([[1, 1], [1, 1]], { requiresGrad: true });
    const r = model.forward({ inputs: { x } }, { training: false });
    expect(r.loss).toBeNull();
    expect(r.objective!.item()).toBeCloseTo(27);
    r.objective!.backward();
    expect(Array.from(x.grad!.data)).toEqual([6.75, 6.75, 6.75, 6.75]);
  });

  it('a document with errors is refused with its diagnostics', () => {
    let error: unknown;
    try {
      compileDocument(mlp(), { data: { ...DATA, featureShape: [3] } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GraphCompileError);
    const e = error as GraphCompileError;
    expect(e.message).toBe('the graph has 1 error:\nerror: Linear "h": input has 3 features but in_features is 4');
    expect(e.diagnostics.map((d) => d.code)).toEqual(['shape-mismatch']);
  });

  it('training asked without a Loss is refused', () => {
    const g = doc([node('x', 'Input'), node('out', 'Output')], [edge('e1', 'x', 'out', 'out', 'in')]);
    expect(() => compileDocument(g, { data: DATA, requireLoss: true })).toThrow(GraphCompileError);
    const forwardOnly = compileDocument(g, { data: DATA });
    expect([forwardOnly.lossNodeId, forwardOnly.lossFn, forwardOnly.predictionKey]).toEqual([null, null, 'x:out']);
  });
});

describe('runtime shapes agree with inferred shapes', () => {
  /** Compile, run on a batch of B samples, and compare every edge's tensor with its symbolic shape. */
  function check(g: GraphDocument, data: DataBinding | null, feed: Parameters<ReturnType<typeof compileDocument>['forward']>[0], batch: number): void {
    const model = compileDocument(g, { data, requireLoss: false });
    const r = model.forward(feed, { training: true });
    for (const e of g.edges) {
      const inferred = model.validation.edgeShapes.get(e.id)!;
      const expected = inferred.map((d) => (d === 'N' ? batch : d));
      expect(model.edgeValue(r, e.id)!.shape, `edge ${e.id}`).toEqual(expected);
    }
  }
  const chain = (types: [string, Record<string, unknown>][], src: NodeIn): GraphDocument => {
    const nodes = [src, ...types.map(([t, p], i) => node(`n${i}`, t, p)), node('out', 'Output')];
    const edges = nodes.slice(1).map((n, i) => edge(`e${i}`, nodes[i]!.id, 'out', n.id, 'in'));
    return doc(nodes, edges);
  };
  const randomBatch = (shape: number[]): ReturnType<typeof tensor> => {
    const n = shape.reduce((a, b) => a * b, 1);
    return tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1)), { shape });
  };

  it('Flatten, Reshape, Linear, BatchNorm1d, Dropout, activations', () => {
    const images: DataBinding = { featureShape: [2, 3, 4], targetShape: [], task: 'classification', numClasses: 3 };
    const g = chain(
      [
        ['Flatten', {}],
        ['Reshape', { shape: [6, 4] }],
        ['Linear', { inFeatures: 4, outFeatures: 5 }],
        ['Activation', { fn: 'softmax' }],
        ['Flatten', {}],
        ['Linear', { inFeatures: 30, outFeatures: 3 }],
        ['BatchNorm1d', { numFeatures: 3 }],
        ['Dropout', { p: 0.5 }],
        ['Activation', { fn: 'leakyRelu' }],
      ],
      node('x', 'Input'),
    );
    check(g, images, { features: randomBatch([5, 2, 3, 4]) }, 5);
  });

  it('Sum and Mean with every kind of dims (an empty list reduces everything, like null)', () => {
    for (const params of [{}, { dims: [] }, { dims: [1] }, { dims: [0, 2] }, { dims: [-1], keepDim: true }, { keepDim: true }]) {
      for (const type of ['Sum', 'Mean']) check(chain([[type, params]], node('x', 'Input', { shape: [3, 4] })), null, { features: randomBatch([2, 3, 4]) }, 2);
    }
  });

  it('MatMul and broadcasting binary nodes', () => {
    const g = doc(
      [node('x', 'Input', { shape: [4] }), node('w', 'Parameter', { shape: [4, 3] }), node('v', 'Parameter', { shape: [3] }), node('mm', 'MatMul'), node('add', 'Add'), node('mv', 'MatMul'), node('out', 'Output')],
      [edge('e1', 'x', 'out', 'mm', 'a'), edge('e2', 'w', 'out', 'mm', 'b'), edge('e3', 'mm', 'out', 'add', 'a'), edge('e4', 'v', 'out', 'add', 'b'), edge('e5', 'add', 'out', 'mv', 'a'), edge('e6', 'v', 'out', 'mv', 'b'), edge('e7', 'mv', 'out', 'out', 'in')],
    );
    check(g, null, { features: randomBatch([6, 4]) }, 6);
  });

  it('Target encodings', () => {
    for (const [encoding, fn, k] of [['index', 'crossEntropy', 3], ['onehot', 'mse', 3], ['column', 'bce', 1], ['signed', 'perceptron', 1]] as const) {
      const data: DataBinding = { featureShape: [4], targetShape: [], task: 'classification', numClasses: k === 1 ? 2 : 3 };
      const g = doc(
        [node('x', 'Input'), node('h', 'Linear', { inFeatures: 4, outFeatures: k }), node('y', 'Target', { encoding }), node('l', 'Loss', { fn })],
        [edge('e1', 'x', 'out', 'h', 'in'), edge('e2', 'h', 'out', 'l', 'prediction'), edge('e3', 'y', 'out', 'l', 'target')],
      );
      check(g, data, { features: randomBatch([4, 4]), targets: tensor(k === 1 ? [0, 1, 1, 0] : [0, 2, 1, 2]) }, 4);
    }
  });
});
