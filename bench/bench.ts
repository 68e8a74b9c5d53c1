/**
 * `npm run bench`: training speed of the backends present, against PyTorch when it is installed.
 *
 *   W1  Fashion-MNIST-shaped MLP 784→128 ReLU→10, cross-entropy, Adam (lr 1e-3), batch 32,
 *       one epoch of 60,000 synthetic samples: seconds per epoch, as 10 × the median tenth of
 *       the epoch on both sides (the whole epoch is printed too).
 *   W2  the seed's Iris network 4→128→64→32→16→3 with BatchNorm after the first three layers,
 *       ReLU, cross-entropy, SGD (lr 1e-3), batch 4: microseconds per training step.
 *   W3  GEMM of float32 n×n matrices, n = 1024 and 4096: GFLOP/s (2n³ per product).
 *
 * Every workload runs through the real code path: a graph document, compiled, trained by a step
 * executor (ts: the interpreter; ort-*: one onnxruntime session.run per step).
 *
 * PyTorch: `bench/torch_reference.py` with 1 and 2 threads (Debian's python3-torch, run with
 * /usr/bin/python3); ratios are ours ÷ PyTorch's better setting. OpenBLAS on a VM that hides
 * the CPU model falls back to its SSE3 kernels; the bench sets OPENBLAS_CORETYPE from the CPU's
 * flags (unless set) so that PyTorch runs at its best.
 *
 *   npm run bench -- [--quick] [--json FILE] [--backend NAME] [--no-torch]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Generator } from '../engine/core/random';
import { tensor } from '../engine/core/creation';
import { makeDataset, type Dataset } from '../engine/data/dataset';
import { DataLoader } from '../engine/data/loader';
import { compileDocument } from '../engine/graph/compile';
import { parseDocument, type GraphDocument } from '../engine/graph/document';
import { apply } from '../engine/ops/define-op';
import { matmulOp } from '../engine/ops/matmul';
import { bindingOf } from '../engine/train/data-source';
import { effectiveSettings } from '../engine/train/settings';
import { makeOptimizer } from '../engine/train/trainer';
import { BACKENDS, executorFactory, isBackendName, type BackendName, type StepExecutor } from '../engine/backends/index';
import { chooseThreads } from '../engine/backends/ort/threads';
import { nodeFlags } from '../scripts/node-flags.mjs';

interface Args {
  quick: boolean;
  json: string | null;
  backends: BackendName[] | null;
  torch: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, json: null, backends: null, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    if (s === '--quick') a.quick = true;
    else if (s === '--no-torch') a.torch = false;
    else if (s === '--json') a.json = argv[++i] ?? fail('--json needs a file name');
    else if (s.startsWith('--json=')) a.json = s.slice(7);
    else if (s === '--backend' || s.startsWith('--backend=')) {
      const v = s.includes('=') ? s.slice(10) : (argv[++i] ?? fail('--backend needs a name'));
      if (!isBackendName(v) || v === 'auto') fail(`--backend: one of ${BACKENDS.filter((b) => b !== 'auto').join(', ')}`);
      (a.backends ??= []).push(v);
    } else if (s === '--help' || s === '-h') {
      console.log('usage: npm run bench -- [--quick] [--json FILE] [--backend NAME]... [--no-torch]');
      process.exit(0);
    } else fail(`unknown option ${s}`);
  }
  return a;
}

function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

// ----- workloads -----

function linear(id: string, inF: number, outF: number) {
  return { id, type: 'Linear', params: { inFeatures: inF, outFeatures: outF } };
}

function chain(nodes: { id: string }[]): { id: string; source: string; target: string; targetPort?: string }[] {
  return nodes.slice(1).map((n, i) => ({ id: `e${i}`, source: nodes[i]!.id, target: n.id }));
}

function doc(json: unknown): GraphDocument {
  const r = parseDocument(json);
  if (!r.ok) throw new Error(`bench: workload document: ${JSON.stringify(r.issues)}`);
  return r.document;
}

/** W1: 784→128 ReLU→10, cross-entropy, Adam, batch 32. */
export function w1Document(): GraphDocument {
  const body = [{ id: 'x', type: 'Input', params: {} }, linear('l1', 784, 128), { id: 'r1', type: 'Activation', params: { fn: 'relu' } }, linear('l2', 128, 10)];
  return doc({
    formatVersion: 2,
    name: 'W1',
    nodes: [...body, { id: 'y', type: 'Target', params: { encoding: 'index' } }, { id: 'loss', type: 'Loss', params: { fn: 'crossEntropy' } }],
    edges: [
      ...chain(body),
      { id: 'ep', source: 'l2', target: 'loss', targetPort: 'prediction' },
      { id: 'et', source: 'y', target: 'loss', targetPort: 'target' },
    ],
    training: { optimizer: { type: 'adam', lr: 1e-3 }, batchSize: 32, epochs: 1, shuffle: false, split: { test: 0 }, seed: 0 },
  });
}

