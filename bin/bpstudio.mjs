#!/usr/bin/env node
/**
 * bpstudio: the Backprop Studio command line (docs/cli.md). The engine is TypeScript; tsx
 * compiles it on the fly, so the CLI runs from the sources without a build step.
 */
import { register } from 'tsx/esm/api';

register();
try {
  const { main } = await import('../engine/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  // Only reached when the CLI itself cannot load (a broken install): still one line.
  const debug = process.env.BPSTUDIO_DEBUG;
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  if (debug && debug !== '0' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
