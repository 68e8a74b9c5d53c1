/**
 * onnxruntime's own profile of one W1 training step on the CPU provider, per op type (bench/README,
 * "The WebAssembly optimizer kernels"): the step graph the ort executor runs, with the update in
 * the graph or outside it (gradients out, the optimizer's WebAssembly kernel), timed over 300 runs
 * with `enableProfiling`. Then the whole step without profiling, part by part: `session.run`,
 * the gradient check and the update (WebAssembly), and the rest (the batch, the feeds, the
 * bookkeeping) — three rounds of 2,000 steps over 120 batches.
 *
 *   npx tsx bench/ort-profile.ts [wasm|graph]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DataLoader } from '../engine/data/loader';
import { compileDocument } from '../engine/graph/compile';
import { bindingOf } from '../engine/train/data-source';
import { effectiveSettings } from '../engine/train/settings';
import { makeOptimizer } from '../engine/train/trainer';
import { OrtStepExecutor } from '../engine/backends/ort/executor';
import type { StepGraph } from '../engine/backends/ort/step-graph';
import { syntheticDataset, w1Document } from './bench';

const update = process.argv[2] === 'graph' ? 'graph' : 'wasm';
const doc = w1Document();
const train = syntheticDataset(2000, 784, 10, 1);
const model = compileDocument(doc, { seed: 0, data: bindingOf(train), requireLoss: true });
const opt = makeOptimizer(model.parameterTensors(), effectiveSettings(doc).optimizer);
const ex = await OrtStepExecutor.create(model, opt, train, 32, { backend: 'ort-cpu', update });
const loader = new DataLoader(train, { batchSize: 32 });
for (let k = 0; k < 5; k++) await ex.step(loader.batch(0, k));
// the executor's bound run: its graph, and its feeds and fetches as the last step left them
const run = (ex as unknown as { trains: Map<number, { graph: StepGraph; session: { run: unknown }; feeds: ort.InferenceSession.FeedsType; fetches: ort.InferenceSession.FetchesType }> }).trains.get(32)!;
const dir = mkdtempSync(join(tmpdir(), 'bpstudio-ort-profile-'));
const s = await ort.InferenceSession.create(run.graph.bytes, {
  executionProviders: ['cpu'], graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: 1, interOpNumThreads: 1,
  enableProfiling: true, profileFilePrefix: join(dir, 'p'),
});
const N = 300;
for (let k = 0; k < N; k++) await s.run(run.feeds, run.fetches);
await s.endProfiling();
const events = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
rmSync(dir, { recursive: true });
const byOp = new Map<string, { us: number; n: number }>();
let kernels = 0;
let runs = 0;
let runTotal = 0;
for (const e of events) {
  if (e.cat === 'Session' && e.name === 'model_run') {
    runs++;
    runTotal += e.dur;
  }
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  const r = byOp.get(op) ?? { us: 0, n: 0 };
  r.us += e.dur;
  r.n++;
  byOp.set(op, r);
  kernels += e.dur;
}
console.log(`W1 ort-cpu, update ${update === 'wasm' ? 'outside (WebAssembly kernel)' : 'in the graph'}: ${run.graph.nodeCount} nodes; session.run ${(runTotal / runs).toFixed(0)} µs; kernels ${(kernels / N).toFixed(0)} µs`);
for (const [op, r] of [...byOp].sort((a, b) => b[1].us - a[1].us)) console.log(`  ${op.padEnd(18)} ${(r.us / N).toFixed(1).padStart(7)} µs  ${(r.n / N).toFixed(0).padStart(3)} nodes`);

// ----- the whole step, part by part (no profiling) -----
const timed = { run: 0, update: 0 };

const wrap = <T extends object, K extends keyof T>(o: T, key: K, into: 'run' | 'update') => {
  const f = (o[key] as unknown as (...a: unknown[]) => unknown).bind(o);
  (o as Record<K, unknown>)[key] = (...a: unknown[]) => {
    const t0 = performance.now();
    const r = f(...a);
    timed[into] += performance.now() - t0;
    return r;
  };
};
wrap(run.session, 'run', 'run');
const flat = (ex as unknown as { flat: { gradsFinite: unknown; update: unknown } | null }).flat;
if (flat) {
  wrap(flat, 'gradsFinite', 'update');
  wrap(flat, 'update', 'update');
}
const batches = Array.from({ length: 120 }, (_, k) => loader.batch(0, k % loader.numBatches));
for (let k = 0; k < 200; k++) await ex.step(batches[k % 120]!);
for (let round = 0; round < 3; round++) {
  timed.run = 0;
  timed.update = 0;
  const S = 2000;
  const t0 = performance.now();
  for (let k = 0; k < S; k++) {
    const r = ex.step(batches[k % 120]!);
    if (r instanceof Promise) await r;
  }
  const step = ((performance.now() - t0) / S) * 1000;
  const us = (ms: number) => ((ms / S) * 1000).toFixed(0);
  console.log(`step ${step.toFixed(0)} µs: session.run ${us(timed.run)}, ${update === 'wasm' ? 'check + update' : 'update (in the graph)'} ${us(timed.update)}, the rest ${(step - ((timed.run + timed.update) / S) * 1000).toFixed(0)}`);
}
