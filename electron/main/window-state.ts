/**
 * The window's size and position, remembered in a JSON file in userData. Loading never fails:
 * a missing or corrupt file gives the default; a position that is no longer on any display is
 * dropped (the window is centred) and a size larger than the display is shrunk to it.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../engine/core/atomic-write';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const stateSchema = z.object({
  x: z.number().int().optional(),
  y: z.number().int().optional(),
  width: z.number().int().min(200).max(100_000),
  height: z.number().int().min(150).max(100_000),
  maximized: z.boolean().default(false),
  fullScreen: z.boolean().default(false),
});
export type WindowState = z.infer<typeof stateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 800, maximized: false, fullScreen: false };

export interface LoadedState {
  state: WindowState;
  /** Why the file was not used, when it was not (missing files are not a problem). */
  problem: string | null;
}

export function loadWindowState(file: string): LoadedState {
  if (!existsSync(file)) return { state: { ...DEFAULT_WINDOW_STATE }, problem: null };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return { state: { ...DEFAULT_WINDOW_STATE }, problem: `${file} is not valid JSON (${(e as Error).message}); using the default window size` };
  }
  const r = stateSchema.safeParse(raw);
  if (!r.success) return { state: { ...DEFAULT_WINDOW_STATE }, problem: `${file} does not describe a window (${r.error.issues[0]?.message}); using the default window size` };
  return { state: r.data, problem: null };
}

export function saveWindowState(file: string, state: WindowState): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(stateSchema.parse(state), null, 2)}\n`);
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Make a saved state fit today's displays (given by their work areas): keep the position only if
 * the window's title strip is visible on some display, and shrink the size to that display.
 */
export function fitToDisplays(state: WindowState, workAreas: Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const out: WindowState = { ...state };
  let target = workAreas[0]!;
  if (out.x !== undefined && out.y !== undefined) {
    const titleStrip = { x: out.x, y: out.y, width: out.width, height: Math.min(40, out.height) };
    let best = 0;
    for (const area of workAreas) {
      const o = overlap(titleStrip, area);
      if (o > best) {
        best = o;
        target = area;
      }
    }
    // at least 100×20 px of the title strip must be reachable to grab the window
    if (best < 100 * 20) {
      delete out.x;
      delete out.y;
      target = workAreas[0]!;
    }
  }
  out.width = Math.min(out.width, target.width);
  out.height = Math.min(out.height, target.height);
  if (out.x !== undefined && out.y !== undefined) {
    out.x = Math.max(target.x, Math.min(out.x, target.x + target.width - out.width));
    out.y = Math.max(target.y, Math.min(out.y, target.y + target.height - out.height));
  }
  return out;
}

/** The part of a BrowserWindow the keeper reads. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  isDestroyed(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'enter-full-screen' | 'leave-full-screen' | 'close', listener: () => void): unknown;
}

/** Follows a window and writes its state (debounced while it moves, at once when it closes). */
export function keepWindowState(win: TrackedWindow, file: string, opts: { debounceMs?: number; onError?: (e: unknown) => void } = {}): { flush(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last: WindowState | null = null;
  const capture = (): void => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    last = { x: Math.round(b.x), y: Math.round(b.y), width: Math.round(b.width), height: Math.round(b.height), maximized: win.isMaximized(), fullScreen: win.isFullScreen() };
  };
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    capture();
    if (!last) return;
    try {
      saveWindowState(file, last);
    } catch (e) {
      opts.onError?.(e);
    }
  };
  const schedule = (): void => {
    capture();
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, opts.debounceMs ?? 500);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const) win.on(ev, schedule);
  win.on('close', flush);
  return { flush };
}
