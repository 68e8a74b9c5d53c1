/**
 * A newcomer's first network, in web mode at 1440×900: (1) New from template → trained XOR in
 * three actions from launch — "New from template…", "Create", "Start"; (2) the network wired by
 * hand — Input → Linear → Activation → Linear → Loss ← Target on XOR, no param typed — trains to
 * 100 % with the default settings (sizes follow the graph, every row trains and tests, Adam).
 */
import { join } from 'node:path';
import { type Locator, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { addNode, connect, dockTab, edges, nodes, type FlowReport } from './flow';
import { E2E_OUT, until, useStudio } from './helpers';

const outDir = E2E_OUT;
const studio = useStudio();

async function launch(): Promise<Page> {
  const page = await studio.newPage({ width: 1440, height: 900 });
  await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
  return page;
}

/** Press Start in the Training panel and wait for the run to finish; returns the panel. */
async function startAndFinish(page: Page): Promise<Locator> {
  const training = page.getByRole('tabpanel');
  await training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Start' }).click();
  const status = training.locator('.bpp-status');
  await until('training to end', async () => {
    const s = await status.innerText();
    if (/Failed|Stopped/.test(s)) throw new Error(`training ended: ${s}: ${await training.innerText()}`);
    return s === 'Done';
  }, 120_000, 250);
  return training;
}

async function accuracyLegend(training: Locator): Promise<string> {
  return training.getByRole('figure', { name: 'Accuracy chart' }).locator('.bpp-legend').innerText();
}

describe('a newcomer', () => {
  it('New from template → a trained XOR in three actions from launch', { timeout: 180_000 }, async () => {
    const page = await launch();
    let actions = 0;
    await page.getByRole('button', { name: 'New from template…' }).click();
    actions++;
    const dialog = page.getByRole('dialog', { name: 'New from template' });
    await dialog.waitFor();
    await expect.poll(() => dialog.getByLabel('Dataset', { exact: true }).inputValue()).toBe('xor');
    expect(await dialog.getByLabel('Hidden layers', { exact: true }).inputValue()).toBe('8');
    await page.screenshot({ path: join(outDir, 'newcomer-01-template.png') });
    await dialog.getByRole('button', { name: 'Create' }).click();
    actions++;
    await until('the template on the canvas', async () => (await nodes(page).count()) === 6, 10_000);
    expect(await edges(page).count()).toBe(5);
    // the Training tab is open: Start is the next action
    expect(await page.getByRole('tablist', { name: 'Panels' }).getByRole('tab', { name: /^Training/ }).getAttribute('aria-selected')).toBe('true');
    // opened at a readable zoom (≥ 0.6: pan rather than shrink), and it stays there while training
    const zoom = async () => Number(/scale\(([\d.]+)\)/.exec((await page.locator('.react-flow__viewport').getAttribute('style')) ?? '')?.[1]);
    await until('a readable zoom', async () => (await zoom()) >= 0.6, 5_000);
    const training = await startAndFinish(page);
    actions++;
    expect(await zoom()).toBeGreaterThanOrEqual(0.6);
    // every row trained and tested: train and test accuracy both 100 % on XOR's 4 rows
    expect((await accuracyLegend(training)).replace(/\s+/g, ' ')).toMatch(/train 100(\.0)?% test 100(\.0)?%/);
    await page.screenshot({ path: join(outDir, 'newcomer-02-template-trained.png') });
    expect(actions).toBeLessThanOrEqual(5);
    await page.context().close();
  });

  it('wires Input → Linear → Activation → Linear → Loss ← Target on XOR, types nothing, and gets 100 %', { timeout: 240_000 }, async () => {
    const page = await launch();
    await page.getByRole('button', { name: 'New graph' }).click();
    await page.getByRole('region', { name: 'Start' }).waitFor({ state: 'detached' });
    const report: FlowReport = { nodeDrag: 'mouse', stages: [], firstLoss: null, lastLoss: null };
    const pane = page.locator('.react-flow__pane');
    const box = (await pane.boundingBox())!;
    const cell = (c: number, r: number) => ({ x: box.x + box.width * (0.12 + c * 0.3), y: box.y + box.height * (r === 0 ? 0.25 : 0.65) });
    const input = await addNode(page, 'Input', cell(0, 0), report);
    const hidden = await addNode(page, 'Linear', cell(1, 0), report);
    const act = await addNode(page, 'Activation', cell(2, 0), report);
    const out = await addNode(page, 'Linear', cell(0, 1), report);
    const target = await addNode(page, 'Target', cell(1, 1), report);
    const loss = await addNode(page, 'Loss', cell(2, 1), report);
    await connect(page, input, 'out', hidden, 'in');
    await connect(page, hidden, 'out', act, 'in');
    await connect(page, act, 'out', out, 'in');
    await connect(page, out, 'out', loss, 'prediction');
    await connect(page, target, 'out', loss, 'target');
    const data = await dockTab(page, 'Data');
    await data.getByLabel('Dataset', { exact: true }).selectOption('xor');
    // the sizes follow the graph: 2 → 8 → 2 (one-hot targets for the default MSE), shown as "auto"
    const faces = async (id: string) => page.locator(`.react-flow__node[data-id="${id}"]`).innerText();
    await until('in_features to follow the input', async () => /In features\s*2/.test(await faces(hidden)), 10_000);
    expect(await faces(out)).toMatch(/In features\s*8[\s\S]*Out features\s*2/);
    await page.screenshot({ path: join(outDir, 'newcomer-03-wired.png') });
    await dockTab(page, 'Training');
    const training = await startAndFinish(page);
    expect(await accuracyLegend(training)).toContain('100%');
    await page.screenshot({ path: join(outDir, 'newcomer-04-trained.png') });
    await page.context().close();
  });
});
