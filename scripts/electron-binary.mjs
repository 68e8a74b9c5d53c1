/**
 * Is there an Electron binary to launch? `require('electron')` returns the binary's path, or
 * throws when the package's download never happened (as on machines without internet access).
 * Shared by scripts/start.mjs, scripts/dist.mjs and the Electron e2e spec.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const defaultRequire = createRequire(import.meta.url);

/**
 * @param {{ require?: (id: string) => unknown, exists?: (path: string) => boolean }} [deps]
 * @returns {{ ok: true, path: string } | { ok: false, reason: string }}
 */
export function findElectronBinary(deps = {}) {
  const req = deps.require ?? defaultRequire;
  const exists = deps.exists ?? existsSync;
  let path;
  try {
    path = req('electron');
  } catch (e) {
    const notInstalled = e && typeof e === 'object' && 'code' in e && e.code === 'MODULE_NOT_FOUND';
    return { ok: false, reason: notInstalled ? 'the electron package is not installed' : 'its binary was not downloaded' };
  }
  if (typeof path !== 'string' || path.length === 0) return { ok: false, reason: 'the electron package did not name a binary' };
  if (!exists(path)) return { ok: false, reason: 'its binary was not downloaded' };
  return { ok: true, path };
}

/**
 * What `npm start` launches.
 * @param {{ forceWeb?: boolean, electron: ReturnType<typeof findElectronBinary> }} input
 * @returns {{ mode: 'electron', binary: string } | { mode: 'web', message: string }}
 */
export function decideLaunch({ forceWeb = false, electron }) {
  if (forceWeb) return { mode: 'web', message: 'Starting web mode (--web).' };
  if (electron.ok) return { mode: 'electron', binary: electron.path };
  return { mode: 'web', message: `Electron is not available here (${electron.reason}); starting web mode instead.` };
}
