/**
 * Files as users expect them (web mode, Debian's Chromium via playwright-core, 1280×800):
 * File ▸ Open on an .onnx that `bpstudio export` made of the XOR example imports it; Open on
 * garbage and on broken JSON is refused in one line and leaves the document on the canvas as it
 * was; a CSV dropped on the canvas becomes the dataset; the trained XOR saved with Save, the page
 * reloaded and the file opened again has its trained weights back — its ONNX export (one click,
 * sigmoid probabilities) gives XOR in onnxruntime-node, and `bpstudio eval` on the saved file
 * gives the accuracy the app showed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Locator, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../engine/cli/main';
import { E2E_OUT, until, useStudio } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = E2E_OUT;
const work = mkdtempSync(join(tmpdir(), 'bpstudio-e2e-files-'));

const studio = useStudio();

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: root, env: {} };
  return { code: await runCli(args, io), out, err };
}


async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(outDir, `${name}.png`) });
}

function nodes(page: Page): Locator {
  return page.locator('.react-flow__node');
}

/** The node types on the canvas, sorted (from each node's accessible name "Linear node …"). */
async function nodeTypes(page: Page): Promise<string[]> {
  const labels = await page.locator('.react-flow__node .bp-node').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  return labels.map((l) => l.split(' node ')[0]!).sort();
}

async function menu(page: Page, name: string, item: RegExp): Promise<void> {
  await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name, exact: true }).click();
  await page.getByRole('menu', { name }).getByRole('menuitem', { name: item }).click();
}

/** File ▸ Open (or the start screen's Open…), choosing `path` in the file chooser. */
async function openFile(page: Page, path: string): Promise<void> {
  const chooser = page.waitForEvent('filechooser', { timeout: 15_000 });
  const start = page.getByRole('region', { name: 'Start' });
  if (await start.isVisible().catch(() => false)) await start.getByRole('button', { name: 'Open…' }).click();
  else await menu(page, 'File', /^Open…/);
  await (await chooser).setFiles(path);
}

/** Drop a file on the canvas as the desktop would: an HTML5 drop carrying a File. */
async function dropFile(page: Page, name: string, bytes: Buffer, type = ''): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ({ name, b64, type }) => {
      const bin = atob(b64);
      const data = Uint8Array.from(bin, (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([data], name, { type }));
      return dt;
    },
    { name, b64: bytes.toString('base64'), type },
  );
  const canvas = page.locator('.bp-canvas');
  await canvas.dispatchEvent('dragenter', { dataTransfer });
  await canvas.dispatchEvent('dragover', { dataTransfer });
  await canvas.dispatchEvent('drop', { dataTransfer });
}

async function dockTab(page: Page, name: string): Promise<Locator> {
  const tab = page.getByRole('tablist', { name: 'Panels' }).getByRole('tab', { name: new RegExp(`^${name}`) });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
  return page.getByRole('tabpanel');
}

/** The newest toast's text once one matching `re` shows. */
async function toast(page: Page, re: RegExp): Promise<string> {
  return until(`a toast matching ${re}`, async () => {
    const texts = await page.locator('.bp-toast').allInnerTexts();
    return texts.map((t) => t.replace(/\s*✕\s*$/, '').trim()).find((t) => re.test(t)) ?? null;
  }, 15_000);
}

async function dismissToasts(page: Page): Promise<void> {
  for (const b of await page.locator('.bp-toast').getByRole('button', { name: 'Dismiss' }).all()) await b.click().catch(() => undefined);
}

/** What the canvas shows: node types, the document's name in the inspector, the title. */
async function canvasState(page: Page): Promise<{ types: string[]; title: string }> {
  return { types: await nodeTypes(page), title: await page.title() };
}

async function runOnnx(path: string): Promise<number[]> {
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]) });
  return Array.from(out[session.outputNames[0]!]!.data as Float32Array);
}

