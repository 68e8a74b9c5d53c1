/** `bpstudio export --format pytorch`: a graph document or trained model as a PyTorch script (docs/pytorch-export.md). */
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write';
import { exportPyTorch } from '../pytorch/export';
import { trainingPlan } from '../train/defaults';
import { effectiveSettings } from '../train/settings';
import { CliError, EXIT, line, type CliIo } from './io';
import { loadGraphSource, resolveBinding } from './load';
import { loadDatasetRef } from '../train/data-source';

export interface PyTorchCommandOptions {
  out: string;
  /** true: write the sidecar; false: none; undefined: when the source has stored weights. */
  weights?: boolean;
}

export function exportPyTorchCommand(file: string, opts: PyTorchCommandOptions, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  if (!opts.out.endsWith('.py')) throw new CliError(`--format pytorch writes a Python script: -o must end in .py (got ${opts.out})`, EXIT.usage);
  const src = loadGraphSource(file, cwd);
  const b = resolveBinding(src, undefined, cwd);
  if (b.warning) line(io.stderr, `warning: ${b.warning}`);
  const settings = src.document.training ? effectiveSettings(src.document) : null;
  // a trained model brings its shapes, but the script also wants the data itself
  let dataset = b.dataset;
  if (!dataset && settings?.dataset) {
    try {
      dataset = loadDatasetRef(settings.dataset, src.dir);
    } catch {
      dataset = null;
    }
  }
  // What the app would do where the document leaves it to the data.
  const plan = trainingPlan(settings, dataset?.numSamples ?? 0);
  const out = resolve(cwd, opts.out);
  const r = exportPyTorch(src.trained ?? src.document, {
    data: b.binding,
    dataset,
    scriptName: basename(out),
    plan,
    ...(opts.weights !== undefined ? { weights: opts.weights } : {}),
  });
  writeFileAtomic(out, new TextEncoder().encode(r.script));
  let weightsText = '';
  if (r.weights && r.weightsName) {
    writeFileAtomic(join(dirname(out), r.weightsName), r.weights);
    weightsText = `, weights ${r.weightsName} (${r.tensors.length} tensors, ${r.weights.length} bytes)`;
  }
  line(io.stdout, `wrote ${opts.out} (PyTorch script, class ${r.className}${weightsText})`);
  return EXIT.ok;
}
