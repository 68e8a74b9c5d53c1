/**
 * Roving tab index (WAI-ARIA): a group of items — the menu bar, a menu, the palette's node list —
 * is one Tab stop; the arrow keys, Home and End move between its items. Pure.
 */

export type Orientation = 'horizontal' | 'vertical';

export interface RovingOptions {
  orientation: Orientation;
  /** From the last item to the first and back (menus); else the ends stop (lists). */
  wrap?: boolean;
  /** Items the keys pass over (disabled menu items). */
  skip?: (index: number) => boolean;
}

/** Where focus goes from `current` for `key` in a group of `count` items, or null when the key does not move it. */
export function rovingIndex(current: number, count: number, key: string, o: RovingOptions): number | null {
  if (count <= 0) return null;
  const next = o.orientation === 'horizontal' ? 'ArrowRight' : 'ArrowDown';
  const prev = o.orientation === 'horizontal' ? 'ArrowLeft' : 'ArrowUp';
  const usable = (i: number) => !o.skip?.(i);
  const scan = (from: number, step: 1 | -1, wrap: boolean): number | null => {
    for (let k = 1, i = from + step; k <= count; k++, i += step) {
      if (i < 0 || i >= count) {
        if (!wrap) return null;
        i = (i + count) % count;
      }
      if (usable(i)) return i;
    }
    return null;
  };
  switch (key) {
    case next:
      return current < 0 ? scan(-1, 1, false) : (scan(current, 1, !!o.wrap) ?? current);
    case prev:
      return current < 0 ? scan(count, -1, false) : (scan(current, -1, !!o.wrap) ?? current);
    case 'Home':
      return scan(-1, 1, false);
    case 'End':
      return scan(count, -1, false);
    default:
      return null;
  }
}

/** The item that holds the group's Tab stop: the remembered one while it is there and usable, else the first usable. */
export function tabStop(remembered: number, count: number, skip?: (index: number) => boolean): number {
  if (remembered >= 0 && remembered < count && !skip?.(remembered)) return remembered;
  for (let i = 0; i < count; i++) if (!skip?.(i)) return i;
  return -1;
}
