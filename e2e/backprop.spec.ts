/**
 * Backprop mode end to end in web mode (the engine's server in this process, Debian's Chromium
 * via playwright-core): steps the XOR MLP forward and backward edge by edge, checks that
 * gradients arrive in reverse topological order and equal `bpstudio grad` on the same sample; at
 * 1440×900 the lessons read like the lecture — every wire label in ≥ 12 px type, none over
 * another or a node (from their boxes), value and gradient together on x → y, the callout at the
 * Add node saying 6.75 × 1 = 6.75, the max gate's smaller input "not routed", and Predict first
 * rejecting 6 and accepting 6.75.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../engine/cli/main';
import { E2E_OUT, until, useStudio } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = E2E_OUT;

const studio = useStudio();

async function newPage(errors: string[], size?: { width: number; height: number }): Promise<Page> {
  const page = await studio.newPage({ errors, consoleErrors: true, ...(size ?? {}) });
  return page;
}

const LECTURE = { width: 1440, height: 900 };

interface Box { id: string; x: number; y: number; width: number; height: number; font: number; collapsed: boolean }

/** Every wire label's box and font size on screen, every node's box, and the chain-rule callout's (when shown). */
async function boxes(page: Page): Promise<{ labels: Box[]; nodes: Box[]; callout: Box | null }> {
  return (await page.evaluate(`(() => {
    const box = (el, id) => { const r = el.getBoundingClientRect(); return { id, x: r.x, y: r.y, width: r.width, height: r.height, font: parseFloat(getComputedStyle(el).fontSize), collapsed: false }; };
    const labels = [...document.querySelectorAll('.bp-wire-label[data-edge-id]')].map((l) => {
      const collapsed = l.hasAttribute('data-collapsed');
      const b = box(collapsed ? l : l.querySelector('.bp-wire-full'), l.getAttribute('data-edge-id'));
      // the smallest type inside, times any scale on the way to the screen
      const fonts = [...l.querySelectorAll('.bp-wire-full *')].filter((e) => e.childNodes.length && [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())).map((e) => parseFloat(getComputedStyle(e).fontSize));
      const scale = l.getBoundingClientRect().width / Math.max(1, l.offsetWidth);
      return { ...b, font: Math.min(...fonts) * scale, collapsed };
    });
    const nodes = [...document.querySelectorAll('.react-flow__node')].map((n) => box(n, n.getAttribute('data-id')));
    const c = document.querySelector('.bp-callout');
    const callout = c && getComputedStyle(c).visibility === 'visible' ? box(c, 'callout') : null;
    return { labels, nodes, callout };
  })()`)) as { labels: Box[]; nodes: Box[]; callout: Box | null };
}

function hit(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Every label open (not a chip), in ≥ 12 px type, over no other label and no node. */
async function expectReadable(page: Page, when: string): Promise<void> {
  // while the view moves the labels ride along with it and are placed anew once it rests (VIEW_REST_MS)
  await until(`${when}: the view at rest`, async () => (await page.locator('.bp-wire-layer[data-view-moving]').count()) === 0, 5_000, 20);
  const { labels, nodes, callout } = await boxes(page);
  expect(labels.length, when).toBeGreaterThan(0);
  for (const l of labels) {
    expect(l.collapsed, `${when}: ${l.id} is a chip`).toBe(false);
    expect(l.font, `${when}: ${l.id} type`).toBeGreaterThanOrEqual(12);
    for (const n of nodes) expect(hit(l, n), `${when}: ${l.id} over node ${n.id}`).toBe(false);
    if (callout) expect(hit(l, callout), `${when}: the callout over ${l.id}`).toBe(false);
  }
  if (callout) for (const n of nodes) expect(hit(callout, n), `${when}: the callout over node ${n.id}`).toBe(false);
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) expect(hit(labels[i]!, labels[j]!), `${when}: ${labels[i]!.id} over ${labels[j]!.id}`).toBe(false);
  console.log(`${when}: ${labels.length} labels, smallest type ${Math.min(...labels.map((l) => l.font)).toFixed(1)} px, none overlapping ${nodes.length} nodes or each other${callout ? ' or the callout' : ''}`);
}

async function openExample(page: Page, title: RegExp): Promise<void> {
  await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: title }).first().click();
  await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 3");
}

async function enterBackprop(page: Page): Promise<void> {
  await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
  await page.getByRole('toolbar', { name: 'Backprop controls' }).waitFor();
  await until('the backprop session', async () => /^ready:/.test((await counter(page)).trim()), 30_000);
}

