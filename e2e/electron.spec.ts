/**
 * The desktop app end to end: the same user flow as the web-mode e2e, in the Electron window,
 * where an Electron binary exists. Where none does (machines that cannot download it) the one
 * test says so plainly — "Electron binary not found: Electron e2e not run" — and checks only
 * that: it is reported, not skipped.
 *
 * The flow itself is shared with the web spec: `e2e/flow.ts` exports
 *   runStudioFlow(page, { mode: 'electron' | 'web', outDir, nextOpenFile(path), saveDir })
 * In Electron the native Open/Save dialogs are replaced (in the main process) by stubs that
 * answer with `nextOpenFile` and with files under `saveDir`.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../scripts/electron-binary.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'test-results', 'electron');
const binary = findElectronBinary();

export interface FlowOptions {
  mode: 'electron' | 'web';
  /** Where screenshots of each stage go. */
  outDir: string;
  /** The file the next Open dialog answers with (web mode sets a file input instead). */
  nextOpenFile(path: string): Promise<void>;
  /** The folder Save and Export dialogs write into. */
  saveDir: string;
}
type Flow = (page: Page, options: FlowOptions) => Promise<void>;

let app: ElectronApplication | null = null;
afterAll(async () => {
  await app?.close();
});

describe('Electron e2e', () => {
  if (!binary.ok) {
    it('reports that it did not run: there is no Electron binary', () => {
      console.log('Electron binary not found: Electron e2e not run');
      expect(binary.ok).toBe(false);
      expect(binary.reason).toMatch(/not downloaded|not installed|did not name/);
    });
    return;
  }

  it('runs the user flow in the desktop window', { timeout: 300_000 }, async () => {
    const { buildRenderer, buildElectronIfStale } = await import('../scripts/build-steps.mjs');
    await buildRenderer();
    await buildElectronIfStale();
    mkdirSync(outDir, { recursive: true });
    const saveDir = mkdtempSync(join(tmpdir(), 'bpstudio-e2e-save-'));
    const userData = mkdtempSync(join(tmpdir(), 'bpstudio-e2e-profile-'));

    app = await electron.launch({
      executablePath: binary.path,
      args: [root, ...(process.platform === 'linux' ? ['--no-sandbox'] : [])],
      cwd: root,
      env: { ...process.env, BPSTUDIO_USER_DATA: userData, ELECTRON_ENABLE_LOGGING: '1' },
      timeout: 60_000,
    });
    // native dialogs cannot be driven: answer them from the test
    await app.evaluate(({ dialog }, dir) => {
      const g = globalThis as unknown as { __bpstudioNextOpen?: string };
      dialog.showOpenDialog = (async () => ({ canceled: !g.__bpstudioNextOpen, filePaths: g.__bpstudioNextOpen ? [g.__bpstudioNextOpen] : [] })) as typeof dialog.showOpenDialog;
      dialog.showSaveDialog = (async (...args: unknown[]) => {
        const opts = (args.length > 1 ? args[1] : args[0]) as { defaultPath?: string };
        const name = (opts.defaultPath ?? 'untitled.json').split(/[\\/]/).pop();
        return { canceled: false, filePath: `${dir}/${name}` };
      }) as typeof dialog.showSaveDialog;
    }, saveDir);
    const page = await app.firstWindow();
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.setContentSize(1280, 800));
    await page.waitForLoadState('domcontentloaded');

    // the window is the secure one: no Node in the page, only the typed bridge
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((window as unknown as { bpstudio: object }).bpstudio).sort())).toEqual([
      'onCommand', 'onEvent', 'openFileDialog', 'openRecent', 'platform', 'request', 'saveFile', 'setDocumentState',
    ]);
    expect(await page.evaluate(async () => (await (window as unknown as { bpstudio: { request(m: string, p: unknown): Promise<{ ok: boolean }> } }).bpstudio.request('hello', {})).ok)).toBe(true);
    await page.screenshot({ path: join(outDir, '00-start.png') });

    let flow: Flow;
    const flowModule = './flow'; // written with the web spec; a variable so this file type-checks before it exists
    try {
      ({ runStudioFlow: flow } = (await import(/* @vite-ignore */ flowModule)) as { runStudioFlow: Flow });
    } catch (e) {
      throw new Error(`e2e/flow.ts (the user flow shared with the web spec) cannot be loaded: ${(e as Error).message}`);
    }
    await flow(page, {
      mode: 'electron',
      outDir,
      saveDir,
      nextOpenFile: async (path) => {
        await app!.evaluate((_electron, p) => {
          (globalThis as unknown as { __bpstudioNextOpen?: string }).__bpstudioNextOpen = p;
        }, path);
      },
    });
  });
});
