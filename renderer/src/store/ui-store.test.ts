import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** A fresh ui store over an in-memory localStorage holding `saved`. */
async function freshStore(saved: Record<string, string> = {}) {
  const data = new Map(Object.entries(saved));
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  });
  vi.resetModules();
  const { uiStore } = await import('./ui-store');
  return { ui: uiStore, saved: () => JSON.parse(data.get('bpstudio.layout') ?? 'null') as unknown };
}

describe('the panels’ layout', () => {
  beforeEach(() => vi.unstubAllGlobals());
  afterEach(() => vi.unstubAllGlobals());

  it('shows every panel at first, and remembers what is collapsed', async () => {
    const { ui, saved } = await freshStore();
    expect(ui.getState()).toMatchObject({ paletteOpen: true, inspectorOpen: true, dockOpen: true });
    ui.getState().togglePalette();
    ui.getState().toggleInspector();
    ui.getState().toggleDock();
    expect(saved()).toEqual({ paletteOpen: false, inspectorOpen: false, dockOpen: false });
    const again = await freshStore({ 'bpstudio.layout': JSON.stringify(saved()) });
    expect(again.ui.getState()).toMatchObject({ paletteOpen: false, inspectorOpen: false, dockOpen: false });
  });

  it('reads a damaged entry as every panel shown', async () => {
    const { ui } = await freshStore({ 'bpstudio.layout': '{not json' });
    expect(ui.getState()).toMatchObject({ paletteOpen: true, inspectorOpen: true, dockOpen: true });
  });

  it('Backprop mode collapses the side panels for its time, without remembering that', async () => {
    const { ui, saved } = await freshStore({ 'bpstudio.layout': JSON.stringify({ paletteOpen: true, inspectorOpen: false, dockOpen: true }) });
    ui.getState().roomFor('backprop');
    expect(ui.getState()).toMatchObject({ paletteOpen: false, inspectorOpen: false });
    ui.getState().toggleDock(); // a choice made meanwhile about the dock is kept
    expect(saved()).toEqual({ paletteOpen: true, inspectorOpen: false, dockOpen: false });
    ui.getState().roomFor('backprop'); // twice is once
    ui.getState().roomFor('edit');
    expect(ui.getState()).toMatchObject({ paletteOpen: true, inspectorOpen: false, dockOpen: false, roomSaved: null });
  });

  it('a panel toggled while every panel is hidden comes back with the others', async () => {
    const { ui } = await freshStore();
    ui.getState().togglePanels();
    expect(ui.getState().panelsHidden).toBe(true);
    ui.getState().togglePalette();
    expect(ui.getState()).toMatchObject({ panelsHidden: false, paletteOpen: true });
  });
});