/** W2: the seed's Iris network with BatchNorm, SGD lr 1e-3, batch 4. */
export function w2Document(): GraphDocument {
  const body: { id: string; type: string; params: Record<string, unknown> }[] = [{ id: 'x', type: 'Input', params: {} }];
  const widths = [4, 128, 64, 32, 16];
  widths.slice(1).forEach((w, i) => {
    body.push(linear(`l${i + 1}`, widths[i]!, w));
    if (i < 3) body.push({ id: `bn${i + 1}`, type: 'BatchNorm1d', params: { numFeatures: w } });
    body.push({ id: `r${i + 1}`, type: 'Activation', params: { fn: 'relu' } });
  });
  body.push(linear('l5', 16, 3));
  return doc({
    formatVersion: 2,
    name: 'W2',
    nodes: [...body, { id: 'y', type: 'Target', params: { encoding: 'index' } }, { id: 'loss', type: 'Loss', params: { fn: 'crossEntropy' } }],
    edges: [
      ...chain(body),
      { id: 'ep', source: 'l5', target: 'loss', targetPort: 'prediction' },
      { id: 'et', source: 'y', target: 'loss', targetPort: 'target' },
    ],
    training: { optimizer: { type: 'sgd', lr: 1e-3 }, batchSize: 4, epochs: 1, shuffle: false, split: { test: 0 }, seed: 0 },
  });
}

export function syntheticDataset(n: number, features: number, classes: number, seed: number): Dataset {
  const g = new Generator(seed);
  const x = new Float32Array(n * features);
  for (let i = 0; i < x.length; i++) x[i] = g.normal();
  const y = Float32Array.from({ length: n }, () => g.randint(classes));
  return makeDataset({
    name: `synthetic-${features}x${classes}`, task: 'classification', featureShape: [features], targetShape: [], features: x, labels: y,
    classNames: Array.from({ length: classes }, (_, k) => `c${k}`),
  });
}

async function executorFor(backend: BackendName, d: GraphDocument, train: Dataset, threads?: number): Promise<StepExecutor> {
  const settings = effectiveSettings(d);
  const model = compileDocument(d, { seed: 0, data: bindingOf(train), requireLoss: true });
  const optimizer = makeOptimizer(model.parameterTensors(), settings.optimizer);
  return await executorFactory(backend, threads === undefined ? {} : { threads })({ model, optimizer, settings, train });
}

/** The intra-op thread count each ort-cpu workload ran with, and why (issue 14, item 4). */
const threadChoices = new Map<string, string>();

/**
 * The executor a workload is timed on. ort-cpu: one per thread count (1, 2), warmed up, then
 * `chooseThreads` — 1 on a busy machine, else interleaved blocks of `blockSteps` steps — picks
 * one (engine/backends/ort/threads.ts) and says why.
 */
