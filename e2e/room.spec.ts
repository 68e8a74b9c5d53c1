/**
 * Room and keyboard, in web mode at 1440×900 (the engine's server in this process, Debian's
 * Chromium via playwright-core): examples open at a readable zoom with what is shown inside the
 * canvas, the side panels and the dock collapse by shortcut (and are remembered) so the canvas
 * gets ≥ 70 % of the window, Backprop mode makes that room itself, the menu bar and the palette
 * are one Tab stop each, every node is reachable by keyboard, a node's accessible name carries
 * its real diagnostics, and nothing is cut off. Screenshots go to test-results/e2e/room-*.png.
 * The app is dist/renderer (npx vite build), or the folder BPSTUDIO_E2E_RENDERER names.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { E2E_OUT, until, useStudio } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = E2E_OUT;
const rendererDir = process.env['BPSTUDIO_E2E_RENDERER'] ?? join(root, 'dist', 'renderer');
const W = 1440;
const H = 900;

const studio = useStudio(rendererDir);

async function newPage(errors: string[], colorScheme: 'dark' | 'light' = 'dark'): Promise<Page> {
  const page = await studio.newPage({ width: W, height: H, colorScheme, errors, consoleErrors: true });
  await page.getByRole('region', { name: 'Start' }).waitFor({ timeout: 30_000 });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(outDir, `room-${name}.png`) });
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The canvas, its zoom, every node's box and the minimap's, on the screen. */
async function canvasState(page: Page): Promise<{ canvas: Box; zoom: number; nodes: Record<string, Box>; minimap: Box | null }> {
  return page.evaluate(() => {
    const box = (el: Element) => {
      const r = el.getBoundingClientRect();
      return { x: r.x, y: r.y, width: r.width, height: r.height };
    };
    const vp = (document.querySelector('.react-flow__viewport') as HTMLElement).style.transform;
    const zoom = Number(/scale\(([\d.]+)\)/.exec(vp)?.[1] ?? 'NaN');
    const nodes: Record<string, Box> = {};
    for (const n of document.querySelectorAll('.react-flow__node')) nodes[n.getAttribute('data-id')!] = box(n);
    const mm = document.querySelector('.react-flow__minimap');
    return { canvas: box(document.querySelector('.bp-canvas')!), zoom, nodes, minimap: mm ? box(mm) : null };
  });
}

function inside(b: Box, c: Box): boolean {
  return b.x >= c.x - 0.5 && b.y >= c.y - 0.5 && b.x + b.width <= c.x + c.width + 0.5 && b.y + b.height <= c.y + c.height + 0.5;
}
function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

async function canvasShare(page: Page): Promise<number> {
  const { canvas } = await canvasState(page);
  return (canvas.width * canvas.height) / (W * H);
}

/** Waits until the viewport stops moving (the fit after opening runs a few frames later). */
async function settled(page: Page): Promise<void> {
  let last = '';
  await until('the viewport to settle', async () => {
    const now = await page.evaluate(() => (document.querySelector('.react-flow__viewport') as HTMLElement | null)?.style.transform ?? '');
    const same = now === last && now !== '';
    last = now;
    return same;
  }, 10_000, 250);
}

async function openExample(page: Page, title: RegExp): Promise<void> {
  const before = await page.title();
  const start = page.getByRole('region', { name: 'Start' });
  if (await start.isVisible().catch(() => false)) {
    await start.getByRole('list', { name: 'Examples' }).getByRole('button', { name: title }).first().click();
  } else {
    await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: 'Help', exact: true }).click();
    await page.getByRole('menu', { name: 'Help' }).getByRole('menuitem', { name: 'Examples' }).click();
    await page.getByRole('dialog').getByRole('list', { name: 'Examples' }).getByRole('button', { name: title }).first().click();
    // unsaved changes: not saved
    await page.getByRole('button', { name: 'Don’t save' }).click({ timeout: 1_500 }).catch(() => undefined);
  }
  await until('the example open', async () => (await page.title()) !== before, 15_000);
  await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 3");
  await settled(page);
}

