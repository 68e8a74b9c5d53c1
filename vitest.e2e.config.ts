import { defineConfig } from 'vitest/config';

/** The end-to-end specs (web mode in Chromium, the desktop window in Electron), one at a time. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.spec.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
