/** `bpstudio grad --weights FILE`: other weights than the graph's own, and clear messages for bad files. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './main';

const xor = new URL('../../assets/examples/xor-mlp.json', import.meta.url).pathname;

async function grad(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['grad', xor, ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('bpstudio grad --weights', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bpstudio-gw-'));
  const batch = join(dir, 'batch.json');
  writeFileSync(batch, JSON.stringify({ features: [[0, 1]], targets: [1] }));
  const zeros = (shape: number[]) => ({ shape, data: Array(shape.reduce((a, b) => a * b, 1)).fill(0) });
  const weights = { hidden: { weight: zeros([4, 2]), bias: zeros([4]) }, out: { weight: zeros([1, 4]), bias: { shape: [1], data: [0.5] } } };

  it('runs on the given weights (bare, or a checkpoint’s `weights` field)', async () => {
    for (const [name, body] of [['bare.json', weights], ['ck.json', { step: 3, weights }]] as const) {
      writeFileSync(join(dir, name), JSON.stringify(body));
      const r = await grad(['--batch', batch, '--weights', join(dir, name), '--json']);
      expect(r.code, r.stderr).toBe(0);
      const rep = JSON.parse(r.stdout) as { objective: { value: number }; parameters: { nodeId: string; name: string; value: { data: number[] } }[] };
      // every weight 0 but the output bias 0.5: the prediction is 0.5 (a logit), BCE with target 1 = log(1 + e^-0.5)
      expect(rep.objective.value).toBeCloseTo(Math.log(1 + Math.exp(-0.5)), 6);
      expect(rep.parameters.find((p) => p.nodeId === 'out' && p.name === 'bias')!.value.data).toEqual([0.5]);
    }
  });

  it('says what is wrong with a weights file', async () => {
    const bad = (name: string, body: unknown) => {
      writeFileSync(join(dir, name), JSON.stringify(body));
      return join(dir, name);
    };
    let r = await grad(['--batch', batch, '--weights', bad('list.json', [1, 2])]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/list\.json: expected an object: a trained-model file, a timeline checkpoint/);
    r = await grad(['--batch', batch, '--weights', bad('short.json', { ...weights, out: { ...weights.out, bias: { shape: [1], data: [] } } })]);
    expect(r.stderr).toMatch(/short\.json: weights\.out\.bias: shape \[1\] needs 1 values, got 0/);
    r = await grad(['--batch', batch, '--weights', bad('missing.json', { hidden: weights.hidden })]);
    expect(r.stderr).toMatch(/missing\.json: saved weights have no "weight" for node "out"/);
  });
});
