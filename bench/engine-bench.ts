/**
 * Engine benchmark (`npm run bench:engine`): fp32 GEMM, W1 (Fashion-MNIST-shaped MLP epoch) and
 * W2 (Iris network training step) on the ts backend, next to PyTorch's CPU reference run on this
 * machine (bench/torch_reference.py, 1 and 2 threads). See bench/README.md.
 *
 *   npm run bench:engine -- [--quick] [--json FILE] [--no-torch]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, Tensor, matmul, noGrad, type Optimizer } from '../engine/index';
import { TsStepExecutor } from '../engine/backends/ts/executor';
import type { StepBatch } from '../engine/backends/executor';
import { compileDocument, type CompiledGraph } from '../engine/graph/compile';
import type { OptimizerSettings } from '../engine/graph/document';
import { feedOf } from '../engine/graph/feed';
import { bindingOf } from '../engine/train/data-source';
import { makeOptimizer } from '../engine/train/trainer';
import { randomClassification, sequentialDocument, W1_LAYERS, W2_LAYERS, type LayerSpec } from '../engine/testing/networks';

const HERE = dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = join(HERE, 'torch_reference.py');
const GEMM_SIZES = [256, 512, 1024] as const;
const TARGETS = { w1: 4, w2: 0.5 } as const;

interface Args {
  quick: boolean;
  json: string | null;
  torch: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, json: null, torch: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--quick') args.quick = true;
    else if (a === '--no-torch') args.torch = false;
    else if (a === '--json') {
      const file = argv[++i];
      if (!file) throw new Error('--json needs a file name');
      args.json = file;
    } else if (a.startsWith('--json=')) args.json = a.slice('--json='.length);
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench:engine -- [--quick] [--json FILE] [--no-torch]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return args;
}

// ---------------------------------------------------------------------------------------------
// Workloads (ts backend)
// ---------------------------------------------------------------------------------------------

function normalArray(n: number, g: Generator): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = g.normal();
  return x;
}

/** One eager training step (the autograd tape): zeroGrad, forward, loss, backward, optimizer step. */
function eagerStep(model: CompiledGraph, opt: Optimizer, batch: StepBatch): void {
  opt.zeroGrad();
  model.forward(feedOf(batch.x, batch.xShape, batch.y, batch.yShape), { training: true }).loss!.backward();
  opt.step();
}

/** GFLOP/s of an n×n·n×n float32 matmul through the engine's op: best of a few repeats. */
function benchGemm(n: number, quick: boolean): number {
  const g = new Generator(n);
  const a = Tensor.fromData(normalArray(n * n, g), [n, n]);
  const b = Tensor.fromData(normalArray(n * n, g), [n, n]);
  const minRepeats = Math.max(3, Math.round((quick ? 1 : 3) * (1024 / n) ** 2));
  const minMs = quick ? 300 : 1000;
  let best = Infinity;
  noGrad(() => {
    const warm = performance.now();
    while (performance.now() - warm < 200) matmul(a, b); // JIT warm-up
    const start = performance.now();
    for (let r = 0; r < minRepeats || performance.now() - start < minMs; r++) {
      const t0 = performance.now();
      matmul(a, b);
      best = Math.min(best, performance.now() - t0);
    }
  });
  return (2 * n ** 3) / (best / 1e3) / 1e9;
}

interface W1Result {
  /** 10 × the median tenth of the epoch: robust to bursts of load on a shared machine. */
  seconds: number;
  /** The plain wall time of the whole epoch (what the reference reports). */
  totalSeconds: number;
}

/** A training workload as the app runs it: a graph document, its ts step executor, and batches of random data. */
function workload(layers: readonly LayerSpec[], optimizer: OptimizerSettings, features: number, classes: number, samples: number, bs: number) {
  const ds = randomClassification(samples, features, classes, 0);
  const doc = sequentialDocument(layers, optimizer, bs, 0);
  const model = compileDocument(doc, { data: bindingOf(ds), requireLoss: true });
  const opt = makeOptimizer(model.parameterTensors(), optimizer);
  const executor = new TsStepExecutor(model, opt);
  const batch = (i: number): StepBatch => {
    const rows = Math.min(bs, samples - i);
    return {
      x: ds.features.subarray(i * features, (i + rows) * features),
      xShape: [rows, features],
      y: ds.labels.subarray(i, i + rows),
      yShape: [rows],
    };
  };
  return { model, opt, executor, batch };
}

/** W1: seconds per 60,000-sample epoch (timed on `samples`, scaled to 60,000), on the ts step executor. */
function benchW1(samples: number): W1Result {
  const bs = 32;
  const w = workload(W1_LAYERS, { type: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 } as OptimizerSettings, 784, 10, samples, bs);
  const step = (i: number): void => {
    const r = w.executor.step(w.batch(i));
    if (!r.ok) throw new Error('W1: non-finite step');
  };
  for (let k = 0; k < 50; k++) step((k * bs) % (samples - bs)); // warm-up, as the reference
  const steps = Math.ceil(samples / bs);
  const chunks = 10;
  const chunkMs: number[] = [];
  let s = 0;
  for (let c = 1; c <= chunks; c++) {
    const t0 = performance.now();
    for (const end = Math.round((steps * c) / chunks); s < end; s++) step(s * bs);
    chunkMs.push(performance.now() - t0);
  }
  const scale = 60_000 / samples / 1e3;
  return { seconds: median(chunkMs) * chunks * scale, totalSeconds: chunkMs.reduce((p, q) => p + q, 0) * scale };
}

