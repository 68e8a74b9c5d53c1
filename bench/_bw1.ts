import { writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { benchInChromium, chainDocument, until } from './chain';
async function run(browser: Browser, url: string): Promise<void> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const copy = { version: 1, savedAt: Date.now(), fileName: 'chain.json', filePath: null, fileKind: 'graph', document: chainDocument({ nodes: 50, columns: 10, dx: 230, dy: 150, activation: 'tanh', labels: true, name: '50-node chain' }) };
  await page.addInitScript(`localStorage.setItem('bpstudio.recovery.v1', ${JSON.stringify(JSON.stringify(copy))})`);
  await page.goto(url);
  await page.getByRole('button', { name: /^Restore/ }).click();
  await until(page, "document.querySelectorAll('.react-flow__node').length >= 10", 30_000, 'the canvas');
  await page.getByRole('group', { name: 'Canvas mode' }).getByRole('button', { name: 'Backprop mode' }).click();
  await until(page, `(() => { const el = document.querySelector('[role=status][aria-label=Step]'); return !!el && /^ready:/.test(el.textContent || ''); })()`, 60_000, 'ready');
  for (let i = 0; i < 50; i++) { await page.keyboard.press('ArrowRight'); await page.waitForTimeout(40); }
  await page.waitForTimeout(1000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.keyboard.press('ArrowRight');
  await page.waitForTimeout(400);
  const { profile } = await cdp.send('Profiler.stop');
  writeFileSync('/tmp/bw1.cpuprofile', JSON.stringify(profile));
  console.log(await page.getByRole('status', { name: 'Step' }).textContent());
}
await benchInChromium(run, 'done');
