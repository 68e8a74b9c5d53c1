/**
 * The window's security settings, following Electron's security checklist. Plain data and
 * predicates (no `electron` import at run time) so unit tests check them without the binary.
 */
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { APP_HOST, APP_ORIGIN, APP_SCHEME } from '../shared/ipc-contract';

/**
 * The Content-Security-Policy of the desktop window: the renderer's meta CSP (renderer/index.html)
 * with `connect-src` narrowed to the app itself, since in Electron the engine is reached through
 * IPC and never over a socket.
 */
export const ELECTRON_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The scheme the renderer is served from, registered as privileged before the app is ready. */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
} as const;

export interface WindowOptionsInput {
  bounds: Partial<Rectangle> & { width: number; height: number };
  preloadPath: string;
  iconPath?: string;
  devTools: boolean;
}

/** The BrowserWindow options: every webPreference the checklist names is set explicitly. */
export function mainWindowOptions({ bounds, preloadPath, iconPath, devTools }: WindowOptionsInput): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Backprop Studio',
    backgroundColor: '#16181d',
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  };
}

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** Whether a URL belongs to the app (`app://bpstudio/...`). */
export function isAppUrl(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
}

/** Requests the window may make: the app itself, inline data and blobs, and DevTools' own pages. */
export function isAllowedRequestUrl(url: string): boolean {
  if (isAppUrl(url)) return true;
  const u = parse(url);
  if (!u) return false;
  return u.protocol === 'data:' || u.protocol === 'blob:' || u.protocol === 'devtools:';
}

/** Navigation away from the app is refused; a reload of the app itself is fine. */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(url);
}

/** Links the user clicks that open in the system browser instead (https only); everything else is dropped. */
export function isExternalLink(url: string): boolean {
  const u = parse(url);
  return u !== null && u.protocol === 'https:';
}

/** Permissions the app grants: writing plain text to the clipboard from its own page, nothing else. */
export function isPermissionAllowed(permission: string, requestingUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl);
}

/** Response headers for everything the window loads: the CSP (replacing any other) and nosniff. */
export function withSecurityHeaders(headers: Record<string, string[] | string> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() === 'content-security-policy') continue;
    out[k] = Array.isArray(v) ? v : [v];
  }
  out['Content-Security-Policy'] = [ELECTRON_CSP];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}

export { APP_ORIGIN };
