/**
 * The app frame's own state (not part of the document): theme, which dialog is open, the dock's
 * tab, which side panels are shown (palette, inspector, dock: remembered), toasts, and a confirm
 * dialog that commands can await. Backprop mode gives the canvas room: it hides the palette and
 * the inspector while it is on and restores them after (`roomFor`).
 *
 * The `ui` slice of the app store (app-store.ts); `uiStore` and `useUi` are views of it.
 */
import { useStore, type StateCreator, type StoreApi } from 'zustand';
import { appStore, type AppState } from './app-store';
import { sliceApi } from './slice';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type DialogName = 'shortcuts' | 'about' | 'examples' | 'export' | 'export-pytorch' | 'template' | null;
export type DockTab = 'data' | 'training' | 'inference' | 'problems' | 'backprop';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'warning' | 'success';
  message: string;
}

export interface ConfirmRequest {
  title: string;
  message: string;
  /** Buttons, the first being the default; each resolves the promise with its `id`. */
  buttons: { id: string; label: string; kind?: 'primary' | 'danger' }[];
  resolve(choice: string): void;
}

export interface UiState {
  theme: ThemeChoice;
  dialog: DialogName;
  dockTab: DockTab;
  dockOpen: boolean;
  /** The node palette (left) is shown. */
  paletteOpen: boolean;
  /** The inspector (right) is shown. */
  inspectorOpen: boolean;
  /** Every panel hidden at once (Toggle Panels); the per-panel choices stay as they are. */
  panelsHidden: boolean;
  /** While Backprop mode has made room: the side panels' state before, restored when it ends. */
  roomSaved: Pick<UiState, 'paletteOpen' | 'inspectorOpen'> | null;
  toasts: Toast[];
  confirm: ConfirmRequest | null;
  /** A document, file or example is being read. */
  busy: string | null;
}

export interface UiActions {
  setTheme(t: ThemeChoice): void;
  cycleTheme(): void;
  openDialog(d: DialogName): void;
  closeDialog(): void;
  showDock(tab: DockTab): void;
  toggleDock(): void;
  togglePalette(): void;
  toggleInspector(): void;
  togglePanels(): void;
  /** Backprop mode on: hide the palette and the inspector (not remembered); off: restore them. */
  roomFor(mode: 'backprop' | 'edit'): void;
  toast(message: string, kind?: Toast['kind'], ms?: number): void;
  dismissToast(id: number): void;
  ask(req: Omit<ConfirmRequest, 'resolve'>): Promise<string>;
  answer(choice: string): void;
  setBusy(b: string | null): void;
}

const THEME_KEY = 'bpstudio.theme';
const LAYOUT_KEY = 'bpstudio.layout';

type Layout = Pick<UiState, 'paletteOpen' | 'inspectorOpen' | 'dockOpen'>;

/** The panels shown last time (localStorage), all shown by default. */
export function storedLayout(): Layout {
  const all: Layout = { paletteOpen: true, inspectorOpen: true, dockOpen: true };
  try {
    const raw = typeof localStorage !== 'undefined' ? localStorage.getItem(LAYOUT_KEY) : null;
    const v = raw ? (JSON.parse(raw) as Partial<Record<keyof Layout, unknown>>) : null;
    if (!v || typeof v !== 'object') return all;
    return {
      paletteOpen: v.paletteOpen !== false,
      inspectorOpen: v.inspectorOpen !== false,
      dockOpen: v.dockOpen !== false,
    };
  } catch {
    return all;
  }
}

function storeLayout(s: UiState): void {
  // what Backprop mode hid for the time being is not the user's choice: the saved state is kept
  const l: Layout = { paletteOpen: s.roomSaved?.paletteOpen ?? s.paletteOpen, inspectorOpen: s.roomSaved?.inspectorOpen ?? s.inspectorOpen, dockOpen: s.dockOpen };
  try {
    localStorage.setItem(LAYOUT_KEY, JSON.stringify(l));
  } catch {
    /* private mode */
  }
}

function storedTheme(): ThemeChoice {
  try {
    const v = typeof localStorage !== 'undefined' ? localStorage.getItem(THEME_KEY) : null;
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

let toastId = 1;

export type UiStore = UiState & UiActions;

export interface UiSlice {
  ui: UiStore;
}

function uiState(store: StoreApi<UiStore>): UiStore {
  const set = (partial: Partial<UiStore>): void => store.setState(partial);
  const get = store.getState;
  return {
  theme: storedTheme(),
  dialog: null,
  dockTab: 'data',
  ...storedLayout(),
  panelsHidden: false,
  roomSaved: null,
  toasts: [],
  confirm: null,
  busy: null,
  setTheme(theme) {
    try {
      if (theme === 'system') localStorage.removeItem(THEME_KEY);
      else localStorage.setItem(THEME_KEY, theme);
    } catch {
      /* private mode */
    }
    set({ theme });
  },
  cycleTheme() {
    const order: ThemeChoice[] = ['system', 'light', 'dark'];
    get().setTheme(order[(order.indexOf(get().theme) + 1) % order.length]!);
  },
  openDialog(dialog) {
    set({ dialog });
  },
  closeDialog() {
    set({ dialog: null });
  },
  showDock(dockTab) {
    set({ dockTab, dockOpen: true, panelsHidden: false });
    storeLayout(get());
  },
  toggleDock() {
    set({ dockOpen: get().panelsHidden ? true : !get().dockOpen, panelsHidden: false });
    storeLayout(get());
  },
  togglePalette() {
    // (in Backprop mode the choice holds until the mode ends, then the panels are as before)
    const s = get();
    set({ paletteOpen: s.panelsHidden ? true : !s.paletteOpen, panelsHidden: false });
    storeLayout(get());
  },
  toggleInspector() {
    const s = get();
    set({ inspectorOpen: s.panelsHidden ? true : !s.inspectorOpen, panelsHidden: false });
    storeLayout(get());
  },
  togglePanels() {
    set({ panelsHidden: !get().panelsHidden });
  },
  roomFor(mode) {
    const s = get();
    if (mode === 'backprop' && !s.roomSaved) {
      set({ roomSaved: { paletteOpen: s.paletteOpen, inspectorOpen: s.inspectorOpen }, paletteOpen: false, inspectorOpen: false });
    } else if (mode === 'edit' && s.roomSaved) {
      set({ ...s.roomSaved, roomSaved: null });
    }
  },
  toast(message, kind = 'info', ms = kind === 'error' ? 8000 : 4000) {
    const id = toastId++;
    set({ toasts: [...get().toasts.filter((t) => t.message !== message), { id, kind, message }].slice(-4) });
    if (ms > 0) setTimeout(() => get().dismissToast(id), ms);
  },
  dismissToast(id) {
    set({ toasts: get().toasts.filter((t) => t.id !== id) });
  },
  ask(req) {
    return new Promise<string>((resolve) => {
      get().confirm?.resolve('cancel');
      set({ confirm: { ...req, resolve } });
    });
  },
  answer(choice) {
    const c = get().confirm;
    set({ confirm: null });
    c?.resolve(choice);
  },
  setBusy(busy) {
    set({ busy });
  },
  };
}

/** The app store's `ui` slice. */
export const uiSlice: StateCreator<AppState, [], [], UiSlice> = (_set, _get, api) => ({ ui: uiState(sliceApi(api, 'ui')) });

/** The app's ui slice, as a store of its own. */
export const uiStore: StoreApi<UiStore> = sliceApi(appStore, 'ui');

export function useUi<T>(selector: (s: UiStore) => T): T {
  return useStore(uiStore, selector);
}
