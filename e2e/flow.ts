/**
 * The user flow shared by the web and the Electron e2e: build an XOR network from the palette,
 * wire it, set its params, choose the data and the training setup, train to 100 %, export ONNX
 * (probabilities, then logits) and run it in onnxruntime, save with the weights, reload, reopen,
 * open an invalid file, undo/redo an edge.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { centre, mouseDrag, newestFile, until } from './helpers';

export interface FlowOptions {
  mode: 'electron' | 'web';
  outDir: string;
  nextOpenFile(path: string): Promise<void>;
  saveDir: string;
}

export interface FlowReport {
  nodeDrag: 'mouse' | 'keyboard';
  stages: { name: string; ms: number }[];
  firstLoss: number | null;
  lastLoss: number | null;
}

const MOD = process.platform === 'darwin' ? 'Meta' : 'Control';

export function nodes(page: Page): Locator {
  return page.locator('.react-flow__node');
}
export function edges(page: Page): Locator {
  return page.locator('.react-flow__edge');
}
async function nodeIds(page: Page): Promise<string[]> {
  return nodes(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-id') ?? ''));
}
/** The node types on the canvas, from each node's accessible name ("Linear node …"), sorted. */
async function nodeTypes(page: Page): Promise<string[]> {
  const labels = await page.locator('.react-flow__node .bp-node').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  return labels.map((l) => l.split(' node ')[0]!).sort();
}

async function shot(page: Page, o: FlowOptions, name: string): Promise<void> {
  await page.screenshot({ path: join(o.outDir, `${name}.png`) });
}

/** Runs a menu command: the web menu bar, or (in Electron, which has a native menu) its shortcut. */
async function command(page: Page, o: FlowOptions, menu: string, item: RegExp, keys: string): Promise<void> {
  if (o.mode === 'web') {
    await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: menu, exact: true }).click();
    await page.getByRole('menu', { name: menu }).getByRole('menuitem', { name: item }).click();
  } else {
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } }).catch(() => undefined);
    await page.keyboard.press(keys);
  }
}

/** Opens `path` through File → Open (web: the file chooser; Electron: the stubbed dialog). */
async function openFile(page: Page, o: FlowOptions, path: string, via: () => Promise<void>): Promise<void> {
  if (o.mode === 'web') {
    const chooser = page.waitForEvent('filechooser', { timeout: 15_000 });
    await via();
    await (await chooser).setFiles(path);
  } else {
    await o.nextOpenFile(path);
    await via();
  }
}

/** Catches a file the app saves: a download in web mode, a file in saveDir in Electron. */
async function catchSaved(page: Page, o: FlowOptions, ext: string, name: string, act: () => Promise<void>): Promise<string> {
  if (o.mode === 'web') {
    const dl = page.waitForEvent('download', { timeout: 30_000 });
    await act();
    const d = await dl;
    const path = join(o.outDir, name);
    await d.saveAs(path);
    return path;
  }
  const since = Date.now();
  await act();
  return until(`a saved ${ext} file in ${o.saveDir}`, () => newestFile(o.saveDir, ext, since), 30_000);
}

export async function addNode(page: Page, type: string, at: { x: number; y: number }, report: FlowReport): Promise<string> {
  const before = new Set(await nodeIds(page));
  const item = page.getByRole('complementary', { name: 'Node palette' }).getByRole('button', { name: type, exact: true });
  await item.scrollIntoViewIfNeeded();
  if (report.nodeDrag === 'mouse') {
    await mouseDrag(page, await centre(item), at, 15);
    const added = await until(`${type} dropped on the canvas`, async () => (await nodeIds(page)).find((id) => !before.has(id)), 3_000).catch(() => null);
    if (added) return added;
    report.nodeDrag = 'keyboard'; // HTML5 drag could not be driven: the palette works by keyboard too
  }
  await item.focus();
  await page.keyboard.press('Enter');
  return until(`${type} added from the palette`, async () => (await nodeIds(page)).find((id) => !before.has(id)), 10_000);
}

function node(page: Page, id: string): Locator {
  return page.locator(`.react-flow__node[data-id="${id}"]`);
}

async function select(page: Page, id: string): Promise<void> {
  await node(page, id).locator('.bp-node-head').click();
  await expect.poll(() => node(page, id).locator('.bp-node').getAttribute('class')).toContain('is-selected');
}

