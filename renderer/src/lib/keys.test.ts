import { describe, expect, it } from 'vitest';
import { comboOf, keyLabel } from './keys';

const ev = (key: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey', boolean>> = {}) => ({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

describe('keyboard shortcuts', () => {
  it('names key events the way the command table does', () => {
    expect(comboOf(ev('z', { ctrlKey: true }), false)).toBe('Mod+Z');
    expect(comboOf(ev('Z', { ctrlKey: true, shiftKey: true }), false)).toBe('Mod+Shift+Z');
    expect(comboOf(ev('z', { metaKey: true }), true)).toBe('Mod+Z');
    expect(comboOf(ev('z', { ctrlKey: true }), true)).toBe('Z'); // Ctrl is not Mod on a Mac
    expect(comboOf(ev('+', { ctrlKey: true, shiftKey: true }), false)).toBe('Mod+=');
    expect(comboOf(ev('f'), false)).toBe('F');
    expect(comboOf(ev('L', { shiftKey: true }), false)).toBe('Shift+L');
    expect(comboOf(ev('Delete'), false)).toBe('Delete');
    expect(comboOf(ev('p', { ctrlKey: true, altKey: true }), false)).toBe('Mod+Alt+P');
    expect(comboOf({ ...ev('π', { metaKey: true, altKey: true }), code: 'KeyP' }, true)).toBe('Mod+Alt+P'); // ⌥ types π on a Mac
    expect(comboOf({ ...ev('ł', { ctrlKey: true, altKey: true }), code: 'KeyL' }, false)).toBe('Mod+Alt+Ł'); // AltGr elsewhere: the character
  });
  it('shows shortcuts per platform', () => {
    expect(keyLabel('Mod+Shift+S', false)).toBe('Ctrl+Shift+S');
    expect(keyLabel('Mod+Shift+S', true)).toBe('⌘⇧S');
  });
});
