/**
 * Issue 11: nothing a user feeds the CLI crashes it, loses data or gives a silently wrong answer —
 * non-finite weights, wrong problems, class sets that do not match, values beyond float32,
 * empty datasets, invalid documents, damaged trained-model files. One error line each, naming
 * what and where.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ex = (name: string): string => join(root, 'assets/examples', name);

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: root, env: {} };
  const code = await runCli(args, io);
  return { code, out, err };
}
const oneLine = (r: Run): string => {
  expect(r.err).not.toMatch(/\n\s+at /);
  return r.err.trim().split('\n')[0]!;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-robust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string): string => join(dir, name);

describe('non-finite weights (item 2)', () => {
  it('--lr 1e39 is refused up front as an invalid optimizer setting, and nothing is written', async () => {
    const r = await run(['train', ex('xor-mlp.json'), '--epochs', '1', '--lr', '1e39', '--backend', 'ts', '--out', tmp('x.json')]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('error: invalid optimizer setting: adam lr 1e+39 overflows float32 (the largest float32 is 3.4028235e+38)');
    expect(existsSync(tmp('x.json'))).toBe(false);
  });
});
