import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, perceptronCriterion } from '../../nn/losses';
import { reshape, zerosLike } from '../../ops/functional';
import { defineNode, NodeShapeError, type DataBinding, type LossFeed } from '../node-def';
import { symShapesEqual, type SymShape } from '../symbolic';
import { inShape, localTerm, stateless, shapeText } from './common';
import { LOSS, type LossFn } from './loss.spec';

export { LOSSES, type LossFn } from './loss.spec';

/** The Target encoding each loss needs, for a Target whose encoding is left to follow its Loss. */
export function targetEncodingFor(fn: string, task: 'classification' | 'regression' | undefined): 'index' | 'onehot' | 'column' | 'signed' {
  switch (fn as LossFn) {
    case 'crossEntropy':
      return 'index';
    case 'bce':
      return 'column';
    case 'perceptron':
      return 'signed';
    default:
      // mse, mse-half: one value per class to regress onto (regression targets are used as they are)
      return task === 'regression' ? 'column' : 'onehot';
  }
}

/**
 * How many values per sample the prediction of loss `fn` must have, given the target's shape and
 * the data: one logit per class for cross-entropy, else the target's width. Null when not known.
 */
export function predictionWidthFor(fn: string, target: SymShape | null, data: DataBinding | null): number | null {
  if (fn === 'crossEntropy') return data?.task === 'classification' && data.numClasses > 0 ? data.numClasses : null;
  if (!target) return null;
  if (target.length === 1) return 1;
  const last = target[target.length - 1];
  return typeof last === 'number' ? last : null;
}

/**
 * The objective. `mse`: PyTorch's mean squared error; `mse-half`: the lecture's
 * e = 1/(2n)·Σ‖y−o‖²; `crossEntropy`: from logits with class-index targets; `bce`: binary
 * cross-entropy from logits; `perceptron`: Σ over misclassified −y·s with y ∈ {−1, +1}.
 */
export const LossNode = defineNode({
  ...LOSS,
  lossFeeds: (params, incoming) => {
    const fn = params['fn'];
    if (typeof fn !== 'string') return [];
    const target = incoming.get('target') ?? null;
    const prediction = incoming.get('prediction');
    const out: LossFeed[] = [];
    if (prediction) out.push({ source: prediction.source, fn, port: 'prediction', targetSource: target });
    if (target) out.push({ source: target.source, fn, port: 'target', targetSource: null });
    return out;
  },
  inferShapes: ({ inputs, params, data }) => {
    const p = inShape(inputs, 'prediction');
    const t = inShape(inputs, 'target');
    switch (params['fn'] as LossFn) {
      case 'crossEntropy':
        if (p.length !== 2) throw new NodeShapeError(`cross-entropy needs logits N×classes, got ${shapeText(p)}`, 'prediction');
        // Fewer logits than the dataset has classes would only fail in the middle of training.
        if (data?.task === 'classification' && typeof p[1] === 'number' && p[1] < data.numClasses) {
          throw new NodeShapeError(`cross-entropy needs one logit per class: the prediction ${shapeText(p)} has ${p[1]}, the dataset has ${data.numClasses} classes`, 'prediction');
        }
        if (t.length !== 1 || t[0] !== p[0]) {
          throw new NodeShapeError(`cross-entropy needs class indices of shape ${shapeText([p[0]!])}, got ${shapeText(t)} (set the Target's encoding to "index")`, 'target');
        }
        break;
      case 'perceptron':
      case 'bce':
      case 'mse':
      case 'mse-half':
        if (!symShapesEqual(p, t)) {
          throw new NodeShapeError(`prediction ${shapeText(p)} and target ${shapeText(t)} must have the same shape`, 'target');
        }
        break;
    }
    return { loss: [] };
  },
  build: ({ params }) =>
    stateless(({ prediction, target }) => {
      const p = prediction!;
      const t = target!;
      switch (params['fn'] as LossFn) {
        case 'crossEntropy':
          return { loss: crossEntropy(p, t) };
        case 'bce':
          return { loss: binaryCrossEntropyWithLogits(p, t) };
        case 'perceptron':
          return { loss: perceptronCriterion(p, reshape(t, p.shape)) };
        case 'mse-half':
          return { loss: mseLoss(p, t, { form: 'half-sum-per-sample' }) };
        default:
          return { loss: mseLoss(p, t) };
      }
    }),
  toPyTorch: ({ params, inputShapes, data }) => {
    const width = inputShapes['prediction']?.[1];
    const regression = data?.task === 'regression';
    // How a prediction becomes classes for the accuracy (none for regression), and what it is compared with.
    const argmax = { classes: 'prediction.argmax(dim=1)', trueClasses: 'labels' };
    const threshold = (at: string) => ({ classes: `(prediction > ${at}).squeeze(1)`, trueClasses: `labels > ${at}` });
    const accuracy = (a: { classes: string; trueClasses: string }) => (regression ? { classes: null, trueClasses: 'labels' } : a);
    switch (params['fn'] as LossFn) {
      case 'crossEntropy':
        return { kind: 'loss', criterion: 'nn.CrossEntropyLoss()', ...accuracy(argmax) };
      case 'bce':
        return { kind: 'loss', criterion: 'nn.BCEWithLogitsLoss()', ...accuracy(threshold('0')) };
      case 'perceptron':
        return {
          kind: 'loss',
          criterion: 'perceptron_criterion',
          helper: [
            'def perceptron_criterion(scores, labels):',
            '    """The perceptron criterion: the sum over misclassified samples (y·s <= 0) of -y·s, y in {-1, +1}."""',
            '    margin = labels * scores',
            '    return (-margin * (margin <= 0)).sum()',
          ],
          ...accuracy(threshold('0')),
        };
      case 'mse-half':
        return {
          kind: 'loss',
          criterion: 'half_mse',
          helper: [
            'def half_mse(prediction, target):',
            '    """The lecture\'s e = 1/(2n)·Σ‖y − o‖² over the n samples of the batch."""',
            '    return ((prediction - target) ** 2).sum() / (2 * prediction.shape[0])',
          ],
          ...accuracy(width === 1 ? threshold('0.5') : argmax),
        };
      default:
        return { kind: 'loss', criterion: 'nn.MSELoss()', ...accuracy(width === 1 ? threshold('0.5') : argmax) };
    }
  },
  localGradient: ({ input, params }) => {
    const pred = input('prediction')!;
    const fn = String(params['fn']);
    const what = fn === 'crossEntropy' ? '(softmax(z) − onehot(t)) / N' : fn === 'mse' ? '2(o − y) / (N·k)' : fn === 'mse-half' ? '(o − y) / N' : fn === 'bce' ? '(σ(z) − t) / N' : '−y on misclassified samples';
    return [localTerm('prediction', `∂L/∂prediction = ${what}`, pred.grad ?? zerosLike(pred), 'other')];
  },
});