/** The examples open readable: zoom ≥ 0.6, every node inside the canvas — or, for a long chain, the input side shown. */
async function expectReadable(page: Page, first: string): Promise<{ zoom: number; allInside: boolean }> {
  const s = await canvasState(page);
  expect(s.zoom).toBeGreaterThanOrEqual(0.6 - 1e-6);
  const allInside = Object.values(s.nodes).every((b) => inside(b, s.canvas));
  if (!allInside) {
    // panned, not shrunk: the input side is in view
    expect(inside(s.nodes[first]!, s.canvas), `${first} is in view`).toBe(true);
    expect(s.nodes[first]!.x - s.canvas.x).toBeLessThan(120);
  }
  return { zoom: s.zoom, allInside };
}

async function activeInfo(page: Page): Promise<{ tag: string; label: string; inPalette: boolean; inMenubar: boolean; nodeId: string | null }> {
  return page.evaluate(() => {
    const a = document.activeElement as HTMLElement | null;
    return {
      tag: a?.tagName ?? '',
      label: a?.getAttribute('aria-label') ?? a?.textContent ?? '',
      inPalette: !!a?.closest('[aria-label="Node palette"]'),
      inMenubar: !!a?.closest('[role="menubar"]'),
      nodeId: a?.closest('.react-flow__node')?.getAttribute('data-id') ?? null,
    };
  });
}