async function timedExecutor(backend: BackendName, label: string, d: GraphDocument, train: Dataset, loader: DataLoader, blockSteps: number): Promise<StepExecutor> {
  if (backend !== 'ort-cpu' || availableParallelism() < 2) return await executorFor(backend, d, train);
  const exs = new Map<number, StepExecutor>();
  let at = 0;
  const choice = await chooseThreads(async (t) => {
    let ex = exs.get(t);
    if (!ex) {
      ex = await executorFor(backend, d, train, t);
      exs.set(t, ex);
      await runSteps(ex, loader, 20, at);
      at += 20;
    }
    const t0 = performance.now();
    await runSteps(ex, loader, blockSteps, at);
    at += blockSteps;
    return (performance.now() - t0) / 1000;
  });
  threadChoices.set(label, choice.reason);
  for (const [t, e] of exs) if (t !== choice.threads) e.dispose();
  return exs.get(choice.threads) ?? (await executorFor(backend, d, train, choice.threads));
}

async function runSteps(ex: StepExecutor, loader: DataLoader, steps: number, startBatch = 0): Promise<void> {
  const nb = loader.numBatches;
  for (let k = 0; k < steps; k++) {
    const b = startBatch + k;
    const r = ex.step(loader.batch(Math.floor(b / nb), b % nb));
    const out = r instanceof Promise ? await r : r;
    if (!out.ok) throw new Error(`bench: the step gave NaN/Inf at ${out.at.nodeId}`);
  }
}

/**
 * W1: seconds per epoch of 60,000 samples (quick: 10,000, scaled): the epoch in ten consecutive
 * tenths, 10 × the median tenth (a burst of load on a shared machine slows a tenth or two, not
 * the median; bench/torch_reference.py times PyTorch the same way), and the whole epoch.
 */
async function benchW1(backend: BackendName, quick: boolean): Promise<{ median: number; total: number }> {
  const samples = quick || backend === 'ts' ? 10_000 : 60_000;
  const train = syntheticDataset(samples, 784, 10, 1);
  const loader = new DataLoader(train, { batchSize: 32 });
  const ex = await timedExecutor(backend, 'W1', w1Document(), train, loader, 100);
  await runSteps(ex, loader, 50);
  const steps = loader.numBatches;
  const tenths: number[] = [];
  for (let c = 0; c < 10; c++) {
    const from = Math.floor((steps * c) / 10);
    const t0 = performance.now();
    await runSteps(ex, loader, Math.floor((steps * (c + 1)) / 10) - from, from);
    tenths.push((performance.now() - t0) / 1000);
  }
  ex.dispose();
  const scale = 60_000 / samples;
  const sorted = [...tenths].sort((a, b) => a - b);
  return { median: 10 * ((sorted[4]! + sorted[5]!) / 2) * scale, total: tenths.reduce((a, b) => a + b, 0) * scale };
}

/** W2: microseconds per step (best of three runs of a third of the steps each, the machine may be shared). */
async function benchW2(backend: BackendName, quick: boolean): Promise<number> {
  const train = syntheticDataset(256, 4, 3, 2);
  const loader = new DataLoader(train, { batchSize: 4 });
  const ex = await timedExecutor(backend, 'W2', w2Document(), train, loader, 300);
  await runSteps(ex, loader, 200);
  const steps = backend === 'ts' ? (quick ? 300 : 1000) : quick ? 1000 : 3000;
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    await runSteps(ex, loader, Math.ceil(steps / 3), rep * 1000);
    best = Math.min(best, ((performance.now() - t0) * 1000) / Math.ceil(steps / 3));
  }
  ex.dispose();
  return best;
}

