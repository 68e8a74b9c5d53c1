import { describe, expect, it } from 'vitest';
import { formatBytes, formatCompact, formatShare, formatDuration, formatNumber, formatPercent, formatRate, formatShape, fullNumber } from './format';

describe('formatNumber (4 significant digits)', () => {
  it('rounds to 4 significant digits', () => {
    expect(formatNumber(0.6931471805599453)).toBe('0.6931');
    expect(formatNumber(3.14159)).toBe('3.142');
    expect(formatNumber(12.3456)).toBe('12.35');
    expect(formatNumber(1234.567)).toBe('1235');
  });
  it('keeps integers under a million whole', () => {
    expect(formatNumber(300)).toBe('300');
    expect(formatNumber(60000)).toBe('60000');
    expect(formatNumber(0)).toBe('0');
  });
  it('uses exponent form for very large and very small magnitudes, with a real minus sign', () => {
    expect(formatNumber(4.54e-5)).toBe('4.540e\u22125');
    expect(formatNumber(123456.7)).toBe('1.235e5');
    expect(formatNumber(-0.00012)).toBe('\u22121.200e\u22124');
    expect(formatNumber(-2.5)).toBe('\u22122.500');
  });
  it('spells out NaN, infinities and missing values', () => {
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('\u2212∞');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(undefined)).toBe('—');
  });
  it('gives the full value for the hover title', () => {
    expect(fullNumber(0.6931471805599453)).toBe('0.6931471805599453');
    expect(fullNumber(null)).toBe('no value');
  });
});

describe('formatCompact', () => {
  it('drops trailing zeros for tables of data', () => {
    expect(formatCompact(5.099999904632568)).toBe('5.1');
    expect(formatCompact(0.2000000029802322)).toBe('0.2');
    expect(formatCompact(3)).toBe('3');
    expect(formatCompact(0.6931471805599453)).toBe('0.6931');
    expect(formatCompact(4.5e-5)).toBe('4.5e\u22125');
    expect(formatCompact(-1.5)).toBe('\u22121.5');
  });
});

describe('formatPercent', () => {
  it('shows 4 significant digits of the percentage', () => {
    expect(formatPercent(0.873456)).toBe('87.35%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.05)).toBe('5%');
    expect(formatPercent(0.0123456)).toBe('1.235%');
    expect(formatPercent(0.873)).toBe('87.30%');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('formatShare', () => {
  it('keeps bar labels short', () => {
    expect(formatShare(0.9863)).toBe('98.6%');
    expect(formatShare(0.094)).toBe('9.4%');
    expect(formatShare(0.1)).toBe('10%');
    expect(formatShare(0.0001286)).toBe('0.01%');
    expect(formatShare(4.3e-6)).toBe('<0.01%');
    expect(formatShare(0.99999)).toBe('>99.9%');
    expect(formatShare(1)).toBe('100%');
    expect(formatShare(0)).toBe('0%');
  });
});

describe('formatDuration', () => {
  it('reads like a person would say it', () => {
    expect(formatDuration(0.2)).toBe('<1 s');
    expect(formatDuration(45.4)).toBe('45 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(Infinity)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
  });
});

describe('formatRate, formatBytes, formatShape', () => {
  it('formats rates with k/M suffixes', () => {
    expect(formatRate(812.4)).toBe('812');
    expect(formatRate(12.345)).toBe('12.3');
    expect(formatRate(12345)).toBe('12.35k');
    expect(formatRate(1_204_000)).toBe('1.204M');
    expect(formatRate(0)).toBe('—');
    expect(formatRate(null)).toBe('—');
  });
  it('formats sizes in binary units', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(12_600)).toBe('12.3 KiB');
    expect(formatBytes(4.21 * 1024 * 1024)).toBe('4.21 MiB');
  });
  it('writes shapes as N×128', () => {
    expect(formatShape(['N', 128])).toBe('N×128');
    expect(formatShape([28, 28])).toBe('28×28');
    expect(formatShape([])).toBe('scalar');
  });
});
