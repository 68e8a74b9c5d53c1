/** React hooks shared by the panels. */
import { useSyncExternalStore } from 'react';

let themeVersion = 0;
const themeListeners = new Set<() => void>();
let themeObserver: MutationObserver | null = null;
let media: MediaQueryList | null = null;

function bumpTheme() {
  themeVersion++;
  for (const l of themeListeners) l();
}

function subscribeTheme(listener: () => void): () => void {
  themeListeners.add(listener);
  if (!themeObserver && typeof MutationObserver !== 'undefined') {
    themeObserver = new MutationObserver(bumpTheme);
    // the frame switches themes with a class, a data attribute or inline variables on <html> or <body>
    const opts = { attributes: true, attributeFilter: ['class', 'data-theme', 'style'] };
    themeObserver.observe(document.documentElement, opts);
    if (document.body) themeObserver.observe(document.body, opts);
    media = window.matchMedia?.('(prefers-color-scheme: dark)') ?? null;
    media?.addEventListener('change', bumpTheme);
  }
  return () => {
    themeListeners.delete(listener);
    if (themeListeners.size === 0 && themeObserver) {
      themeObserver.disconnect();
      themeObserver = null;
      media?.removeEventListener('change', bumpTheme);
      media = null;
    }
  };
}

/** A number that changes when the theme (class/data-theme/style on <html> or <body>, or the OS scheme) changes: canvases redraw on it. */
export function useThemeVersion(): number {
  return useSyncExternalStore(subscribeTheme, () => themeVersion, () => 0);
}
