import { defineConfig } from 'vite';

/** The renderer: built to dist/renderer, served by `bpstudio serve` and loaded by Electron. */
export default defineConfig({
  root: 'renderer',
  base: './',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 2000,
  },
});
