/**
 * Validation diagnostics: every kind issue 3 lists, with its exact code, node, port and message.
 * Validation never throws on a user document; each problem is one diagnostic a person understands.
 */
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument, type GraphDocumentInput } from './document';
import type { DataBinding } from './node-def';
import { nodeRegistry } from './node-registry';
import { formatDiagnostic, validateDocument, type Diagnostic } from './validate';

const IRIS_LIKE: DataBinding = { featureShape: [4], targetShape: [], task: 'classification', numClasses: 3 };

type NodeIn = GraphDocumentInput['nodes'][number];
type EdgeIn = NonNullable<GraphDocumentInput['edges']>[number];

const node = (id: string, type: string, params: Record<string, unknown> = {}, label?: string): NodeIn => ({ id, type, params, ...(label ? { label } : {}) });
const edge = (id: string, source: string, sourcePort: string, target: string, targetPort: string): EdgeIn => ({ id, source, sourcePort, target, targetPort });

function doc(nodes: NodeIn[], edges: EdgeIn[], extra: Partial<GraphDocumentInput> = {}): GraphDocument {
  const r = parseDocument({ formatVersion: 3, nodes, edges, ...extra });
  if (!r.ok) throw new Error(`test document does not parse: ${JSON.stringify(r.issues)}`);
  return r.document;
}

/** Input(4) → Linear "hidden"(4→8) → ReLU → Linear(8→3) → Loss(crossEntropy) ← Target. */
function mlpNodes(): NodeIn[] {
  return [
    node('x', 'Input'),
    node('h', 'Linear', { inFeatures: 4, outFeatures: 8 }, 'hidden'),
    node('a', 'Activation', { fn: 'relu' }),
    node('o', 'Linear', { inFeatures: 8, outFeatures: 3 }, 'logits'),
    node('y', 'Target'),
    node('l', 'Loss', { fn: 'crossEntropy' }),
  ];
}
function mlpEdges(): EdgeIn[] {
  return [
    edge('e1', 'x', 'out', 'h', 'in'),
    edge('e2', 'h', 'out', 'a', 'in'),
    edge('e3', 'a', 'out', 'o', 'in'),
    edge('e4', 'o', 'out', 'l', 'prediction'),
    edge('e5', 'y', 'out', 'l', 'target'),
  ];
}

const errors = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'error');
const warnings = (ds: Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity === 'warning');

