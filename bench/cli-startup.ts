/**
 * `npm run bench:cli`: how long the `bpstudio` CLI takes to start, against plain Node starting
 * an empty script in the same run (the floor no CLI can go under).
 *
 *   node -e 0                        the reference
 *   bpstudio --version               answered from package.json, engine not loaded (target < 300 ms)
 *   bpstudio info (built bundle)     dist/cli/main.mjs, what an installed package runs
 *   bpstudio info (tsx, checkout)    the development path, compiling TypeScript on the fly
 *
 * Medians of 9 runs after one warm-up. A benchmark, not a test: nothing fails.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = 'bin/bpstudio.mjs';
const example = 'assets/examples/xor-mlp.json';

if (!existsSync(`${root}dist/cli/main.mjs`)) {
  const built = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(1);
}

function medianMs(args: string[], env: Record<string, string> = {}): number {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const reference = medianMs(['-e', '0']);
const rows: [string, number][] = [
  ['node -e 0 (reference)', reference],
  ['bpstudio --version', medianMs([bin, '--version'])],
  ['bpstudio info, built bundle', medianMs([bin, 'info', example], { BPSTUDIO_CLI: 'dist' })],
  ['bpstudio info, tsx (checkout)', medianMs([bin, 'info', example])],
];
console.log('CLI start-up, median of 9 runs');
for (const [what, ms] of rows) console.log(`${what.padEnd(32)} ${ms.toFixed(0).padStart(6)} ms   ${(ms / reference).toFixed(2)}× node`);
const version = rows[1]![1];
console.log(`--version: ${version.toFixed(0)} ms (target < 300 ms: ${version < 300 ? 'met' : 'missed'})`);
