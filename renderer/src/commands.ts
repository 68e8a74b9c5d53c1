/**
 * The app's commands, one table: the in-page menu bar (web mode), the native menu (Electron: the
 * shell sends command ids through `window.bpstudio.onCommand`), keyboard shortcuts and the
 * shortcuts dialog all run them through `runCommand(id)`.
 */
import { APP_MENU, OPEN_RECENT_PREFIX, type BpStudioBridge, type CommandId } from '../../electron/shared/ipc-contract';
import { documentStore } from './store/document-store';
import { catalogStore } from './store/catalog-store';
import { uiStore } from './store/ui-store';
import { isFragment, type Fragment } from './store/graph-ops';
import { fitView, nodeSizes, zoomIn, zoomOut } from './canvas/flow-api';
import { autoLayout } from './canvas/layout';
import { importOnnx, newProject, openProject, openRecentPath, save, saveTrainedModel, saveWithoutWeights } from './project';
import { IS_MAC, comboOf, isEditable, keyLabel } from './lib/keys';

export { IS_MAC, comboOf, isEditable, keyLabel };

/** Commands beyond the shell's menu (the in-page menu and shortcuts offer them). */
export type ExtraCommandId = 'save-trained' | 'duplicate' | 'auto-layout' | 'toggle-theme' | 'escape';
export type AppCommandId = CommandId | ExtraCommandId;

export interface CommandSpec {
  label: string;
  /** Shortcut as shown (`Mod` is Ctrl, or ⌘ on a Mac). */
  keys?: string[];
  run(): void | Promise<void>;
  enabled?(): boolean;
}

const doc = () => documentStore.getState();
const ui = () => uiStore.getState();
const hasSelection = () => doc().selection.nodes.length + doc().selection.edges.length > 0;

let layoutRunning = false;

export async function runAutoLayout(): Promise<void> {
  if (layoutRunning) return;
  layoutRunning = true;
  try {
    const d = doc().document;
    const positions = await autoLayout(d, catalogStore.getState().byType, nodeSizes());
    if (doc().document !== d) return; // changed meanwhile: do not apply a stale layout
    doc().applyLayout(positions);
    requestAnimationFrame(() => fitView());
  } catch (e) {
    ui().toast(`Auto layout failed: ${e instanceof Error ? e.message : String(e)}`, 'error');
  } finally {
    layoutRunning = false;
  }
}

/** Copy: the store's clipboard, and the system clipboard as text when the browser allows. */
function copyToSystem(fragment: Fragment | null): void {
  if (!fragment) return;
  void navigator.clipboard?.writeText(JSON.stringify(fragment)).catch(() => undefined);
}

export type PlainAppCommandId = Exclude<AppCommandId, `open-recent:${string}`>;

