import { describe, expect, it } from 'vitest';
import { rovingIndex, tabStop } from './roving';

describe('roving tab index', () => {
  it('moves along the orientation and ignores the cross axis and other keys', () => {
    const h = { orientation: 'horizontal' as const };
    expect(rovingIndex(0, 4, 'ArrowRight', h)).toBe(1);
    expect(rovingIndex(2, 4, 'ArrowLeft', h)).toBe(1);
    expect(rovingIndex(1, 4, 'ArrowDown', h)).toBeNull();
    expect(rovingIndex(1, 4, 'Enter', h)).toBeNull();
    const v = { orientation: 'vertical' as const };
    expect(rovingIndex(0, 4, 'ArrowDown', v)).toBe(1);
    expect(rovingIndex(1, 4, 'ArrowRight', v)).toBeNull();
  });
  it('wraps in menus and stops at the ends of lists', () => {
    expect(rovingIndex(3, 4, 'ArrowRight', { orientation: 'horizontal', wrap: true })).toBe(0);
    expect(rovingIndex(0, 4, 'ArrowLeft', { orientation: 'horizontal', wrap: true })).toBe(3);
    expect(rovingIndex(21, 22, 'ArrowDown', { orientation: 'vertical' })).toBe(21);
    expect(rovingIndex(0, 22, 'ArrowUp', { orientation: 'vertical' })).toBe(0);
  });
  it('goes to the ends with Home and End, and from nothing to the first or last', () => {
    const v = { orientation: 'vertical' as const };
    expect(rovingIndex(5, 22, 'Home', v)).toBe(0);
    expect(rovingIndex(5, 22, 'End', v)).toBe(21);
    expect(rovingIndex(-1, 22, 'ArrowDown', v)).toBe(0);
    expect(rovingIndex(-1, 22, 'ArrowUp', v)).toBe(21);
    expect(rovingIndex(0, 0, 'ArrowDown', v)).toBeNull();
  });
  it('passes over disabled items', () => {
    const disabled = new Set([1, 2, 5]);
    const o = { orientation: 'vertical' as const, wrap: true, skip: (i: number) => disabled.has(i) };
    expect(rovingIndex(0, 6, 'ArrowDown', o)).toBe(3);
    expect(rovingIndex(4, 6, 'ArrowDown', o)).toBe(0);
    expect(rovingIndex(0, 6, 'ArrowUp', o)).toBe(4);
    expect(rovingIndex(3, 6, 'End', o)).toBe(4);
    expect(rovingIndex(0, 3, 'ArrowDown', { orientation: 'vertical', skip: (i) => i > 0 })).toBe(0); // nowhere to go: stays
  });
  it('keeps one Tab stop: the remembered item while it is there, else the first usable', () => {
    expect(tabStop(3, 22)).toBe(3);
    expect(tabStop(30, 22)).toBe(0);
    expect(tabStop(-1, 22)).toBe(0);
    expect(tabStop(1, 4, (i) => i < 2)).toBe(2);
    expect(tabStop(0, 0)).toBe(-1);
  });
});
