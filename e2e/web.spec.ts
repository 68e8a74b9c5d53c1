/**
 * The web mode end to end: the engine's server in this process, Debian's Chromium driven by
 * playwright-core, the shared user flow of `e2e/flow.ts` at 1280×800.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { runStudioFlow } from './flow';
import { E2E_OUT, useStudio } from './helpers';

const outDir = E2E_OUT;

const studio = useStudio();

describe('web e2e', () => {
  it('runs the user flow in Chromium', { timeout: 240_000 }, async () => {
    const started = Date.now();
    const errors: string[] = [];
    const page = await studio.newPage({ acceptDownloads: true, errors, consoleErrors: true });
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