/** W3: GFLOP/s of an n×n float32 product (best of a few). */
async function benchGemm(backend: BackendName, n: number, quick: boolean): Promise<number | null> {
  const g = new Generator(3);
  const mk = () => {
    const d = new Float32Array(n * n);
    for (let i = 0; i < d.length; i++) d[i] = g.normal();
    return tensor(d, { shape: [n, n] });
  };
  const a = mk();
  const b = mk();
  const flop = 2 * n ** 3;
  if (backend === 'ts') {
    if (n > 1024 && quick) return null;
    const reps = n > 1024 ? 1 : 3;
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      apply(matmulOp, [a, b], { transA: false, transB: false });
      best = Math.min(best, (performance.now() - t0) / 1000);
    }
    return flop / best / 1e9;
  }
  const { buildOpGraph } = await import('../engine/backends/ort/step-graph');
  const { openSession, ortTensor, PROVIDER_OF } = await import('../engine/backends/ort/runtime');
  const { bytes } = buildOpGraph([a, b], () => [apply(matmulOp, [a, b], { transA: false, transB: false })]);
  const provider = PROVIDER_OF[backend as Exclude<BackendName, 'ts' | 'auto'>];
  const feeds = { data_0: ortTensor(a.data, [n, n]), data_1: ortTensor(b.data, [n, n]) };
  const out = { y0: ortTensor(new Float32Array(n * n), [n, n]) };
  const sessions = new Map<number, Awaited<ReturnType<typeof openSession>>>();
  const session = async (threads: number) => {
    let s = sessions.get(threads);
    if (!s) {
      s = await openSession(bytes, { provider, threads });
      sessions.set(threads, s);
      await s.run(feeds, out);
    }
    return s;
  };
  const once = async (threads: number) => {
    const s = await session(threads);
    const t0 = performance.now();
    await s.run(feeds, out);
    return (performance.now() - t0) / 1000;
  };
  let threads = 1;
  if (provider === 'cpu') {
    const choice = await chooseThreads(once, { blocks: n > 1024 ? 3 : 5 });
    threadChoices.set(`GEMM ${n}`, choice.reason);
    threads = choice.threads;
  }
  let best = Infinity;
  const reps = n > 1024 ? 2 : 6;
  for (let r = 0; r < reps; r++) best = Math.min(best, await once(threads));
  return flop / best / 1e9;
}

// ----- PyTorch -----

interface TorchResult {
  torchVersion: string;
  threads: number;
  blas: string;
  /** 10 × the median tenth of the epoch. */
  w1SecondsPerEpoch: number;
  /** The whole epoch (absent from references made before it was added). */
  w1SecondsPerEpochTotal?: number;
  w2MicrosecondsPerStep: number;
  gemmGflops: Record<string, number | null>;
}

function openblasCoretype(): string | null {
  if (process.env['OPENBLAS_CORETYPE']) return process.env['OPENBLAS_CORETYPE'];
  try {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    if (/\bavx512f\b/.test(flags)) return 'SkylakeX';
    if (/\bavx2\b/.test(flags)) return 'Haswell';
  } catch {
    /* not Linux */
  }
  return null;
}

