import { describe, expect, it } from 'vitest';
import { gridOf, heatmapSize, histogram, symmetricExtent } from './weights-math';

describe('weights view helpers', () => {
  it('lays any tensor out as rows × columns', () => {
    expect(gridOf([128, 4])).toEqual({ rows: 128, cols: 4 });
    expect(gridOf([10])).toEqual({ rows: 1, cols: 10 });
    expect(gridOf([2, 3, 4])).toEqual({ rows: 2, cols: 12 });
    expect(gridOf([])).toEqual({ rows: 1, cols: 1 });
  });
  it('bins values between min and max', () => {
    const h = histogram([-1, -0.5, 0, 0.5, 1], 4);
    expect(h.counts).toEqual([1, 1, 1, 2]);
    expect(h.lo).toBe(-1);
    expect(h.hi).toBe(1);
    expect(histogram([3, 3], 2).counts.reduce((a, b) => a + b)).toBe(2);
    expect(histogram([], 3).counts).toEqual([]);
  });
  it('centres the colour scale at zero', () => {
    expect(symmetricExtent(-0.2, 0.7)).toBe(0.7);
    expect(symmetricExtent(0, 0)).toBe(1);
  });
  it('sizes heatmaps so wide, tall and single-row tensors all stay visible', () => {
    expect(heatmapSize(128, 4)).toEqual({ width: 112, height: 160 });
    expect(heatmapSize(1, 128)).toEqual({ width: 236, height: 12 });
    expect(heatmapSize(128, 784).width).toBe(236);
    expect(heatmapSize(4, 2)).toEqual({ width: 56, height: 64 });
  });
});
