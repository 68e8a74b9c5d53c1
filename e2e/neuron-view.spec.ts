/**
 * The neuron view end to end (issue 13, item 4) in web mode at 1440×900: the OR perceptron
 * lesson's Linear "w·x + b" expands into its units x₁, x₂, the bias unit and y₁ with one wire per
 * weight; in Backprop mode on sample 2 (x = (1, 0)) each wire shows the weight the pass uses and,
 * after backward, ∂J/∂wⱼ — equal to δ·xⱼ from the numbers on the units and to `bpstudio grad` on
 * the same sample; then it collapses back to the plain node.
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
      const plain = await size();
      await expect(node.locator('.bp-node-params').count()).resolves.toBe(1);

      // expand: units and one wire per weight; the document is not changed by it
      const title = await page.title();
      await page.getByRole('button', { name: 'Show neurons of w·x + b' }).click();
      await node.locator('.bp-neurons').waitFor();
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

      // Backprop mode on sample 2, x = (1, 0)
      await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
      await page.getByRole('toolbar', { name: 'Backprop controls' }).waitFor();
      await until('the backprop session', async () => /^ready:/.test((await counter(page)).trim()), 30_000);
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
});
