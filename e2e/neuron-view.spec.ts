/**
 * The neuron view end to end (issue 13, item 4) in web mode at 1440×900: the OR perceptron
 * lesson's Linear "w·x + b" expands into its units x₁, x₂, the bias unit and y₁ with one wire per
 * weight; in Backprop mode on sample 2 (x = (1, 0)) each wire shows the weight the pass uses and,
 * after backward, ∂J/∂wⱼ — equal to δ·xⱼ from the numbers on the units and to `bpstudio grad` on
 * the same sample; then it collapses back to the plain node. The sigmoid-neuron lesson's gates
 * (w₀·x₀ + w₁·x₁ + w₂ into σ) are drawn as that one neuron from σ, ∂f/∂w₀ = δ·x₀ = −0.1966.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { runCli } from '../engine/cli/main';
import { E2E_OUT, until, useStudio } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const studio = useStudio();

interface WireLabel { key: string; value: number | null; grad: number | null; text: string }

async function wireLabels(node: Locator): Promise<Record<string, WireLabel>> {
  const all = await node.locator('.bp-nw-label').evaluateAll((els) =>
    els.map((el) => ({
      key: el.getAttribute('data-wire') ?? '',
      value: el.getAttribute('data-value') ? Number(el.getAttribute('data-value')) : null,
      grad: el.getAttribute('data-grad') ? Number(el.getAttribute('data-grad')) : null,
      text: el.textContent ?? '',
    })),
  );
  return Object.fromEntries(all.map((l) => [l.key, l]));
}

async function counter(page: Page): Promise<string> {
  return (await page.getByRole('status', { name: 'Step' }).textContent()) ?? '';
}

/** The canvas zoom (React Flow's viewport scale). */
async function zoomOf(page: Page): Promise<number> {
  const t = await page.locator('.react-flow__viewport').evaluate((el) => (el as HTMLElement).style.transform);
  return Number(/scale\(([\d.]+)\)/.exec(t)?.[1] ?? NaN);
}

/** The smallest type in the neuron view on screen: each text element's font size times the zoom. */
async function smallestType(node: Locator, zoom: number): Promise<number> {
  const sizes = await node.locator('.bp-neurons *').evaluateAll((els) =>
    els.filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim())).map((e) => parseFloat(getComputedStyle(e).fontSize)),
  );
  return Math.min(...sizes) * zoom;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a), Math.abs(b));

