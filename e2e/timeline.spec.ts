/**
 * Time travel end to end in web mode (the engine's server in this process, Debian's Chromium
 * via playwright-core, 1440×900): XOR trains in slow motion, then at full speed; the timeline
 * under the canvas scrubs to step 10, where the wires take that step's gradient norms; Backprop
 * mode opened there steps through training step 10 — and every edge's value and gradient it
 * shows equals `bpstudio grad --weights` run on that step's checkpoint and batch, number for
 * number (the labels' titles carry full precision).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../engine/cli/main';
import type { Method, Params, Results } from '../engine/service/protocol';
import { dockTab } from './flow';
import { E2E_OUT, E2E_ROOT, until, useStudio } from './helpers';

const studio = useStudio();

async function openExample(page: Page, title: RegExp): Promise<void> {
  await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: title }).first().click();
  await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 3");
}

/** A request to the engine on a connection of its own (as the page's client makes them). */
async function engine<M extends Method>(page: Page, method: M, params: Params<M>): Promise<Results[M]> {
  const r = (await page.evaluate(
    ([m, p]) =>
      new Promise<{ result?: unknown; error?: { message: string } }>((resolve, reject) => {
        const token = new URLSearchParams(location.search).get('token') ?? '';
        const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
        ws.onerror = () => reject(new Error('no connection to the engine'));
        ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: m, params: p }));
        ws.onmessage = (msg) => {
          const d = JSON.parse(String(msg.data)) as { id?: number; result?: unknown; error?: { message: string } };
          if (d.id !== 1) return;
          ws.close();
          resolve(d);
        };
      }),
    [method, params] as const,
  )) as { result?: unknown; error?: { message: string } };
  if (r.error) throw new Error(`${method}: ${r.error.message}`);
  return r.result as Results[M];
}

/** The nodes not wholly inside the canvas, or under its minimap or zoom controls (what and where). */
async function nodesHidden(page: Page): Promise<string[]> {
  return (await page.evaluate(`(() => {
    const box = (el) => el.getBoundingClientRect();
    const canvas = box(document.querySelector('.react-flow'));
    const covers = [...document.querySelectorAll('.react-flow__minimap, .react-flow__controls')].map(box);
    const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const out = [];
    for (const n of document.querySelectorAll('.react-flow__node')) {
      const r = box(n);
      const id = n.getAttribute('data-id');
      if (r.left < canvas.left || r.right > canvas.right || r.top < canvas.top || r.bottom > canvas.bottom) out.push(id + ' outside the canvas');
      else if (covers.some((c) => hit(r, c))) out.push(id + ' under the minimap or the zoom controls');
    }
    return out;
  })()`)) as string[];
}

async function timelineStatus(page: Page): Promise<string> {
  return ((await page.getByRole('status', { name: 'Timeline position' }).textContent()) ?? '').trim();
}

async function counter(page: Page): Promise<string> {
  return ((await page.getByRole('status', { name: 'Step', exact: true }).textContent()) ?? '').trim();
}

/** Every Backprop-mode edge label's title, by edge id. */
async function labelTitles(page: Page): Promise<Record<string, string>> {
  return (await page.evaluate(`(() => {
    const out = {};
    for (const el of document.querySelectorAll('[data-edge-id][title]')) {
      const t = el.getAttribute('title') ?? '';
      if (t.startsWith('∂L/∂edge') || t.startsWith('value')) out[el.getAttribute('data-edge-id')] = t;
    }
    return out;
  })()`)) as Record<string, string>;
}

/** The numbers of the title's line that starts with `what` (`∂L/∂edge 4×4: 0.1, -0.2, …`). */
function titleNumbers(title: string, what: string): number[] | null {
  const line = title.split('\n').find((l) => l.startsWith(what));
  if (!line) return null;
  const i = line.indexOf(': ');
  return i < 0 ? null : line.slice(i + 2).split(', ').map(Number);
}

