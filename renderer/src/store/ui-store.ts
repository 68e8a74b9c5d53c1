/**
 * The app frame's own state (not part of the document): theme, which dialog is open, the dock's
 * tab, hidden panels, toasts, and a confirm dialog that commands can await.
 */
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';

export type ThemeChoice = 'system' | 'light' | 'dark';
export type DialogName = 'shortcuts' | 'about' | 'examples' | 'export' | null;
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
  panelsHidden: boolean;
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
  togglePanels(): void;
  toast(message: string, kind?: Toast['kind'], ms?: number): void;
  dismissToast(id: number): void;
  ask(req: Omit<ConfirmRequest, 'resolve'>): Promise<string>;
  answer(choice: string): void;
  setBusy(b: string | null): void;
}

const THEME_KEY = 'bpstudio.theme';

function storedTheme(): ThemeChoice {
  try {
    const v = typeof localStorage !== 'undefined' ? localStorage.getItem(THEME_KEY) : null;
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

let toastId = 1;

export const uiStore = createStore<UiState & UiActions>()((set, get) => ({
  theme: storedTheme(),
  dialog: null,
  dockTab: 'data',
  dockOpen: true,
  panelsHidden: false,
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
  },
  toggleDock() {
    set({ dockOpen: !get().dockOpen });
  },
  togglePanels() {
    set({ panelsHidden: !get().panelsHidden });
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
}));

export function useUi<T>(selector: (s: UiState & UiActions) => T): T {
  return useStore(uiStore, selector);
}
