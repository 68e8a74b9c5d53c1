/**
 * `bpstudio export --output-activation none|sigmoid|softmax|auto` (and `--softmax`, its older
 * sibling): what is appended to the exported outputs, checked in onnxruntime-node.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ex = (name: string): string => join(root, 'assets/examples', name);

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: root, env: {} };
  return { code: await runCli(args, io), out, err };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-cli-export-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function outputsOf(file: string, x: number[], shape: number[]): Promise<number[]> {
  const s = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)));
  const r = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(x), shape) });
  return Array.from(r[s.outputNames[0]!]!.data as Float32Array);
}

describe('bpstudio export --output-activation', () => {
  it('sigmoid on the trained XOR model: the probabilities ≈ [0, 1, 1, 0]; auto picks sigmoid for its BCE loss', async () => {
    const trained = join(dir, 'xor.trained.json');
    expect((await run(['train', ex('xor-mlp.json'), '--out', trained])).code).toBe(0);
    for (const activation of ['sigmoid', 'auto']) {
      const out = join(dir, `xor.${activation}.onnx`);
      const r = await run(['export', trained, '-o', out, '--output-activation', activation]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/\(sigmoid appended\)/);
      const p = await outputsOf(out, [0, 0, 0, 1, 1, 0, 1, 1], [4, 2]);
      p.forEach((v, i) => expect(Math.abs(v - [0, 1, 1, 0][i]!), `sample ${i}: ${v}`).toBeLessThan(0.2));
    }
    const plain = join(dir, 'xor.none.onnx');
    expect((await run(['export', trained, '-o', plain, '--output-activation', 'none'])).out).not.toMatch(/appended/);
    expect((await outputsOf(plain, [0, 1], [1, 2]))[0]).toBeGreaterThan(1); // a logit, not a probability
  });

  it('refuses a softmax over the one output column of a BCE model, with --softmax as with --output-activation softmax', async () => {
    for (const flags of [['--softmax'], ['--output-activation', 'softmax']]) {
      const r = await run(['export', ex('xor-mlp.json'), '-o', join(dir, 'no.onnx'), ...flags]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^error: cannot add a softmax to output "prediction": it has one column.*sigmoid/);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
  });

  it('--softmax still appends a softmax to class logits (iris), as --output-activation softmax and auto do', async () => {
    const files: Buffer[] = [];
    for (const flags of [['--softmax'], ['--output-activation', 'softmax'], ['--output-activation', 'auto']]) {
      const out = join(dir, `iris.${flags.join('')}.onnx`);
      const r = await run(['export', ex('iris-mlp.json'), '-o', out, ...flags]);
      expect(r.code, r.err).toBe(0);
      files.push(readFileSync(out));
      const p = await outputsOf(out, [5.1, 3.5, 1.4, 0.2], [1, 4]);
      expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    // --softmax and --output-activation softmax write the same bytes
    expect(files[0]!.equals(files[1]!)).toBe(true);
  });

  it('an unknown activation is a usage error (exit 2)', async () => {
    const r = await run(['export', ex('iris-mlp.json'), '-o', join(dir, 'x.onnx'), '--output-activation', 'relu']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/none, sigmoid, softmax, auto/);
  });
});
