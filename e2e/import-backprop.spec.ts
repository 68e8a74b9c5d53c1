/**
 * Backprop mode steps the document on screen — an imported ONNX model — never the last training
 * run of another document: train the Iris example, File ▸ Open an .onnx (XOR, exported by the
 * engine), give it XOR's data, and Backprop mode steps that model's 5 nodes over XOR's 4 samples.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '../engine/graph/document';
import { exportOnnx } from '../engine/onnx/export';
import { dockTab, nodes } from './flow';
import { E2E_OUT, E2E_ROOT, until, useStudio } from './helpers';

const studio = useStudio();

const counter = async (page: Page): Promise<string> => ((await page.getByRole('status', { name: 'Step' }).textContent()) ?? '').trim();

describe('backprop on an imported model', () => {
  it('steps the imported model on its own data after another document was trained', { timeout: 180_000 }, async () => {
    const xor = parseDocument(readFileSync(join(E2E_ROOT, 'assets', 'examples', 'xor-mlp.json'), 'utf8'));
    if (!xor.ok) throw new Error('xor-mlp');
    const onnxPath = join(mkdtempSync(join(tmpdir(), 'bpstudio-e2e-')), 'xor.onnx');
    writeFileSync(onnxPath, exportOnnx(xor.document).bytes);

    const page = await studio.newPage({ width: 1440, height: 900 });

    // 1. another document trained: Iris
    await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /Iris/ }).first().click();
    await until('the Iris graph', async () => (await nodes(page).count()) > 6, 15_000);
    const training = await dockTab(page, 'Training');
    await training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Start' }).click();
    await until('Iris to finish', async () => (await training.locator('.bpp-status').innerText()) === 'Done', 120_000, 250);

    // 2. File ▸ Open the .onnx: imported as the document on screen
    const chooser = page.waitForEvent('filechooser', { timeout: 15_000 });
    await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: 'File', exact: true }).click();
    await page.getByRole('menu', { name: 'File' }).getByRole('menuitem', { name: /^Open…/ }).click();
    await (await chooser).setFiles(onnxPath);
    await until('the imported graph', async () => (await nodes(page).count()) === 5, 15_000);
    const data = await dockTab(page, 'Data');
    await data.getByLabel('Dataset', { exact: true }).selectOption('xor');

    // 3. Backprop mode: this model, XOR's samples — not Iris' run
    await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
    await until('the backprop session', async () => /^ready:/.test(await counter(page)), 30_000);
    expect(await counter(page)).toMatch(/^ready: 5 forward and \d+ backward steps/);
    expect(await page.getByRole('toolbar', { name: 'Backprop controls' }).innerText()).toContain('/4');
    // no Loss in an imported model: backward starts from its scalar output, and the bar says so
    expect(await page.locator('.bp-bp-objective').innerText()).toMatch(/^L = prediction = −?\d/);
    await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Step forward' }).click();
    await until('the first step', async () => /^forward 1\/5: Input/.test(await counter(page)), 10_000);
    expect(await counter(page)).not.toMatch(/BatchNorm|iris/i);
    await page.screenshot({ path: join(E2E_OUT, 'import-backprop.png') });
  });
});
