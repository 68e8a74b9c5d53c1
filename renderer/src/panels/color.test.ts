import { describe, expect, it } from 'vitest';
import { classColor, classIndexOf, divergingScale, luminance, mix, parseColor, probabilityToSigned, toCss } from './color';

describe('parseColor', () => {
  it('reads hex and rgb() forms', () => {
    expect(parseColor('#fff')).toEqual([255, 255, 255]);
    expect(parseColor(' #3b8fd9 ')).toEqual([59, 143, 217]);
    expect(parseColor('#3b8fd980')).toEqual([59, 143, 217]);
    expect(parseColor('rgb(1, 2, 3)')).toEqual([1, 2, 3]);
    expect(parseColor('rgba(10 20 30 / 0.5)')).toEqual([10, 20, 30]);
  });
  it('returns null for what is not a colour', () => {
    expect(parseColor('')).toBeNull();
    expect(parseColor('var(--x)')).toBeNull();
    expect(parseColor(null)).toBeNull();
  });
});

describe('the diverging scale', () => {
  const neg = [240, 140, 46] as const;
  const mid = [242, 242, 242] as const;
  const pos = [59, 143, 217] as const;
  const scale = divergingScale(neg, mid, pos);
  it('is centred at zero: 0 is the neutral colour, ±1 the two ends', () => {
    expect(scale(0)).toEqual(mid);
    expect(scale(1)).toEqual(pos);
    expect(scale(-1)).toEqual(neg);
  });
  it('clamps beyond ±1 and treats NaN as neutral', () => {
    expect(scale(5)).toEqual(pos);
    expect(scale(-5)).toEqual(neg);
    expect(scale(NaN)).toEqual(mid);
  });
  it('moves monotonically away from the centre on each side', () => {
    const d = (c: readonly number[]) => Math.hypot(c[0]! - mid[0], c[1]! - mid[1], c[2]! - mid[2]);
    expect(d(scale(0.1))).toBeLessThan(d(scale(0.5)));
    expect(d(scale(0.5))).toBeLessThan(d(scale(0.9)));
    expect(d(scale(-0.1))).toBeLessThan(d(scale(-0.5)));
  });
  it('maps a probability of the positive class to the signed scale', () => {
    expect(probabilityToSigned(0)).toBe(-1);
    expect(probabilityToSigned(0.5)).toBe(0);
    expect(probabilityToSigned(1)).toBe(1);
  });
});

describe('class colours', () => {
  it('gives class 0 the warm hue and class 1 the cool one, like the boundary', () => {
    const warm = [1, 2, 3] as const;
    const cool = [4, 5, 6] as const;
    expect(classColor(0, warm, cool)).toEqual(warm);
    expect(classColor(1, warm, cool)).toEqual(cool);
    expect(classColor(2)).not.toEqual(classColor(3));
  });
  it('maps signed labels to class indices', () => {
    expect(classIndexOf(-1)).toBe(0);
    expect(classIndexOf(1)).toBe(1);
    expect(classIndexOf(7)).toBe(7);
  });
  it('mixes, prints and measures colours', () => {
    expect(mix([0, 0, 0], [200, 100, 50], 0.5)).toEqual([100, 50, 25]);
    expect(toCss([1.4, 2.6, 3])).toBe('rgb(1, 3, 3)');
    expect(toCss([1, 2, 3], 0.5)).toBe('rgba(1, 2, 3, 0.5)');
    expect(luminance([255, 255, 255])).toBeCloseTo(1);
    expect(luminance([0, 0, 0])).toBe(0);
  });
});
