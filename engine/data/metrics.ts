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

/**
 * The class probabilities one prediction row stands for, or null when it is a score that is no
 * probability. Several values: kept when they already are a distribution (each in [0, 1], summing
 * to 1 within 1e-3: a Softmax output), else their softmax (logits). One value: the sigmoid of a
 * BCE logit; P(class 1) itself when the row is compared with 0.5 (an MSE or sigmoid output on 0/1
 * labels) and lies in [0, 1]; null for a perceptron's score or an output for ±1 labels (compared
 * with 0: how far from the boundary, not how likely) and for a value outside [0, 1].
 */
export function classProbabilities(row: ArrayLike<number>, lossFn: string | null, ds: Pick<Dataset, 'labelEncoding'>): number[] | null {
  const v = Array.from(row);
  if (v.length > 1) {
    const sum = v.reduce((a, b) => a + b, 0);
    if (v.every((p) => p >= 0 && p <= 1) && Math.abs(sum - 1) < 1e-3) return v;
    const max = Math.max(...v);
    const e = v.map((z) => Math.exp(z - max));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / total);
  }
  if (v.length === 0) return null;
  const s = v[0]!;
  const p1 = lossFn === 'bce' ? 1 / (1 + Math.exp(-s)) : decisionThreshold(lossFn, ds) === 0.5 && s >= 0 && s <= 1 ? s : null;
  return p1 === null ? null : [1 - p1, p1];
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