function torchReference(threads: number, quick: boolean): TorchResult | string {
  const python = '/usr/bin/python3';
  try {
    execFileSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    return 'PyTorch was not found (/usr/bin/python3 -c "import torch" failed; apt-get install python3-torch libopenblas0-pthread)';
  }
  const script = fileURLToPath(new URL('./torch_reference.py', import.meta.url));
  const coretype = openblasCoretype();
  const env = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    ...(coretype ? { OPENBLAS_CORETYPE: coretype } : {}),
  };
  try {
    const out = execFileSync(python, [script, '--threads', String(threads), ...(quick ? ['--quick'] : [])], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    return JSON.parse(out.trim().split('\n').pop()!) as TorchResult;
  } catch (e) {
    return `PyTorch reference failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

// ----- main -----

interface BackendResult {
  backend: string;
  provider: string;
  note: string | null;
  /** 10 × the median tenth of the epoch (the better of two epochs on the ort backends). */
  w1SecondsPerEpoch: number | null;
  /** That epoch, whole. */
  w1SecondsPerEpochTotal: number | null;
  w2MicrosecondsPerStep: number | null;
  gemmGflops: { '1024': number | null; '4096': number | null };
  error?: string;
}

async function backendsToRun(args: Args): Promise<BackendName[]> {
  if (args.backends) return args.backends;
  const { listBackends } = await import('../engine/backends/index');
  const list = await listBackends();
  const out: BackendName[] = ['ts'];
  for (const b of list) if (b.name !== 'ts' && b.available && isBackendName(b.name)) out.push(b.name);
  return out;
}

const fmt = (v: number | null | undefined, digits = 3): string => (v === null || v === undefined ? '—' : Number(v.toPrecision(digits)).toString());

/**
 * The bench measures the engine as our own launches of Node run it (scripts/node-flags.mjs: on
 * Node 20, with ArrayBuffer.prototype.transfer enabled, as later Nodes and Electron have it): run
 * again with those flags when they are missing. Returns the child's exit code, or null to go on.
 */
function relaunchWithNodeFlags(): number | null {
  const flags = nodeFlags();
  if (flags.every((f) => process.execArgv.includes(f))) return null;
  const r = spawnSync(process.execPath, [...process.execArgv, ...flags, process.argv[1]!, ...process.argv.slice(2)], { stdio: 'inherit' });
  return r.status ?? 1;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const relaunched = relaunchWithNodeFlags();
  if (relaunched !== null) process.exit(relaunched);
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const transfer = typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function';
  const flags = nodeFlags().filter((f) => process.execArgv.includes(f));
  console.log(`Backprop Studio bench — ${cpu}, ${availableParallelism()} cores, node ${process.version}${flags.length ? ` (${flags.join(' ')})` : ''}${args.quick ? ' (quick)' : ''}`);
  if (!transfer) console.log('ArrayBuffer.prototype.transfer is missing: the ort backends leave onnxruntime-node\'s output copies to the garbage collector');
  const results: BackendResult[] = [];
  for (const backend of await backendsToRun(args)) {
    const r: BackendResult = { backend, provider: '', note: null, w1SecondsPerEpoch: null, w1SecondsPerEpochTotal: null, w2MicrosecondsPerStep: null, gemmGflops: { '1024': null, '4096': null } };
    try {
      const probe = await executorFor(backend, w2Document(), syntheticDataset(16, 4, 3, 9));
      r.backend = probe.report.backend;
      r.provider = probe.report.provider;
      r.note = probe.report.note;
      probe.dispose();
      process.stdout.write(`  ${backend}: W2…`);
      r.w2MicrosecondsPerStep = await benchW2(backend, args.quick);
      process.stdout.write(` ${fmt(r.w2MicrosecondsPerStep)} µs/step; W1…`);
      // best of two epochs in a full run (the machine may be shared)
      let w1 = await benchW1(backend, args.quick);
      if (!args.quick && backend !== 'ts') {
        const again = await benchW1(backend, args.quick);
        if (again.median < w1.median) w1 = again;
      }
      r.w1SecondsPerEpoch = w1.median;
      r.w1SecondsPerEpochTotal = w1.total;
      process.stdout.write(` ${fmt(r.w1SecondsPerEpoch)} s/epoch; W3…`);
      r.gemmGflops['1024'] = await benchGemm(backend, 1024, args.quick);
      r.gemmGflops['4096'] = await benchGemm(backend, 4096, args.quick);
      console.log(` ${fmt(r.gemmGflops['1024'])} / ${fmt(r.gemmGflops['4096'])} GFLOP/s`);
    } catch (e) {
      r.error = (e as Error).message;
      console.log(`\n  ${backend}: ${r.error}`);
    }
    results.push(r);
  }

  let torch: TorchResult[] = [];
  let torchNote: string | null = null;
  if (args.torch) {
    process.stdout.write('  PyTorch: 1 thread…');
    const t1 = torchReference(1, args.quick);
    if (typeof t1 === 'string') torchNote = t1;
    else {
      process.stdout.write(' 2 threads…');
      const t2 = torchReference(2, args.quick);
      torch = typeof t2 === 'string' ? [t1] : [t1, t2];
    }
    console.log(torchNote ? ` ${torchNote}` : ' done');
  } else torchNote = 'PyTorch was not run (--no-torch)';
  const best = torch.length
    ? {
        w1: Math.min(...torch.map((t) => t.w1SecondsPerEpoch)),
        w2: Math.min(...torch.map((t) => t.w2MicrosecondsPerStep)),
        g1024: Math.max(...torch.map((t) => t.gemmGflops['1024'] ?? 0)),
        g4096: torch.some((t) => t.gemmGflops['4096'] !== null) ? Math.max(...torch.map((t) => t.gemmGflops['4096'] ?? 0)) : null,
      }
    : null;

  const ratio = (ours: number | null, theirs: number | null | undefined, higherIsBetter = false): number | null =>
    ours === null || theirs === null || theirs === undefined || theirs === 0 ? null : higherIsBetter ? ours / theirs : ours / theirs;

  // ----- the table -----
  const ran = results.filter((r) => !r.error);
  const ortResults = ran.filter((r) => r.backend !== 'ts');
  const rows: string[][] = [['workload', ...ran.map((r) => r.backend), ...torch.map((t) => `PyTorch ${t.threads}T`), ...ortResults.map((r) => `${r.backend} ÷ PyTorch`), 'target']];
  const line = (label: string, pick: (r: BackendResult) => number | null, tpick: (t: TorchResult) => number | null, tbest: number | null | undefined, target: string, higher = false) => {
    rows.push([
      label,
      ...ran.map((r) => fmt(pick(r))),
      ...torch.map((t) => fmt(tpick(t))),
      ...ortResults.map((r) => {
        const q = ratio(pick(r), tbest, higher);
        return q === null ? '—' : `${q.toFixed(2)}×`;
      }),
      target,
    ]);
  };
  line('W1 s/epoch (784→128→10, Adam, bs 32)', (r) => r.w1SecondsPerEpoch, (t) => t.w1SecondsPerEpoch, best?.w1, '≤ 0.6×');
  line('  whole epoch (not a ratio the target reads)', (r) => r.w1SecondsPerEpochTotal, (t) => t.w1SecondsPerEpochTotal ?? null, undefined, '');
  line('W2 µs/step (Iris + BatchNorm, SGD, bs 4)', (r) => r.w2MicrosecondsPerStep, (t) => t.w2MicrosecondsPerStep, best?.w2, '≤ 0.5×');
  line('W3 GEMM 1024 GFLOP/s', (r) => r.gemmGflops['1024'], (t) => t.gemmGflops['1024'] ?? null, best?.g1024, '≥ 0.8×', true);
  line('W3 GEMM 4096 GFLOP/s', (r) => r.gemmGflops['4096'], (t) => t.gemmGflops['4096'] ?? null, best?.g4096, '≥ 0.8×', true);
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log('');
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  console.log('');
  for (const r of results) if (r.note) console.log(`note: ${r.note}`);
  if (threadChoices.size > 0) {
    console.log('ort-cpu intra-op threads (1 unless the machine is idle, then interleaved timed blocks; training steps on their own always use 1):');
    for (const [label, why] of threadChoices) console.log(`  ${label}: ${why}`);
  }
  for (const r of results) if (r.error) console.log(`not run: ${r.error}`);
  if (ran.some((r) => r.backend === 'ts')) console.log('ts: W1 timed on 10,000 samples and scaled to 60,000; GEMM 4096 skipped with --quick.');
  if (torchNote) console.log(torchNote);
  else {
    const ct = openblasCoretype();
    console.log(`PyTorch ${torch[0]!.torchVersion}, BLAS ${torch[0]!.blas}${ct ? ` (OPENBLAS_CORETYPE=${ct})` : ''}; ratios are against its better thread setting.`);
  }

  if (args.json) {
    const key = (b: string) => b.replace(/(^|-)(\w)/g, (_m, _d, c: string) => c.toUpperCase());
    const ratios: Record<string, number | null> = {};
    for (const r of ortResults) {
      ratios[`ratioW1${key(r.backend)}`] = ratio(r.w1SecondsPerEpoch, best?.w1);
      ratios[`ratioW2${key(r.backend)}`] = ratio(r.w2MicrosecondsPerStep, best?.w2);
      ratios[`ratioGemm1024${key(r.backend)}`] = ratio(r.gemmGflops['1024'], best?.g1024, true);
      ratios[`ratioGemm4096${key(r.backend)}`] = ratio(r.gemmGflops['4096'], best?.g4096, true);
    }
    const out = {
      machine: { cpu, cores: availableParallelism(), node: process.version, quick: args.quick },
      backends: results,
      ortCpuThreads: Object.fromEntries(threadChoices),
      pytorch: torch.length ? torch : null,
      pytorchNote: torchNote,
      targets: { ratioW1: 0.6, ratioW2: 0.5, ratioGemm: 0.8 },
      ...ratios,
    };
    writeFileSync(args.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
