#!/usr/bin/env node
/**
 * The system packages `npm test` needs, checked before any test runs (the first step of
 * `npm test`). The tests use Debian's ONNX checker and ONNX test corpus, Debian's PyTorch, Debian's Chromium for the
 * end-to-end tests, and the real Fashion-MNIST files; none of them comes from npm.
 *
 * As root on Debian, whatever is missing is installed with apt-get (one line says what).
 * Anywhere else it prints the one `apt-get install` line to run and exits 1, so a missing
 * package is one clear message instead of hundreds of failing tests.
 *
 *   node scripts/test-prereqs.mjs            check, install as root on Debian
 *   node scripts/test-prereqs.mjs --check    check only (exit 1 when something is missing)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {{ pkg: string, what: string, present: () => boolean }[]} */
export const PREREQUISITES = [
  {
    pkg: 'python3-onnx',
    what: 'the independent ONNX checker (onnx.checker) that exported files must pass',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0,
  },
  {
    pkg: 'python3-torch',
    what: 'PyTorch, which runs the exported PyTorch scripts against the engine (engine/pytorch)',
    present: () => spawnSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' }).status === 0,
  },
  {
    pkg: 'libonnx-testdata',
    what: 'the ONNX operator test corpus the importer is checked against',
    present: () => existsSync('/usr/share/libonnx-testdata/data'),
  },
  {
    pkg: 'chromium',
    what: 'the browser the end-to-end tests drive',
    present: () => existsSync('/usr/bin/chromium'),
  },
  {
    pkg: 'dataset-fashion-mnist',
    what: 'the Fashion-MNIST IDX files of the lecture\'s example',
    present: () => existsSync('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz'),
  },
];

function main() {
  const checkOnly = process.argv.includes('--check');
  const missing = PREREQUISITES.filter((p) => !p.present());
  if (missing.length === 0) return 0;
  const names = missing.map((p) => p.pkg).join(' ');
  const canInstall = !checkOnly && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(`npm test needs Debian packages that are not installed (${missing.map((p) => `${p.pkg}: ${p.what}`).join('; ')}). Install them with:`);
    console.error(`  sudo apt-get install -y ${names}`);
    return 1;
  }
  console.log(`Installing the test prerequisites with apt-get: ${names}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  if (!apt(['install', '-y', '-qq', ...missing.map((p) => p.pkg)])) {
    // A fresh machine has no package lists yet.
    if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', ...missing.map((p) => p.pkg)])) {
      console.error(`apt-get could not install ${names}; install them by hand: apt-get install -y ${names}`);
      return 1;
    }
  }
  const still = missing.filter((p) => !p.present());
  if (still.length > 0) {
    console.error(`installed, but still missing: ${still.map((p) => p.pkg).join(' ')}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) process.exitCode = main();