describe('validateDocument: a valid graph', () => {
  it('has no diagnostics, a topological order and ok = true', () => {
    const v = validateDocument(doc(mlpNodes(), mlpEdges()), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([]);
    expect(v.ok).toBe(true);
    const pos = (id: string): number => v.order.indexOf(id);
    expect(v.order).toHaveLength(6);
    for (const [a, b] of [['x', 'h'], ['h', 'a'], ['a', 'o'], ['o', 'l'], ['y', 'l']] as const) expect(pos(a)).toBeLessThan(pos(b));
  });

  it('applies param defaults', () => {
    const v = validateDocument(doc(mlpNodes(), mlpEdges()), { data: IRIS_LIKE });
    expect(v.params.get('h')).toEqual({ inFeatures: 4, outFeatures: 8, bias: true, init: 'kaiming-uniform' });
    expect(v.params.get('y')).toEqual({ encoding: 'index' });
    expect(v.params.get('a')).toEqual({ fn: 'relu', negativeSlope: 0.01 });
  });
});

describe('validateDocument: diagnostics', () => {
  it('missing required input', () => {
    const v = validateDocument(doc(mlpNodes(), mlpEdges().filter((e) => e.id !== 'e3')), { data: IRIS_LIKE });
    expect(v.ok).toBe(false);
    expect(errors(v.diagnostics)).toEqual([
      { severity: 'error', code: 'missing-input', nodeId: 'o', port: 'in', message: 'Linear "logits": input "in" is not connected' },
    ]);
    // The ReLU now feeds nothing.
    expect(warnings(v.diagnostics)).toEqual([
      { severity: 'warning', code: 'unused', nodeId: 'a', message: 'Activation "a": its output is not used by any node' },
    ]);
  });

  it('names the port for a node with several inputs', () => {
    const v = validateDocument(doc(mlpNodes(), mlpEdges().filter((e) => e.id !== 'e5')), { data: IRIS_LIKE });
    expect(errors(v.diagnostics)).toEqual([
      { severity: 'error', code: 'missing-input', nodeId: 'l', port: 'target', message: 'Loss "l": input "target" is not connected' },
    ]);
  });

  it('port-kind mismatch: Target → Linear.in', () => {
    const edges = [...mlpEdges().filter((e) => e.id !== 'e1' && e.id !== 'e5'), edge('bad', 'y', 'out', 'h', 'in')];
    const v = validateDocument(doc(mlpNodes(), edges), { data: IRIS_LIKE });
    expect(errors(v.diagnostics)).toEqual([
      {
        severity: 'error',
        code: 'port-kind',
        edgeId: 'bad',
        nodeId: 'h',
        port: 'in',
        message: 'Linear "hidden": input "in" expects a tensor, but Target "y" gives labels',
      },
      // The Loss's target is now really unconnected; Linear.in is not reported twice.
      { severity: 'error', code: 'missing-input', nodeId: 'l', port: 'target', message: 'Loss "l": input "target" is not connected' },
    ]);
  });

  it('port-kind mismatch: a loss into a tensor input', () => {
    const nodes = [...mlpNodes(), node('s', 'Activation', { fn: 'sigmoid' }), node('out', 'Output')];
    const edges = [...mlpEdges(), edge('bad', 'l', 'loss', 's', 'in'), edge('e6', 's', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'port-kind', edgeId: 'bad', nodeId: 's', port: 'in', message: 'Activation "s": input "in" expects a tensor, but Loss "l" gives a loss' },
    ]);
  });

  it('a tensor into Loss.target is accepted (it takes labels or a tensor)', () => {
    const nodes = [node('x', 'Input', { shape: [2] }), node('t', 'Input', { shape: [1], dataset: '' }), node('h', 'Linear', { inFeatures: 2, outFeatures: 1 }), node('l', 'Loss', { fn: 'mse' })];
    const edges = [edge('e1', 'x', 'out', 'h', 'in'), edge('e2', 'h', 'out', 'l', 'prediction'), edge('e3', 't', 'out', 'l', 'target')];
    const v = validateDocument(doc(nodes, edges));
    expect(v.diagnostics).toEqual([]);
  });

  it('cycles name the nodes on the cycle', () => {
    const nodes = [node('x', 'Input', { shape: [2] }), node('add', 'Add', {}, 'sum'), node('act', 'Activation', { fn: 'tanh' }, 'squash'), node('out', 'Output')];
    const edges = [edge('e1', 'x', 'out', 'add', 'a'), edge('e2', 'add', 'out', 'act', 'in'), edge('e3', 'act', 'out', 'add', 'b'), edge('e4', 'act', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges));
    expect(v.ok).toBe(false);
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'cycle', nodeId: 'add', message: 'the graph has a cycle: Add "sum" → Activation "squash" → Add "sum"' },
    ]);
    // Nodes on or after the cycle have no place in the order.
    expect(v.order).toEqual(['x']);
  });

  it('a longer cycle is named in edge order', () => {
    const nodes = [node('p', 'Exp'), node('q', 'Log'), node('r', 'Power')];
    const edges = [edge('e1', 'p', 'out', 'q', 'in'), edge('e2', 'q', 'out', 'r', 'in'), edge('e3', 'r', 'out', 'p', 'in')];
    const v = validateDocument(doc(nodes, edges));
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'cycle', nodeId: 'p', message: 'the graph has a cycle: Exp "p" → Log "q" → Power "r" → Exp "p"' },
    ]);
  });

  it('a node connected to itself', () => {
    const nodes = [node('x', 'Input', { shape: [2] }), node('m', 'Multiply'), node('out', 'Output')];
    const edges = [edge('e1', 'x', 'out', 'm', 'a'), edge('loop', 'm', 'out', 'm', 'b'), edge('e3', 'm', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges));
    expect(v.diagnostics).toEqual([{ severity: 'error', code: 'cycle', edgeId: 'loop', nodeId: 'm', message: 'Multiply "m" is connected to itself' }]);
  });

  it('shape mismatch: Linear in_features vs the features arriving', () => {
    const v = validateDocument(doc(mlpNodes(), mlpEdges()), { data: { ...IRIS_LIKE, featureShape: [3] } });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'h', port: 'in', message: 'Linear "hidden": input has 3 features but in_features is 4' },
    ]);
    // Shapes upstream of the mismatch are still known; downstream ones are not.
    expect(v.edgeShapes.get('e1')).toEqual(['N', 3]);
    expect(v.edgeShapes.has('e2')).toBe(false);
  });

  it('shape mismatch: both shapes in the message (Add, MatMul, Loss)', () => {
    const nodes = [
      node('x', 'Input', { shape: [3] }),
      node('c', 'Constant', { value: [1, 2] }),
      node('add', 'Add'),
      node('w', 'Parameter', { shape: [2, 5] }),
      node('mm', 'MatMul'),
      node('o1', 'Output'),
      node('o2', 'Output'),
    ];
    const edges = [
      edge('e1', 'x', 'out', 'add', 'a'),
      edge('e2', 'c', 'out', 'add', 'b'),
      edge('e3', 'x', 'out', 'mm', 'a'),
      edge('e4', 'w', 'out', 'mm', 'b'),
      edge('e5', 'add', 'out', 'o1', 'in'),
      edge('e6', 'mm', 'out', 'o2', 'in'),
    ];
    const v = validateDocument(doc(nodes, edges));
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'add', port: 'b', message: 'Add "add": inputs of shape N×3 and 2 cannot be broadcast together' },
      { severity: 'error', code: 'shape-mismatch', nodeId: 'mm', port: 'b', message: 'MatMul "mm": shapes N×3 and 2×5 cannot be multiplied (3 vs 2)' },
    ]);
  });

  it('shape mismatch: Input shape vs the dataset', () => {
    const nodes = [node('x', 'Input', { shape: [2] }), node('out', 'Output')];
    const v = validateDocument(doc(nodes, [edge('e1', 'x', 'out', 'out', 'in')]), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'x', port: 'out', message: `Input "x": its shape [2] does not match the dataset's features [4]` },
    ]);
  });

  it('an Input with neither a dataset nor a shape', () => {
    const nodes = [node('x', 'Input'), node('out', 'Output')];
    const v = validateDocument(doc(nodes, [edge('e1', 'x', 'out', 'out', 'in')]));
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'x', port: 'out', message: 'Input "x": no dataset is chosen and no shape is given for input "x"' },
    ]);
  });

  it('BatchNorm1d features', () => {
    const nodes = [node('x', 'Input'), node('bn', 'BatchNorm1d', { numFeatures: 8 }), node('out', 'Output')];
    const v = validateDocument(doc(nodes, [edge('e1', 'x', 'out', 'bn', 'in'), edge('e2', 'bn', 'out', 'out', 'in')]), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'bn', port: 'in', message: 'BatchNorm1d "bn": input has 4 features but num_features is 8' },
    ]);
  });

  it('dangling / unused nodes are warnings, not errors', () => {
    const nodes = [...mlpNodes(), node('spare', 'Activation', { fn: 'tanh' }), node('c', 'Constant', { value: 2 })];
    const edges = [...mlpEdges(), edge('e6', 'h', 'out', 'spare', 'in')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.ok).toBe(true);
    expect(v.diagnostics).toEqual([
      { severity: 'warning', code: 'unused', nodeId: 'spare', message: 'Activation "spare": its output is not used by any node' },
      { severity: 'warning', code: 'unused', nodeId: 'c', message: 'Constant "c": its output is not used by any node' },
    ]);
    // An unused node still gets shapes.
    expect(v.edgeShapes.get('e6')).toEqual(['N', 8]);
  });

  it('Loss and Output are sinks: never "unused"', () => {
    const v = validateDocument(doc([node('c', 'Constant', { value: 3 }), node('out', 'Output')], [edge('e1', 'c', 'out', 'out', 'in')]));
    expect(v.diagnostics).toEqual([]);
  });

  it('a graph without a Loss is valid; training it is not (two levels: run and train)', () => {
    const nodes = [node('x', 'Input', { shape: [4] }), node('h', 'Linear', { inFeatures: 4, outFeatures: 3 }), node('out', 'Output')];
    const edges = [edge('e1', 'x', 'out', 'h', 'in'), edge('e2', 'h', 'out', 'out', 'in')];
    const noLoss = { code: 'no-loss', message: 'training needs a Loss node: connect the prediction and the Target to a Loss', level: 'train' };
    const noData = { code: 'no-dataset', message: 'training needs a dataset: choose one in the Data tab (training.dataset), or give one with --dataset', level: 'train' };
    const withDataset = doc(nodes, edges, { training: { dataset: { name: 'iris' } } });
    // run (the default): a forward-only graph is valid, training settings or not.
    for (const d of [withDataset, doc(nodes, edges)]) {
      const v = validateDocument(d, { data: IRIS_LIKE });
      expect(v.ok).toBe(true);
      expect(v.diagnostics).toEqual([]);
      expect(validateDocument(d, { data: IRIS_LIKE, purpose: 'run' }).diagnostics).toEqual([]);
    }
    // train: what training lacks is an error, marked as training's.
    const t = validateDocument(withDataset, { data: IRIS_LIKE, purpose: 'train' });
    expect(t.ok).toBe(false);
    expect(t.diagnostics).toEqual([{ severity: 'error', ...noLoss }]);
    expect(validateDocument(doc(nodes, edges), { purpose: 'train' }).diagnostics).toEqual([
      { severity: 'error', ...noLoss },
      { severity: 'error', ...noData },
    ]);
    // inspect: the same findings as notes; the graph stays valid.
    const i = validateDocument(doc(nodes, edges), { purpose: 'inspect' });
    expect(i.ok).toBe(true);
    expect(i.diagnostics).toEqual([{ severity: 'info', ...noLoss }, { severity: 'info', ...noData }]);
    expect(formatDiagnostic(i.diagnostics[0]!)).toBe('note: training needs a Loss node: connect the prediction and the Target to a Loss');
    // The compiler's requireLoss: the Loss check alone.
    expect(validateDocument(doc(nodes, edges), { data: IRIS_LIKE, requireLoss: true }).diagnostics).toEqual([{ severity: 'error', ...noLoss }]);
    expect(validateDocument(withDataset, { data: IRIS_LIKE, requireLoss: false }).diagnostics).toEqual([]);
  });

  it('a trainable graph: a Loss, a dataset, and a prediction and target of matching shapes', () => {
    const d = doc(mlpNodes(), mlpEdges(), { training: { dataset: { name: 'iris' } } });
    for (const purpose of ['run', 'train', 'inspect'] as const) {
      expect(validateDocument(d, { data: IRIS_LIKE, purpose }).diagnostics, purpose).toEqual([]);
    }
    // The dataset may come from the caller (--dataset) instead of the document.
    expect(validateDocument(doc(mlpNodes(), mlpEdges()), { data: IRIS_LIKE, purpose: 'train' }).diagnostics).toEqual([]);
    // Mismatched prediction and target shapes are the Loss node's own error, at every level
    // (the Target's encoding given as index; left unset it would follow the MSE: one-hot, N×3).
    const nodes = mlpNodes().map((n) => (n.id === 'l' ? node('l', 'Loss', { fn: 'mse' }) : n.id === 'y' ? node('y', 'Target', { encoding: 'index' }) : n));
    for (const purpose of ['run', 'train'] as const) {
      expect(validateDocument(doc(nodes, mlpEdges(), { training: { dataset: { name: 'iris' } } }), { data: IRIS_LIKE, purpose }).diagnostics).toEqual([
        { severity: 'error', code: 'shape-mismatch', nodeId: 'l', port: 'target', message: 'Loss "l": prediction N×3 and target N must have the same shape' },
      ]);
    }
  });

  it('several Loss nodes', () => {
    const nodes = [...mlpNodes(), node('l2', 'Loss', { fn: 'crossEntropy' })];
    const edges = [...mlpEdges(), edge('e6', 'o', 'out', 'l2', 'prediction'), edge('e7', 'y', 'out', 'l2', 'target')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'several-losses', nodeId: 'l2', message: 'Loss "l2": a graph has one Loss; add the losses with an Add node' },
    ]);
  });

  it('several Inputs fed from incompatible datasets', () => {
    const nodes = [node('a', 'Input', { dataset: 'iris' }), node('b', 'Input', { dataset: 'xor' }, 'gates'), node('sum', 'Add'), node('out', 'Output')];
    const edges = [edge('e1', 'a', 'out', 'sum', 'a'), edge('e2', 'b', 'out', 'sum', 'b'), edge('e3', 'sum', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'incompatible-datasets',
        nodeId: 'b',
        message: 'Input "gates" reads dataset "xor" but other inputs read "iris"; every Input of one graph must be fed from the same dataset',
      },
    ]);
  });

  it('an Input without its own dataset reads the training dataset', () => {
    const nodes = [node('a', 'Input'), node('b', 'Input', { dataset: 'xor' }), node('sum', 'Add'), node('out', 'Output')];
    const edges = [edge('e1', 'a', 'out', 'sum', 'a'), edge('e2', 'b', 'out', 'sum', 'b'), edge('e3', 'sum', 'out', 'out', 'in')];
    const data: DataBinding = { featureShape: [2], targetShape: [], task: 'classification', numClasses: 2 };
    expect(validateDocument(doc(nodes, edges, { training: { dataset: { name: 'xor' } } }), { data, requireLoss: false }).diagnostics).toEqual([]);
    const v = validateDocument(doc(nodes, edges, { training: { dataset: { name: 'circle' } } }), { data, requireLoss: false });
    expect(v.diagnostics.map((d) => [d.code, d.nodeId])).toEqual([['incompatible-datasets', 'b']]);
  });

  it('params out of range, of the wrong type, or not among the options', () => {
    const nodes = [
      node('x', 'Input'),
      node('h', 'Linear', { inFeatures: 4, outFeatures: 0 }, 'hidden'),
      node('d', 'Dropout', { p: 1.5 }),
      node('a', 'Activation', { fn: 'swish' }),
      node('k', 'Linear', { inFeatures: 2.5, outFeatures: '3', bias: 'yes' }),
      node('bn', 'BatchNorm1d', { numFeatures: 4, momentum: -0.1 }),
      node('t', 'Target', { encoding: 'ordinal' }),
      node('r', 'Reshape', { shape: [0, 3] }),
      node('s', 'Sum', { dims: 'rows' }),
      node('c', 'Constant', { value: 'pi' }),
      node('out', 'Output', { name: 7 }),
    ];
    const v = validateDocument(doc(nodes, []), { data: IRIS_LIKE });
    const rangeErrors = v.diagnostics.filter((d) => d.code === 'param-range');
    expect(rangeErrors.every((d) => d.severity === 'error')).toBe(true);
    expect(rangeErrors.map((d) => [d.nodeId, d.message])).toEqual([
      ['h', 'Linear "hidden": outFeatures must be ≥ 1, got 0'],
      ['d', 'Dropout "d": p must be ≤ 1, got 1.5'],
      ['a', 'Activation "a": fn must be one of relu, leakyRelu, sigmoid, tanh, gelu, step, sign, softmax, identity; got "swish"'],
      ['k', 'Linear "k": inFeatures must be a whole number, got 2.5'],
      ['k', 'Linear "k": outFeatures must be a number, got "3"'],
      ['k', 'Linear "k": bias must be true or false, got "yes"'],
      ['bn', 'BatchNorm1d "bn": momentum must be ≥ 0, got -0.1'],
      ['t', 'Target "t": encoding must be one of index, onehot, column, signed; got "ordinal"'],
      ['r', 'Reshape "r": shape must be a list of positive whole numbers, got [0,3]'],
      ['s', 'Sum "s": dims must be a list of dimension numbers or null, got "rows"'],
      ['c', 'Constant "c": value must be a number or a nested array of numbers, got "pi"'],
      ['out', 'Output "out": name must be text, got 7'],
    ]);
    // A node whose params are wrong is not shape-checked (no follow-on noise).
    expect(v.diagnostics.filter((d) => d.code === 'shape-mismatch')).toEqual([]);
  });

  it('a shape param that must not be empty', () => {
    const v = validateDocument(doc([node('r', 'Reshape', { shape: [] })], []));
    expect(v.diagnostics.filter((d) => d.code === 'param-range').map((d) => d.message)).toEqual(['Reshape "r": shape must not be empty']);
  });

  it('unknown params are a warning', () => {
    const v = validateDocument(doc([node('c', 'Constant', { value: 1, colour: 'red' }), node('out', 'Output')], [edge('e1', 'c', 'out', 'out', 'in')]));
    expect(v.ok).toBe(true);
    expect(v.diagnostics).toEqual([{ severity: 'warning', code: 'unknown-param', nodeId: 'c', message: 'Constant "c": unknown param "colour" is ignored' }]);
  });

  it('unknown node type', () => {
    const nodes = [node('x', 'Input'), node('conv', 'Conv2d', {}, 'features'), node('out', 'Output')];
    const edges = [edge('e1', 'x', 'out', 'conv', 'in'), edge('e2', 'conv', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    // The edges to and from the unknown node are not reported again as "not connected" or "unused".
    expect(v.diagnostics).toEqual([{ severity: 'error', code: 'unknown-type', nodeId: 'conv', message: 'node "features" has unknown type "Conv2d"' }]);
    expect(v.ok).toBe(false);
  });

  it('unknown port, on either end of an edge', () => {
    const nodes = [node('x', 'Input'), node('h', 'Linear', { inFeatures: 4, outFeatures: 2 }), node('out', 'Output')];
    const edges = [edge('e1', 'x', 'values', 'h', 'in'), edge('e2', 'h', 'out', 'out', 'input')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'unknown-port', edgeId: 'e1', nodeId: 'x', port: 'values', message: 'Input "x" has no output "values" (it has "out")' },
      { severity: 'error', code: 'unknown-port', edgeId: 'e2', nodeId: 'out', port: 'input', message: 'Output "out" has no input "input" (it has "in")' },
      // Output.in really has no edge: that is said too.
      { severity: 'error', code: 'missing-input', nodeId: 'out', port: 'in', message: 'Output "out": input "in" is not connected' },
    ]);
  });

  it('an edge out of a node without outputs', () => {
    const nodes = [node('c', 'Constant'), node('out', 'Output'), node('out2', 'Output')];
    const edges = [edge('e1', 'c', 'out', 'out', 'in'), edge('e2', 'out', 'out', 'out2', 'in')];
    const v = validateDocument(doc(nodes, edges));
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'unknown-port', edgeId: 'e2', nodeId: 'out', port: 'out', message: 'Output "out" has no output "out" (it has none)' },
    ]);
  });

  it('duplicate node ids (a document built in code, not parsed)', () => {
    const d = doc([node('x', 'Input', { shape: [2] }), node('a', 'Activation'), node('b', 'Output')], [edge('e1', 'x', 'out', 'a', 'in'), edge('e2', 'a', 'out', 'b', 'in')]);
    const dup: GraphDocument = { ...d, nodes: [...d.nodes, { ...d.nodes[1]!, params: { fn: 'tanh' } }] };
    const v = validateDocument(dup);
    expect(v.ok).toBe(false);
    expect(v.diagnostics).toEqual([{ severity: 'error', code: 'duplicate-id', nodeId: 'a', message: 'two nodes have the id "a"; node ids must be unique' }]);
    expect(v.order).toEqual(['x', 'a', 'b']);
    // The first node with the id is the one validated.
    expect(v.params.get('a')).toMatchObject({ fn: 'relu' });
  });

  it('duplicate edge ids (a document built in code, not parsed)', () => {
    const d = doc([node('x', 'Input', { shape: [2] }), node('a', 'Activation'), node('b', 'Output')], [edge('e1', 'x', 'out', 'a', 'in'), edge('e2', 'a', 'out', 'b', 'in')]);
    const dup: GraphDocument = { ...d, edges: [d.edges[0]!, { ...d.edges[1]!, id: 'e1' }] };
    expect(validateDocument(dup).diagnostics).toEqual([{ severity: 'error', code: 'duplicate-id', edgeId: 'e1', message: 'two edges have the id "e1"; edge ids must be unique' }]);
  });

  it('edges to or from missing nodes', () => {
    const nodes = [node('x', 'Input'), node('out', 'Output')];
    const edges = [edge('e1', 'x', 'out', 'ghost', 'in'), edge('e2', 'nobody', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      { severity: 'error', code: 'dangling-edge', edgeId: 'e1', message: 'edge "e1" connects "x" to missing node "ghost"' },
      { severity: 'error', code: 'dangling-edge', edgeId: 'e2', message: 'edge "e2" connects missing node "nobody" to "out"' },
    ]);
  });

  it('two edges into one input', () => {
    const nodes = [node('a', 'Input'), node('b', 'Input'), node('h', 'Linear', { inFeatures: 4, outFeatures: 2 }, 'hidden'), node('out', 'Output')];
    const edges = [edge('e1', 'a', 'out', 'h', 'in'), edge('e2', 'b', 'out', 'h', 'in'), edge('e3', 'h', 'out', 'out', 'in')];
    const v = validateDocument(doc(nodes, edges), { data: IRIS_LIKE });
    expect(v.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'multiple-inputs',
        edgeId: 'e2',
        nodeId: 'h',
        port: 'in',
        message: 'Linear "hidden": input "in" has more than one incoming edge; add them with an Add node',
      },
    ]);
    // The first edge stands and carries its shape.
    expect(v.edgeShapes.get('e1')).toEqual(['N', 4]);
    expect(v.edgeShapes.has('e2')).toBe(false);
  });

  it('formatDiagnostic gives one line for the CLI', () => {
    expect(formatDiagnostic({ severity: 'error', code: 'shape-mismatch', nodeId: 'h', port: 'in', message: 'Linear "hidden": input has 3 features but in_features is 4' })).toBe(
      'error: Linear "hidden": input has 3 features but in_features is 4',
    );
  });
});

