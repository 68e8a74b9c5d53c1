import { EngineError, ShapeError } from '../core/errors';
import { formatShape, shapesEqual } from '../core/shape';
import type { Tensor } from '../core/tensor';
import * as F from '../ops/functional';

export type Reduction = 'mean' | 'sum' | 'none';

function checkSame(name: string, output: Tensor, target: Tensor): void {
  if (!shapesEqual(output.shape, target.shape)) {
    throw new ShapeError(`${name}: output has shape ${formatShape(output.shape)} but target has shape ${formatShape(target.shape)}`);
  }
}

function reduce(x: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? F.mean(x) : reduction === 'sum' ? F.sum(x) : x;
}

export interface MseOptions {
  /**
   * `mean` (PyTorch's MSELoss): mean of (y−o)² over every element.
   * `half-sum-per-sample` (the lecture's e = 1/(2n)·Σ‖y−o‖²): squared errors summed over
   * features, halved, averaged over the n samples of the batch.
   */
  form?: 'mean' | 'half-sum-per-sample' | 'sum';
}

/** Mean squared error. */
export function mseLoss(output: Tensor, target: Tensor, options: MseOptions = {}): Tensor {
  checkSame('mseLoss', output, target);
  const d = F.sub(output, target);
  const sq = F.mul(d, d);
  switch (options.form ?? 'mean') {
    case 'mean':
      return F.mean(sq);
    case 'sum':
      return F.sum(sq);
    case 'half-sum-per-sample': {
      const n = output.ndim === 0 ? 1 : output.shape[0]!;
      return F.div(F.sum(sq), 2 * n);
    }
  }
}

/** Targets as int32 class indices of shape [N], checked against the number of classes. */
function classIndices(name: string, logits: Tensor, targets: Tensor): Tensor {
  if (logits.ndim !== 2) throw new ShapeError(`${name}: expected logits of shape [N, C], got ${formatShape(logits.shape)}`);
  const [n, c] = logits.shape as [number, number];
  if (targets.ndim !== 1 || targets.shape[0] !== n) {
    throw new ShapeError(`${name}: expected ${n} class indices of shape [${n}], got target of shape ${formatShape(targets.shape)}`);
  }
  const idx = targets.dtype === 'int32' ? targets : targets.to('int32');
  for (let i = 0; i < n; i++) {
    const k = targets.data[i]!;
    if (!Number.isInteger(k) || k < 0 || k >= c) {
      throw new EngineError(`${name}: target ${k} at position ${i} is out of bounds for ${c} classes`);
    }
  }
  return idx;
}

/**
 * Cross-entropy from logits with integer class targets — PyTorch's `CrossEntropyLoss`:
 * −mean_i log softmax(z_i)[t_i].
 */
export function crossEntropy(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  const idx = classIndices('crossEntropy', logits, targets);
  const n = logits.shape[0]!;
  const picked = F.gather(F.logSoftmax(logits, 1), F.reshape(idx, [n, 1]), 1);
  return reduce(F.neg(F.reshape(picked, [n])), reduction);
}

/** Negative log-likelihood of log-probabilities (PyTorch `NLLLoss`). */
export function nllLoss(logProbs: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  const idx = classIndices('nllLoss', logProbs, targets);
  const n = logProbs.shape[0]!;
  return reduce(F.neg(F.reshape(F.gather(logProbs, F.reshape(idx, [n, 1]), 1), [n])), reduction);
}

/**
 * Binary cross-entropy from logits (PyTorch `BCEWithLogitsLoss`), in the stable form
 * max(z,0) − z·t + log(1 + e^{−|z|}).
 */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = 'mean'): Tensor {
  checkSame('binaryCrossEntropyWithLogits', logits, targets);
  const loss = F.add(F.sub(F.relu(logits), F.mul(logits, targets)), F.log(F.add(F.exp(F.neg(F.abs(logits))), 1)));
  return reduce(loss, reduction);
}

/**
 * The perceptron criterion J(w) = Σ over misclassified samples of −y·s, with labels
 * y ∈ {−1, +1} and scores s = wᵀx + b. A sample counts as misclassified when y·s ≤ 0; its
 * gradient −y·x is the perceptron's delta rule.
 */
export function perceptronCriterion(scores: Tensor, labels: Tensor): Tensor {
  checkSame('perceptronCriterion', scores, labels);
  for (let i = 0; i < labels.size; i++) {
    const y = labels.data[i]!;
    if (y !== 1 && y !== -1) throw new EngineError(`perceptronCriterion: labels must be −1 or +1, got ${y} at position ${i}`);
  }
  const margin = F.mul(labels, scores);
  const misclassified = F.le(margin, 0);
  return F.sum(F.mul(F.neg(margin), misclassified));
}
