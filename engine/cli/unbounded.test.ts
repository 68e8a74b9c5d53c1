/**
 * Issue 11, item 4 and 6: quadratic and unbounded work, and what the CLI prints. Each test
 * reproduces a report: predict building the whole output per row, info's `includes`/`find` per
 * node, a 10⁵-deep document overflowing the stack, /dev/zero and a FIFO as data, a gzip bomb,
 * error messages quoting a file's content, terminal escapes in node labels.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Tensor } from '../core/tensor';
import { chainDocument, chainParams, predictCsv } from '../testing/scale-docs';
import { exportOnnx } from '../onnx/export';
import { runCli, type CliIo } from './main';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-unbounded-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: dir, env };
  const code = await runCli(args, io);
  return { code, out, err };
}
const put = (name: string, text: string | Uint8Array): string => {
  writeFileSync(join(dir, name), text);
  return name;
};

describe('linear time', () => {
  it('predict builds each output tensor\'s nested rows once, not once per row', async () => {
    put('chain.json', JSON.stringify(chainDocument(3)));
    put('rows.csv', predictCsv(3000));
    const spy = vi.spyOn(Tensor.prototype, 'toArray');
    const r = await run(['predict', 'chain.json', '--input', 'rows.csv', '--json']);
    const calls = spy.mock.calls.length;
    spy.mockRestore();
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).predictions).toHaveLength(3000);
    expect(calls).toBeLessThanOrEqual(2);
  });

  it('info on a 5,000- and a 40,000-node chain grows about linearly (a quadratic pass would be ×64)', async () => {
    const time = async (n: number): Promise<number> => {
      put(`c${n}.json`, JSON.stringify(chainDocument(n)));
      const t = performance.now();
      const r = await run(['info', `c${n}.json`, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).trainableParams).toBe(chainParams(n));
      return performance.now() - t;
    };
    await time(5000); // warm-up
    const small = Math.min(await time(5000), await time(5000));
    const big = await time(40_000);
    expect(big / small).toBeLessThan(30);
  }, 120_000);

  it('import of a 20,000-node ONNX chain takes seconds, not minutes', async () => {
    put('chain.onnx', exportOnnx(chainDocument(20_000), {}).bytes);
    const t = performance.now();
    const r = await run(['import', 'chain.onnx', '-o', 'chain.imported.json']);
    expect(r.code, r.err).toBe(0);
    expect((performance.now() - t) / 1000).toBeLessThan(30);
  }, 120_000);
});

describe('unbounded input', () => {
  it('a 10⁵-deep document is refused before parsing, naming the limit and how to raise it', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    put('deep.json', `{"formatVersion":3,"name":"d","nodes":[{"id":"a","type":"Input","params":{"shape":${deep}}}],"edges":[]}`);
    const r = await run(['info', 'deep.json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: deep\.json: JSON nested more than 256 levels deep \(the limit is 256 levels; raise it with BPSTUDIO_MAX_JSON_DEPTH\)\n$/);
    put('deep.trained.json', `{"format":"bpstudio-trained-model","x":${deep}}`);
    expect((await run(['eval', 'deep.trained.json'])).err).toMatch(/BPSTUDIO_MAX_JSON_DEPTH/);
    put('deep-in.json', deep);
    put('g.json', JSON.stringify(chainDocument(3)));
    expect((await run(['predict', 'g.json', '--input', 'deep-in.json'])).err).toMatch(/BPSTUDIO_MAX_JSON_DEPTH/);
  });

  it('/dev/zero as a dataset is refused at once (a device, not a regular file)', async () => {
    put('g.json', JSON.stringify(chainDocument(3)));
    const r = await run(['predict', 'g.json', '--input', '/dev/zero']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/zero: is a device, not a regular file/);
    const csv = await run(['info', 'g.json', '--dataset', '/dev/zero']);
    expect(csv.err).not.toMatch(/at .*:\d+:\d+/);
  });

  it('a FIFO is refused instead of blocking for ever', async () => {
    const fifo = join(dir, 'pipe.csv');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      return; // no mkfifo here
    }
    put('g.json', JSON.stringify(chainDocument(3)));
    const r = await run(['predict', 'g.json', '--input', 'pipe.csv']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/pipe\.csv: is a named pipe \(FIFO\), not a regular file/);
  });

  it('a gzip bomb as IDX stops at the decompressed-size limit, which the environment can lower or raise', async () => {
    const { parseIdx } = await import('../data/idx');
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024)); // 8 MiB of zeros in ~8 KiB
    process.env['BPSTUDIO_MAX_DECOMPRESSED_MB'] = '1';
    try {
      expect(() => parseIdx(bomb, { file: 'bomb.gz' })).toThrow(/^bomb\.gz: decompresses to more than 1 MiB \(the limit is 1 MiB; raise it with BPSTUDIO_MAX_DECOMPRESSED_MB\)$/);
    } finally {
      delete process.env['BPSTUDIO_MAX_DECOMPRESSED_MB'];
    }
  });

  it('a data file over the size limit is refused before it is read', async () => {
    put('big.csv', predictCsv(20_000));
    put('g.json', JSON.stringify(chainDocument(3)));
    const r = await run(['predict', 'g.json', '--input', 'big.csv', '--json']);
    expect(r.code).toBe(0); // under the default limit
    process.env['BPSTUDIO_MAX_FILE_MB'] = '0.01';
    try {
      const small = await run(['predict', 'g.json', '--input', 'big.csv']);
      expect(small.err).toMatch(/big\.csv: the file is .* MiB, over the limit \(the limit is 0\.01 MiB; raise it with BPSTUDIO_MAX_FILE_MB\)/);
    } finally {
      delete process.env['BPSTUDIO_MAX_FILE_MB'];
    }
  });
});

describe('what errors and tables show', () => {
  it('a CSV error names the cell without quoting more than 16 characters of it', async () => {
    put('g.json', JSON.stringify(chainDocument(3)));
    put('secret.csv', 'a,b\n1,2\n3,the password is hunter2 and more\n');
    const r = await run(['predict', 'g.json', '--input', 'secret.csv']);
    expect(r.err).toBe('error: secret.csv row 3, column "b": "the password is …" is not a number\n');
    expect(r.err).not.toMatch(/hunter2/);
  });

  it('node labels with terminal escapes print as visible escapes', async () => {
    const doc = chainDocument(3);
    doc.nodes[1]!.label = '\u001b[2J\u001b[31mevil\u0007';
    put('esc.json', JSON.stringify(doc));
    const r = await run(['info', 'esc.json']);
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.out).toContain('\\x1b[2J\\x1b[31mevil\\x07');
  });
});
