/** Keyboard shortcuts as text: `Mod+Shift+Z` from a key event (Mod is Ctrl, or ⌘ on a Mac), and back for display. Pure. */

export const IS_MAC = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** `Mod+Shift+Z` for a key event (Mod = Ctrl, or ⌘ on a Mac). */
export function comboOf(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'> & { code?: string }, mac = IS_MAC): string {
  const parts: string[] = [];
  if (mac ? e.metaKey : e.ctrlKey) parts.push('Mod');
  if (e.altKey) parts.push('Alt');
  if (e.shiftKey) parts.push('Shift');
  let key = e.key;
  if (key === '+') {
    key = '='; // Ctrl+Shift+= on layouts where + needs Shift
    if (parts[parts.length - 1] === 'Shift') parts.pop();
  }
  if (key === '_') key = '-';
  if (key === '?') key = '/';
  // ⌥ on a Mac types a character (⌥P is π): the key's place names it
  const letter = mac && e.altKey ? /^Key([A-Z])$/.exec(e.code ?? '') : null;
  if (letter) key = letter[1]!;
  parts.push(key.length === 1 ? key.toUpperCase() : key);
  return parts.join('+');
}

/** Shortcut as shown to a person: `Ctrl+Shift+S`, or `⌘⇧S` on a Mac. */
export function keyLabel(keys: string, mac = IS_MAC): string {
  if (!mac) return keys.replace('Mod', 'Ctrl');
  return keys.replace('Mod+', '⌘').replace('Shift+', '⇧').replace('Alt+', '⌥');
}

/** A text field (where edit shortcuts belong to the field, not the canvas). */
export function isEditable(el: EventTarget | null): boolean {
  const t = el as HTMLElement | null;
  if (!t || typeof t !== 'object' || !('tagName' in t)) return false;
  if (t.isContentEditable) return true;
  if (t.tagName === 'TEXTAREA' || t.tagName === 'SELECT') return true;
  if (t.tagName === 'INPUT') {
    const type = (t as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(type);
  }
  return false;
}

