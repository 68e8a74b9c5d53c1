import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_WINDOW_STATE, fitToDisplays, keepWindowState, loadWindowState, saveWindowState, type Rect } from './window-state';

const dir = () => mkdtempSync(join(tmpdir(), 'bpstudio-ws-'));

describe('window state', () => {
  it('round-trips through its JSON file', () => {
    const file = join(dir(), 'window-state.json');
    const state = { x: 120, y: 80, width: 1400, height: 900, maximized: true, fullScreen: false };
    saveWindowState(file, state);
    expect(loadWindowState(file)).toEqual({ state, problem: null });
  });

  it('writes atomically (no temporary file left beside it)', () => {
    const d = dir();
    saveWindowState(join(d, 'window-state.json'), { ...DEFAULT_WINDOW_STATE });
    expect(readdirSync(d)).toEqual(['window-state.json']);
  });

  it('gives the default when the file is missing, without complaint', () => {
    expect(loadWindowState(join(dir(), 'none.json'))).toEqual({ state: DEFAULT_WINDOW_STATE, problem: null });
  });

  it('survives a corrupt file: the default, and a reason', () => {
    const file = join(dir(), 'window-state.json');
    writeFileSync(file, '{"width": 1280, "hei');
    const r = loadWindowState(file);
    expect(r.state).toEqual(DEFAULT_WINDOW_STATE);
    expect(r.problem).toMatch(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ width: -5, height: 'tall' }));
    expect(loadWindowState(file).state).toEqual(DEFAULT_WINDOW_STATE);
    expect(loadWindowState(file).problem).toMatch(/does not describe a window/);
    writeFileSync(file, Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    expect(loadWindowState(file).state).toEqual(DEFAULT_WINDOW_STATE);
    // and saving over it repairs it
    saveWindowState(file, { ...DEFAULT_WINDOW_STATE, width: 1000 });
    expect(JSON.parse(readFileSync(file, 'utf8')).width).toBe(1000);
  });

  const screen: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
  const right: Rect = { x: 1920, y: 0, width: 1280, height: 1024 };

  it('keeps a position that is on a display', () => {
    expect(fitToDisplays({ ...DEFAULT_WINDOW_STATE, x: 100, y: 50 }, [screen])).toMatchObject({ x: 100, y: 50, width: 1280, height: 800 });
    expect(fitToDisplays({ ...DEFAULT_WINDOW_STATE, x: 2000, y: 100 }, [screen, right])).toMatchObject({ x: 1920, y: 100, width: 1280, height: 800 });
  });

  it('drops a position on a display that is gone, and shrinks to the display', () => {
    const s = fitToDisplays({ ...DEFAULT_WINDOW_STATE, x: 2000, y: 100, width: 2500, height: 1400 }, [screen]);
    expect(s.x).toBeUndefined();
    expect(s.y).toBeUndefined();
    expect(s).toMatchObject({ width: 1920, height: 1040 });
  });

  it('follows a window and saves its normal bounds when it closes', () => {
    vi.useFakeTimers();
    try {
      const file = join(dir(), 'window-state.json');
      const listeners = new Map<string, () => void>();
      let bounds = { x: 10, y: 20, width: 1300, height: 820 };
      const win = {
        getNormalBounds: () => bounds,
        isMaximized: () => false,
        isFullScreen: () => false,
        isDestroyed: () => false,
        on: (ev: string, l: () => void) => listeners.set(ev, l),
      };
      keepWindowState(win, file, { debounceMs: 100 });
      bounds = { x: 30, y: 40, width: 1350, height: 850 };
      listeners.get('resize')!();
      vi.advanceTimersByTime(150);
      expect(loadWindowState(file).state).toMatchObject({ x: 30, y: 40, width: 1350, height: 850 });
      bounds = { x: 5, y: 6, width: 1000, height: 700 };
      listeners.get('close')!();
      expect(loadWindowState(file).state).toEqual({ x: 5, y: 6, width: 1000, height: 700, maximized: false, fullScreen: false });
    } finally {
      vi.useRealTimers();
    }
  });
});
