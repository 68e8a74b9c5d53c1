#!/usr/bin/env node
/**
 * Build the `bpstudio` CLI into dist/cli/main.mjs with esbuild: the engine and the CLI bundled
 * into one ES module, every npm package left external (they are the package's runtime
 * `dependencies`, installed beside it). dist/cli sits two levels under the package root, like
 * engine/cli, so the bundle finds package.json, assets/ and dist/renderer by the same relative
 * paths as the sources do.
 *
 * The WebAssembly kernels are compiled first (scripts/build-wasm.mjs) and inlined into the bundle.
 *
 * bin/bpstudio.mjs runs this bundle in an installed package; in a source checkout it compiles
 * the TypeScript on the fly with tsx instead (always current, no build step while developing).
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasm } from './build-wasm.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outfile = join(root, 'dist', 'cli', 'main.mjs');

export async function buildCli() {
  mkdirSync(dirname(outfile), { recursive: true });
  // The WebAssembly kernels (engine/ops/kernels/wasm/*.generated.cjs) are required by the engine
  // and inlined by esbuild: compile them first so the bundle never carries a stale or missing one.
  await buildWasm({ quiet: true });
  await build({
    absWorkingDir: root,
    entryPoints: ['engine/cli/main.ts'],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  buildCli().then(
    (file) => console.log(`built ${file.slice(root.length + 1)} in ${Date.now() - started} ms`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
