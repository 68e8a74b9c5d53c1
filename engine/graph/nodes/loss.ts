import { binaryCrossEntropyWithLogits, crossEntropy, mseLoss, perceptronCriterion } from '../../nn/losses';
import { reshape } from '../../ops/functional';
import { defineNode, NodeShapeError } from '../node-def';
import { symShapesEqual } from '../symbolic';
import { enumParam, inShape, port, stateless, shapeText } from './common';

export const LOSSES = ['mse', 'mse-half', 'crossEntropy', 'bce', 'perceptron'] as const;
export type LossFn = (typeof LOSSES)[number];

/**
 * The objective. `mse`: PyTorch's mean squared error; `mse-half`: the lecture's
 * e = 1/(2n)·Σ‖y−o‖²; `crossEntropy`: from logits with class-index targets; `bce`: binary
 * cross-entropy from logits; `perceptron`: Σ over misclassified −y·s with y ∈ {−1, +1}.
 */
export const LossNode = defineNode({
  type: 'Loss',
  category: 'Loss',
  label: 'Loss',
  description: 'The objective to minimise: MSE, cross-entropy, BCE or the perceptron criterion',
  inputs: [port('prediction', 'tensor'), port('target', 'labels', { accepts: ['tensor'] })],
  outputs: [port('loss', 'loss')],
  params: {
    fn: enumParam('Function', 'Which loss', LOSSES, 'mse', [
      'MSE (mean)', 'MSE ½·Σ/n (lecture)', 'Cross-entropy', 'Binary cross-entropy', 'Perceptron criterion',
    ]),
  },
  keyParams: ['fn'],
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
});