export const COMMANDS: Record<PlainAppCommandId, CommandSpec> = {
  new: { label: 'New', keys: ['Mod+N'], run: newProject },
  'new-from-template': { label: 'New from Template…', run: () => ui().openDialog('template') },
  open: { label: 'Open…', keys: ['Mod+O'], run: openProject },
  save: { label: 'Save', keys: ['Mod+S'], run: () => void save(false) },
  'save-as': { label: 'Save As…', keys: ['Mod+Shift+S'], run: () => void save(true) },
  'save-without-weights': { label: 'Save Without Weights…', run: () => void saveWithoutWeights(), enabled: () => doc().opened },
  'save-trained': { label: 'Save Trained Model…', run: saveTrainedModel },
  'import-onnx': { label: 'Import ONNX…', keys: ['Mod+I'], run: importOnnx },
  'export-onnx': { label: 'Export ONNX…', keys: ['Mod+E'], run: () => ui().openDialog('export'), enabled: () => doc().opened },
  'export-pytorch': { label: 'Export PyTorch Script…', run: () => ui().openDialog('export-pytorch'), enabled: () => doc().opened },
  undo: { label: 'Undo', keys: ['Mod+Z'], run: () => doc().undo(), enabled: () => doc().past.length > 0 },
  redo: { label: 'Redo', keys: ['Mod+Shift+Z', 'Mod+Y'], run: () => doc().redo(), enabled: () => doc().future.length > 0 },
  cut: { label: 'Cut', keys: ['Mod+X'], run: () => copyToSystem(doc().cutSelection()), enabled: () => doc().selection.nodes.length > 0 },
  copy: { label: 'Copy', keys: ['Mod+C'], run: () => copyToSystem(doc().copySelection()), enabled: () => doc().selection.nodes.length > 0 },
  paste: { label: 'Paste', keys: ['Mod+V'], run: () => doc().paste(), enabled: () => doc().clipboard !== null },
  duplicate: { label: 'Duplicate', keys: ['Mod+D'], run: () => doc().duplicateSelection(), enabled: () => doc().selection.nodes.length > 0 },
  delete: { label: 'Delete', keys: ['Delete', 'Backspace'], run: () => doc().deleteSelection(), enabled: hasSelection },
  'select-all': { label: 'Select All', keys: ['Mod+A'], run: () => doc().selectAll(), enabled: () => doc().document.nodes.length > 0 },
  fit: { label: 'Fit to Window', keys: ['F', 'Mod+0'], run: fitView },
  'zoom-in': { label: 'Zoom In', keys: ['Mod+='], run: zoomIn },
  'zoom-out': { label: 'Zoom Out', keys: ['Mod+-'], run: zoomOut },
  'auto-layout': { label: 'Auto Layout', keys: ['Shift+L'], run: runAutoLayout, enabled: () => doc().document.nodes.length > 1 },
  'toggle-panels': { label: 'Toggle Panels', keys: ['Mod+B'], run: () => ui().togglePanels() },
  'toggle-palette': { label: 'Toggle Node Palette', keys: ['Mod+Alt+P'], run: () => ui().togglePalette() },
  'toggle-inspector': { label: 'Toggle Inspector', keys: ['Mod+Alt+I'], run: () => ui().toggleInspector() },
  'toggle-dock': { label: 'Toggle Bottom Panels', keys: ['Mod+J'], run: () => ui().toggleDock() },
  'toggle-theme': { label: 'Switch Theme', run: () => ui().cycleTheme() },
  examples: { label: 'Examples', run: () => ui().openDialog('examples') },
  shortcuts: { label: 'Keyboard Shortcuts', keys: ['Mod+/'], run: () => ui().openDialog('shortcuts') },
  about: { label: 'About Backprop Studio', run: () => ui().openDialog('about') },
  escape: {
    label: 'Clear selection',
    keys: ['Escape'],
    run: () => {
      if (ui().dialog) ui().closeDialog();
      else doc().clearSelection();
    },
  },
};

/** Run a command by id (the shell's menu, the in-page menu, a shortcut). Unknown ids are ignored. */
export async function runCommand(id: string): Promise<void> {
  if (id.startsWith(OPEN_RECENT_PREFIX)) {
    await openRecentPath(id.slice(OPEN_RECENT_PREFIX.length));
    return;
  }
  const c = (COMMANDS as Record<string, CommandSpec>)[id];
  if (!c) return;
  if (c.enabled && !c.enabled()) return;
  await c.run();
}

// --- keyboard ---------------------------------------------------------------------------------

const BY_COMBO = new Map<string, string>();
for (const [id, c] of Object.entries(COMMANDS)) for (const k of c.keys ?? []) BY_COMBO.set(k, id);

/** Shortcuts that act on the canvas: left alone while typing in a field. */
const EDITING = new Set(['undo', 'redo', 'cut', 'copy', 'paste', 'duplicate', 'delete', 'select-all', 'fit', 'auto-layout', 'escape']);
/** Left to the browser's copy/cut/paste events (they carry the system clipboard). */
const CLIPBOARD_KEYS = new Set(['Mod+C', 'Mod+X', 'Mod+V']);

