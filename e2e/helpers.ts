/** Small helpers shared by the e2e specs. */
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { startServer, type RunningServer } from '../engine/service/serve';

export const CHROMIUM = '/usr/bin/chromium';
export const E2E_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where the specs put their screenshots (look at them). */
export const E2E_OUT = join(E2E_ROOT, 'test-results', 'e2e');

export interface PageOptions {
  width?: number;
  height?: number;
  colorScheme?: 'dark' | 'light';
  acceptDownloads?: boolean;
  /** Uncaught page errors are pushed here (and console.error lines too, with `consoleErrors`). */
  errors?: string[];
  consoleErrors?: boolean;
}

/** The web app as a spec file uses it: the engine's server in this process and Debian's Chromium. */
export interface Studio {
  readonly url: string;
  /** A fresh browser context at the viewport asked for (1280×800 unless told), on the app's URL. */
  newPage(options?: PageOptions): Promise<Page>;
}

/**
 * Start the app for the spec file that calls this (at its top level): the server and the browser
 * come up in `beforeAll` and go down in `afterAll`.
 */
export function useStudio(rendererDir = join(E2E_ROOT, 'dist', 'renderer')): Studio {
  let server: RunningServer | null = null;
  let browser: Browser | null = null;
  beforeAll(async () => {
    expect(existsSync(join(rendererDir, 'index.html')), 'build the renderer first (npx vite build)').toBe(true);
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing`).toBe(true);
    mkdirSync(E2E_OUT, { recursive: true });
    server = await startServer({ port: 0, rendererDir });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get url() {
      return server!.url;
    },
    async newPage(o = {}) {
      const context = await browser!.newContext({
        viewport: { width: o.width ?? 1280, height: o.height ?? 800 },
        ...(o.colorScheme ? { colorScheme: o.colorScheme } : {}),
        ...(o.acceptDownloads ? { acceptDownloads: true } : {}),
      });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      const errors = o.errors;
      if (errors) {
        page.on('pageerror', (e) => errors.push(e.message));
        if (o.consoleErrors) {
          page.on('console', (m) => {
            if (m.type() === 'error') errors.push(m.text());
          });
        }
      }
      await page.goto(server!.url);
      return page;
    },
  };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The newest file in `dir` written after `since` whose name ends in `ext`. */
export function newestFile(dir: string, ext: string, since: number): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => ({ f: join(dir, f), t: statSync(join(dir, f)).mtimeMs }))
    .filter((x) => x.t >= since - 5)
    .sort((a, b) => b.t - a.t);
  return files[0]?.f ?? null;
}

export async function centre(l: Locator): Promise<{ x: number; y: number }> {
  const b = await l.boundingBox();
  if (!b) throw new Error('element has no box');
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** A real mouse drag in small steps (React Flow and HTML5 drag need the intermediate moves). */
export async function mouseDrag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, steps = 12): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 4, from.y + 4, { steps: 2 });
  await page.mouse.move(to.x, to.y, { steps });
  await page.mouse.up();
}
