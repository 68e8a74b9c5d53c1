/**
 * Is there an Electron binary to launch? `require('electron')` returns the binary's path, or
 * throws when the package's download never happened (as on machines without internet access).
 * Shared by scripts/start.mjs, scripts/dist.mjs and the Electron e2e spec.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

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
 * Download Electron's binary by running the electron package's own install script, which
 * `npm ci` does not run: package.json's `allowScripts` blocks it, so that installing never fails
 * on a machine that cannot reach the download host. `npm start` calls this once when the binary
 * is missing; it returns the binary's path, or the reason in a few words (the script's last
 * line: `getaddrinfo ENOTFOUND github.com` offline).
 * @param {{ require?: NodeJS.Require, run?: typeof spawnSync, timeoutMs?: number }} [deps]
 * @returns {{ ok: true, path: string } | { ok: false, reason: string }}
 */
export function downloadElectronBinary(deps = {}) {
  const req = deps.require ?? defaultRequire;
  const run = deps.run ?? spawnSync;
  let script;
  try {
    script = join(dirname(req.resolve('electron/package.json')), 'install.js');
  } catch {
    return { ok: false, reason: 'the electron package is not installed' };
  }
  const result = run(process.execPath, [script], { encoding: 'utf8', timeout: deps.timeoutMs ?? 300_000, env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '' } });
  if (result.error) return { ok: false, reason: `its download did not finish (${result.error.message})` };
  if (result.status !== 0) {
    const lines = `${result.stderr ?? ''}\n${result.stdout ?? ''}`.split('\n').map((l) => l.trim());
    const cause = lines.find((l) => /^\w*Error\b|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/.test(l)) ?? lines.find((l) => l !== '') ?? `exit code ${result.status}`;
    return { ok: false, reason: `its binary could not be downloaded: ${cause.replace(/^\w*Error:\s*/, '')}` };
  }
  return findElectronBinary({ require: createRequire(import.meta.url) });
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
