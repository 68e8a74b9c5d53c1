/**
 * The CLI as an installed package: `npm pack` (whose `prepack` builds dist/cli and dist/renderer),
 * then the tarball installed with `--omit=dev` into an empty project, the way a user or a global
 * install gets it — no tsx, no TypeScript, no sources. It must print its version, train the XOR
 * example, export it to ONNX (checked in onnxruntime-node), and serve the app.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from './helpers';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'bpstudio-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, BPSTUDIO_CLI: undefined } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r;
}

describe('the packed CLI, installed without devDependencies', () => {
  const app = join(work, 'app');
  const bin = join(app, 'node_modules', '.bin', 'bpstudio');
  const pkg = join(app, 'node_modules', 'backprop-studio');

  it('packs and installs with --omit=dev', () => {
    // `npm pack --json` prints the prepack build's lines before its JSON.
    const stdout = run('npm', ['pack', '--json', '--pack-destination', work], root).stdout;
    const packed = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/cli/main.mjs');
    expect(files).toContain('dist/renderer/index.html');
    expect(files).toContain('assets/examples/xor-mlp.json');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);

    run('mkdir', ['-p', app], work);
    // The user's project: onnxruntime-node's install script would fetch CUDA binaries from a host
    // this machine cannot reach; the bundled CPU provider needs no script.
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test', private: true, allowScripts: { 'onnxruntime-node': false, protobufjs: true } }));
    run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(work, packed[0]!.filename)], app);
    expect(existsSync(bin)).toBe(true);
    expect(existsSync(join(app, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(app, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(pkg, 'engine'))).toBe(false);
  });

  it('prints its version', () => {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    expect(run(bin, ['--version'], app).stdout).toBe(`${version}\n`);
  });

  it('trains the XOR example to 100 % and exports it to ONNX that computes XOR', async () => {
    const trained = join(work, 'xor.trained.json');
    const out = run(bin, ['train', join(pkg, 'assets', 'examples', 'xor-mlp.json'), '--json', '--out', trained, '--backend', 'ts'], app).stdout;
    const epochs = out.trim().split('\n').map((l) => JSON.parse(l) as { epoch?: number; accuracy?: number }).filter((e) => e.epoch !== undefined);
    expect(epochs.at(-1)).toMatchObject({ epoch: 300, accuracy: 1 });
    expect(existsSync(trained)).toBe(true);

    const onnxFile = join(work, 'xor.onnx');
    run(bin, ['export', trained, '-o', onnxFile], app);
    const session = await ort.InferenceSession.create(onnxFile);
    const x = new ort.Tensor('float32', Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]);
    const result = await session.run({ [session.inputNames[0]!]: x });
    const y = Array.from(result[session.outputNames[0]!]!.data as Float32Array);
    // The model's output is the logit of "1" (BCE with logits): positive exactly for (0,1) and (1,0).
    expect(y.map((v) => (v > 0 ? 1 : 0))).toEqual([0, 1, 1, 0]);
  });

  it('serves the app: the URL it prints answers with the renderer', async () => {
    const child = spawn(bin, ['serve', '--port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    child.stderr.on('data', (d: Buffer) => (printed += d.toString()));
    try {
      const url = await until('the URL', () => /http:\/\/127\.0\.0\.1:\d+\/\S*/.exec(printed)?.[0], 30_000);
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
