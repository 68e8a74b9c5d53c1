/**
 * `npm run bench:scale`: `bpstudio predict` on 10,000 and 100,000 rows, `bpstudio info` on a
 * 10,000- and a 100,000-node chain, and `bpstudio import` of ONNX chains, in process. Linear
 * time shows as a ratio near 10 between the two sizes (a quadratic one would be near 100).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../engine/cli/main';
import { exportOnnx } from '../engine/onnx/export';
import { chainDocument, predictCsv } from '../engine/testing/scale-docs';

const dir = mkdtempSync(join(tmpdir(), 'bpstudio-scale-'));
let lastErr = '';
const io = { stdout: () => {}, stderr: (s: string) => void (lastErr = s), cwd: dir };

async function time(argv: string[]): Promise<number> {
  const t = performance.now();
  const code = await runCli(argv, io as never);
  const s = (performance.now() - t) / 1000;
  if (code !== 0) throw new Error(`bpstudio ${argv.join(' ')} exited ${code}: ${lastErr}`);
  return s;
}

const rows: string[] = [];
async function pair(what: string, small: number, big: number, make: (n: number) => string[]): Promise<void> {
  const a = await time(make(small));
  const b = await time(make(big));
  rows.push(`${what.padEnd(28)} ${String(small).padStart(8)}: ${a.toFixed(3).padStart(7)} s  ${String(big).padStart(8)}: ${b.toFixed(3).padStart(7)} s  ratio ${(b / a).toFixed(1)}`);
}

try {
  writeFileSync(join(dir, 'xor.json'), JSON.stringify(chainDocument(3)));
  await pair('predict (rows)', 10_000, 100_000, (n) => {
    writeFileSync(join(dir, `p${n}.csv`), predictCsv(n));
    return ['predict', 'xor.json', '--input', `p${n}.csv`, '--json'];
  });
  await pair('info (nodes)', 10_000, 100_000, (n) => {
    writeFileSync(join(dir, `c${n}.json`), JSON.stringify(chainDocument(n)));
    return ['info', `c${n}.json`, '--json'];
  });
  await pair('import ONNX (nodes)', 5_000, 50_000, (n) => {
    writeFileSync(join(dir, `c${n}.onnx`), exportOnnx(chainDocument(n), {}).bytes);
    return ['import', `c${n}.onnx`, '-o', `c${n}.imported.json`];
  });
  console.log('bench:scale — in-process bpstudio commands; a ratio near 10 is linear, near 100 quadratic');
  for (const r of rows) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
