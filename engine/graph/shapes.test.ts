/**
 * Shape inference with a symbolic batch dimension `N`: every edge gets its shape, as the canvas
 * shows it (`N×128`), and each node's shape rule explains what does not fit.
 */
import { describe, expect, it } from 'vitest';
import { parseDocument, type GraphDocument, type GraphDocumentInput } from './document';
import type { DataBinding } from './node-def';
import { broadcastSym, concretize, formatSymShape, symShapesEqual, symSize, type SymShape } from './symbolic';
import { portKey } from './names';
import { validateDocument, type ValidationResult } from './validate';

type NodeIn = GraphDocumentInput['nodes'][number];
type EdgeIn = NonNullable<GraphDocumentInput['edges']>[number];

const node = (id: string, type: string, params: Record<string, unknown> = {}, label?: string): NodeIn => ({ id, type, params, ...(label ? { label } : {}) });
const edge = (id: string, source: string, sourcePort: string, target: string, targetPort: string): EdgeIn => ({ id, source, sourcePort, target, targetPort });

function doc(nodes: NodeIn[], edges: EdgeIn[]): GraphDocument {
  const r = parseDocument({ formatVersion: 2, nodes, edges });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

const CLASSIFY_4_3: DataBinding = { featureShape: [4], targetShape: [], task: 'classification', numClasses: 3 };
const IMAGES: DataBinding = { featureShape: [28, 28], targetShape: [], task: 'classification', numClasses: 10 };

/** Edge id → shape as the canvas labels it. */
function edgeLabels(v: ValidationResult): Record<string, string> {
  return Object.fromEntries([...v.edgeShapes].map(([id, s]) => [id, formatSymShape(s)]));
}

/** A chain x → f → out with one node under test; returns the validation. */
function through(type: string, params: Record<string, unknown>, input: SymShape | { data: DataBinding }): ValidationResult {
  const src = Array.isArray(input)
    ? input[0] === 'N'
      ? node('x', 'Input', { shape: input.slice(1) })
      : node('x', 'Input', { shape: input, batched: false })
    : node('x', 'Input');
  const d = doc([src, node('f', type, params), node('out', 'Output')], [edge('in', 'x', 'out', 'f', 'in'), edge('res', 'f', 'out', 'out', 'in')]);
  return validateDocument(d, { data: Array.isArray(input) ? null : (input as { data: DataBinding }).data });
}
const outShape = (v: ValidationResult): string | undefined => {
  const s = v.edgeShapes.get('res');
  return s ? formatSymShape(s) : undefined;
};
const messages = (v: ValidationResult): string[] => v.diagnostics.map((d) => d.message);

describe('symbolic shapes', () => {
  it('format as the canvas shows them', () => {
    expect(formatSymShape(['N', 128])).toBe('N×128');
    expect(formatSymShape(['N', 28, 28])).toBe('N×28×28');
    expect(formatSymShape([4])).toBe('4');
    expect(formatSymShape([])).toBe('scalar');
  });

  it('broadcast: N matches only N or 1', () => {
    expect(broadcastSym(['N', 3], [3])).toEqual(['N', 3]);
    expect(broadcastSym(['N', 1], [1, 5])).toEqual(['N', 5]);
    expect(broadcastSym(['N', 3], ['N', 3])).toEqual(['N', 3]);
    expect(broadcastSym([], ['N', 2])).toEqual(['N', 2]);
    expect(broadcastSym(['N', 3], [2, 3])).toBeNull();
    expect(broadcastSym([2], [3])).toBeNull();
  });

  it('size, equality, concrete shapes', () => {
    expect(symSize([28, 28])).toBe(784);
    expect(symSize([])).toBe(1);
    expect(symSize(['N', 4])).toBeNull();
    expect(symShapesEqual(['N', 3], ['N', 3])).toBe(true);
    expect(symShapesEqual(['N', 3], ['N', 1])).toBe(false);
    expect(symShapesEqual(['N'], ['N', 1])).toBe(false);
    expect(concretize(['N', 3], 16)).toEqual([16, 3]);
  });
});

describe('shape inference: every edge gets its shape', () => {
  it('an MLP Input(4) → Linear(4→8) → ReLU → Linear(8→3) → cross-entropy', () => {
    const d = doc(
      [
        node('x', 'Input'),
        node('h', 'Linear', { inFeatures: 4, outFeatures: 8 }),
        node('a', 'Activation', { fn: 'relu' }),
        node('o', 'Linear', { inFeatures: 8, outFeatures: 3 }),
        node('y', 'Target'),
        node('l', 'Loss', { fn: 'crossEntropy' }),
        node('p', 'Output'),
      ],
      [
        edge('x→h', 'x', 'out', 'h', 'in'),
        edge('h→a', 'h', 'out', 'a', 'in'),
        edge('a→o', 'a', 'out', 'o', 'in'),
        edge('o→l', 'o', 'out', 'l', 'prediction'),
        edge('y→l', 'y', 'out', 'l', 'target'),
        edge('o→p', 'o', 'out', 'p', 'in'),
      ],
    );
    const v = validateDocument(d, { data: CLASSIFY_4_3 });
    expect(v.diagnostics).toEqual([]);
    expect(edgeLabels(v)).toEqual({ 'x→h': 'N×4', 'h→a': 'N×8', 'a→o': 'N×8', 'o→l': 'N×3', 'y→l': 'N', 'o→p': 'N×3' });
    // Port shapes too, including the scalar loss.
    expect(v.portShapes.get(portKey('l', 'loss'))).toEqual([]);
    expect(v.portShapes.get(portKey('h', 'out'))).toEqual(['N', 8]);
  });

  it('the shape the Input is given, without a dataset', () => {
    const v = through('Activation', { fn: 'sigmoid' }, ['N', 2]);
    expect(v.diagnostics).toEqual([]);
    expect(formatSymShape(v.edgeShapes.get('in')!)).toBe('N×2');
    expect(outShape(v)).toBe('N×2');
  });

  it('an unbatched Input: its shape, or the shape of its fixed value', () => {
    expect(outShape(through('Activation', {}, [2, 2]))).toBe('2×2');
    const withValue = doc([node('x', 'Input', { batched: false, value: [[1, 1], [1, 1]] }), node('out', 'Output')], [edge('res', 'x', 'out', 'out', 'in')]);
    expect(outShape(validateDocument(withValue))).toBe('2×2');
    const scalar = doc([node('x', 'Input', { batched: false, value: 3 }), node('out', 'Output')], [edge('res', 'x', 'out', 'out', 'in')]);
    expect(outShape(validateDocument(scalar))).toBe('scalar');
  });

  it('Constant and Parameter have the shape of their value', () => {
    const d = doc(
      [node('c', 'Constant', { value: [[1, 2, 3], [4, 5, 6]] }), node('k', 'Constant', { value: 2 }), node('w', 'Parameter', { shape: [3, 5] }), node('b', 'Parameter'), node('o1', 'Output'), node('o2', 'Output'), node('o3', 'Output'), node('o4', 'Output')],
      [edge('c', 'c', 'out', 'o1', 'in'), edge('k', 'k', 'out', 'o2', 'in'), edge('w', 'w', 'out', 'o3', 'in'), edge('b', 'b', 'out', 'o4', 'in')],
    );
    expect(edgeLabels(validateDocument(d))).toEqual({ c: '2×3', k: 'scalar', w: '3×5', b: 'scalar' });
  });

  it('Flatten of N×28×28 → N×784, then Linear(784→128)', () => {
    const d = doc(
      [node('x', 'Input'), node('f', 'Flatten'), node('h', 'Linear', { inFeatures: 784, outFeatures: 128 }), node('out', 'Output')],
      [edge('e1', 'x', 'out', 'f', 'in'), edge('e2', 'f', 'out', 'h', 'in'), edge('e3', 'h', 'out', 'out', 'in')],
    );
    const v = validateDocument(d, { data: IMAGES });
    expect(v.diagnostics).toEqual([]);
    expect(edgeLabels(v)).toEqual({ e1: 'N×28×28', e2: 'N×784', e3: 'N×128' });
  });

  it('Flatten of a 2-D batch keeps it', () => {
    expect(outShape(through('Flatten', {}, ['N', 5]))).toBe('N×5');
  });

  it('Reshape keeps N and checks the element count', () => {
    expect(outShape(through('Reshape', { shape: [28, 28] }, ['N', 784]))).toBe('N×28×28');
    expect(outShape(through('Reshape', { shape: [2, 3] }, [6]))).toBe('2×3');
    expect(outShape(through('Reshape', { shape: [784] }, { data: IMAGES }))).toBe('N×784');
    const bad = through('Reshape', { shape: [5, 5] }, ['N', 784]);
    expect(bad.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'f', port: 'in', message: 'Reshape "f": cannot reshape N×784 to N×5×5: 784 elements per sample vs 25' },
    ]);
  });

  it('MatMul: batch × matrix, vector · vector, matrix · vector, and what does not fit', () => {
    const mm = (a: NodeIn, b: NodeIn): ValidationResult =>
      validateDocument(doc([a, b, node('m', 'MatMul'), node('out', 'Output')], [edge('a', a.id, 'out', 'm', 'a'), edge('b', b.id, 'out', 'm', 'b'), edge('res', 'm', 'out', 'out', 'in')]));
    expect(outShape(mm(node('x', 'Input', { shape: [4] }), node('w', 'Parameter', { shape: [4, 5] })))).toBe('N×5');
    expect(outShape(mm(node('x', 'Parameter', { shape: [3] }), node('w', 'Parameter', { shape: [3] })))).toBe('scalar');
    expect(outShape(mm(node('x', 'Parameter', { shape: [2, 3] }), node('w', 'Parameter', { shape: [3] })))).toBe('2');
    expect(outShape(mm(node('x', 'Parameter', { shape: [3] }), node('w', 'Parameter', { shape: [3, 4] })))).toBe('4');
    expect(outShape(mm(node('x', 'Input', { shape: [2, 3] }), node('w', 'Parameter', { shape: [3, 4] })))).toBe('N×2×4');
    const bad = mm(node('x', 'Input', { shape: [4] }), node('w', 'Parameter', { shape: [5, 4] }));
    expect(messages(bad)).toEqual(['MatMul "m": shapes N×4 and 5×4 cannot be multiplied (4 vs 5)']);
    expect(bad.diagnostics[0]).toMatchObject({ code: 'shape-mismatch', nodeId: 'm', port: 'b' });
  });

  it('Add / Multiply / Max broadcast', () => {
    const bin = (type: string, a: NodeIn, b: NodeIn): ValidationResult =>
      validateDocument(doc([a, b, node('m', type), node('out', 'Output')], [edge('a', a.id, 'out', 'm', 'a'), edge('b', b.id, 'out', 'm', 'b'), edge('res', 'm', 'out', 'out', 'in')]));
    expect(outShape(bin('Add', node('x', 'Input', { shape: [3] }), node('c', 'Constant', { value: 2 })))).toBe('N×3');
    expect(outShape(bin('Multiply', node('x', 'Input', { shape: [3] }), node('c', 'Parameter', { shape: [3] })))).toBe('N×3');
    expect(outShape(bin('Max', node('x', 'Input', { shape: [1] }), node('c', 'Parameter', { shape: [4] })))).toBe('N×4');
    expect(messages(bin('Add', node('x', 'Input', { shape: [3] }), node('c', 'Parameter', { shape: [2, 3] })))).toEqual([
      'Add "m": inputs of shape N×3 and 2×3 cannot be broadcast together',
    ]);
  });

  it('Sum and Mean: all dims, chosen dims, negative dims, keepDim', () => {
    const x: SymShape = ['N', 3, 5];
    expect(outShape(through('Sum', {}, x))).toBe('scalar');
    expect(outShape(through('Sum', { dims: null }, x))).toBe('scalar');
    expect(outShape(through('Sum', { dims: [] }, x))).toBe('scalar');
    expect(outShape(through('Sum', { keepDim: true }, x))).toBe('1×1×1');
    expect(outShape(through('Sum', { dims: [1] }, x))).toBe('N×5');
    expect(outShape(through('Mean', { dims: [0] }, x))).toBe('3×5');
    expect(outShape(through('Mean', { dims: [-1] }, x))).toBe('N×3');
    expect(outShape(through('Mean', { dims: [1, 2], keepDim: true }, x))).toBe('N×1×1');
    expect(outShape(through('Mean', { dims: [0], keepDim: true }, x))).toBe('1×3×5');
    const bad = through('Sum', { dims: [3] }, x);
    expect(bad.diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'f', port: 'in', message: 'Sum "f": dimension 3 is out of range for an input of shape N×3×5' },
    ]);
  });

  it('elementwise nodes keep the shape', () => {
    for (const [type, params] of [['Activation', { fn: 'softmax' }], ['Activation', { fn: 'gelu' }], ['Dropout', { p: 0.2 }], ['Exp', {}], ['Log', {}], ['Power', { exponent: 3 }]] as const) {
      expect(outShape(through(type, params, ['N', 7])), type).toBe('N×7');
    }
  });

  it('softmax needs a dimension; Linear needs features', () => {
    expect(messages(through('Activation', { fn: 'softmax' }, { data: { ...CLASSIFY_4_3, featureShape: [] } }))).toEqual([]);
    const scalarIn = doc([node('x', 'Input', { batched: false, value: 2 }), node('f', 'Activation', { fn: 'softmax' }), node('out', 'Output')], [edge('in', 'x', 'out', 'f', 'in'), edge('res', 'f', 'out', 'out', 'in')]);
    expect(messages(validateDocument(scalarIn))).toEqual(['Activation "f": softmax needs at least one dimension']);
    expect(messages(through('Linear', { inFeatures: 1, outFeatures: 2 }, []))).toEqual(['Linear "f": input is a scalar; Linear needs [N, features]']);
  });

  it('Linear keeps leading dims', () => {
    expect(outShape(through('Linear', { inFeatures: 3, outFeatures: 2 }, ['N', 5, 3]))).toBe('N×5×2');
  });

  it('BatchNorm1d needs N×C', () => {
    expect(outShape(through('BatchNorm1d', { numFeatures: 4 }, { data: CLASSIFY_4_3 }))).toBe('N×4');
    expect(messages(through('BatchNorm1d', { numFeatures: 28 }, { data: IMAGES }))).toEqual(['BatchNorm1d "f": input must be N×C, got N×28×28']);
  });
});

