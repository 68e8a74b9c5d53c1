/**
 * One document, one world (web mode, Debian's Chromium via playwright-core, 1280×800): train
 * XOR, open the AND example → nothing of XOR's run anywhere (Training panel, Inference tab,
 * status bar); AND has no Loss → Start says why it cannot train (disabled with the reason, or a
 * visible error within 1 s and Start back); open XOR again → its run is there again.
 */
import { join } from 'node:path';
import { type Locator, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dockTab, edges } from './flow';
import { E2E_OUT, until, useStudio } from './helpers';

const outDir = E2E_OUT;

const studio = useStudio();

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(outDir, `${name}.png`) });
}

/** Help ▸ Examples, then the example (or, on the start screen, its gallery). */
async function openExample(page: Page, title: RegExp, nodes: number): Promise<void> {
  const start = page.getByRole('region', { name: 'Start' });
  if (!(await start.isVisible().catch(() => false))) {
    await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: 'Help', exact: true }).click();
    await page.getByRole('menu', { name: 'Help' }).getByRole('menuitem', { name: /^Examples/ }).click();
  }
  await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: title }).first().click();
  await until(`the example ${title}`, async () => (await page.locator('.react-flow__node').count()) === nodes, 15_000);
}

function statusBar(page: Page): Locator {
  return page.getByRole('contentinfo', { name: 'Status' });
}

describe('documents e2e', () => {
  it('keeps each document\'s results with it, and a Start that cannot train says why', { timeout: 180_000 }, async () => {
    const errors: string[] = [];
    const page = await studio.newPage({ errors });
    await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
    try {
      // 1. train XOR
      await openExample(page, /^XOR with a hidden layer/, 6);
      let training = await dockTab(page, 'Training');
      await training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Start' }).click();
      const status = () => training.locator('.bpp-status').innerText();
      await until('XOR to train', async () => (await status()) === 'Done', 120_000, 200);
      await until('the evaluation', async () => /accuracy/i.test(await training.innerText()), 15_000);
      expect(await statusBar(page).innerText()).toMatch(/Epoch\s*300\/300/);
      await shot(page, 'documents-01-xor-trained');
      let inference = await dockTab(page, 'Inference');
      await until('XOR predictions', async () => (await inference.locator('tbody tr').count()) === 4, 15_000);
      await shot(page, 'documents-02-xor-inference');

      // 2. open AND: nothing of XOR anywhere — and every wire drawn, the one into AND's Output
      // "y" too (XOR's "y" was a Target, with no input handle: its measured handles lingered)
      await openExample(page, /^AND perceptron/, 4);
      await until('all three of AND\'s wires', async () => (await edges(page).count()) === 3, 5_000);
      expect(await page.locator('[data-testid="rf__edge-step-out->y-in"] path').first().getAttribute('d')).toMatch(/^M/);
      expect(await statusBar(page).innerText()).not.toMatch(/Epoch/);
      inference = await dockTab(page, 'Inference');
      await until('an empty Inference tab', async () => /Train a model in the Training tab first/.test(await inference.innerText()), 5_000);
      expect(await inference.locator('tbody tr').count()).toBe(0);
      await shot(page, 'documents-03-and-inference');
      training = await dockTab(page, 'Training');
      expect(await status()).toBe('Not trained yet');
      const text = await training.innerText();
      expect(text).not.toMatch(/epoch 300|took|Evaluation|accuracy \d/i);
      for (const chart of ['Loss chart', 'Accuracy chart']) {
        const fig = training.getByRole('figure', { name: chart });
        if (await fig.count()) expect(await fig.locator('.bpp-legend').innerText()).not.toMatch(/\d/);
      }

      // 3. AND has no Loss: Start is disabled with the reason, or refused visibly within 1 s
      const start = training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: /^Start/ });
      const reason = training.getByRole('note', { name: 'Why Start is disabled' });
      await until('the validation', async () => (await reason.isVisible()) || (await start.isEnabled()), 10_000);
      await page.waitForTimeout(800); // validation settles (debounced)
      if (await start.isDisabled()) {
        expect(await reason.innerText()).toMatch(/Loss/);
        await shot(page, 'documents-04-and-start-disabled');
      } else {
        const t0 = Date.now();
        await start.click();
        await training.getByRole('alert').filter({ hasText: /Loss/ }).waitFor({ timeout: 1_000 });
        expect(Date.now() - t0).toBeLessThan(1_000);
        await until('Start to come back', async () => await start.isEnabled(), 2_000);
        expect(await status()).not.toBe('Training');
        await shot(page, 'documents-04-and-start-refused');
      }
      expect(await statusBar(page).innerText()).not.toMatch(/running/);
      const problems = await dockTab(page, 'Problems');
      expect(await problems.innerText()).toMatch(/training needs a Loss node/);
      await shot(page, 'documents-05-and-problems');

      // 4. back to XOR: its run, charts and predictions again
      await openExample(page, /^XOR with a hidden layer/, 6);
      training = await dockTab(page, 'Training');
      expect(await status()).toBe('Done');
      expect(await statusBar(page).innerText()).toMatch(/Epoch\s*300\/300/);
      expect(await training.getByRole('figure', { name: 'Loss chart' }).locator('.bpp-legend').innerText()).toMatch(/\d/);
      await shot(page, 'documents-06-xor-again');
      inference = await dockTab(page, 'Inference');
      await until('XOR predictions again', async () => (await inference.locator('tbody tr').count()) === 4, 15_000);
      expect(errors).toEqual([]);
    } catch (e) {
      await shot(page, 'documents-failure').catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });
});