async function counter(page: Page): Promise<string> {
  return (await page.getByRole('status', { name: 'Step' }).textContent()) ?? '';
}

/** Every backprop edge label: id → { text, title }. */
async function labels(page: Page): Promise<Record<string, { text: string; title: string }>> {
  return (await page.evaluate(`(() => {
    const out = {};
    for (const el of document.querySelectorAll('.bp-bp-label[data-edge-id]')) {
      out[el.getAttribute('data-edge-id')] = { text: el.querySelector('.bp-wire-full')?.textContent ?? '', title: el.getAttribute('title') ?? '' };
    }
    return out;
  })()`)) as Record<string, { text: string; title: string }>;
}

/** Numbers on the first line of a title like `∂L/∂edge 1×4: 0.1, -0.2, …` (or `value 1×2: 0, 1`). */
function titleNumbers(title: string, what: string): number[] | null {
  const line = title.split('\n').find((l) => l.startsWith(what));
  if (!line) return null;
  const i = line.indexOf(': ');
  if (i < 0) return null;
  return line.slice(i + 2).split(', ').map(Number);
}

async function stepForward(page: Page): Promise<string> {
  const before = await counter(page);
  await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Step forward' }).click();
  return until('the step counter to change', async () => {
    const now = await counter(page);
    return now !== before ? now : null;
  }, 10_000, 20);
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(a), Math.abs(b)) || Math.abs(a - b) <= 1e-4 * Math.max(Math.abs(a), Math.abs(b));
}

