/** Numeric comparison helpers for tests: report the worst element, not just "not equal". */
export interface CloseOptions {
  rtol?: number;
  atol?: number;
}

export interface CloseReport {
  ok: boolean;
  /** Index of the worst element (largest excess over tolerance). */
  worstIndex: number;
  worstActual: number;
  worstExpected: number;
  maxAbsDiff: number;
  maxRelDiff: number;
  message: string;
}

/** |a − e| ≤ atol + rtol·|e| for every element (NumPy's allclose), NaN equal to NaN. */
export function compareClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions = {}): CloseReport {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-8;
  if (actual.length !== expected.length) {
    return {
      ok: false, worstIndex: -1, worstActual: NaN, worstExpected: NaN, maxAbsDiff: Infinity, maxRelDiff: Infinity,
      message: `length ${actual.length} differs from expected length ${expected.length}`,
    };
  }
  let worst = -1;
  let worstExcess = 0;
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    const diff = Math.abs(a - e);
    const excess = Number.isNaN(diff) ? Infinity : diff - (atol + rtol * Math.abs(e));
    maxAbs = Math.max(maxAbs, diff);
    if (e !== 0) maxRel = Math.max(maxRel, diff / Math.abs(e));
    if (excess > worstExcess || (worst === -1 && excess > 0)) {
      worst = i;
      worstExcess = excess;
    }
  }
  const ok = worst === -1;
  return {
    ok,
    worstIndex: worst,
    worstActual: ok ? NaN : actual[worst]!,
    worstExpected: ok ? NaN : expected[worst]!,
    maxAbsDiff: maxAbs,
    maxRelDiff: maxRel,
    message: ok
      ? `all ${actual.length} close (max abs diff ${maxAbs.toExponential(2)})`
      : `element ${worst}: ${actual[worst]} vs expected ${expected[worst]} (rtol ${rtol}, atol ${atol}; max abs diff ${maxAbs.toExponential(3)}, max rel diff ${maxRel.toExponential(3)})`,
  };
}

/** Throw with a readable message unless allclose. */
export function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, options: CloseOptions & { what?: string } = {}): void {
  const r = compareClose(actual, expected, options);
  if (!r.ok) throw new Error(`${options.what ? `${options.what}: ` : ''}${r.message}`);
}

/**
 * The largest difference between two equally long arrays, relative to the largest magnitude in
 * `reference`: how far one backend's state (parameters, optimizer slots, buffers) is from another's.
 */
export function worstRelativeToScale(actual: ArrayLike<number>, reference: ArrayLike<number>): number {
  if (actual.length !== reference.length) throw new Error(`worstRelativeToScale: ${actual.length} values against ${reference.length}`);
  let scale = 0;
  for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i]!));
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - reference[i]!) / scale);
  return worst;
}
