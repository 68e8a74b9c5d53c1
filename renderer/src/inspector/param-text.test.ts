/** The inspector's fields: what a person types becomes a param value, or a message saying what is wrong. */
import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../lib/node-types';
import { paramToText, rangeText, textToParam } from './param-text';

const int: ParamSpec = { kind: 'int', label: 'Out features', description: '', default: 1, min: 1, max: 1024 };
const float: ParamSpec = { kind: 'float', label: 'p', description: '', default: 0.5, min: 0, max: 1 };
const shape: ParamSpec = { kind: 'shape', label: 'Shape', description: '', default: [], allowEmpty: true };
const dims: ParamSpec = { kind: 'dims', label: 'Dims', description: '', default: null };
const tensorNull: ParamSpec = { kind: 'tensor', label: 'Value', description: '', default: null };
const tensor: ParamSpec = { kind: 'tensor', label: 'Value', description: '', default: 1 };

describe('textToParam', () => {
  it('numbers: range, whole numbers, the Unicode minus', () => {
    expect(textToParam(int, ' 128 ')).toEqual({ ok: true, value: 128 });
    expect(textToParam(int, '0')).toEqual({ ok: false, message: 'must be ≥ 1' });
    expect(textToParam(int, '2.5')).toEqual({ ok: false, message: 'must be a whole number' });
    expect(textToParam(int, 'abc')).toEqual({ ok: false, message: 'enter a number' });
    expect(textToParam(float, '1.5')).toEqual({ ok: false, message: 'must be ≤ 1' });
    expect(textToParam({ ...float, min: -1 }, '−0.5')).toEqual({ ok: true, value: -0.5 });
  });

  it('shapes as comma (or ×) lists; empty means from the dataset when allowed', () => {
    expect(textToParam(shape, '28, 28')).toEqual({ ok: true, value: [28, 28] });
    expect(textToParam(shape, '28×28')).toEqual({ ok: true, value: [28, 28] });
    expect(textToParam(shape, '')).toEqual({ ok: true, value: [] });
    expect(textToParam({ ...shape, allowEmpty: false }, '')).toEqual({ ok: false, message: 'must not be empty' });
    expect(textToParam(shape, '2, -1').ok).toBe(false);
    expect(textToParam(shape, '2, a').ok).toBe(false);
  });

  it('dims: a list, or empty / "all" for every dimension', () => {
    expect(textToParam(dims, '0, 1')).toEqual({ ok: true, value: [0, 1] });
    expect(textToParam(dims, '')).toEqual({ ok: true, value: null });
    expect(textToParam(dims, 'all')).toEqual({ ok: true, value: null });
  });

  it('tensor values as JSON', () => {
    expect(textToParam(tensor, '[[1, 2], [3, 4]]')).toEqual({ ok: true, value: [[1, 2], [3, 4]] });
    expect(textToParam(tensor, '3')).toEqual({ ok: true, value: 3 });
    expect(textToParam(tensor, '[1, "a"]').ok).toBe(false);
    expect(textToParam(tensor, '[1, ').ok).toBe(false);
    expect(textToParam(tensor, '').ok).toBe(false);
    expect(textToParam(tensorNull, '')).toEqual({ ok: true, value: null });
  });
});

describe('paramToText and rangeText', () => {
  it('writes values back as a person would type them', () => {
    expect(paramToText(shape, [28, 28])).toBe('28, 28');
    expect(paramToText(dims, null)).toBe('');
    expect(paramToText(tensor, [[1, 2]])).toBe('[[1,2]]');
    expect(paramToText(int, 4)).toBe('4');
  });
  it('states the accepted range', () => {
    expect(rangeText(int)).toBe('1 – 1024');
    expect(rangeText({ kind: 'float', label: 'eps', description: '', default: 1e-5, min: 0 })).toBe('≥ 0');
    expect(rangeText({ kind: 'float', label: 'lr', description: '', default: 1, min: 0, exclusiveMin: true })).toBe('> 0');
    expect(rangeText(shape)).toBeNull();
  });
});
