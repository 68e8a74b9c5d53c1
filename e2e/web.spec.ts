/**
 * The web mode end to end: the engine's server in this process, Debian's Chromium driven by
 * playwright-core, the shared user flow of `e2e/flow.ts` at 1280×800.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../engine/service/serve';
import { runStudioFlow } from './flow';
import { CHROMIUM, CHROMIUM_ARGS } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = join(root, 'test-results', 'e2e');
const rendererDir = join(root, 'dist', 'renderer');

let server: RunningServer | null = null;
let browser: Browser | null = null;
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('web e2e', () => {
  it('runs the user flow in Chromium', { timeout: 240_000 }, async () => {
    expect(existsSync(join(rendererDir, 'index.html')), 'build the renderer first (npx vite build)').toBe(true);
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true);
    mkdirSync(outDir, { recursive: true });
    const started = Date.now();
    server = await startServer({ port: 0, rendererDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(server.url);
    try {
      const report = await runStudioFlow(page, { mode: 'web', outDir, saveDir: mkdtempSync(join(tmpdir(), 'bpstudio-e2e-')), nextOpenFile: async () => undefined });
      console.log(`web e2e: nodes added by ${report.nodeDrag}; loss ${report.firstLoss} → ${report.lastLoss}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
      console.log(report.stages.map((s) => `  ${s.name}: ${s.ms} ms`).join('\n'));
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
    } catch (e) {
      await page.screenshot({ path: join(outDir, 'failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    }
  });
});