async function setParam(page: Page, id: string, label: string, value: string): Promise<void> {
  await select(page, id);
  const params = page.getByRole('complementary', { name: 'Inspector' }).getByRole('region', { name: 'Parameters' });
  const control = params.getByLabel(label, { exact: true });
  if ((await control.evaluate((e) => e.tagName)) === 'SELECT') await control.selectOption(value);
  else {
    await control.fill(value);
    await control.press('Enter');
  }
  await expect.poll(async () => (await control.inputValue()).replace(/\s/g, '')).toBe(value);
}

export async function connect(page: Page, from: string, fromPort: string, to: string, toPort: string): Promise<void> {
  const n = await edges(page).count();
  const src = node(page, from).locator(`[aria-label^="output ${fromPort} of"]`);
  const dst = node(page, to).locator(`[aria-label^="input ${toPort} of"]`);
  await mouseDrag(page, await centre(src), await centre(dst), 10);
  await until(`edge ${from}.${fromPort} → ${to}.${toPort}`, async () => (await edges(page).count()) === n + 1, 5_000);
}

export async function dockTab(page: Page, name: string): Promise<Locator> {
  const tab = page.getByRole('tablist', { name: 'Panels' }).getByRole('tab', { name: new RegExp(`^${name}`) });
  if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
  await expect.poll(() => tab.getAttribute('aria-selected')).toBe('true');
  return page.getByRole('tabpanel');
}

async function setNumber(panel: Locator, label: string, value: string): Promise<void> {
  const f = panel.getByLabel(label, { exact: true });
  await f.fill(value);
  await f.press('Enter');
  await expect.poll(() => f.inputValue()).toBe(value);
}

/** The loss shown in the loss chart's legend with the cursor at x (fraction of the plot's width). */
async function lossUnderCursor(page: Page, fx: number): Promise<{ epoch: number; values: number[] } | null> {
  const chart = page.getByRole('figure', { name: 'Loss chart' });
  const over = chart.locator('.u-over');
  const box = await over.boundingBox();
  if (!box) return null;
  await page.mouse.move(box.x + box.width * fx, box.y + box.height / 2, { steps: 3 });
  const text = await until('a hovered epoch in the loss legend', async () => {
    const t = await chart.locator('.bpp-legend').innerText();
    return /epoch/.test(t) ? t : null;
  }, 3_000).catch(() => null);
  if (!text) return null;
  const m = /epoch\s*([\d.,]+)/.exec(text);
  const rest = text.slice((m?.index ?? 0) + (m?.[0].length ?? 0));
  const values = [...rest.matchAll(/-?\d+(?:\.\d+)?(?:e-?\d+)?/gi)].map((x) => Number(x[0]));
  return { epoch: Number((m?.[1] ?? 'NaN').replace(/,/g, '')), values };
}

