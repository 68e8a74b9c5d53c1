/**
 * Same-process A/B of the optimizer's update paths (issue 14): executors with the update as the
 * fused WebAssembly kernel and as the op-level rule (ts: fused JS loops; ort-cpu: ONNX nodes in
 * the step graph) train the same workload in alternating blocks of steps; the median block of
 * each is printed (µs/step). The machine may be shared: compare the columns, not single runs.
 *
 *   npx tsx bench/optim-ab.ts [w1|w2] [ts|ort-cpu] [blocks] [steps per block] [variants]
 *
 * variants (ort-cpu): comma-separated update:packing[:intra-op threads], e.g. `wasm:auto,wasm:regions,graph:auto:2`
 * (default `wasm:auto,graph:auto`); ts: `wasm,graph`.
 */
import { DataLoader } from '../engine/data/loader';
import { compileDocument } from '../engine/graph/compile';
import type { GraphDocument } from '../engine/graph/document';
import { bindingOf } from '../engine/train/data-source';
import { effectiveSettings } from '../engine/train/settings';
import { makeOptimizer } from '../engine/train/trainer';
import type { StepExecutor } from '../engine/backends/executor';
import { TsStepExecutor } from '../engine/backends/ts/executor';
import { replayOptions } from '../engine/backends/ts/replay';
import { syntheticDataset, w1Document, w2Document } from './bench';

const [workload = 'w1', backend = 'ts', blocksArg = '8', stepsArg, variantsArg] = process.argv.slice(2);
const variantNames = (variantsArg ?? (backend === 'ts' ? 'wasm,graph' : 'wasm:auto,graph:auto')).split(',');
const doc: GraphDocument = workload === 'w2' ? w2Document() : w1Document();
const train = workload === 'w2' ? syntheticDataset(256, 4, 3, 2) : syntheticDataset(10_000, 784, 10, 1);
const batchSize = workload === 'w2' ? 4 : 32;
const steps = Number(stepsArg ?? (workload === 'w2' ? 500 : 100));
const blocks = Number(blocksArg);

async function make(variant: string): Promise<StepExecutor> {
  const [update, packing = 'auto', threads = '1'] = variant.split(':') as ['wasm' | 'graph', 'auto' | 'packed' | 'regions' | 'tensors', string?];
  const kernel = update === 'wasm';
  const settings = effectiveSettings(doc);
  const model = compileDocument(doc, { seed: 0, data: bindingOf(train), requireLoss: true });
  const optimizer = makeOptimizer(model.parameterTensors(), settings.optimizer);
  if (backend === 'ts') {
    replayOptions.optimizerKernels = kernel;
    return new TsStepExecutor(model, optimizer);
  }
  const { OrtStepExecutor } = await import('../engine/backends/ort/executor');
  return OrtStepExecutor.create(model, optimizer, train, batchSize, { backend: 'ort-cpu', update, packing, threads: Number(threads) });
}

const loader = new DataLoader(train, { batchSize });
async function run(ex: StepExecutor, from: number, n: number): Promise<number> {
  const nb = loader.numBatches;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) {
    const b = from + k;
    const r = ex.step(loader.batch(Math.floor(b / nb), b % nb));
    const out = r instanceof Promise ? await r : r;
    if (!out.ok) throw new Error('not finite');
  }
  return ((performance.now() - t0) * 1000) / n;
}

const variants: { name: string; ex: StepExecutor; times: number[] }[] = [];
for (const name of variantNames) {
  const ex = await make(name);
  await run(ex, 0, 30); // trace, compile, warm up (the replay is built with the flag as set now)
  variants.push({ name, ex, times: [] });
}
replayOptions.optimizerKernels = true;
for (let b = 0; b < blocks; b++) for (const v of b % 2 ? [...variants].reverse() : variants) v.times.push(await run(v.ex, 30 + b * steps, steps));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log(`${workload} ${backend}: ${blocks} alternating blocks of ${steps} steps, µs/step`);
for (const v of variants) console.log(`  ${v.name.padEnd(14)} median ${median(v.times).toFixed(1)}  min ${Math.min(...v.times).toFixed(1)}  blocks ${v.times.map((t) => t.toFixed(0)).join(' ')}`);
