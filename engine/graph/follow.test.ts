/**
 * Values that follow the graph and the data (formatVersion 3): a newcomer wires
 * Input → Linear → Activation → Linear → Loss ← Target on XOR, types nothing, presses Start, and
 * gets 100 %. The Linear sizes follow the input and the Loss, the Target's encoding follows the
 * Loss, the tiny dataset trains and tests on every row, and the default Adam runs long enough.
 */
import { describe, expect, it } from 'vitest';
import { autoEpochs, testPlan } from '../train/defaults';
import { trainDocument } from '../train/train-document';
import { parseDocument, type GraphDocument } from './document';
import { validateDocument } from './validate';

function newcomer(loss: string, dataset = 'xor', extra: Record<string, Record<string, unknown>> = {}): GraphDocument {
  const node = (id: string, type: string) => ({ id, type, params: extra[id] ?? {} });
  const edge = (id: string, source: string, target: string, targetPort = 'in') => ({ id, source, sourcePort: 'out', target, targetPort });
  const r = parseDocument({
    formatVersion: 3,
    name: 'newcomer',
    nodes: [node('x', 'Input'), node('h', 'Linear'), { id: 'a', type: 'Activation', params: {} }, node('o', 'Linear'), node('t', 'Target'), { id: 'l', type: 'Loss', params: { fn: loss } }],
    edges: [edge('1', 'x', 'h'), edge('2', 'h', 'a'), edge('3', 'a', 'o'), edge('4', 'o', 'l', 'prediction'), edge('5', 't', 'l', 'target')],
    training: { dataset: { name: dataset } },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

const XOR = { featureShape: [2], targetShape: [], task: 'classification' as const, numClasses: 2 };
const IRIS = { featureShape: [4], targetShape: [], task: 'classification' as const, numClasses: 3 };

describe('params that follow the graph', () => {
  it('the newcomer network with MSE: in_features from the inputs, the output as wide as the one-hot target', () => {
    const v = validateDocument(newcomer('mse'), { data: XOR, purpose: 'train' });
    expect(v.diagnostics).toEqual([]);
    expect(Object.fromEntries(v.followed)).toEqual({
      h: { inFeatures: 2 },
      o: { inFeatures: 8, outFeatures: 2 },
      t: { encoding: 'onehot' },
    });
    expect(v.params.get('h')).toMatchObject({ inFeatures: 2, outFeatures: 8 });
  });

  it('cross-entropy: one logit per class and class indices; BCE: one output and a 0/1 column; perceptron: −1/+1', () => {
    const ce = validateDocument(newcomer('crossEntropy', 'iris'), { data: IRIS });
    expect(ce.diagnostics).toEqual([]);
    expect(ce.followed.get('o')).toEqual({ inFeatures: 8, outFeatures: 3 });
    expect(ce.followed.get('t')).toEqual({ encoding: 'index' });
    const bce = validateDocument(newcomer('bce'), { data: XOR });
    expect(bce.diagnostics).toEqual([]);
    expect(bce.followed.get('o')).toEqual({ inFeatures: 8, outFeatures: 1 });
    expect(bce.followed.get('t')).toEqual({ encoding: 'column' });
    expect(validateDocument(newcomer('perceptron'), { data: XOR }).followed.get('t')).toEqual({ encoding: 'signed' });
  });

  it('a value the document gives is kept and checked, not followed', () => {
    const v = validateDocument(newcomer('mse', 'xor', { h: { inFeatures: 3, outFeatures: 5 }, t: { encoding: 'index' } }), { data: XOR });
    expect(v.followed.get('h')).toBeUndefined();
    // (the nodes after the mismatch are not worked out: their inputs have no shape)
    expect(v.followed.get('o')).toBeUndefined();
    expect(v.diagnostics.map((d) => d.message)).toEqual(['Linear "h": input has 2 features but in_features is 3']);
  });

  it('without data the sizes that need it keep their defaults, and the rest still follows', () => {
    const v = validateDocument(newcomer('crossEntropy'));
    // The Input's features are unknown without a dataset: no in_features to follow.
    expect(v.followed.get('h')).toBeUndefined();
    expect(v.followed.get('t')).toEqual({ encoding: 'index' });
  });
});

describe('training defaults that follow the data', () => {
  it('tiny datasets train and test on every row; larger ones hold out 0.2; a given fraction is kept', () => {
    expect(testPlan(4, undefined)).toEqual({ kind: 'all-rows' });
    expect(testPlan(49, undefined)).toEqual({ kind: 'all-rows' });
    expect(testPlan(50, undefined)).toEqual({ kind: 'fraction', fraction: 0.2 });
    expect(testPlan(4, 0.5)).toEqual({ kind: 'fraction', fraction: 0.5 });
  });

  it('auto epochs: about 300 steps, 10 … 1,000 epochs', () => {
    expect(autoEpochs(4, 32)).toBe(300);
    expect(autoEpochs(120, 32)).toBe(75);
    expect(autoEpochs(60_000, 32)).toBe(10);
    expect(autoEpochs(1, 1)).toBe(300);
    expect(autoEpochs(31, 32, true)).toBe(300);
  });

  it('the newcomer network trains XOR to 100 % with every default, tested on all 4 rows', async () => {
    for (const seed of [0, 1, 2]) {
      const doc = newcomer('mse');
      const r = await trainDocument({ ...doc, training: { ...doc.training!, seed } });
      const last = r.history.at(-1)!;
      expect(r.history).toHaveLength(300);
      expect(last.accuracy, `seed ${seed}`).toBe(1);
      expect(last.testAccuracy, `seed ${seed}`).toBe(1);
    }
  });
});
