import { describe, expect, it } from 'vitest';
import { accuracySeries, hasAccuracy, lossRange, lossSeries, normaliseRows, tickLabel } from './chart-data';

const rec = (epoch: number, loss: number, testLoss: number | null, acc: number | null, testAcc: number | null) => ({ epoch, loss, accuracy: acc, testLoss, testAccuracy: testAcc, seconds: 1 });

describe('lossSeries', () => {
  it('aligns per-batch points and per-epoch records on one x axis, with gaps as null', () => {
    const d = lossSeries([0.5, 1, 1.5, 2], [0.9, 0.8, 0.7, 0.6], [rec(1, 0.85, 0.9, 0.6, 0.5), rec(2, 0.65, 0.7, 0.7, 0.6)]);
    expect(d[0]).toEqual([0.5, 1, 1.5, 2]);
    expect(d[1]).toEqual([0.9, 0.8, 0.7, 0.6]);
    expect(d[2]).toEqual([null, 0.85, null, 0.65]);
    expect(d[3]).toEqual([null, 0.9, null, 0.7]);
  });
  it('turns non-finite values into gaps', () => {
    const d = lossSeries([1], [NaN], [rec(1, Infinity, null, null, null)]);
    expect(d).toEqual([[1], [null], [null], [null]]);
  });
});

describe('accuracySeries', () => {
  it('sorts by epoch', () => {
    expect(accuracySeries([rec(2, 0, 0, 0.9, 0.8), rec(1, 0, 0, 0.5, null)])).toEqual([[1, 2], [0.5, 0.9], [null, 0.8]]);
    expect(hasAccuracy([rec(1, 0, 0, null, null)])).toBe(false);
    expect(hasAccuracy([rec(1, 0, 0, null, 0.5)])).toBe(true);
  });
});

describe('normaliseRows', () => {
  it('makes each true class’s row sum to 1', () => {
    expect(normaliseRows([[3, 1], [0, 0]])).toEqual([[0.75, 0.25], [0, 0]]);
  });
});

describe('axes', () => {
  it('starts the loss axis at 0 and follows a loss below zero', () => {
    expect(lossRange(0.1, 0.7)).toEqual([0, 0.7 + 0.7 * 0.08]);
    const [lo, hi] = lossRange(-185, 4);
    expect(lo).toBeLessThan(-185);
    expect(hi).toBeGreaterThan(4);
    expect(lossRange(null, null)).toEqual([0, 1 + 0.08]);
  });
  it('writes ticks short', () => {
    expect(tickLabel(0.5)).toBe('0.5');
    expect(tickLabel(0.75)).toBe('0.75');
    expect(tickLabel(0)).toBe('0');
    expect(tickLabel(-2)).toBe('\u22122');
    expect(tickLabel(1.5e30)).toBe('1.5e30');
    expect(tickLabel(0.0001)).toBe('1.0e\u22124');
  });
});
