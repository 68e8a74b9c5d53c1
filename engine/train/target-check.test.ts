import { describe, expect, it } from 'vitest';
import { makeDataset, type Dataset } from '../data/dataset';
import { compileDocument } from '../graph/compile';
import { parseDocument } from '../graph/document';
import { bindingOf } from './data-source';
import { checkTargetsForLoss } from './target-check';

const classes = (labels: number[], names?: string[], extra: Partial<Dataset> = {}): Dataset =>
  makeDataset({
    name: 'toy', task: 'classification', featureShape: [2], targetShape: [],
    features: new Float32Array(labels.length * 2), labels: Float32Array.from(labels), ...(names ? { classNames: names } : {}), ...extra,
  });

function model(fn: string, encoding: string, outputs: number, bindTo: Dataset) {
  const r = parseDocument({
    formatVersion: 2,
    nodes: [
      { id: 'x', type: 'Input', params: { shape: [2] } },
      { id: 'lin', type: 'Linear', params: { inFeatures: 2, outFeatures: outputs } },
      { id: 'y', type: 'Target', params: { encoding } },
      { id: 'loss', type: 'Loss', label: 'L', params: { fn } },
    ],
    edges: [
      { id: 'e1', source: 'x', target: 'lin' },
      { id: 'e2', source: 'lin', target: 'loss', targetPort: 'prediction' },
      { id: 'e3', source: 'y', target: 'loss', targetPort: 'target' },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return compileDocument(r.document, { data: bindingOf(bindTo), requireLoss: true });
}

describe('checkTargetsForLoss', () => {
  it('accepts what each loss learns from', () => {
    const two = classes([0, 1, 1, 0]);
    expect(() => checkTargetsForLoss(model('bce', 'column', 1, two), two)).not.toThrow();
    const three = classes([0, 1, 2], ['a', 'b', 'c']);
    expect(() => checkTargetsForLoss(model('bce', 'onehot', 3, three), three)).not.toThrow();
    expect(() => checkTargetsForLoss(model('crossEntropy', 'index', 3, three), three)).not.toThrow();
    expect(() => checkTargetsForLoss(model('perceptron', 'signed', 1, two), two)).not.toThrow();
  });

  it('cross-entropy: a class index beyond the logits (a dataset with more classes than the model was built for)', () => {
    const three = classes([0, 1, 2], ['a', 'b', 'c']);
    const four = classes([0, 1, 2, 3], ['a', 'b', 'c', 'd']);
    expect(() => checkTargetsForLoss(model('crossEntropy', 'index', 3, three), four)).toThrow(
      'Loss "L" (cross-entropy) gets 3 logits per sample, but dataset "toy" has 4 classes (a, b, c, d): class index 3 is out of range; give the model 4 outputs',
    );
  });

  it('perceptron: three classes cannot be −1/+1; 0/1 targets need the signed encoding', () => {
    const three = classes([0, 1, 2]);
    expect(() => checkTargetsForLoss(model('perceptron', 'signed', 1, classes([0, 1])), three)).toThrow(
      'Loss "L" (perceptron criterion) is given −1/+1 targets (Target encoding "signed"), which need two classes, but dataset "toy" has 3 classes (0, 1, 2)',
    );
    const two = classes([0, 1, 1]);
    expect(() => checkTargetsForLoss(model('perceptron', 'column', 1, two), two)).toThrow(
      'Loss "L" (perceptron criterion) needs targets −1 and +1, but dataset "toy" gives 0 (sample 1); set the Target\'s encoding to "signed"',
    );
  });

  it('BCE with −1/+1 targets (signed encoding)', () => {
    const two = classes([0, 1]);
    expect(() => checkTargetsForLoss(model('bce', 'signed', 1, two), two)).toThrow(
      'Loss "L" (binary cross-entropy) needs targets 0 and 1, but the Target gives −1/+1 (encoding "signed") for dataset "toy"; use encoding "column"',
    );
  });
});
