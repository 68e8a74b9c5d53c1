/**
 * What the UI benchmarks (bench:steps, bench:ui) share: the lesson-style chain they load — Input x
 * with a value → alternating Linear(8→8) / activation … → Mean → Output — and polling the page
 * from Node.
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { startServer } from '../engine/service/serve';

export interface ChainOptions {
  /** Nodes in all (the Input, the alternating layers, Mean and Output). */
  readonly nodes: number;
  /** Nodes per row, and the grid's spacing in canvas units. */
  readonly columns: number;
  readonly dx: number;
  readonly dy: number;
  readonly activation: 'tanh' | 'relu';
  /** Label the layers (`fc1`, `tanh1`, …) as a lesson would; else they show their type. */
  readonly labels: boolean;
  readonly name: string;
}

export function chainDocument(o: ChainOptions): unknown {
  const value = [[0.5, -0.25, 1, 0.75, -1, 0.1, 0.3, -0.6]];
  const pos = (i: number) => ({ x: (i % o.columns) * o.dx, y: Math.floor(i / o.columns) * o.dy });
  const nodes: unknown[] = [{ id: 'n0', type: 'Input', label: 'x', params: { shape: [1, 8], batched: false, value }, position: pos(0) }];
  const edges: unknown[] = [];
  const link = (a: string, b: string) => edges.push({ id: `${a}-out->${b}-in`, source: a, sourcePort: 'out', target: b, targetPort: 'in' });
  // n1 … n(N−3): Linear / activation alternating; n(N−2): Mean; n(N−1): Output
  for (let i = 1; i < o.nodes - 2; i++) {
    const linear = i % 2 === 1;
    nodes.push({
      id: `n${i}`,
      type: linear ? 'Linear' : 'Activation',
      ...(o.labels ? { label: linear ? `fc${(i + 1) / 2}` : `${o.activation}${i / 2}` } : {}),
      params: linear ? { inFeatures: 8, outFeatures: 8 } : { fn: o.activation },
      position: pos(i),
    });
    link(`n${i - 1}`, `n${i}`);
  }
  nodes.push({ id: `n${o.nodes - 2}`, type: 'Mean', label: 'mean', params: {}, position: pos(o.nodes - 2) });
  link(`n${o.nodes - 3}`, `n${o.nodes - 2}`);
  nodes.push({ id: `n${o.nodes - 1}`, type: 'Output', label: 'out', params: { name: 'out' }, position: pos(o.nodes - 1) });
  link(`n${o.nodes - 2}`, `n${o.nodes - 1}`);
  return { formatVersion: 2, name: o.name, nodes, edges };
}

/** One display refresh at 60 Hz (Chromium headless runs its animation frames at this rate). */
export const REFRESH_MS = 1000 / 60;

/** A frame over 1.5 refreshes: one was missed. */
export const LONG_FRAME_MS = 1.5 * REFRESH_MS;

/** A frame interval in whole refreshes (intervals jitter by ±0.2 ms around each multiple). */
export const inRefreshes = (ms: number): number => Math.max(1, Math.round(ms / REFRESH_MS));

/**
 * Wait until the expression is true, polling from here: a string, as tsx would wrap a function with
 * helpers the page lacks, and a polling waitForFunction evaluates strings in the page, which its CSP forbids.
 */
export async function until(page: Page, expr: string, timeout: number, what: string): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await page.evaluate(expr))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(100);
  }
}

/**
 * Serve the app (BENCH_RENDERER: another build's folder), launch Debian's Chromium headless, call
 * `run` BENCH_RUNS times (the first with `first` true: a trace or profile is taken there), print
 * `footer`, and close both.
 */
export async function benchInChromium(run: (browser: Browser, url: string, first: boolean) => Promise<void>, footer: string): Promise<void> {
  const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
  const server = await startServer(process.env.BENCH_RENDERER ? { rendererDir: process.env.BENCH_RENDERER } : {});
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    for (let r = 0; r < runs; r++) {
      if (runs > 1) console.log(`run ${r + 1}/${runs}`);
      await run(browser, server.url, r === 0);
    }
    console.log(footer);
  } finally {
    await browser.close();
    await server.close();
  }
}