describe('neuron view (web)', () => {
  it('expands the OR perceptron into neurons, shows ∂J/∂w = δ·x after backward, and collapses back', { timeout: 180_000 }, async () => {
    const errors: string[] = [];
    const page = await studio.newPage({ errors, consoleErrors: true, width: 1440, height: 900 });
    try {
      await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /^Perceptron learning: OR/ }).first().click();
      await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 4");
      const node = page.locator('.react-flow__node[data-id="score"]');
      // the node's own size in canvas units (the zoom changes with the mode)
      const size = () => node.evaluate((el) => ({ width: (el as HTMLElement).offsetWidth, height: (el as HTMLElement).offsetHeight }));
      await node.locator('.bp-node-badge').waitFor(); // validated: the parameter count is in its head
      const plain = await size();
      await expect(node.locator('.bp-node-params').count()).resolves.toBe(1);

      // expand: units and one wire per weight; the document is not changed by it
      const title = await page.title();
      const openZoom = await zoomOf(page);
      await page.getByRole('button', { name: 'Show neurons of w·x + b' }).click();
      await node.locator('.bp-neurons').waitFor();
      // zoomed in to read it (the lesson opens further out), the animation over
      const readable = Math.max(openZoom, 1.1);
      await until('the zoom on the neuron', async () => Math.abs((await zoomOf(page)) - readable) < 1e-3, 5_000);
      expect(await node.locator('.bp-nu').count()).toBe(4); // x₁, x₂, 1, y₁
      // no weights stored in the lesson: they exist once the graph runs, so the wires carry no labels yet
      expect(Object.keys(await wireLabels(node))).toEqual([]);
      expect(await node.locator('.bp-nw line').count()).toBe(3);
      expect(await node.getByRole('status', { name: 'Neuron readout of score' }).textContent()).toBe('Backprop mode: wᵢⱼ and ∂L/∂wᵢⱼ = δᵢ·xⱼ');
      const big = await size();
      expect(big.width).toBeGreaterThan(plain.width + 100);
      // it stays clear of the Target node below it (the lesson's layout is not changed)
      const target = (await page.locator('.react-flow__node[data-id="y"]').boundingBox())!;
      const expanded = (await node.boundingBox())!;
      expect(expanded.y + expanded.height).toBeLessThanOrEqual(target.y);
      expect(await page.title(), 'expanding must not mark the document edited').toBe(title);
      await expect(page.getByRole('button', { name: 'Hide neurons of w·x + b' }).getAttribute('aria-pressed')).resolves.toBe('true');
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-expanded.png') });

      // Backprop mode on sample 2, x = (1, 0): entering it keeps the zoom on the open neuron view
      // (without one, Backprop mode fits the whole graph into its larger canvas)
      const expandedZoom = await zoomOf(page);
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).waitFor();
      await until('the backprop session', async () => /^ready:/.test((await counter(page)).trim()), 30_000);
      await new Promise((r) => setTimeout(r, 400)); // past a fit's animation, had there been one
      expect(await zoomOf(page)).toBeCloseTo(expandedZoom, 6);
      const sample = page.getByLabel('Sample index');
      await sample.fill('2');
      await sample.press('Enter');
      await until('the session of sample 2', async () => /^ready:/.test((await counter(page)).trim()) && (await sample.inputValue()) === '2', 30_000);
      // the weights this pass uses are on the wires from the start
      const before = await until('weights on the wires', async () => {
        const l = await wireLabels(node);
        return l['w1,1']?.value !== null && l['w1,1'] ? l : null;
      });
      expect(Object.keys(before).sort()).toEqual(['b1', 'w1,1', 'w1,2']);
      expect(before['w1,1']!.grad).toBeNull();

      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      const after = await until('gradients on the wires', async () => {
        const l = await wireLabels(node);
        return l['w1,1']?.grad !== null && l['w1,1'] ? l : null;
      });
      // δ and x as the units show them
      const x1 = Number(await node.locator('.bp-nu-value.is-in[data-unit="x1"]').getAttribute('title').then((t) => t!.split(' ').pop()));
      const x2 = Number(await node.locator('.bp-nu-value.is-in[data-unit="x2"]').getAttribute('title').then((t) => t!.split(' ').pop()));
      const delta = Number(await node.locator('.bp-nu-value.is-out[data-unit="y1"] [data-delta]').getAttribute('data-delta'));
      expect([x1, x2]).toEqual([1, 0]);
      expect(delta).not.toBe(0);
      expect(close(after['w1,1']!.grad!, delta * x1), `∂J/∂w₁,₁ ${after['w1,1']!.grad} vs δ·x₁ ${delta * x1}`).toBe(true);
      expect(close(after['w1,2']!.grad!, delta * x2)).toBe(true);
      expect(close(after['b1']!.grad!, delta)).toBe(true);
      const readout = node.getByRole('status', { name: 'Neuron readout of score' });
      expect(await readout.textContent()).toBe(`∂L/∂w₁,₁ = δ₁·x₁ = ${delta < 0 ? `(−${Math.abs(delta)})` : delta} × 1 = ${delta < 0 ? `−${Math.abs(delta)}` : delta}`);

      // the reference: bpstudio grad on the same sample
      const dir = mkdtempSync(join(tmpdir(), 'bpstudio-neurons-'));
      const batch = join(dir, 'batch.json');
      writeFileSync(batch, JSON.stringify({ features: [[1, 0]], targets: [1] }));
      let stdout = '';
      let stderr = '';
      const code = await runCli(['grad', join(root, 'assets/examples/perceptron-learning-or.json'), '--batch', batch, '--json'], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
      expect(code, stderr).toBe(0);
      const ref = JSON.parse(stdout) as { parameters: { nodeId: string; name: string; value: { data: number[] }; grad: { data: number[] } | null }[] };
      const w = ref.parameters.find((p) => p.nodeId === 'score' && p.name === 'weight')!;
      const b = ref.parameters.find((p) => p.nodeId === 'score' && p.name === 'bias')!;
      expect(close(after['w1,1']!.value!, w.value.data[0]!) && close(after['w1,2']!.value!, w.value.data[1]!) && close(after['b1']!.value!, b.value.data[0]!)).toBe(true);
      expect(close(after['w1,1']!.grad!, w.grad!.data[0]!) && close(after['w1,2']!.grad!, w.grad!.data[1]!) && close(after['b1']!.grad!, b.grad!.data[0]!)).toBe(true);
      console.log(`OR perceptron, x = (1, 0): δ = ${delta}; ∂J/∂w = (${after['w1,1']!.grad}, ${after['w1,2']!.grad}), ∂J/∂b = ${after['b1']!.grad} — δ·x and bpstudio grad agree`);

      // a wire chosen by click spells out its own product
      await node.locator('.bp-nw-label[data-wire="w1,2"]').click();
      expect(await readout.textContent()).toMatch(/^∂L\/∂w₁,₂ = δ₁·x₂ = .* × 0 = 0$/);
      await node.locator('.bp-nw-label[data-wire="w1,1"]').click();
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-backward.png') });
      await node.screenshot({ path: join(E2E_OUT, 'neuron-view-node.png') });

      // collapse back: the plain node, as big as before
      await page.getByRole('button', { name: 'Hide neurons of w·x + b' }).click();
      await until('the plain node', async () => (await node.locator('.bp-neurons').count()) === 0);
      expect(await node.locator('.bp-node-params').count()).toBe(1);
      // back in Edit mode it is the node it was before expanding, to the pixel
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Edit', exact: true }).click();
      await until('edit mode', async () => (await page.getByRole('toolbar', { name: 'Backprop controls' }).count()) === 0);
      expect(await size()).toEqual(plain);
      expect(errors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });

  it('draws the sigmoid-neuron lesson’s gates as the neuron σ(w₀x₀ + w₁x₁ + w₂): ∂f/∂w₀ = δ·x₀ = −0.1966', { timeout: 180_000 }, async () => {
    const errors: string[] = [];
    const page = await studio.newPage({ errors, consoleErrors: true, width: 1440, height: 900 });
    try {
      await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /^Lesson: a sigmoid neuron/ }).first().click();
      await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 10");
      const node = page.locator('.react-flow__node[data-id="sig"]');
      // only σ offers it: the gates feeding it are Σ wᵢ·xᵢ + b of scalar Inputs
      expect(await page.locator('.bp-neuron-toggle').count()).toBe(1);
      const lessonZoom = await zoomOf(page);
      expect(lessonZoom).toBeLessThan(1);
      await page.getByRole('button', { name: 'Show neurons of σ' }).click();
      await node.locator('.bp-neurons').waitFor();
      // the lesson opens far out; expanding zooms in on the neuron until its type reads at ≥ 12 px
      const zoom = await until('the zoom on the neuron', async () => {
        const z = await zoomOf(page);
        return Math.abs(z - 1.1) < 1e-3 ? z : null;
      }, 5_000);
      expect(await smallestType(node, zoom)).toBeGreaterThanOrEqual(12);
      const box = (await node.boundingBox())!;
      expect(box.x >= 0 && box.y >= 0 && box.x + box.width <= 1440 && box.y + box.height <= 900, 'the neuron is in view').toBe(true);
      // the lesson's own numbers before anything runs: w = (2, −3), b = w₂ = −3, x = (−1, −2)
      const edit = await wireLabels(node);
      expect([edit['w1,1']!.value, edit['w1,2']!.value, edit['b1']!.value]).toEqual([2, -3, -3]);
      expect(await node.locator('.bp-nu-value.is-in').allTextContents()).toEqual(['−1', '−2']);
      expect(await node.locator('.bp-nu-name').allTextContents()).toEqual(['x₀', 'x₁', '1']);
      const out = page.locator('.react-flow__node[data-id="out"]');
      const [a, b] = [(await node.boundingBox())!, (await out.boundingBox())!];
      expect(a.x + a.width, 'the expanded σ stays clear of the Output node').toBeLessThanOrEqual(b.x);
      // collapsing goes back to where the lesson had the canvas
      await page.getByRole('button', { name: 'Hide neurons of σ' }).click();
      await until('the lesson’s zoom again', async () => Math.abs((await zoomOf(page)) - lessonZoom) < 1e-3, 5_000);

      // the lecture's order: Backprop mode (which fits the graph to the wider canvas), then the neuron
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).waitFor();
      await until('the backprop session', async () => /^ready:/.test((await counter(page)).trim()), 30_000);
      await until('the canvas fitted to its new width', async () => Math.abs((await zoomOf(page)) - lessonZoom) > 1e-3, 5_000);
      const fitted = await zoomOf(page);
      await page.getByRole('button', { name: 'Show neurons of σ' }).click();
      await until('the zoom on the neuron', async () => Math.abs((await zoomOf(page)) - 1.1) < 1e-3, 5_000);
      const predict = page.getByRole('checkbox', { name: 'Predict first' });
      if (await predict.isChecked()) await predict.uncheck();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      const end = await until('gradients on the wires', async () => {
        const l = await wireLabels(node);
        return l['w1,1']?.grad !== null && l['b1']?.grad !== null ? l : null;
      });
      const delta = Number(await node.locator('.bp-nu-value.is-out [data-delta]').getAttribute('data-delta'));
      const x0 = Number(await node.locator('.bp-nu-value.is-in[data-unit="x1"]').getAttribute('title').then((t) => t!.split(' ').pop()));
      const x1 = Number(await node.locator('.bp-nu-value.is-in[data-unit="x2"]').getAttribute('title').then((t) => t!.split(' ').pop()));
      expect(close(end['w1,1']!.grad!, delta * x0) && close(end['w1,2']!.grad!, delta * x1) && close(end['b1']!.grad!, delta)).toBe(true);
      expect(end['w1,1']!.grad!).toBeCloseTo(-0.1966, 4);
      expect(await node.getByRole('status', { name: 'Neuron readout of sig' }).textContent()).toBe('∂L/∂w₀ = δ·x₀ = 0.1966 × (−1) = −0.1966');

      // the same numbers as bpstudio grad on the lesson's edges from the weight Inputs
      let stdout = '';
      let stderr = '';
      const code = await runCli(['grad', join(root, 'assets/examples/lesson-sigmoid-neuron.json'), '--json'], { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
      expect(code, stderr).toBe(0);
      const ref = JSON.parse(stdout) as { edges: { id: string; grad: { data: number[] } | null }[] };
      const g = (id: string) => ref.edges.find((e) => e.id === id)!.grad!.data[0]!;
      expect(close(end['w1,1']!.grad!, g('w0-out->p0-a')) && close(end['w1,2']!.grad!, g('w1-out->p1-a')) && close(end['b1']!.grad!, g('w2-out->z-b'))).toBe(true);
      console.log(`sigmoid neuron: δ = ${delta}; ∂f/∂w = (${end['w1,1']!.grad}, ${end['w1,2']!.grad}), ∂f/∂w₂ = ${end['b1']!.grad} — δ·x and bpstudio grad agree`);
      // the end of backward is at w0, where the canvas followed it: hiding and showing σ's neuron
      // again brings it back into view, at the end state's numbers
      await page.getByRole('button', { name: 'Hide neurons of σ' }).click();
      await until('the fitted zoom again', async () => Math.abs((await zoomOf(page)) - fitted) < 1e-3, 5_000);
      await page.getByRole('button', { name: 'Show neurons of σ' }).click();
      await until('σ in view, readable', async () => {
        const r = (await node.boundingBox())!;
        return Math.abs((await zoomOf(page)) - 1.1) < 1e-3 && r.x >= 0 && r.y >= 0 && r.x + r.width <= 1440 && r.y + r.height <= 900;
      }, 5_000);
      expect((await wireLabels(node))['w1,1']!.grad).toBe(end['w1,1']!.grad);
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-sigmoid.png') });
      await node.screenshot({ path: join(E2E_OUT, 'neuron-view-sigmoid-node.png') });

      expect(await smallestType(node, await zoomOf(page))).toBeGreaterThanOrEqual(12);
      await page.getByRole('button', { name: 'Hide neurons of σ' }).click();
      await until('the plain node', async () => (await node.locator('.bp-neurons').count()) === 0);
      await until('the fitted zoom again', async () => Math.abs((await zoomOf(page)) - fitted) < 1e-3, 5_000);
      expect(errors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-sigmoid-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });

  it('XOR’s hidden layer 2→4: a click on y₃ labels the weights into it; Iris’s 4→128 refuses in one line', { timeout: 180_000 }, async () => {
    const errors: string[] = [];
    const page = await studio.newPage({ errors, consoleErrors: true, width: 1440, height: 900 });
    try {
      await page.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /^XOR with a hidden layer/ }).first().click();
      await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 4");
      const node = page.locator('.react-flow__node[data-id="hidden"]');
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
      await until('the backprop session', async () => /^ready:/.test((await counter(page)).trim()), 30_000);
      // sample 3, x = (1, 1): every weight gets a gradient
      const sample = page.getByLabel('Sample index');
      await sample.fill('3');
      await sample.press('Enter');
      await until('the session of sample 3', async () => /^ready:/.test((await counter(page)).trim()) && (await sample.inputValue()) === '3', 30_000);
      await node.getByRole('button', { name: /^Show neurons of / }).click();
      await node.locator('.bp-neurons').waitFor();
      expect(await node.locator('.bp-nw line').count()).toBe(2 * 4 + 4);
      // the first output unit's wires are labelled; a click on y₃ labels its own
      expect(Object.keys(await wireLabels(node)).sort()).toEqual(['b1', 'w1,1', 'w1,2']);
      await node.getByRole('button', { name: 'Label the weights into y₃' }).click();
      expect(Object.keys(await wireLabels(node)).sort()).toEqual(['b3', 'w3,1', 'w3,2']);
      await page.getByRole('toolbar', { name: 'Backprop controls' }).getByRole('button', { name: 'Jump to end' }).click();
      const end = await until('gradients into y₃', async () => {
        const l = await wireLabels(node);
        return l['w3,2']?.grad !== null && l['w3,2'] ? l : null;
      });
      const delta3 = Number(await node.locator('.bp-nu-value.is-out[data-unit="y3"] [data-delta]').getAttribute('data-delta'));
      const x2 = Number(await node.locator('.bp-nu-value.is-in[data-unit="x2"]').getAttribute('title').then((t) => t!.split(' ').pop()));
      expect(x2).toBe(1);
      expect(end['w3,2']!.grad).not.toBe(0);
      expect(close(end['w3,2']!.grad!, delta3 * x2), `∂L/∂w₃,₂ ${end['w3,2']!.grad} vs δ₃·x₂ ${delta3 * x2}`).toBe(true);
      await node.locator('.bp-nw-label[data-wire="w3,2"]').click();
      expect(await node.getByRole('status', { name: 'Neuron readout of hidden' }).textContent()).toMatch(/^∂L\/∂w₃,₂ = δ₃·x₂ = /);
      await until('the node in view', async () => {
        const r = (await node.boundingBox())!;
        return r.x >= 0 && r.y >= 0 && r.x + r.width <= 1440 && r.y + r.height <= 900;
      }, 5_000).catch(() => undefined);
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-xor-hidden.png') });

      // a layer too big to draw wire by wire says why, in one line, and stays as it is
      const iris = await studio.newPage({ errors, consoleErrors: true, width: 1440, height: 900 });
      await iris.getByRole('list', { name: 'Examples' }).getByRole('button', { name: /^Iris MLP/ }).first().click();
      const l1 = iris.locator('.react-flow__node[data-id="l1"]');
      await l1.waitFor();
      const toggle = l1.locator('.bp-neuron-toggle');
      expect(await toggle.getAttribute('aria-disabled')).toBe('true');
      await toggle.click({ force: true }); // aria-disabled: it still answers, with the reason
      const reason = 'Neuron view draws a Linear of at most 8×8; this one is 4→128 (512 weights)';
      await iris.locator('.bp-toast', { hasText: reason }).waitFor();
      expect(await l1.locator('.bp-neurons').count()).toBe(0);
      await iris.context().close();
      expect(errors).toEqual([]);
    } catch (e) {
      await page.screenshot({ path: join(E2E_OUT, 'neuron-view-xor-failure.png') }).catch(() => undefined);
      if (errors.length) console.log(`page errors:\n  ${errors.join('\n  ')}`);
      throw e;
    } finally {
      await page.context().close();
    }
  });
});