function nested(data: number[], shape: number[]): unknown {
  if (shape.length <= 1) return data;
  const inner = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nested(data.slice(i * inner, (i + 1) * inner), shape.slice(1)));
}

describe('time travel (web)', () => {
  it('scrubs the XOR timeline to step 10, colours the wires there, and Backprop mode there equals bpstudio grad on that checkpoint', { timeout: 240_000 }, async () => {
    const errors: string[] = [];
    const page = await studio.newPage({ width: 1440, height: 900, errors });
    try {
      await openExample(page, /^XOR with a hidden layer/);
      await until('XOR whole on the canvas', async () => (await nodesHidden(page)).length === 0, 5_000, 50);
      const training = await dockTab(page, 'Training');

      // slow motion: 5 steps per second while the class watches
      await training.getByLabel('Speed').selectOption('5');
      const t0 = Date.now();
      await training.getByRole('group', { name: 'Training controls' }).getByRole('button', { name: 'Start' }).click();
      await until('the timeline', async () => /^live · step [1-9]/.test(await timelineStatus(page)), 30_000, 100);
      await page.waitForTimeout(1500);
      const slowRun = await engine(page, 'timeline', { runId: 'run-1' });
      const seconds = (Date.now() - t0) / 1000;
      expect(slowRun.stepsPerSecond).toBe(5);
      expect(slowRun.step).toBeGreaterThanOrEqual(2);
      expect(slowRun.step, `steps after ${seconds.toFixed(1)} s at 5 steps/s`).toBeLessThanOrEqual(Math.ceil(5 * seconds) + 1);
      await until('the timeline to catch up', async () => /slow motion: 5 steps\/s/.test((await page.getByRole('region', { name: 'Training timeline' }).textContent()) ?? ''), 5_000);
      // the timeline took room from the canvas: the untouched view was fitted again, no node cut off or under the minimap
      await until('the graph fitted to the shorter canvas', async () => (await nodesHidden(page)).length === 0, 5_000, 50).catch(async (e) => {
        throw new Error(`${(e as Error).message}: ${(await nodesHidden(page)).join('; ')}`);
      });
      await page.screenshot({ path: join(E2E_OUT, 'timeline-slow-motion.png') });
      console.log(`slow motion: ${slowRun.step} steps recorded ${seconds.toFixed(1)} s after Start at 5 steps/s; timeline: "${await timelineStatus(page)}"`);

      // full speed to the end
      await training.getByLabel('Speed').selectOption('full');
      await until('XOR to train', async () => (await training.locator('.bpp-status').innerText()) === 'Done', 120_000, 200);
      await until('the whole timeline', async () => /^live · step 300 · 300 steps recorded/.test(await timelineStatus(page)), 10_000, 100);
      // every step's gradient norms (from the step, or computed again from its checkpoint where the backend keeps none)
      const whole = await until('every step’s gradient norms', async () => {
        const t = await engine(page, 'timeline', { runId: 'run-1' });
        return t.records.every((r) => r.gradNorms.every((g) => g !== null && g > 0)) ? t : null;
      }, 20_000, 300);
      expect(whole.records).toHaveLength(300);
      await page.waitForTimeout(800); // the page's own polls draw the filled strip

      // scrub to step 10 with the keyboard
      const slider = page.getByRole('slider', { name: 'Training step' });
      await slider.focus();
      await slider.press('Home');
      for (let i = 0; i < 9; i++) await slider.press('ArrowRight');
      await expect.poll(() => slider.getAttribute('aria-valuetext')).toBe('step 10');
      await until('step 10 and its wires', async () => /^step 10 · epoch 10, batch 1 · loss [\d.]+ · wires: gradient norms at step 10$/.test(await timelineStatus(page)), 10_000, 50);
      // every wire that carries a gradient is drawn by its norm at step 10
      const wires = page.locator('.react-flow__edge-path.is-timeline-grad');
      await expect.poll(() => wires.count()).toBe(4);
      const widths = await wires.evaluateAll((els) => els.map((e) => Number.parseFloat((e as SVGElement).style.strokeWidth)));
      expect(widths.every((w) => w >= 1 && w <= 6)).toBe(true);
      expect(Math.max(...widths)).toBe(6); // the step's largest
      await page.screenshot({ path: join(E2E_OUT, 'timeline-step-10.png') });
      console.log(`step 10: "${await timelineStatus(page)}"; wire widths ${widths.map((w) => w.toFixed(2)).join(', ')}`);

      // Backprop mode at step 10: that training step as it ran
      await page.getByRole('button', { name: 'Open Backprop mode at this step' }).click();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).waitFor();
      await until('the backprop session', async () => /^ready:/.test(await counter(page)), 30_000);
      await expect.poll(async () => (await page.getByRole('note').filter({ hasText: 'Backprop mode: training step 10' }).count()) > 0).toBe(true);
      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      await until('the last backward step', async () => /^backward (\d+)\/\1/.test(await counter(page)), 10_000, 20);
      // the canvas grew (Backprop mode makes room): the labels are placed once the view rests
      await until('the view at rest', async () => (await page.locator('.bp-wire-layer[data-view-moving]').count()) === 0, 5_000, 20);
      await page.screenshot({ path: join(E2E_OUT, 'timeline-backprop-step-10.png') });

      // the reference: bpstudio grad on step 10's checkpoint (the weights it ran on) and its batch
      const ck = await engine(page, 'timelineCheckpoint', { runId: 'run-1', step: 10 });
      expect(ck.rows.slice().sort()).toEqual([0, 1, 2, 3]);
      const dir = mkdtempSync(join(tmpdir(), 'bpstudio-tl-'));
      writeFileSync(join(dir, 'step-10.json'), JSON.stringify(ck));
      writeFileSync(join(dir, 'batch.json'), JSON.stringify({ features: nested(ck.feed.features, ck.feed.featureShape), targets: nested(ck.feed.targets, ck.feed.targetShape) }));
      let stdout = '';
      let stderr = '';
      const code = await runCli(
        ['grad', join(E2E_ROOT, 'assets/examples/xor-mlp.json'), '--batch', join(dir, 'batch.json'), '--weights', join(dir, 'step-10.json'), '--json'],
        { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) },
      );
      expect(code, stderr).toBe(0);
      const ref = JSON.parse(stdout) as { objective: { value: number }; edges: { id: string; value: { data: number[] } | null; grad: { data: number[] } | null }[] };

      // the objective Backprop mode starts from
      const objective = await page.locator('.bp-bp-objective').getAttribute('title');
      expect(objective).toBe(`the objective backward starts from: ${ref.objective.value}`);
      // every edge's value and gradient, exactly
      const titles = await labelTitles(page);
      let compared = 0;
      for (const e of ref.edges) {
        const t = titles[e.id];
        expect(t, `no label for ${e.id}`).toBeTruthy();
        if (e.value) {
          expect(titleNumbers(t!, 'value'), `${e.id} value`).toEqual(e.value.data);
          compared += e.value.data.length;
        }
        if (e.grad) {
          expect(titleNumbers(t!, '∂L/∂edge'), `${e.id} gradient`).toEqual(e.grad.data);
          compared += e.grad.data.length;
        } else expect(t!.startsWith('∂L/∂edge'), `${e.id} should have no gradient`).toBe(false);
      }
      expect(compared).toBeGreaterThan(60);
      console.log(`Backprop mode at step 10 (epoch ${ck.epoch + 1}, batch ${ck.batch + 1}, rows ${ck.rows.join(', ')}): objective ${ref.objective.value}; ${compared} numbers equal bpstudio grad --weights exactly`);

      // out of Backprop mode the wires show step 10 again; back to live, the usual ones
      await page.keyboard.press('Escape');
      await expect.poll(() => wires.count()).toBe(4);
      await page.getByRole('button', { name: 'Back to live' }).click();
      await expect.poll(() => wires.count()).toBe(0);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      expect(errors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: join(E2E_OUT, 'timeline-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });
});