describe('backprop mode (web)', () => {
  it('steps the XOR MLP forward and backward and matches bpstudio grad', { timeout: 180_000 }, async () => {
    const errors: string[] = [];
    const page = await newPage(errors);
    try {
      await openExample(page, /^XOR with a hidden layer/);
      await enterBackprop(page);
      await expect.poll(() => page.getByRole('spinbutton', { name: 'Sample index' }).inputValue()).toBe('0');
      await page.screenshot({ path: join(outDir, 'backprop-ready.png') });

      // forward phase
      let text = await counter(page);
      let forwardSteps = 0;
      while (true) {
        text = await stepForward(page);
        if (!text.startsWith('forward')) break;
        forwardSteps++;
        if (forwardSteps > 50) throw new Error('forward never ended');
      }
      expect(forwardSteps).toBeGreaterThan(0);
      expect(text).toMatch(/^backward 1\//);

      // the sample the UI uses (from the forward values): feeds the CLI reference
      const fwd = await labels(page);
      const features = titleNumbers(fwd['x-out->hidden-in']!.title, 'value');
      const target = titleNumbers(fwd['y-out->loss-target']!.title, 'value');
      expect(features, fwd['x-out->hidden-in']!.title).toHaveLength(2);
      expect(target, fwd['y-out->loss-target']!.title).toHaveLength(1);
      // split.test is 0, so the train split is the whole xor dataset; its sample 0 is (0, 0) → 0
      expect(features).toEqual([0, 0]);
      expect(target).toEqual([0]);

      // backward phase: which edges got a gradient after each step
      const order: string[] = [];
      const perStep: string[][] = [];
      const record = async () => {
        const now = await labels(page);
        const got = Object.keys(now).filter((id) => now[id]!.title.startsWith('∂L/∂edge') && !order.includes(id));
        order.push(...got);
        perStep.push(got);
      };
      await record();
      await page.screenshot({ path: join(outDir, 'backprop-backward-1.png') });
      while (!(await page.getByRole('button', { name: 'Step forward' }).isDisabled())) {
        text = await stepForward(page);
        await record();
        if (perStep.length > 50) throw new Error('backward never ended');
      }
      expect(text).toMatch(/^backward (\d+)\/\1/);
      await page.screenshot({ path: join(outDir, 'backprop-end.png') });
      console.log(`xor: ${forwardSteps} forward steps, ${perStep.length} backward steps; gradients arrived: ${perStep.map((s) => `[${s.join(' ')}]`).join(' ')}`);

      const topo = ['x-out->hidden-in', 'hidden-out->sigma-in', 'sigma-out->out-in', 'out-out->loss-prediction'];
      const reverse = [...topo].reverse();
      const when = (id: string) => perStep.findIndex((s) => s.includes(id));
      for (const id of reverse) expect(when(id), `${id} got no gradient`).toBeGreaterThanOrEqual(0);
      for (let i = 1; i < reverse.length; i++) expect(when(reverse[i]!), `${reverse[i]} before ${reverse[i - 1]}`).toBeGreaterThan(when(reverse[i - 1]!));
      expect(order[order.length - 1]).toBe('x-out->hidden-in');
      expect(order).not.toContain('y-out->loss-target');

      // the reference: bpstudio grad on the same sample
      const dir = mkdtempSync(join(tmpdir(), 'bpstudio-bp-'));
      const batch = join(dir, 'batch.json');
      writeFileSync(batch, JSON.stringify({ features: [features], targets: target }));
      let stdout = '';
      let stderr = '';
      const code = await runCli(['grad', join(root, 'assets/examples/xor-mlp.json'), '--batch', batch, '--json'], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
      expect(code, stderr).toBe(0);
      const ref = JSON.parse(stdout) as { edges: { id: string; grad: { shape: number[]; data: number[] } | null }[] };
      const end = await labels(page);
      let compared = 0;
      for (const e of ref.edges) {
        const ui = end[e.id];
        expect(ui, `no label for ${e.id}`).toBeTruthy();
        if (!e.grad) {
          expect(ui!.title.startsWith('∂L/∂edge'), `${e.id} should have no gradient`).toBe(false);
          continue;
        }
        const got = titleNumbers(ui!.title, '∂L/∂edge');
        expect(got, `${e.id}: ${ui!.title}`).toHaveLength(e.grad.data.length);
        got!.forEach((v, i) => expect(close(v, e.grad!.data[i]!), `${e.id}[${i}]: UI ${v} vs CLI ${e.grad!.data[i]}`).toBe(true));
        compared += got!.length;
      }
      console.log(`xor sample (${features!.join(', ')}) → ${target![0]}: ${compared} gradient numbers equal bpstudio grad`);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
    } catch (e) {
      await page.screenshot({ path: join(outDir, 'backprop-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });

  it('the autograd lesson at 1440×900: readable labels apart from each other and the nodes; x → y shows 1 and 6.75; the callout at the Add node says 6.75 × 1 = 6.75', { timeout: 120_000 }, async () => {
    const errors: string[] = [];
    const page = await newPage(errors, LECTURE);
    try {
      await openExample(page, /^Autograd lesson/);
      await enterBackprop(page);
      // the lesson asks for predictions first; this test reads the numbers
      const predict = page.getByRole('checkbox', { name: 'Predict first' });
      expect(await predict.isChecked()).toBe(true);
      await predict.uncheck();
      await expectReadable(page, 'at the start');
      await page.screenshot({ path: join(outDir, 'backprop-lesson-open.png') });

      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      await until('the last backward step', async () => /^backward (\d+)\/\1/.test(await counter(page)), 10_000, 20);
      const label = page.locator('.bp-wire-label[data-edge-id="x-out->y-a"]');
      // value 1 and gradient 6.75 together (x = ones(2,2): the 2×2 in full)
      await expect.poll(() => label.locator('.bp-wire-row.is-grad').textContent()).toContain('6.75');
      expect((await label.locator('.bp-wire-row.is-value').textContent())?.replace(/\s+/g, '')).toBe('1111');
      expect((await label.locator('.bp-wire-row.is-grad').textContent())?.split('6.75').length).toBe(5);
      const g = titleNumbers((await label.getAttribute('title')) ?? '', '∂L/∂edge');
      expect(g).toHaveLength(4);
      for (const v of g!) expect(v).toBeCloseTo(6.75, 5);
      await expectReadable(page, 'at the end of backward');
      await page.screenshot({ path: join(outDir, 'backprop-lesson-end.png') });

      // the Add node y = x + 2: select it, its callout writes the chain rule with the numbers
      await page.locator('.react-flow__node[data-id="y"]').click();
      const callout = page.getByRole('region', { name: 'Chain rule at y' });
      await expect.poll(() => callout.locator('.bp-callout-nums').first().textContent()).toBe('6.75 × 1 = 6.75');
      expect(await callout.textContent()).toContain('∂L/∂y');
      expect(await callout.textContent()).toContain('∂y/∂x');
      await expectReadable(page, 'with the callout');
      // the callout covers no wire label and no node
      const c = await callout.boundingBox();
      const { labels, nodes } = await boxes(page);
      for (const b of [...labels, ...nodes]) expect(hit({ id: 'callout', font: 0, collapsed: false, ...c! }, b), `the callout over ${b.id}`).toBe(false);
      await page.screenshot({ path: join(outDir, 'backprop-lesson-callout.png') });
      console.log(`autograd lesson: x → y "${(await label.textContent())?.trim()}", callout "${(await callout.textContent())?.trim()}"`);
      expect(errors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: join(outDir, 'backprop-lesson-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });

  it('the max lesson shows y’s edge as not routed, not vanishing', { timeout: 120_000 }, async () => {
    const errors: string[] = [];
    const page = await newPage(errors, LECTURE);
    try {
      await openExample(page, /^Lesson: the max gate/);
      await enterBackprop(page);
      await page.getByRole('checkbox', { name: 'Predict first' }).uncheck();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      await until('the last backward step', async () => /^backward (\d+)\/\1/.test(await counter(page)), 10_000, 20);
      const y = page.locator('.bp-wire-label[data-edge-id="y-out->m-b"]');
      await expect.poll(() => y.textContent()).toContain('not routed');
      expect(await y.textContent()).not.toContain('vanishing');
      expect(await y.getAttribute('aria-label')).toContain('not routed');
      // the larger input's edge carries the gradient
      expect(await page.locator('.bp-wire-label[data-edge-id="x-out->m-a"]').textContent()).not.toContain('not routed');
      await expectReadable(page, 'max lesson');
      await page.screenshot({ path: join(outDir, 'backprop-max-not-routed.png') });
    } finally {
      await page.context().close();
    }
  });

  it('Predict first hides ∂L/∂x until a guess: rejects 6, accepts 6.75, then shows the chain-rule line', { timeout: 150_000 }, async () => {
    const errors: string[] = [];
    const page = await newPage(errors, LECTURE);
    const bar = page.getByRole('toolbar', { name: 'Backprop controls' });
    /** Step forward to the Add node's backward step, showing the earlier gradients without a guess. */
    const toAdd = async () => {
      for (let i = 0; i < 30 && !/^backward 3\//.test(await counter(page)); i++) {
        const show = page.locator('.bp-callout').getByRole('button', { name: 'Show' });
        while ((await show.count()) > 0) await show.first().click();
        await bar.getByRole('button', { name: 'Step forward' }).click();
        await page.waitForTimeout(30);
      }
      expect(await counter(page)).toMatch(/^backward 3\/4: Add/);
    };
    const guess = async (text: string) => {
      const callout = page.getByRole('region', { name: 'Chain rule at y' });
      const input = callout.getByRole('textbox', { name: /Prediction for ∂L\/∂x/ });
      await input.fill(text);
      await callout.getByRole('button', { name: 'Check' }).click();
      return callout;
    };
    try {
      await openExample(page, /^Autograd lesson/);
      await enterBackprop(page);
      expect(await page.getByRole('checkbox', { name: 'Predict first' }).isChecked()).toBe(true);
      await toAdd();
      // hidden on the wire and in the callout; the next step waits for the guess
      const label = page.locator('.bp-wire-label[data-edge-id="x-out->y-a"]');
      expect(await label.locator('.bp-wire-row.is-grad').textContent()).toBe('∂?');
      expect(await label.getAttribute('title')).not.toContain('6.75');
      await bar.getByRole('button', { name: 'Step forward' }).click();
      await page.waitForTimeout(200);
      expect(await counter(page)).toMatch(/^backward 3\/4/);
      expect(await page.locator('.bp-callout-nums').count()).toBe(0);
      await page.screenshot({ path: join(outDir, 'backprop-predict-ask.png') });

      let callout = await guess('6');
      await expect.poll(() => callout.getByRole('status').textContent()).toContain('Not quite');
      expect(await callout.locator('.bp-callout-nums').textContent()).toBe('6.75 × 1 = 6.75');
      await expect.poll(() => label.locator('.bp-wire-row.is-grad').textContent()).toContain('6.75');
      await page.screenshot({ path: join(outDir, 'backprop-predict-wrong.png') });

      // again from the start: 6.75 is right
      await bar.getByRole('button', { name: 'Reset' }).click();
      await until('the start', async () => /^ready:/.test(await counter(page)), 5_000, 20);
      await toAdd();
      callout = await guess('6.75');
      await expect.poll(() => callout.getByRole('status').textContent()).toContain('Right');
      expect(await callout.locator('.bp-callout-nums').textContent()).toBe('6.75 × 1 = 6.75');
      await page.screenshot({ path: join(outDir, 'backprop-predict-right.png') });
      // and stepping goes on
      await stepForward(page);
      expect(await counter(page)).toMatch(/^backward 4\/4/);
      expect(errors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: join(outDir, 'backprop-predict-failure.png') }).catch(() => undefined);
      throw e;
    } finally {
      await page.context().close();
    }
  });
});