describe('files e2e', () => {
  it('opens by content, refuses garbage without touching the document, and Save keeps the trained weights', { timeout: 240_000 }, async () => {
    // the ONNX of the XOR example, made by the CLI
    const trainedCli = join(work, 'xor.trained.json');
    const onnxPath = join(work, 'xor.onnx');
    expect((await cli(['train', join(root, 'assets/examples/xor-mlp.json'), '--out', trainedCli])).code).toBe(0);
    const exported = await cli(['export', trainedCli, '-o', onnxPath]);
    expect(exported.code, exported.err).toBe(0);
    const garbagePath = join(work, 'garbage.bin');
    writeFileSync(garbagePath, Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 7919 + 13) % 251)));
    const brokenPath = join(work, 'broken.json');
    writeFileSync(brokenPath, '{\n  "formatVersion": 2,\n  "name": "broken",\n  "nodes": [ { "id": "a" "type": "Input" } ]\n}\n');

    const errors: string[] = [];
    const page = await studio.newPage({ acceptDownloads: true, errors });
    await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
    try {
      // 1. Open on the .onnx: imported through the engine, as a new unsaved document
      await openFile(page, onnxPath);
      await until('the imported ONNX graph', async () => (await nodes(page).count()) === 5, 15_000);
      expect(await nodeTypes(page)).toEqual(['Activation', 'Input', 'Linear', 'Linear', 'Output']);
      expect(await toast(page, /^Imported xor\.onnx/)).toBe('Imported xor.onnx: 5 nodes');
      await shot(page, 'files-01-onnx-opened');
      await dismissToasts(page);

      // 2. Open on garbage, then on broken JSON: one line each, the imported graph stays as it was
      const before = await canvasState(page);
      await openFile(page, garbagePath);
      expect(await toast(page, /^garbage\.bin/)).toMatch(/^garbage\.bin is a binary file that is not a graph or trained model \(\.json\), an ONNX model/);
      expect(await canvasState(page)).toEqual(before);
      await shot(page, 'files-02-garbage-refused');
      await dismissToasts(page);
      await openFile(page, brokenPath);
      expect(await toast(page, /^broken\.json/)).toBe(`broken.json is not valid JSON: line 4, column 26: expected ',' or '}' after a property value, found '"'`);
      expect(await canvasState(page)).toEqual(before);
      await shot(page, 'files-03-broken-json-refused');
      await dismissToasts(page);

      // 3. a CSV dropped on the canvas becomes the dataset (the Data panel shows it)
      await dropFile(page, 'tiny.csv', Buffer.from('a,b,label\n0,0,no\n1,1,yes\n0,1,yes\n1,0,no\n'), 'text/csv');
      expect(await toast(page, /^Imported tiny\.csv/)).toMatch(/as a dataset \(4 samples\)/);
      const data = await dockTab(page, 'Data');
      await expect.poll(() => data.getByLabel('Dataset', { exact: true }).inputValue()).toBe('upload:tiny.csv');
      expect(await canvasState(page)).toEqual(before);
      await shot(page, 'files-04-csv-dropped');
      await dismissToasts(page);

      // 4. the XOR example, trained, saved with its weights
      await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: 'Help', exact: true }).click();
      await page.getByRole('menu', { name: 'Help' }).getByRole('menuitem', { name: /^Examples/ }).click();
      await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /^XOR with a hidden layer/ }).first().click();
      const ask = page.getByRole('dialog', { name: 'Unsaved changes' });
      if (await ask.isVisible().catch(() => false)) await ask.getByRole('button', { name: 'Don’t save' }).click();
      await until('the XOR example', async () => (await nodes(page).count()) === 6, 15_000);
      const training = await dockTab(page, 'Training');
      await training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Start' }).click();
      await until('XOR to train', async () => (await training.locator('.bpp-status').innerText()) === 'Done', 120_000, 200);
      const shown = await until('the evaluation', async () => /accuracy\s*([\d.]+)%/i.exec(await training.innerText()), 15_000);
      const appAccuracy = Number(shown[1]) / 100;
      expect(appAccuracy).toBe(1);
      const download = page.waitForEvent('download', { timeout: 30_000 });
      await menu(page, 'File', /^Save$/);
      const savedPath = join(outDir, 'files-xor-saved.json');
      await (await download).saveAs(savedPath);
      expect(await toast(page, /^Saved/)).toMatch(/^Saved xor-with-a-hidden-layer\.json with its trained weights to your downloads/);
      const saved = JSON.parse(readFileSync(savedPath, 'utf8')) as { format: string; weights: Record<string, unknown>; document: { name: string } };
      expect(saved.format).toBe('bpstudio-trained-model');
      expect(Object.keys(saved.weights).sort()).toEqual(['hidden', 'out']);
      await shot(page, 'files-05-saved-with-weights');

      // `bpstudio eval` on the saved file agrees with the app
      const ev = await cli(['eval', savedPath, '--json']);
      expect(ev.code, ev.err).toBe(0);
      expect((JSON.parse(ev.out) as { accuracy: number }).accuracy).toBe(appAccuracy);

      // 5. reload, Open the saved file: the trained weights are back
      await page.reload();
      await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
      const restore = page.getByRole('dialog', { name: 'Restore unsaved work?' });
      if (await restore.isVisible().catch(() => false)) await restore.getByRole('button', { name: 'Discard' }).click();
      await openFile(page, savedPath);
      await until('the reopened XOR', async () => (await nodes(page).count()) === 6, 15_000);
      await menu(page, 'File', /^Export ONNX/);
      const dialog = page.getByRole('dialog', { name: 'Export ONNX' });
      await dialog.waitFor();
      const trainedRadio = dialog.getByRole('radio', { name: /^Trained model/ });
      await expect.poll(() => trainedRadio.isChecked()).toBe(true);
      const label = await trainedRadio.evaluate((el) => el.closest('label')?.textContent ?? '');
      expect(label).toMatch(/^Trained model: “XOR with a hidden layer”, 300 epochs, accuracy 100% \(from files-xor-saved\.json\)$/);
      expect(await dialog.getByRole('radio', { name: /^Sigmoid/ }).isChecked()).toBe(true);
      const dl = page.waitForEvent('download', { timeout: 30_000 });
      await dialog.getByRole('button', { name: /^Export/ }).click(); // one click: the file downloads
      const reopenedOnnx = join(outDir, 'files-xor-reopened.onnx');
      await (await dl).saveAs(reopenedOnnx);
      await dialog.getByRole('region', { name: 'Exported file' }).waitFor();
      await shot(page, 'files-06-reopened-export');
      const p = await runOnnx(reopenedOnnx);
      p.forEach((v, i) => expect(Math.abs(v - [0, 1, 1, 0][i]!), `sample ${i}: ${v}`).toBeLessThan(0.2));
      // the same probabilities as the model the CLI evaluates: the saved weights, not new ones
      const fromSaved = join(work, 'from-saved.onnx');
      expect((await cli(['export', savedPath, '-o', fromSaved, '--output-activation', 'sigmoid'])).code).toBe(0);
      (await runOnnx(fromSaved)).forEach((v, i) => expect(p[i]).toBeCloseTo(v, 5));
      await dialog.getByRole('button', { name: 'Close' }).first().click();

      // 5b. File → Export PyTorch Script: the script and its weights download, and the script
      // compiles; the weights are the trained model's (what `bpstudio export --format pytorch` writes)
      await menu(page, 'File', /^Export PyTorch Script/);
      const py = page.getByRole('dialog', { name: 'Export PyTorch script' });
      await py.waitFor();
      expect(await py.getByRole('radio', { name: /^PyTorch script/ }).isChecked()).toBe(true);
      const downloads: import('@playwright/test').Download[] = [];
      const two = new Promise<void>((resolveTwo) => {
        const onDownload = (d: import('@playwright/test').Download) => {
          downloads.push(d);
          if (downloads.length === 2) {
            page.off('download', onDownload);
            resolveTwo();
          }
        };
        page.on('download', onDownload);
      });
      await py.getByRole('button', { name: /^Export/ }).click();
      await two;
      const names = downloads.map((d) => d.suggestedFilename());
      expect(names).toEqual(['XOR-with-a-hidden-layer.py', 'XOR-with-a-hidden-layer.safetensors']);
      const scriptPath = join(outDir, names[0]!);
      await downloads[0]!.saveAs(scriptPath);
      await downloads[1]!.saveAs(join(outDir, names[1]!));
      await py.getByRole('region', { name: 'Exported script' }).waitFor();
      await shot(page, 'files-06b-pytorch-export');
      expect(readFileSync(scriptPath, 'utf8')).toContain('class XorWithAHiddenLayer(nn.Module):');
      const cliPy = join(work, 'cli-xor.py');
      expect((await cli(['export', savedPath, '-o', cliPy])).code).toBe(0);
      expect(readFileSync(join(outDir, names[1]!)).equals(readFileSync(join(work, 'cli-xor.safetensors')))).toBe(true);
      await py.getByRole('button', { name: 'Close' }).first().click();

      // 6. an ONNX file dropped on the canvas is imported too (after the unsaved-changes question, if any)
      await dropFile(page, 'dropped.onnx', readFileSync(onnxPath));
      const q = page.getByRole('dialog', { name: 'Unsaved changes' });
      await until('the dropped model or the question', async () => (await q.isVisible().catch(() => false)) || (await nodes(page).count()) === 5, 15_000);
      if (await q.isVisible().catch(() => false)) await q.getByRole('button', { name: 'Don’t save' }).click();
      await until('the dropped ONNX graph', async () => (await nodes(page).count()) === 5, 15_000);
      expect(await toast(page, /^Imported dropped\.onnx/)).toBe('Imported dropped.onnx: 5 nodes');
      await shot(page, 'files-07-onnx-dropped');
      expect(errors).toEqual([]);
    } catch (e) {
      await shot(page, 'files-failure').catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    }
  });
});