export async function runStudioFlow(page: Page, o: FlowOptions): Promise<FlowReport> {
  const report: FlowReport = { nodeDrag: 'mouse', stages: [], firstLoss: null, lastLoss: null };
  let t0 = Date.now();
  const stage = async (name: string) => {
    report.stages.push({ name, ms: Date.now() - t0 });
    await shot(page, o, name);
    t0 = Date.now();
  };

  // 1. the start screen, with the palette loaded from the engine
  await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
  await page.getByRole('complementary', { name: 'Node palette' }).getByRole('button', { name: 'Linear', exact: true }).waitFor({ timeout: 30_000 });
  await stage('01-start');
  await page.getByRole('button', { name: 'New graph' }).click();
  await page.getByRole('region', { name: 'Start' }).waitFor({ state: 'detached' });

  // 2. nodes from the palette onto the canvas, on a 3×2 grid
  const pane = page.locator('.react-flow__pane');
  const box = (await pane.boundingBox())!;
  const cell = (c: number, r: number) => ({ x: box.x + box.width * (0.12 + c * 0.32), y: box.y + box.height * (r === 0 ? 0.22 : 0.62) });
  const input = await addNode(page, 'Input', cell(0, 0), report);
  const lin1 = await addNode(page, 'Linear', cell(1, 0), report);
  const act = await addNode(page, 'Activation', cell(2, 0), report);
  const lin2 = await addNode(page, 'Linear', cell(0, 1), report);
  const loss = await addNode(page, 'Loss', cell(2, 1), report);
  const target = await addNode(page, 'Target', cell(1, 1), report);
  expect(await nodes(page).count()).toBe(6);
  await stage('02-nodes');

  // 3. params in the inspector
  await setParam(page, lin1, 'In features', '2');
  await setParam(page, lin1, 'Out features', '4');
  // Linear's init is in the inspector: PyTorch's by default, Keras' (and the others) on offer
  const init = page.getByRole('complementary', { name: 'Inspector' }).getByRole('region', { name: 'Parameters' }).getByLabel('Init', { exact: true });
  expect(await init.inputValue()).toBe('kaiming-uniform');
  expect(await init.locator('option').allTextContents()).toEqual([
    'Kaiming uniform (PyTorch)', 'Kaiming normal (He)', 'He uniform', 'Glorot uniform (Keras)', 'Glorot normal', 'Zeros',
  ]);
  await setParam(page, act, 'Function', 'sigmoid');
  await setParam(page, lin2, 'In features', '4');
  await setParam(page, lin2, 'Out features', '1');
  await setParam(page, loss, 'Function', 'bce');
  await setParam(page, target, 'Encoding', 'column');
  await stage('03-params');

  // 4. wires, output handle to input handle
  await connect(page, input, 'out', lin1, 'in');
  await connect(page, lin1, 'out', act, 'in');
  await connect(page, act, 'out', lin2, 'in');
  await connect(page, lin2, 'out', loss, 'prediction');
  await connect(page, target, 'out', loss, 'target');
  expect(await edges(page).count()).toBe(5);
  await stage('04-wired');

  // 5. undo / redo a connection
  await pane.click({ position: { x: 8, y: 8 } });
  await page.keyboard.press(`${MOD}+z`);
  await until('undo removes the last edge', async () => (await edges(page).count()) === 4, 5_000);
  await stage('05-undone');
  await page.keyboard.press(`${MOD}+Shift+z`);
  await until('redo restores the edge', async () => (await edges(page).count()) === 5, 5_000);
  await stage('06-redone');

  // 6. the XOR data, all of it for training
  const data = await dockTab(page, 'Data');
  await data.getByLabel('Dataset', { exact: true }).selectOption('xor');
  await setNumber(data, 'Test fraction', '0');
  const val = data.getByLabel('Validation fraction', { exact: true });
  if ((await val.count()) && (await val.inputValue()) !== '0') await setNumber(data, 'Validation fraction', '0');
  await stage('07-data');

  // 7. the training setup, then Start
  const training = await dockTab(page, 'Training');
  // AdamW: Adam with decoupled weight decay, which comes with its default of 0.01
  await training.getByLabel('Optimizer', { exact: true }).selectOption('adamw');
  await expect.poll(() => training.getByLabel('Weight decay', { exact: true }).inputValue()).toBe('0.01');
  await setNumber(training, 'Learning rate', '0.05');
  await setNumber(training, 'Batch size', '4');
  await setNumber(training, 'Epochs', '300');
  await stage('08-training-setup');
  await training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Start' }).click();
  const status = training.locator('.bpp-status');
  await until('training to end', async () => {
    const s = await status.innerText();
    if (/Failed|Stopped/.test(s)) {
      throw Object.assign(new Error(`training ended: ${s}: ${await training.innerText()}`), { fatal: true });
    }
    return s === 'Done';
  }, 150_000, 250).catch((e: Error) => {
    throw e;
  });
  await expect.poll(() => training.getByRole('progressbar', { name: 'Training progress' }).getAttribute('aria-valuetext')).toMatch(/^100%, epoch 300 of 300/);
  const accuracy = await training.getByRole('figure', { name: 'Accuracy chart' }).locator('.bpp-legend').innerText();
  expect(accuracy).toContain('100%');
  const first = await lossUnderCursor(page, 0.01);
  const last = await lossUnderCursor(page, 0.995);
  await page.mouse.move(5, 5);
  report.firstLoss = first?.values[0] ?? null;
  report.lastLoss = last?.values[0] ?? null;
  expect(first, 'the loss chart shows values under the cursor').not.toBeNull();
  expect(last!.epoch).toBeGreaterThan(first!.epoch);
  expect(report.lastLoss!).toBeLessThan(report.firstLoss! * 0.5);
  await stage('09-trained');

  // 8. export ONNX in one click, with the probability output the BCE loss implies, and run it in onnxruntime
  await command(page, o, 'File', /^Export ONNX/, `${MOD}+e`);
  const dialog = page.getByRole('dialog', { name: 'Export ONNX' });
  await dialog.waitFor();
  const trainedRadio = dialog.getByRole('radio', { name: /^Trained model/ });
  await expect.poll(() => trainedRadio.isChecked()).toBe(true);
  // the document's name, epochs and accuracy, never an internal run id
  const trainedLabel = await trainedRadio.evaluate((el) => el.closest('label')?.textContent ?? '');
  expect(trainedLabel).toMatch(/300 epochs, accuracy 100%/);
  expect(trainedLabel).not.toMatch(/run-\d/);
  expect(await dialog.getByRole('radio', { name: /^Sigmoid/ }).isChecked()).toBe(true);
  expect(await dialog.getByRole('radio', { name: /^Softmax/ }).isDisabled()).toBe(true);
  const exportButton = dialog.getByRole('button', { name: /^Export/ });
  const onnxPath = await catchSaved(page, o, '.onnx', 'xor.onnx', () => exportButton.click());
  await dialog.getByRole('region', { name: 'Exported file' }).waitFor({ timeout: 30_000 }).catch(async (e: Error) => {
    throw new Error(`export failed: ${(await dialog.innerText()).replace(/\s+/g, ' ')} (${e.message})`);
  });
  await stage('10-exported');
  const ort = await import('onnxruntime-node');
  const xor = new ort.Tensor('float32', Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]);
  const runOnnx = async (path: string): Promise<number[]> => {
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(path)));
    const out = await session.run({ [session.inputNames[0]!]: xor });
    return Array.from(out[session.outputNames[0]!]!.data as Float32Array);
  };
  const probabilities = await runOnnx(onnxPath);
  for (const p of probabilities) expect(p >= 0 && p <= 1, `a probability: ${p}`).toBe(true);
  expect(probabilities.map((p) => (p > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  // another option makes another file: the shown one goes, the next Export writes logits
  await dialog.getByRole('radio', { name: /^None/ }).check();
  await dialog.getByRole('region', { name: 'Exported file' }).waitFor({ state: 'detached' });
  const logitsPath = await catchSaved(page, o, '.onnx', 'xor-logits.onnx', () => exportButton.click());
  const logits = await runOnnx(logitsPath);
  logits.forEach((z, i) => expect(1 / (1 + Math.exp(-z))).toBeCloseTo(probabilities[i]!, 4));
  expect(logits.some((z) => z < 0 || z > 1)).toBe(true);
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  await dialog.waitFor({ state: 'hidden' });

  // 9. save, reload, reopen: the same graph
  const typesBefore = await nodeTypes(page);
  const savedPath = await catchSaved(page, o, '.json', 'xor-project.json', () => command(page, o, 'File', /^Save$/, `${MOD}+s`));
  // Save keeps the trained weights: a trained-model file, the document inside
  const saved = JSON.parse(readFileSync(savedPath, 'utf8')) as { format?: string; weights?: Record<string, unknown>; document?: { nodes: unknown[] }; nodes?: unknown[] };
  expect(saved.format).toBe('bpstudio-trained-model');
  expect(Object.keys(saved.weights ?? {}).sort()).toEqual([lin1, lin2].sort());
  await stage('11-saved');
  await page.reload();
  await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
  await openFile(page, o, savedPath, () => page.getByRole('region', { name: 'Start' }).getByRole('button', { name: 'Open…' }).click());
  await until('the reopened graph', async () => (await nodes(page).count()) === typesBefore.length, 15_000);
  expect(await nodeTypes(page)).toEqual(typesBefore);
  await until('its edges', async () => (await edges(page).count()) === 5, 5_000);
  await stage('12-reopened');

  // 10. an invalid file: what can be read opens, its problems are listed
  const doc = (JSON.parse(readFileSync(savedPath, 'utf8')) as { document: Record<string, unknown> }).document;
  const g = doc as { nodes: { id: string; type: string }[]; edges: Record<string, unknown>[] };
  g.nodes.push({ ...g.nodes[0]!, id: 'mystery', type: 'NoSuchLayer', position: { x: -300, y: 0 } } as { id: string; type: string });
  g.edges.push({ ...g.edges[0]!, id: 'dangling', source: 'ghost' });
  const invalidPath = join(o.outDir, 'invalid.json');
  writeFileSync(invalidPath, JSON.stringify(doc));
  await openFile(page, o, invalidPath, () => command(page, o, 'File', /^Open…/, `${MOD}+o`));
  const problems = await dockTab(page, 'Problems');
  await until('the invalid file\'s problems', async () => {
    const t = await problems.innerText();
    return /NoSuchLayer|ghost|dangling|mystery/.test(t) ? t : null;
  }, 15_000);
  await stage('13-problems');
  expect((saved.document?.nodes ?? []).length).toBe(6);
  return report;
}
