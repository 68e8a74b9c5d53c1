/** Pure helpers for the weights view: a 2-D grid for any tensor, a histogram, a symmetric scale. */

export interface Grid {
  rows: number;
  cols: number;
}

/** [out, in] stays; [n] is one row; higher ranks fold into [shape[0], rest]; a scalar is 1×1. */
export function gridOf(shape: readonly number[]): Grid {
  if (shape.length === 0) return { rows: 1, cols: 1 };
  if (shape.length === 1) return { rows: 1, cols: shape[0]! };
  return { rows: shape[0]!, cols: shape.slice(1).reduce((a, b) => a * b, 1) };
}

export interface Histogram {
  lo: number;
  hi: number;
  counts: number[];
  /** Centre of each bin. */
  centres: number[];
}

export function histogram(data: readonly number[], bins = 30): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return { lo: 0, hi: 0, counts: [], centres: [] };
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const counts = new Array<number>(bins).fill(0);
  const w = (hi - lo) / bins;
  for (const v of data) {
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)))]!++;
  }
  return { lo, hi, counts, centres: counts.map((_, i) => lo + (i + 0.5) * w) };
}

/** The half-width of a diverging scale centred at zero that covers the data. */
export function symmetricExtent(min: number, max: number): number {
  const m = Math.max(Math.abs(min), Math.abs(max));
  return Number.isFinite(m) && m > 0 ? m : 1;
}

/**
 * Display size of a heatmap in the inspector: the full width for wide tensors, square cells of at
 * most 28 px for small ones, rows at least 12 px tall while they fit in 160 px (a bias stays
 * visible), at most 160 px tall.
 */
export function heatmapSize(rows: number, cols: number, maxW = 236, maxH = 160): { width: number; height: number } {
  const width = Math.min(maxW, cols * 28);
  const cellW = width / cols;
  const cellH = Math.max(Math.min(cellW, 16), Math.min(12, maxH / rows));
  return { width: Math.round(width), height: Math.max(4, Math.round(Math.min(maxH, rows * cellH))) };
}
