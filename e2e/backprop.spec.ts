/**
 * Backprop mode end to end in web mode (the engine's server in this process, Debian's Chromium
 * via playwright-core, 1280×800): steps the XOR MLP forward and backward edge by edge, checks
 * that gradients arrive in reverse topological order and equal `bpstudio grad` on the same
 * sample, and reads ∂out/∂x = 6.75 at the end of the autograd lesson.
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

async function newPage(errors: string[]): Promise<Page> {
  const page = await studio.newPage({ errors, consoleErrors: true });
  return page;
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
      out[el.getAttribute('data-edge-id')] = { text: el.querySelector('.bp-bp-text')?.textContent ?? '', title: el.getAttribute('title') ?? '' };
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

  it('reads ∂out/∂x = 6.75 at the end of the autograd lesson', { timeout: 120_000 }, async () => {
    const errors: string[] = [];
    const page = await newPage(errors);
    try {
      await openExample(page, /^Autograd lesson/);
      await enterBackprop(page);
      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      await until('the last backward step', async () => /^backward (\d+)\/\1/.test(await counter(page)), 10_000, 20);
      const label = page.locator('[data-edge-id="x-out->y-a"]');
      await expect.poll(() => label.textContent()).toContain('6.75');
      const title = (await label.getAttribute('title')) ?? '';
      const g = titleNumbers(title, '∂L/∂edge');
      expect(g, title).not.toBeNull();
      for (const v of g!) expect(v).toBeCloseTo(6.75, 5);
      await page.screenshot({ path: join(outDir, 'backprop-lesson-end.png') });
      console.log(`autograd lesson: x-out->y-a label "${(await label.textContent())?.trim()}", counter "${(await counter(page)).trim()}"`);
    } catch (e) {
      await page.screenshot({ path: join(outDir, 'backprop-lesson-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });
});
