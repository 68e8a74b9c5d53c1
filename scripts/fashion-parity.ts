/**
 * Is the lecture's Fashion-MNIST number chance or a difference? Trains
 * assets/examples/fashion-mnist-mlp.json with our engine and the same network in PyTorch
 * (scripts/fixtures/fashion_torch.py, Debian's python3-torch) on identical settings — /255,
 * Adam 1e-3, batch 32, shuffled each epoch, 60,000 training images, the official t10k test set —
 * for several seeds, and prints the per-seed test accuracies (every epoch), both means, their
 * difference with its standard error, and the same for the last epoch's training loss.
 *
 *   npx tsx scripts/fashion-parity.ts [--seeds 5] [--first-seed 0] [--epochs 5] [--backend ort-cpu|ts]
 *       [--init glorot-uniform|kaiming-uniform] [--limit N] [--data-dir DIR] [--replay both|weights|orders]
 *
 * `--init` sets both Linear nodes' init (default: the example's own, glorot-uniform) and the
 * PyTorch side to match (kaiming-uniform: PyTorch's default; glorot-uniform: xavier_uniform_ and
 * a zero bias, Keras'). `--replay both` feeds PyTorch our initial weights and our per-epoch sample
 * orders, so that both take the very same steps and only the arithmetic differs: the curves then
 * agree to four digits for an epoch or more, until float32 rounding, amplified by the training's
 * chaos, parts them. `--replay weights` or `--replay orders` feeds only one (PyTorch draws the other).
 *
 * One 5-epoch run takes ≈ 12–20 s with ort-cpu (≈ 65 s with ts) and ≈ 6–8 s in PyTorch on one
 * thread, which runs in a child process alongside ours: 5 seeds ≈ 2 minutes on an idle machine.
 * One run's test accuracy varies by about ±0.5 points with the seed (and with ort-cpu's thread
 * count), so 5 seeds tell the means apart only to about ±0.3 points (the printed standard error).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileDocument } from '../engine/graph/compile';
import { parseDocument, type GraphDocument } from '../engine/graph/document';
import { DataLoader } from '../engine/data/loader';
import { effectiveSettings } from '../engine/train/settings';
import { prepareDocumentData } from '../engine/train/data-source';
import { trainDocument } from '../engine/train/train-document';
import type { BackendName } from '../engine/backends/index';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '5' },
    'first-seed': { type: 'string', default: '0' },
    epochs: { type: 'string', default: '5' },
    backend: { type: 'string', default: 'ort-cpu' },
    init: { type: 'string' },
    limit: { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: process.env['BPSTUDIO_FASHION_MNIST_DIR'] ?? '/usr/share/datasets/fashion-mnist' },
    replay: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
});
const seeds = Number(args.seeds);
const firstSeed = Number(args['first-seed']);
const epochs = Number(args.epochs);
const limit = Number(args.limit);
const dataDir = args['data-dir']!;
const root = new URL('..', import.meta.url);
const torchScript = new URL('fixtures/fashion_torch.py', import.meta.url).pathname;

const parsed = parseDocument(readFileSync(new URL('assets/examples/fashion-mnist-mlp.json', root), 'utf8'));
if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
const doc: GraphDocument = structuredClone(parsed.document);
const tr = doc.training!;
tr.dataset = { ...tr.dataset!, params: { ...tr.dataset!.params, dir: dataDir, ...(limit > 0 ? { limit } : {}) } };
tr.testDataset = { ...tr.testDataset!, params: { ...tr.testDataset!.params, dir: dataDir } };
tr.epochs = epochs;
const linears = doc.nodes.filter((n) => n.type === 'Linear');
if (args.init) for (const n of linears) n.params = { ...n.params, init: args.init };
const init = String(linears[0]?.params['init'] ?? 'kaiming-uniform');
if (linears.some((n) => String(n.params['init'] ?? 'kaiming-uniform') !== init)) throw new Error('the Linear nodes have different inits');
const torchInit = init === 'glorot-uniform' ? 'glorot' : init === 'kaiming-uniform' ? 'default' : null;
const replay = args.replay ?? null;
if (replay !== null && !['both', 'weights', 'orders'].includes(replay)) throw new Error(`--replay both|weights|orders, got "${replay}"`);
if (torchInit === null && replay !== 'both' && replay !== 'weights') throw new Error(`no PyTorch counterpart for init "${init}" (use --replay weights)`);

const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
const haveTorch = spawnSync(args.python!, ['-c', 'import torch'], { env }).status === 0;
if (!haveTorch) console.log(`(${args.python} cannot import torch: apt-get install python3-torch; only our side runs)`);

interface EpochLine { epoch: number; loss: number; testAccuracy: number }

function runTorch(seed: number, replayFile: string | null): Promise<EpochLine[]> {
  const argv = [torchScript, '--seed', String(seed), '--epochs', String(epochs), '--data-dir', dataDir, '--init', torchInit ?? 'default',
    ...(limit > 0 ? ['--limit', String(limit)] : []), ...(replayFile ? ['--replay', replayFile] : [])];
  return new Promise((resolve, reject) => {
    const p = spawn(args.python!, argv, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`fashion_torch.py exited with ${code}`));
      resolve(out.trim().split('\n').map((l) => JSON.parse(l) as EpochLine));
    });
  });
}

/** Our initial weights and/or per-epoch sample orders, for PyTorch to start from and follow. */
function writeReplay(seed: number, what: string, file: string): void {
  const settings = effectiveSettings(doc, { seed });
  const data = prepareDocumentData(settings, process.cwd());
  const model = compileDocument(doc, { seed, data: data.binding, requireLoss: true });
  const weights: Record<string, unknown> = {};
  for (const [node, ws] of Object.entries(model.exportWeights())) for (const [name, v] of Object.entries(ws)) weights[`${node}.${name}`] = v;
  const loader = new DataLoader(data.train, { batchSize: settings.batchSize, shuffle: settings.shuffle, seed, dropLast: settings.dropLast });
  const orders = Array.from({ length: epochs }, (_, e) => Array.from(loader.order(e)));
  writeFileSync(file, JSON.stringify({ ...(what !== 'orders' ? { weights } : {}), ...(what !== 'weights' ? { orders } : {}) }));
}