describe('room and keyboard at 1440×900 (web)', () => {
  it('opens examples readable, collapses panels, makes room in Backprop mode, and is usable by keyboard', { timeout: 240_000 }, async () => {
    const errors: string[] = [];
    const page = await newPage(errors);
    try {
      // Iris: 16 nodes in a long chain — at zoom ≥ 0.6 from its input side
      await openExample(page, /^Iris/);
      const iris = await expectReadable(page, 'x');
      const before = await canvasState(page);
      console.log(`Iris: zoom ${iris.zoom}, all nodes inside: ${iris.allInside}; canvas ${before.canvas.width}×${before.canvas.height} = ${(100 * (await canvasShare(page))).toFixed(1)} % of ${W}×${H}`);
      await shot(page, '01-iris');

      // every node is drawn and focusable (in the Tab order) though most are off screen
      const ids = Object.keys(before.nodes);
      expect(ids).toHaveLength(16);
      const offscreen = ids.filter((id) => !overlaps(before.nodes[id]!, before.canvas));
      expect(offscreen.length).toBeGreaterThan(0);
      expect(await page.locator('.react-flow__node[tabindex="0"]').count()).toBe(16);
      // Tab from node to node reaches the last one, and focusing it pans it into view
      await page.locator('.react-flow__node[data-id="x"]').focus();
      let reached: string | null = null;
      for (let i = 0; i < 20 && reached !== 'pred'; i++) {
        await page.keyboard.press('Tab');
        reached = (await activeInfo(page)).nodeId;
      }
      expect(reached).toBe('pred');
      await settled(page);
      const afterFocus = await canvasState(page);
      expect(overlaps(afterFocus.nodes['pred']!, afterFocus.canvas)).toBe(true);

      // the menu bar is one Tab stop, and Tab from it reaches the palette in one stop
      expect(await page.locator('[role="menubar"] [tabindex="0"]').count()).toBe(1);
      const palette = page.getByRole('complementary', { name: 'Node palette' });
      expect(await palette.locator('button.bp-palette-item').count()).toBeGreaterThanOrEqual(20);
      expect(await palette.locator('button.bp-palette-item[tabindex="0"]').count()).toBe(1);
      await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: 'File', exact: true }).focus();
      await page.keyboard.press('ArrowRight');
      expect((await activeInfo(page)).label).toBe('Edit');
      await page.keyboard.press('Tab');
      expect((await activeInfo(page)).inPalette).toBe(true);
      // in an open menu, ↓ moves and Tab closes it and leaves the bar
      await page.keyboard.press('Shift+Tab');
      expect((await activeInfo(page)).inMenubar).toBe(true);
      await page.keyboard.press('ArrowDown');
      await page.getByRole('menu', { name: 'Edit' }).waitFor();
      await page.keyboard.press('ArrowDown');
      expect((await activeInfo(page)).label).toMatch(/^Redo|^Cut|^Copy|^Paste|^Duplicate|^Delete|^Select All/);
      await page.keyboard.press('Tab');
      await page.getByRole('menu', { name: 'Edit' }).waitFor({ state: 'detached' });
      expect((await activeInfo(page)).inPalette).toBe(true);
      // the palette: its header button, the search box, the list — three stops, then out
      let stops = 1;
      for (; stops < 30; stops++) {
        await page.keyboard.press('Tab');
        if (!(await activeInfo(page)).inPalette) break;
      }
      expect(stops).toBe(3);
      // in the list: ↓ moves, Enter adds a node where it can be seen (not under the minimap)
      await palette.locator('button.bp-palette-item[tabindex="0"]').focus();
      expect((await activeInfo(page)).label).toBe('Input');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      const last = (await activeInfo(page)).label;
      await page.keyboard.press('Home');
      expect((await activeInfo(page)).label).toBe('Input');
      await page.keyboard.press('ArrowDown');
      expect((await activeInfo(page)).label).toBe('Target');
      expect(last).not.toBe('Input');
      const n0 = ids.length;
      await page.keyboard.press('Enter');
      await until('a node added from the keyboard', async () => (await page.locator('.react-flow__node').count()) === n0 + 1, 5_000);
      await settled(page);
      const added = await canvasState(page);
      const newId = Object.keys(added.nodes).find((id) => !ids.includes(id))!;
      expect(inside(added.nodes[newId]!, added.canvas)).toBe(true);
      expect(overlaps(added.nodes[newId]!, added.minimap!)).toBe(false);
      await shot(page, '02-added-from-keyboard');
      await page.keyboard.press('Control+z');
      await until('the added node undone', async () => (await page.locator('.react-flow__node').count()) === n0, 5_000);

      // a shape error: the node's accessible name says so, as an error
      await page.locator('.react-flow__node[data-id="l1"]').focus(); // pans it back into view
      await settled(page);
      await page.locator('.react-flow__node[data-id="l1"] .bp-node-head').click();
      const inFeatures = page.getByRole('complementary', { name: 'Inspector' }).getByRole('region', { name: 'Parameters' }).getByLabel('In features', { exact: true });
      await inFeatures.fill('5');
      await inFeatures.press('Enter');
      const l1 = page.locator('.react-flow__node[data-id="l1"]');
      const label = await until('the shape error in l1’s accessible name', async () => {
        const l = (await l1.getAttribute('aria-label')) ?? '';
        return /error: /.test(l) ? l : null;
      }, 10_000);
      expect(label).toMatch(/^Linear node l1 — error: .*in_features is 5/);
      expect(label).not.toMatch(/warning: .*in_features/);
      expect(await l1.locator('.bp-node').getAttribute('class')).toMatch(/is-selected.*has-error|has-error.*is-selected/);
      await shot(page, '03-selected-error-dark');
      // close up: the selection's accent ring and the error's red dashes, both, in both themes
      await page.locator('.react-flow__controls-zoomin').click();
      await page.locator('.react-flow__controls-zoomin').click();
      await settled(page);
      await l1.focus();
      await settled(page);
      const nb = (await l1.boundingBox())!;
      const clip = { x: nb.x - 30, y: nb.y - 30, width: nb.width + 60, height: nb.height + 60 };
      await page.screenshot({ path: join(outDir, 'room-03-selected-error-dark-close.png'), clip });
      await page.evaluate(() => document.documentElement.setAttribute('data-theme', 'light'));
      await shot(page, '04-selected-error-light');
      await page.screenshot({ path: join(outDir, 'room-04-selected-error-light-close.png'), clip });
      await page.evaluate(() => document.documentElement.removeAttribute('data-theme'));
      await page.locator('.react-flow__pane').click({ position: { x: 300, y: 420 } });
      await page.keyboard.press('Control+z');
      await until('the error undone', async () => !/error:/.test((await l1.getAttribute('aria-label')) ?? ''), 10_000);

      // the View menu and the shortcuts dialog name the collapse shortcuts
      await page.getByRole('menubar', { name: 'Main menu' }).getByRole('menuitem', { name: 'View', exact: true }).click();
      const view = page.getByRole('menu', { name: 'View' });
      for (const [name, keys] of [['Toggle Node Palette', 'Control+Alt+P'], ['Toggle Inspector', 'Control+Alt+I'], ['Toggle Bottom Panels', 'Control+J']]) {
        expect(await view.getByRole('menuitem', { name }).getAttribute('aria-keyshortcuts')).toBe(keys);
      }
      await shot(page, '05a-view-menu');
      await page.keyboard.press('Escape');
      await page.keyboard.press('Control+/');
      const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
      await dialog.getByRole('rowheader', { name: 'Toggle Bottom Panels' }).waitFor();
      await shot(page, '05b-shortcuts');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });

      // the Training tab: the Backend setting can be seen without scrolling
      await page.getByRole('tablist', { name: 'Panels' }).getByRole('tab', { name: /^Training/ }).click();
      const backend = page.getByRole('tabpanel').getByLabel('Backend', { exact: true });
      await backend.waitFor();
      const bb = (await backend.boundingBox())!;
      const body = (await page.locator('.bp-dock-body').boundingBox())!;
      await shot(page, '05-training');
      expect(inside(bb, body), `Backend ${JSON.stringify(bb)} in the dock ${JSON.stringify(body)}`).toBe(true);
      expect(await page.locator('.bp-dock-body').evaluate((el) => el.scrollTop)).toBe(0);

      // collapse the palette, the inspector and the dock by their shortcuts: the canvas gets ≥ 70 %
      await page.locator('.react-flow__pane').click({ position: { x: 300, y: 420 } });
      await page.keyboard.press('Control+Alt+P');
      await page.keyboard.press('Control+Alt+I');
      await page.keyboard.press('Control+J');
      await until('the panels collapsed', async () => (await page.locator('.bp-dock.is-collapsed').count()) === 1 && (await palette.count()) === 0, 5_000);
      const collapsed = await canvasShare(page);
      const cs = await canvasState(page);
      console.log(`collapsed: canvas ${cs.canvas.width}×${cs.canvas.height} = ${(100 * collapsed).toFixed(1)} %`);
      expect(collapsed).toBeGreaterThanOrEqual(0.7);
      expect(await page.getByRole('complementary', { name: 'Inspector' }).count()).toBe(0);
      // remembered
      expect(JSON.parse((await page.evaluate(() => localStorage.getItem('bpstudio.layout'))) ?? '{}')).toEqual({ paletteOpen: false, inspectorOpen: false, dockOpen: false });
      await shot(page, '06-collapsed');
      // and back, by the rails' buttons and the shortcut
      await page.getByRole('button', { name: 'Show the node palette' }).click();
      await page.getByRole('button', { name: 'Show the inspector' }).click();
      await page.keyboard.press('Control+J');
      await until('the panels back', async () => (await page.locator('.bp-dock.is-collapsed').count()) === 0 && (await palette.count()) === 1, 5_000);

      // Fashion-MNIST and XOR: readable, and no node text cut off ("Binary cross-entropy")
      for (const [title, first, name] of [[/^Fashion/, 'x', '08-fashion'], [/^XOR with a hidden layer/, 'x', '09-xor']] as const) {
        await openExample(page, title);
        await expectReadable(page, first);
        const cut = await page.locator('.react-flow__node .bp-node-param dd').evaluateAll((els) =>
          els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent),
        );
        expect(cut, 'node values cut off').toEqual([]);
        await shot(page, name);
      }
      const xorLoss = await page.locator('.react-flow__node .bp-node-param dd').allTextContents();
      expect(xorLoss).toContain('Binary cross-entropy');

      // Backprop mode (on XOR) makes room itself, and gives it back after
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).waitFor();
      await until('the backprop session', async () => /^ready:/.test(((await page.getByRole('status', { name: 'Step' }).textContent()) ?? '').trim()), 30_000);
      const bp = await canvasShare(page);
      const bs = await canvasState(page);
      console.log(`Backprop mode: canvas ${bs.canvas.width}×${bs.canvas.height} = ${(100 * bp).toFixed(1)} %`);
      expect(bp).toBeGreaterThanOrEqual(0.7);
      expect(await page.getByRole('tabpanel').getByText(/Gradient overlay/).count()).toBeGreaterThan(0); // its panel stays open
      await shot(page, '10-backprop');
      // a step and an edge's details fit the lower dock
      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      await page.locator('.bp-bp-label[data-edge-id]').first().click();
      await shot(page, '11-backprop-details');
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Edit' }).click();
      await palette.waitFor();
      await page.getByRole('complementary', { name: 'Inspector' }).waitFor();
      expect(JSON.parse((await page.evaluate(() => localStorage.getItem('bpstudio.layout'))) ?? '{}')).toEqual({ paletteOpen: true, inspectorOpen: true, dockOpen: true });

      expect(errors).toEqual([]);
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    }
  });
});
