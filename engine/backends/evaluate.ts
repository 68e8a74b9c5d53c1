/**
 * Evaluation over a dataset in batches, for any backend: the backend supplies the forward pass
 * of one batch (loss and prediction); this turns them into loss, accuracy, predicted classes
 * and the confusion matrix.
 */
import type { Tensor } from '../core/tensor';
import type { Dataset } from '../data/dataset';
import { numClasses as classCount } from '../data/dataset';
import { confusionMatrix, decisionThreshold, predictClasses, trueClasses } from '../data/metrics';

export interface EvaluationResult {
  loss: number | null;
  accuracy: number | null;
  /** Predicted class per sample (classification). */
  predicted: Int32Array | null;
  truth: Int32Array | null;
  confusion: number[][] | null;
}

/** One evaluation batch: features [n, …], targets [n, …]. */
export interface EvalBatch {
  readonly x: Float32Array;
  readonly xShape: readonly number[];
  readonly y: Float32Array;
  readonly yShape: readonly number[];
}

/** What a backend computes for one batch in evaluation mode. */
export type EvalForward = (batch: EvalBatch) => { loss: number | null; prediction: Tensor | null };

export function* evalBatches(ds: Dataset, batchSize: number): Generator<EvalBatch & { start: number; n: number }> {
  const fsz = ds.features.length / Math.max(ds.numSamples, 1);
  const tsz = ds.labels.length / Math.max(ds.numSamples, 1);
  for (let start = 0; start < ds.numSamples; start += batchSize) {
    const n = Math.min(batchSize, ds.numSamples - start);
    yield {
      start,
      n,
      x: ds.features.subarray(start * fsz, (start + n) * fsz),
      xShape: [n, ...ds.featureShape],
      y: ds.labels.subarray(start * tsz, (start + n) * tsz),
      yShape: [n, ...ds.targetShape],
    };
  }
}

/** Evaluate with `forward` on every batch of `ds`. */
export function evaluateBatches(ds: Dataset, lossFn: string | null, batchSize: number, forward: EvalForward): EvaluationResult {
  const classification = ds.task === 'classification';
  const predicted = classification ? new Int32Array(ds.numSamples) : null;
  const truth = classification ? trueClasses(ds.labels, 0, ds.numSamples, ds.labelEncoding === 'signed') : null;
  let lossSum = 0;
  let hasLoss = false;
  for (const b of evalBatches(ds, batchSize)) {
    const r = forward(b);
    if (r.loss !== null) {
      hasLoss = true;
      lossSum += r.loss * b.n;
    }
    if (predicted && r.prediction) predicted.set(predictClasses(r.prediction, decisionThreshold(lossFn, ds)), b.start);
  }
  return finishEvaluation(ds, predicted, truth, hasLoss ? lossSum : null);
}

/** Accuracy and confusion matrix from predicted classes; the mean loss from the summed loss. */
export function finishEvaluation(ds: Dataset, predicted: Int32Array | null, truth: Int32Array | null, lossSum: number | null): EvaluationResult {
  let accuracy: number | null = null;
  if (predicted && truth && ds.numSamples > 0) {
    let c = 0;
    for (let i = 0; i < ds.numSamples; i++) if (predicted[i] === truth[i]) c++;
    accuracy = c / ds.numSamples;
  }
  const k = ds.task === 'classification' ? Math.max(classCount(ds), 2) : 0;
  return {
    loss: lossSum !== null && ds.numSamples > 0 ? lossSum / ds.numSamples : null,
    accuracy,
    predicted,
    truth,
    confusion: predicted && truth ? confusionMatrix(truth, predicted, k) : null,
  };
}