const fmt = (x: number) => x.toFixed(4);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / Math.max(xs.length - 1, 1));

if (!existsSync(dataDir)) throw new Error(`no Fashion-MNIST files in ${dataDir} (apt-get install dataset-fashion-mnist, or --data-dir)`);
console.log(`Fashion-MNIST MLP, ${epochs} epochs, ${limit > 0 ? `${limit}` : 'all 60000'} training images, t10k test set; ` +
  `init ${init}${replay ? ` (PyTorch replays our ${replay === 'both' ? 'initial weights and sample orders' : replay === 'weights' ? 'initial weights' : 'sample orders'})` : ` (PyTorch: ${torchInit === 'glorot' ? 'xavier_uniform_, zero bias' : 'its default'})`}; ` +
  `ours on ${args.backend}`);
const tmp = mkdtempSync(join(tmpdir(), 'fashion-parity-'));
const ours: number[] = [];
const theirs: number[] = [];
const ourLoss: number[] = [];
const theirLoss: number[] = [];
try {
  for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
    let replayFile: string | null = null;
    if (replay) writeReplay(seed, replay, (replayFile = join(tmp, `replay-${seed}.json`)));
    const torchRun = haveTorch ? runTorch(seed, replayFile) : Promise.resolve(null);
    torchRun.catch(() => {});
    const t0 = performance.now();
    const r = await trainDocument(doc, { overrides: { seed }, backend: args.backend as BackendName });
    const ourSeconds = (performance.now() - t0) / 1000;
    const t = await torchRun;
    const ourCurve = r.history.map((h) => h.testAccuracy!);
    ours.push(ourCurve[ourCurve.length - 1]!);
    ourLoss.push(r.history[r.history.length - 1]!.loss);
    let line = `seed ${seed}: ours ${fmt(ours[ours.length - 1]!)} [${ourCurve.map(fmt).join(' ')}] loss ${fmt(ourLoss[ourLoss.length - 1]!)}, ${ourSeconds.toFixed(0)} s`;
    if (t) {
      theirs.push(t[t.length - 1]!.testAccuracy);
      theirLoss.push(t[t.length - 1]!.loss);
      line += `   pytorch ${fmt(theirs[theirs.length - 1]!)} [${t.map((e) => fmt(e.testAccuracy)).join(' ')}] loss ${fmt(theirLoss[theirLoss.length - 1]!)}`;
    }
    console.log(line);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(`test accuracy after epoch ${epochs} (the last epoch's mean training loss in parentheses):`);
console.log(`ours:    mean ${fmt(mean(ours))}, sd ${fmt(sd(ours))} over ${ours.length} seeds (loss ${fmt(mean(ourLoss))} ± ${fmt(sd(ourLoss))})`);
if (theirs.length > 0) {
  const diff = mean(ours) - mean(theirs);
  const se = Math.sqrt(sd(ours) ** 2 / ours.length + sd(theirs) ** 2 / theirs.length);
  const lossSe = Math.sqrt(sd(ourLoss) ** 2 / ourLoss.length + sd(theirLoss) ** 2 / theirLoss.length);
  console.log(`pytorch: mean ${fmt(mean(theirs))}, sd ${fmt(sd(theirs))} over ${theirs.length} seeds (loss ${fmt(mean(theirLoss))} ± ${fmt(sd(theirLoss))})`);
  console.log(`difference (ours − pytorch): ${(diff * 100).toFixed(2)} points of accuracy (standard error ${(se * 100).toFixed(2)}); ` +
    `training loss ${(mean(ourLoss) - mean(theirLoss)).toFixed(4)} (standard error ${lossSe.toFixed(4)})`);
  if (ours.length < 3 || theirs.length < 3) console.log('too few seeds to tell chance from a difference');
  else console.log(Math.abs(diff) <= 2 * se
    ? 'within two standard errors: no difference this many seeds can show (one run\'s accuracy varies by about ±0.5 points with the seed)'
    : 'more than two standard errors apart: look for a difference (and rerun with more seeds)');
}
