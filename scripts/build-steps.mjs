/** Build steps shared by `npm start` and `npm run dist`, each skipped when its output is newer than its inputs. */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The newest modification time under the given files and folders (node_modules and dist skipped). */
export function newestMtime(paths) {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'dist' && !e.startsWith('.')) visit(join(p, e));
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(p);
  return newest;
}

/** Whether any output is missing or older than the newest input. */
export function isStale(outputs, inputs) {
  if (outputs.some((o) => !existsSync(o))) return true;
  const oldestOut = Math.min(...outputs.map((o) => statSync(o).mtimeMs));
  return newestMtime(inputs) > oldestOut;
}

const r = (...p) => join(root, ...p);
export const RENDERER = {
  outputs: [r('dist', 'renderer', 'index.html')],
  inputs: [r('renderer'), r('engine'), r('electron', 'shared'), r('vite.config.ts'), r('package.json')],
};
export const ELECTRON = {
  outputs: ['main.mjs', 'engine-worker.mjs', 'preload.cjs'].map((f) => r('dist', 'electron', f)),
  inputs: [r('electron'), r('engine'), r('scripts', 'build-electron.mjs'), r('package.json')],
};

export async function buildRenderer({ force = false, log = console.log } = {}) {
  if (!force && !isStale(RENDERER.outputs, RENDERER.inputs)) return false;
  log('Building the renderer (vite build)…');
  const { build } = await import('vite');
  // errors only: rollup's warnings about dependencies' comments and directives are noise to a user starting the app
  await build({ configFile: r('vite.config.ts'), root: r('renderer'), logLevel: 'error' });
  return true;
}

export async function buildElectronIfStale({ force = false, log = console.log } = {}) {
  if (!force && !isStale(ELECTRON.outputs, ELECTRON.inputs)) return false;
  log('Building the Electron main process, preload and engine worker…');
  const { buildElectron } = await import('./build-electron.mjs');
  await buildElectron();
  return true;
}