/**
 * W2: microseconds per training step of the Iris network (median over blocks of steps): the
 * ts step executor (the replayed step program), and — for reference — the eager autograd tape.
 */
function benchW2(steps: number, mode: 'program' | 'eager'): number {
  const n = 256;
  const bs = 4;
  const w = workload(W2_LAYERS, { type: 'sgd', lr: 0.001, momentum: 0, nesterov: false, weightDecay: 0 } as OptimizerSettings, 4, 3, n, bs);
  const step = (k: number): void => {
    const b = w.batch((k * bs) % n);
    if (mode === 'eager') eagerStep(w.model, w.opt, b);
    else if (!w.executor.step(b).ok) throw new Error('W2: non-finite step');
  };
  for (let k = 0; k < 200; k++) step(k); // warm-up, as the reference
  const blocks = 6;
  const per = Math.ceil(steps / blocks);
  const times: number[] = [];
  let k = 0;
  for (let b = 0; b < blocks; b++) {
    const t0 = performance.now();
    for (let s = 0; s < per; s++) step(k++);
    times.push(((performance.now() - t0) * 1e3) / per);
  }
  return median(times);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------------------------------------
// PyTorch reference
// ---------------------------------------------------------------------------------------------

interface TorchResult {
  torchVersion: string;
  threads: number;
  blas: string;
  w1SecondsPerEpoch: number;
  w2MicrosecondsPerStep: number;
  gemmGflops: Record<string, number | null>;
}

function torchAvailable(): boolean {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore', timeout: 120_000 });
  return r.status === 0;
}

/**
 * Debian's OpenBLAS (DYNAMIC_ARCH) falls back to its SSE3 "Prescott" kernels on VMs that hide the
 * CPU model; pick the kernels the CPU flags allow (unless the caller set OPENBLAS_CORETYPE), so
 * the reference is PyTorch at its best on this machine.
 */
function openblasCoreType(): string | null {
  if (process.env.OPENBLAS_CORETYPE) return process.env.OPENBLAS_CORETYPE;
  let flags: Set<string>;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    flags = new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
  } catch {
    return null;
  }
  if (['avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512cd'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2') && flags.has('fma')) return 'Haswell';
  return null;
}

function runTorch(threads: number, quick: boolean, coreType: string | null): TorchResult | string {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  const args = [TORCH_SCRIPT, '--threads', String(threads), ...(quick ? ['--quick'] : [])];
  const r = spawnSync(PYTHON, args, { env, encoding: 'utf8', timeout: 30 * 60_000, maxBuffer: 16 << 20 });
  if (r.status !== 0) return `torch_reference.py --threads ${threads} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr.trim().slice(-400)}`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as TorchResult;
  } catch {
    return `torch_reference.py --threads ${threads} printed no JSON: ${line.slice(0, 200)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Table
// ---------------------------------------------------------------------------------------------

interface Row {
  workload: string;
  unit: string;
  /** true: higher is better (GFLOP/s); false: lower is better (time). */
  higherIsBetter: boolean;
  ours: number;
  torch1: number | null;
  torch2: number | null;
  /** ours ÷ PyTorch's better setting. */
  ratio: number | null;
  /** Ratio target (time ratios: at most), or null. */
  target: number | null;
  ratioKey: string;
}

function bestTorch(row: Pick<Row, 'higherIsBetter' | 'torch1' | 'torch2'>): number | null {
  const xs = [row.torch1, row.torch2].filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (xs.length === 0) return null;
  return row.higherIsBetter ? Math.max(...xs) : Math.min(...xs);
}

function fmt(v: number | null, digits: number): string {
  return v === null ? '—' : v.toFixed(digits);
}

function printTable(rows: readonly Row[], withTorch: boolean): void {
  const header = withTorch
    ? ['workload', 'unit', 'ours (ts)', 'torch 1 thr', 'torch 2 thr', 'ours/best torch', 'target', 'status']
    : ['workload', 'unit', 'ours (ts)'];
  const body = rows.map((r) => {
    const digits = r.unit === 's/epoch' ? 2 : 1;
    const cells = [r.workload, r.unit, fmt(r.ours, digits)];
    if (!withTorch) return cells;
    const met = r.ratio === null || r.target === null ? '' : r.ratio <= r.target ? 'met' : 'MISSED';
    return [
      ...cells,
      fmt(r.torch1, digits),
      fmt(r.torch2, digits),
      r.ratio === null ? '—' : `${r.ratio.toFixed(r.higherIsBetter ? 3 : 2)}×`,
      r.target === null ? '—' : `≤ ${r.target}×`,
      met,
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((b) => b[c]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((s, c) => (c < 2 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  ').trimEnd());
  for (const b of body) console.log(line(b));
}

// ---------------------------------------------------------------------------------------------

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const w1Samples = args.quick ? 10_000 : 60_000;
  const w2Steps = args.quick ? 1_200 : 3_000;
  console.log(`Backprop Studio engine bench — ts backend, Node ${process.version}${args.quick ? ' (--quick)' : ''}`);

  const gemm: Record<string, number> = {};
  for (const n of GEMM_SIZES) gemm[n] = benchGemm(n, args.quick);
  const w1Result = benchW1(w1Samples);
  const w1 = w1Result.seconds;
  const w2 = benchW2(w2Steps, 'program');
  const w2Eager = benchW2(Math.round(w2Steps / 3), 'eager');

  let torchNote: string;
  let t1: TorchResult | null = null;
  let t2: TorchResult | null = null;
  const coreType = openblasCoreType();
  if (!args.torch) torchNote = 'PyTorch reference: skipped (--no-torch)';
  else if (!torchAvailable()) {
    torchNote = 'PyTorch reference: not found (install Debian python3-torch and libopenblas0-pthread)';
  } else {
    const r1 = runTorch(1, args.quick, coreType);
    const r2 = runTorch(2, args.quick, coreType);
    const errors = [r1, r2].filter((r): r is string => typeof r === 'string');
    t1 = typeof r1 === 'string' ? null : r1;
    t2 = typeof r2 === 'string' ? null : r2;
    const info = t1 ?? t2;
    torchNote = info
      ? `PyTorch reference: torch ${info.torchVersion}, ${info.blas}` +
        `${coreType && !process.env.OPENBLAS_CORETYPE ? ` (OPENBLAS_CORETYPE=${coreType} set by the bench)` : ''}` +
        `, run with OPENBLAS_NUM_THREADS=1 and =2`
      : 'PyTorch reference: failed';
    for (const e of errors) torchNote += `\n  ${e}`;
  }
  const withTorch = t1 !== null || t2 !== null;

  const rows: Row[] = [];
  const add = (r: Omit<Row, 'ratio'>): void => {
    const best = bestTorch(r);
    rows.push({ ...r, ratio: best === null ? null : r.ours / best });
  };
  for (const n of GEMM_SIZES) {
    add({
      workload: `GEMM fp32 ${n}×${n}`, unit: 'GFLOP/s', higherIsBetter: true, ours: gemm[n]!,
      torch1: t1?.gemmGflops[String(n)] ?? null, torch2: t2?.gemmGflops[String(n)] ?? null,
      target: null, ratioKey: `ratioGemm${n}`,
    });
  }
  add({
    workload: 'W1 MLP 784-128-10, Adam, bs 32', unit: 's/epoch', higherIsBetter: false, ours: w1,
    torch1: t1?.w1SecondsPerEpoch ?? null, torch2: t2?.w1SecondsPerEpoch ?? null, target: TARGETS.w1, ratioKey: 'ratioW1',
  });
  add({
    workload: 'W2 Iris 4-128-64-32-16-3 BN, SGD, bs 4', unit: 'µs/step', higherIsBetter: false, ours: w2,
    torch1: t1?.w2MicrosecondsPerStep ?? null, torch2: t2?.w2MicrosecondsPerStep ?? null, target: TARGETS.w2, ratioKey: 'ratioW2',
  });
  add({
    workload: 'W2, eager autograd tape (reference)', unit: 'µs/step', higherIsBetter: false, ours: w2Eager,
    torch1: t1?.w2MicrosecondsPerStep ?? null, torch2: t2?.w2MicrosecondsPerStep ?? null, target: null, ratioKey: 'ratioW2Eager',
  });

  console.log(torchNote);
  console.log(
    `W1: ${args.quick ? `${w1Samples.toLocaleString('en-US')} samples, scaled to 60,000` : '60,000 samples'}, ` +
      `10 × the median tenth (whole epoch: ${w1Result.totalSeconds.toFixed(2)} s); ` +
      `W2: median of 6 blocks, ${w2Steps.toLocaleString('en-US')} timed steps after 200 warm-up. ` +
      'W1 and W2 run as the app trains: a graph document on the ts step executor (its first step traced, the rest replayed)\n',
  );
  printTable(rows, withTorch);
  if (withTorch) console.log('\nratio = ours ÷ PyTorch\'s better thread setting (GEMM: GFLOP/s, higher is better; W1/W2: time, lower is better)');

  if (args.json) {
    const json: Record<string, unknown> = {
      backend: 'ts',
      node: process.version,
      quick: args.quick,
      ours: { gemmGflops: gemm, w1SecondsPerEpoch: w1, w1SecondsPerEpochTotal: w1Result.totalSeconds, w2MicrosecondsPerStep: w2, w2EagerMicrosecondsPerStep: w2Eager },
      torch: { note: torchNote, threads1: t1, threads2: t2 },
      targets: { ratioW1: TARGETS.w1, ratioW2: TARGETS.w2 },
      rows: rows.map(({ ratioKey: _k, ...r }) => r),
    };
    for (const r of rows) json[r.ratioKey] = r.ratio;
    writeFileSync(args.json, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nwrote ${args.json}`);
  }
}

main();