describe('validateDocument never throws', () => {
  /** A small deterministic generator of nonsense documents. */
  function lcg(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it('on 3000 random documents (unknown types, bad params, bad ports, duplicate ids, cycles)', () => {
    const rnd = lcg(42);
    const pick = <T,>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
    const types = [...nodeRegistry.keys(), 'Bogus'];
    const values: unknown[] = [0, 1, -1, 2, 3, 4, 1.5, 'x', 'relu', 'softmax', 'crossEntropy', 'onehot', 'mse', null, true, [], [2], [2, 3], [0], [-1], [[1, 2], [3]], [[1, 2]], {}, 1e30];
    const ports = ['in', 'out', 'a', 'b', 'prediction', 'target', 'loss', 'zz'];
    for (let it = 0; it < 3000; it++) {
      const count = 1 + Math.floor(rnd() * 6);
      const nodes = Array.from({ length: count }, (_, i) => {
        const type = pick(types);
        const params: Record<string, unknown> = {};
        for (const k of Object.keys(nodeRegistry.get(type)?.params ?? {})) if (rnd() < 0.5) params[k] = pick(values);
        return { id: rnd() < 0.15 ? 'n1' : `n${i}`, type, params, position: { x: 0, y: 0 } };
      });
      // Mostly real ports of the nodes (so that many edges are valid), sometimes nonsense.
      const portOf = (id: string, side: 'inputs' | 'outputs'): string => {
        const def = nodeRegistry.get(nodes.find((n) => n.id === id)?.type ?? '');
        const real = def?.[side].map((p) => p.name) ?? [];
        return real.length > 0 && rnd() < 0.8 ? pick(real) : pick(ports);
      };
      const edges = Array.from({ length: Math.floor(rnd() * 7) }, (_, i) => {
        const source = `n${Math.floor(rnd() * (count + 1))}`;
        const target = `n${Math.floor(rnd() * (count + 1))}`;
        return { id: rnd() < 0.05 ? 'e0' : `e${i}`, source, sourcePort: portOf(source, 'outputs'), target, targetPort: portOf(target, 'inputs') };
      });
      const data: DataBinding | null = rnd() < 0.5 ? null : { featureShape: pick([[2], [4], [2, 3], []]), targetShape: [], task: 'classification', numClasses: 3 };
      const d = { formatVersion: 3, name: 'fuzz', nodes, edges } as GraphDocument;
      const v = validateDocument(d, { data });
      expect(v.ok).toBe(!v.diagnostics.some((x) => x.severity === 'error'));
      for (const x of v.diagnostics) expect(x.message.length).toBeGreaterThan(0);
    }
  });
});