/** Combos the native menu grabs in Electron (its accelerators): the shell sends those as commands. */
function nativeAccelerators(mac: boolean): Set<string> {
  const out = new Set<string>();
  for (const section of APP_MENU) {
    for (const item of section.items) {
      if (!('command' in item) || !item.accelerator || item.displayOnly) continue;
      const acc = typeof item.accelerator === 'string' ? item.accelerator : mac ? item.accelerator.mac : item.accelerator.other;
      out.add(acc.replace('CmdOrCtrl', 'Mod').replace(mac ? 'Cmd' : 'Ctrl', 'Mod').replace(/\+([a-z])$/, (_m, k: string) => `+${k.toUpperCase()}`));
    }
  }
  return out;
}

function shellBridge(): Pick<BpStudioBridge, 'onCommand'> | null {
  const b = (typeof window !== 'undefined' ? window.bpstudio : undefined) as Partial<BpStudioBridge> | undefined;
  return b && typeof b.onCommand === 'function' ? (b as Pick<BpStudioBridge, 'onCommand'>) : null;
}

/** Listen for shortcuts, clipboard events, and (in Electron) the native menu's commands. */
export function installCommandHandlers(): () => void {
  const shell = shellBridge();
  const nativeKeys = shell ? nativeAccelerators(IS_MAC) : new Set<string>();
  const onKey = (e: KeyboardEvent) => {
    if (e.defaultPrevented || e.isComposing) return;
    const combo = comboOf(e);
    const id = BY_COMBO.get(combo);
    if (!id) return;
    if (nativeKeys.has(combo)) return; // the menu sends it
    if (CLIPBOARD_KEYS.has(combo)) return;
    if (EDITING.has(id) && isEditable(e.target)) return;
    if (id === 'escape' && uiStore.getState().confirm) return;
    // keys without Ctrl/⌘ (F, Delete, Shift+L, Escape) act on the canvas, not inside dialogs or menus
    if (!combo.startsWith('Mod') && (e.target as HTMLElement | null)?.closest?.('dialog,[role="dialog"],[role="menu"],[role="menubar"]')) return;
    e.preventDefault();
    void runCommand(id);
  };
  const onCopy = (e: ClipboardEvent) => {
    if (isEditable(e.target) || uiStore.getState().dialog) return;
    if (documentStore.getState().selection.nodes.length === 0) return;
    const fragment = e.type === 'cut' ? documentStore.getState().cutSelection() : documentStore.getState().copySelection();
    if (!fragment) return;
    e.clipboardData?.setData('text/plain', JSON.stringify(fragment));
    e.preventDefault();
  };
  const onPaste = (e: ClipboardEvent) => {
    if (isEditable(e.target) || uiStore.getState().dialog) return;
    const text = e.clipboardData?.getData('text/plain') ?? '';
    let fragment: Fragment | null = null;
    try {
      const v = JSON.parse(text) as unknown;
      if (isFragment(v)) fragment = v;
    } catch {
      /* not ours */
    }
    const s = documentStore.getState();
    // the same content as our clipboard pastes with the growing offset
    if (fragment && s.clipboard && JSON.stringify(s.clipboard) === JSON.stringify(fragment)) fragment = null;
    if (!fragment && !s.clipboard) return;
    e.preventDefault();
    s.paste(fragment);
  };
  window.addEventListener('keydown', onKey);
  document.addEventListener('copy', onCopy);
  document.addEventListener('cut', onCopy);
  document.addEventListener('paste', onPaste);
  const offShell = shell?.onCommand((id) => void runCommand(id));
  return () => {
    window.removeEventListener('keydown', onKey);
    document.removeEventListener('copy', onCopy);
    document.removeEventListener('cut', onCopy);
    document.removeEventListener('paste', onPaste);
    offShell?.();
  };
}
