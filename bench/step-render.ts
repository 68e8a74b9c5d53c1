/**
 * Backprop-mode stepping benchmark (not a test): loads a 50-node lesson-style chain
 * (Input x with a value → alternating Linear(8→8) / tanh … → Mean → Output) into the web app in
 * Debian's Chromium at 1280×800, enters Backprop mode, presses → about 60 times, and reports per
 * step the time from the key press until the step counter's text changed and two animation
 * frames had passed (the frame showing the step was produced). Target: median under 16 ms.
 *
 *   npm run bench:steps          (builds the renderer first)
 */
import { chromium } from 'playwright-core';
import { startServer } from '../engine/service/serve';

const NODES = 50;
const STEPS = 60;

function chainDocument(): unknown {
  const value = [[0.5, -0.25, 1, 0.75, -1, 0.1, 0.3, -0.6]];
  const pos = (i: number) => ({ x: (i % 10) * 230, y: Math.floor(i / 10) * 150 });
  const nodes: unknown[] = [{ id: 'n0', type: 'Input', label: 'x', params: { shape: [1, 8], batched: false, value }, position: pos(0) }];
  const edges: unknown[] = [];
  const link = (a: string, b: string) => edges.push({ id: `${a}-out->${b}-in`, source: a, sourcePort: 'out', target: b, targetPort: 'in' });
  // n1 … n47: Linear / Activation alternating; n48: Mean; n49: Output → 50 nodes
  for (let i = 1; i < NODES - 2; i++) {
    const linear = i % 2 === 1;
    nodes.push({
      id: `n${i}`,
      type: linear ? 'Linear' : 'Activation',
      label: linear ? `fc${(i + 1) / 2}` : `tanh${i / 2}`,
      params: linear ? { inFeatures: 8, outFeatures: 8 } : { fn: 'tanh' },
      position: pos(i),
    });
    link(`n${i - 1}`, `n${i}`);
  }
  nodes.push({ id: `n${NODES - 2}`, type: 'Mean', label: 'mean', params: {}, position: pos(NODES - 2) });
  link(`n${NODES - 3}`, `n${NODES - 2}`);
  nodes.push({ id: `n${NODES - 1}`, type: 'Output', label: 'out', params: { name: 'out' }, position: pos(NODES - 1) });
  link(`n${NODES - 2}`, `n${NODES - 1}`);
  return { formatVersion: 2, name: `${NODES}-node chain`, nodes, edges };
}

const log = (s: string) => { if (process.env.BENCH_DEBUG) console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`); };
const server = await startServer();
log(`server ${server.url}`);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const copy = { version: 1, savedAt: Date.now(), fileName: 'chain.json', filePath: null, fileKind: 'graph', document: chainDocument() };
  // NOTE: strings, not functions: tsx would wrap a function with helpers the page lacks.
  await page.addInitScript(`localStorage.setItem('bpstudio.recovery.v1', ${JSON.stringify(JSON.stringify(copy))})`);
  // registered before the app's own capture listener (which stops the event): the key press's timestamp
  await page.addInitScript(`window.addEventListener('keydown', (e) => { window.__keyTs = e.timeStamp; }, true)`);
  await page.goto(server.url);
  await page.getByRole('button', { name: /^Restore/ }).click();
  await page.waitForFunction("document.querySelectorAll('.react-flow__node').length >= 10");
  await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
  const counter = page.getByRole('status', { name: 'Step' });
  await page.waitForFunction(
    `(() => { const el = document.querySelector('[role=status][aria-label=Step]'); return el && /^ready:/.test(el.textContent || ''); })()`,
    undefined,
    { timeout: 60_000 },
  ).catch(async (e) => {
    throw new Error(`the backprop session did not load: "${await counter.textContent()}" (${(e as Error).message})`);
  });
  const ready = (await counter.textContent()) ?? '';
  log(`ready: ${ready}`);
  await page.waitForTimeout(500);
  // arm: on the next keydown, time (from the event's timestamp) the counter's text change and the two frames after it
  await page.evaluate(`(() => {
    window.__arm = () => new Promise((resolve) => {
      const el = document.querySelector('[role=status][aria-label=Step]');
      const before = el.textContent;
      window.__keyTs = null;
      const obs = new MutationObserver(() => {
        const t0 = window.__keyTs;
        if (el.textContent === before || t0 === null) return;
        obs.disconnect();
        const changed = performance.now() - t0;
        requestAnimationFrame(() => {
          const f1 = performance.now() - t0;
          requestAnimationFrame(() => resolve({ changed, f1, f2: performance.now() - t0, text: el.textContent }));
        });
      });
      obs.observe(el, { childList: true, subtree: true, characterData: true });
    });
  })()`);
  const results: { changed: number; f1: number; f2: number; text: string }[] = [];
  for (let i = 0; i < STEPS; i++) {
    await page.evaluate('window.__p = window.__arm(); 0');
    log(`step ${i + 1}`);
    await page.keyboard.press('ArrowRight');
    if (process.env.BENCH_DEBUG) { await page.waitForTimeout(300); log(`after press: ${await counter.textContent()} active=${await page.evaluate('document.activeElement?.tagName + " " + document.activeElement?.getAttribute("aria-label")')}`); }
    const r = (await page.evaluate('window.__p')) as { changed: number; f1: number; f2: number; text: string };
    results.push(r);
    if (i === 0 || i === STEPS - 1) console.log(`  step ${i + 1}: "${r.text.replace(/\s+/g, ' ').trim()}"`);
  }
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    return `median ${q(0.5).toFixed(1)} ms, p95 ${q(0.95).toFixed(1)} ms, max ${q(1).toFixed(1)} ms`;
  };
  const labels = (await page.evaluate("document.querySelectorAll('.bp-bp-label[data-edge-id]').length")) as number;
  console.log(`${NODES}-node chain (${ready.trim()}; ${labels} edge labels in the DOM), ${results.length} steps with →`);
  console.log(`per step, key press → counter changed + 2 frames: ${stats(results.map((r) => r.f2))} (target: median < 16 ms)`);
  console.log(`  key press → counter text changed (DOM commit): ${stats(results.map((r) => r.changed))}`);
  console.log(`  key press → next animation frame:              ${stats(results.map((r) => r.f1))}`);
  console.log('Chromium headless, software rendering; requestAnimationFrame runs at 60 Hz, so "+2 frames" includes waiting for frame boundaries');
} finally {
  await browser.close();
  await server.close();
}
