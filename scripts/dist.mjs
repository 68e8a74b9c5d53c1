#!/usr/bin/env node
/**
 * `npm run dist`: package the desktop app with electron-builder (electron-builder.yml: AppImage
 * and deb on Linux, dmg on macOS, nsis on Windows; by default for the platform it runs on; pass
 * `-- --linux --win` etc. for others). electron-builder needs the Electron binary for each
 * target: a local one (node_modules/electron/dist, host platform only), one in Electron's download
 * cache, or a download from GitHub. Where none of these is possible it says so and exits 1.
 */
import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildElectronIfStale, buildRenderer, root } from './build-steps.mjs';
import { findElectronBinary } from './electron-binary.mjs';

/** Electron's download cache (@electron/get): does it hold any Electron zip? */
function cachedElectronZip() {
  const dirs = [
    process.env.electron_config_cache,
    process.env.ELECTRON_CACHE,
    process.platform === 'darwin' ? join(homedir(), 'Library', 'Caches', 'electron') : null,
    process.platform === 'win32' ? join(process.env.LOCALAPPDATA ?? homedir(), 'electron', 'Cache') : null,
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron'),
  ].filter(Boolean);
  const walk = (d, depth) => {
    if (!existsSync(d) || depth > 2) return false;
    try {
      return readdirSync(d, { withFileTypes: true }).some((e) => (e.isFile() && /^electron-v.*\.zip$/.test(e.name)) || (e.isDirectory() && walk(join(d, e.name), depth + 1)));
    } catch {
      return false;
    }
  };
  return dirs.some((d) => walk(d, 0));
}

async function canReachGithub() {
  try {
    await Promise.race([lookup('github.com'), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000))]);
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const local = findElectronBinary();
  const online = await canReachGithub();
  if (!local.ok && !online && !cachedElectronZip()) {
    console.error(
      `npm run dist: Electron is not available here (${local.reason}, none is in Electron's download cache, and github.com cannot be reached), so the desktop app cannot be packaged; run it where Electron can be downloaded.`,
    );
    process.exit(1);
  }
  await buildRenderer({ force: true });
  await buildElectronIfStale({ force: true });
  const cli = join(root, 'node_modules', 'electron-builder', 'cli.js');
  const builderArgs = ['--config', 'electron-builder.yml', '--publish', 'never', ...args];
  if (local.ok && !online) {
    // offline with a local binary: package for this platform from node_modules/electron/dist
    builderArgs.push(`--config.electronDist=${process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(root, 'node_modules', 'electron', 'dist')}`);
    console.log('Offline: packaging for this platform only, with the local Electron binary.');
  }
  const child = spawn(process.execPath, [cli, ...builderArgs], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 1));
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
