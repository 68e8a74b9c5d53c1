import type { Tensor } from '../core/tensor';
import type { Dataset } from './dataset';

/**
 * Predicted class per row from a model's prediction tensor: argmax over the last dim when it
 * has several classes; otherwise a threshold — 0 for logits, the perceptron's score and ±1
 * outputs, 0.5 for probabilities and 0/1 outputs.
 */
export function predictClasses(prediction: Tensor, threshold: number): Int32Array {
  const rows = prediction.ndim === 0 ? 1 : prediction.shape[0]!;
  const width = prediction.size / rows;
  const out = new Int32Array(rows);
  const d = prediction.data;
  if (width === 1) {
    for (let i = 0; i < rows; i++) out[i] = d[i]! > threshold ? 1 : 0;
    return out;
  }
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < width; k++) if (d[i * width + k]! > d[i * width + best]!) best = k;
    out[i] = best;
  }
  return out;
}

/** The decision threshold for single-column predictions, from the loss and the label encoding. */
export function decisionThreshold(lossFn: string | null, ds: Pick<Dataset, 'labelEncoding'>): number {
  if (lossFn === 'bce' || lossFn === 'perceptron' || ds.labelEncoding === 'signed') return 0;
  return 0.5;
}

/** Class index of each dataset row (signed ±1 labels map to 0/1). */
export function trueClasses(labels: ArrayLike<number>, offset: number, count: number, signed: boolean): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = labels[offset + i]!;
    out[i] = signed ? (v > 0 ? 1 : 0) : v;
  }
  return out;
}

/** Confusion matrix [true][predicted]. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const p = predicted[i]!;
    if (t >= 0 && t < numClasses && p >= 0 && p < numClasses) m[t]![p]!++;
  }
  return m;
}
