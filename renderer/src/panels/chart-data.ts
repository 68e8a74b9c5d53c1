/**
 * Chart data for uPlot (aligned arrays: x first, one array per series, null for gaps), built
 * from the training store's per-batch losses and per-epoch history. Pure.
 */
import type { EpochRecord } from '../../../engine/service/protocol';
import { formatNumber } from './format';

export type Aligned = [number[], ...(number | null)[][]];

/**
 * Loss: x in epochs (fractional for batches; epoch k's record sits at x = k), series
 * [per-batch train loss, per-epoch train loss, per-epoch test loss].
 */
export function lossSeries(batchX: readonly number[], batchLoss: readonly number[], history: readonly EpochRecord[]): Aligned {
  const byX = new Map<number, [number | null, number | null, number | null]>();
  const at = (x: number) => {
    let row = byX.get(x);
    if (!row) {
      row = [null, null, null];
      byX.set(x, row);
    }
    return row;
  };
  for (let i = 0; i < batchX.length; i++) at(batchX[i]!)[0] = finiteOrNull(batchLoss[i]);
  for (const h of history) {
    const row = at(h.epoch);
    row[1] = finiteOrNull(h.loss);
    row[2] = finiteOrNull(h.testLoss);
  }
  const xs = [...byX.keys()].sort((a, b) => a - b);
  const out: Aligned = [xs, [], [], []];
  for (const x of xs) {
    const row = byX.get(x)!;
    out[1]!.push(row[0]);
    out[2]!.push(row[1]);
    out[3]!.push(row[2]);
  }
  return out;
}

/** Accuracy per epoch: [epochs, train accuracy, test accuracy] (0..1). */
export function accuracySeries(history: readonly EpochRecord[]): Aligned {
  const sorted = [...history].sort((a, b) => a.epoch - b.epoch);
  return [sorted.map((h) => h.epoch), sorted.map((h) => finiteOrNull(h.accuracy)), sorted.map((h) => finiteOrNull(h.testAccuracy))];
}

function finiteOrNull(v: number | null | undefined): number | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : v;
}

/** Does any epoch have an accuracy (classification)? */
export function hasAccuracy(history: readonly EpochRecord[]): boolean {
  return history.some((h) => h.accuracy !== null || h.testAccuracy !== null);
}

/** Row-normalised confusion matrix (each true class's row sums to 1; empty rows stay 0). */
export function normaliseRows(m: readonly (readonly number[])[]): number[][] {
  return m.map((row) => {
    const s = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (s > 0 ? v / s : 0));
  });
}

/** Axis tick labels: up to 3 significant digits, no trailing zeros (`0.5`, `0.75`, `1.2e−4`). */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return formatNumber(v, 2);
  return String(Number(v.toPrecision(3))).replace('-', '\u2212');
}

/** The loss axis: from 0 (or below, for losses that go negative) to a little over the largest value. */
export function lossRange(min: number | null, max: number | null): [number, number] {
  const hi = max !== null && Number.isFinite(max) ? max : 1;
  const lo = min !== null && Number.isFinite(min) ? Math.min(0, min) : 0;
  const span = hi - lo || 1;
  return [lo < 0 ? lo - span * 0.05 : 0, hi > 0 ? hi + span * 0.08 : 0];
}