describe('Target encodings and Loss shape checks', () => {
  /** Linear(4→k) and a Target feeding a Loss. */
  function lossDoc(k: number, fn: string, encoding: string): GraphDocument {
    return doc(
      [node('x', 'Input'), node('h', 'Linear', { inFeatures: 4, outFeatures: k }), node('y', 'Target', { encoding }), node('l', 'Loss', { fn })],
      [edge('x', 'x', 'out', 'h', 'in'), edge('pred', 'h', 'out', 'l', 'prediction'), edge('target', 'y', 'out', 'l', 'target')],
    );
  }

  it('Target shapes by encoding (classification)', () => {
    const shapeOf = (encoding: string): string => formatSymShape(validateDocument(lossDoc(3, 'crossEntropy', encoding), { data: CLASSIFY_4_3 }).edgeShapes.get('target')!);
    expect(shapeOf('index')).toBe('N');
    expect(shapeOf('onehot')).toBe('N×3');
    expect(shapeOf('column')).toBe('N×1');
    expect(shapeOf('signed')).toBe('N×1');
  });

  it('Target of a regression dataset is N×T whatever the encoding', () => {
    const data: DataBinding = { featureShape: [4], targetShape: [2], task: 'regression', numClasses: 0 };
    const v = validateDocument(lossDoc(2, 'mse', 'index'), { data });
    expect(v.diagnostics).toEqual([]);
    expect(formatSymShape(v.edgeShapes.get('target')!)).toBe('N×2');
  });

  it('cross-entropy: logits N×C with class indices N', () => {
    expect(validateDocument(lossDoc(3, 'crossEntropy', 'index'), { data: CLASSIFY_4_3 }).diagnostics).toEqual([]);
  });

  it('cross-entropy needs the Target encoding "index"', () => {
    const v = validateDocument(lossDoc(3, 'crossEntropy', 'onehot'), { data: CLASSIFY_4_3 });
    expect(v.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'shape-mismatch',
        nodeId: 'l',
        port: 'target',
        message: 'Loss "l": cross-entropy needs class indices of shape N, got N×3 (set the Target\'s encoding to "index")',
      },
    ]);
  });

  it('cross-entropy needs a logit for every class of the dataset', () => {
    const v = validateDocument(lossDoc(2, 'crossEntropy', 'index'), { data: CLASSIFY_4_3 });
    expect(v.diagnostics).toEqual([
      {
        severity: 'error',
        code: 'shape-mismatch',
        nodeId: 'l',
        port: 'prediction',
        message: 'Loss "l": cross-entropy needs one logit per class: the prediction N×2 has 2, the dataset has 3 classes',
      },
    ]);
    // More logits than classes is allowed (as in PyTorch).
    expect(validateDocument(lossDoc(4, 'crossEntropy', 'index'), { data: CLASSIFY_4_3 }).diagnostics).toEqual([]);
  });

  it('cross-entropy needs 2-D logits', () => {
    const d = doc(
      [node('x', 'Input'), node('s', 'Sum', { dims: [1] }), node('y', 'Target'), node('l', 'Loss', { fn: 'crossEntropy' })],
      [edge('x', 'x', 'out', 's', 'in'), edge('pred', 's', 'out', 'l', 'prediction'), edge('target', 'y', 'out', 'l', 'target')],
    );
    expect(messages(validateDocument(d, { data: CLASSIFY_4_3 }))).toEqual(['Loss "l": cross-entropy needs logits N×classes, got N']);
  });

  it('mse, mse-half, bce and perceptron need equal shapes', () => {
    expect(validateDocument(lossDoc(3, 'mse', 'onehot'), { data: CLASSIFY_4_3 }).diagnostics).toEqual([]);
    expect(validateDocument(lossDoc(1, 'bce', 'column'), { data: CLASSIFY_4_3 }).diagnostics).toEqual([]);
    expect(validateDocument(lossDoc(1, 'perceptron', 'signed'), { data: CLASSIFY_4_3 }).diagnostics).toEqual([]);
    expect(validateDocument(lossDoc(1, 'mse-half', 'column'), { data: CLASSIFY_4_3 }).diagnostics).toEqual([]);
    for (const fn of ['mse', 'mse-half', 'bce', 'perceptron']) {
      expect(validateDocument(lossDoc(3, fn, 'index'), { data: CLASSIFY_4_3 }).diagnostics, fn).toEqual([
        { severity: 'error', code: 'shape-mismatch', nodeId: 'l', port: 'target', message: 'Loss "l": prediction N×3 and target N must have the same shape' },
      ]);
    }
  });

  it('one-hot targets without a dataset: the number of classes is unknown', () => {
    const d = doc(
      [node('x', 'Input', { shape: [4] }), node('h', 'Linear', { inFeatures: 4, outFeatures: 3 }), node('y', 'Target', { encoding: 'onehot' }), node('l', 'Loss', { fn: 'mse' })],
      [edge('x', 'x', 'out', 'h', 'in'), edge('pred', 'h', 'out', 'l', 'prediction'), edge('target', 'y', 'out', 'l', 'target')],
    );
    expect(validateDocument(d).diagnostics).toEqual([
      { severity: 'error', code: 'shape-mismatch', nodeId: 'y', port: 'out', message: 'Target "y": one-hot targets need a dataset to know the number of classes' },
    ]);
  });
});
