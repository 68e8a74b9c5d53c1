#!/usr/bin/env node
/**
 * bpstudio: the Backprop Studio command line (docs/cli.md).
 *
 * An installed package runs the built bundle, dist/cli/main.mjs (`npm run build:cli`, done by
 * `npm pack` through `prepack`): no compiler at run time, so `npm install --omit=dev` and global
 * installs work. A source checkout runs engine/cli/main.ts through tsx (a devDependency)
 * instead, so the CLI always matches the sources while developing; BPSTUDIO_CLI=dist makes a
 * checkout use the bundle too. `--version` answers from package.json without loading the engine.
 */
import { existsSync, readFileSync } from 'node:fs';

const args = process.argv.slice(2);

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = 1;
}

async function loadMain() {
  const sources = new URL('../engine/cli/main.ts', import.meta.url);
  const bundle = new URL('../dist/cli/main.mjs', import.meta.url);
  if (process.env.BPSTUDIO_CLI !== 'dist' && existsSync(sources)) {
    let register = null;
    try {
      ({ register } = await import('tsx/esm/api'));
    } catch {
      // No devDependencies (npm install --omit=dev in a checkout): use the bundle if there is one.
    }
    if (register) {
      register();
      return (await import(sources.href)).main;
    }
  }
  if (existsSync(bundle)) return (await import(bundle.href)).main;
  throw new Error('the CLI is not built: run `npm run build:cli` (or install the package from `npm pack`)');
}

if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    process.stdout.write(`${pkg.version}\n`);
  } catch (e) {
    fail(`cannot read the package version: ${e instanceof Error ? e.message : String(e)}`);
  }
} else {
  try {
    const main = await loadMain();
    process.exitCode = await main(args);
  } catch (e) {
    // Only reached when the CLI itself cannot load (a broken install): still one line.
    fail(e instanceof Error ? e.message : String(e));
    const debug = process.env.BPSTUDIO_DEBUG;
    if (debug && debug !== '0' && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  }
}
