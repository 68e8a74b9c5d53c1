#!/usr/bin/env node
/**
 * Build the Electron side with esbuild into dist/electron:
 *   main.mjs           main process (ESM; node_modules and electron stay external)
 *   engine-worker.mjs  the utility process hosting the EngineService (bundles engine/)
 *   preload.cjs        the sandboxed preload (CommonJS, self-contained: only `electron` is required)
 * Sandboxed preloads cannot load Node modules, so the build fails if one slips into the preload.
 */
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWasm } from './build-wasm.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const outDir = join(root, 'dist', 'electron');
export const outputs = ['main.mjs', 'engine-worker.mjs', 'preload.cjs'].map((f) => join(outDir, f));

const common = {
  absWorkingDir: root,
  bundle: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

export async function buildElectron() {
  mkdirSync(outDir, { recursive: true });
  // The engine worker inlines the WebAssembly GEMM: build it from gemm.wat first, so an edited
  // kernel never ships stale (as build-cli does).
  await buildWasm({ quiet: true });
  const started = Date.now();
  const [, , preload] = await Promise.all([
    build({
      ...common,
      entryPoints: ['electron/main/index.ts'],
      outfile: join(outDir, 'main.mjs'),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: ['electron/engine-worker/index.ts'],
      outfile: join(outDir, 'engine-worker.mjs'),
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
    }),
    build({
      ...common,
      entryPoints: ['electron/preload/index.ts'],
      outfile: join(outDir, 'preload.cjs'),
      platform: 'browser',
      format: 'cjs',
      target: 'chrome120',
      external: ['electron'],
      metafile: true,
    }),
  ]);
  const nodeImports = Object.values(preload.metafile.inputs)
    .flatMap((i) => i.imports)
    .filter((i) => i.external && i.path !== 'electron');
  if (nodeImports.length > 0) {
    throw new Error(`the sandboxed preload may only require "electron", but it imports: ${[...new Set(nodeImports.map((i) => i.path))].join(', ')}`);
  }
  return { ms: Date.now() - started, files: outputs.map((f) => relative(root, f)) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildElectron().then(
    ({ ms, files }) => console.log(`built ${files.join(', ')} in ${ms} ms`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
