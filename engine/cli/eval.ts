/**
 * `bpstudio eval TRAINED.json`: loss, accuracy and confusion matrix on the test split
 * (recreated from the saved seed and split) or on a whole dataset given with --dataset.
 */
import type { Dataset } from '../data/dataset';
import { numClasses } from '../data/dataset';
import { applyNormalization, fitNormalization } from '../data/transforms';
import { compileDocument } from '../graph/compile';
import { bindingOf } from '../train/data-source';
import { effectiveSettings, prepareDocumentData } from '../train/session';
import { evaluateModel } from '../train/trainer';
import { fmt, fmtFixed, renderTable } from './format';
import { CliError, EXIT, line, type CliIo } from './io';
import { loadDatasetArg, loadGraphSource, type GraphSource } from './load';

export interface EvalCommandOptions {
  dataset?: string;
  json?: boolean;
}

export interface EvalReport {
  model: string;
  dataset: string;
  /** `test`: the test split (or separate test set); `all`: the document has no test split; `dataset`: --dataset. */
  split: 'test' | 'all' | 'dataset';
  samples: number;
  loss: number | null;
  accuracy: number | null;
  classNames: string[] | null;
  /** [true class][predicted class] */
  confusion: number[][] | null;
}

/** Check a dataset given with --dataset against what the model was trained on. */
function checkCompatible(src: GraphSource, ds: Dataset): void {
  const saved = src.trained?.dataset;
  if (!saved) return;
  if (saved.featureShape.join() !== ds.featureShape.join()) {
    throw new CliError(`dataset "${ds.name}" has features of shape [${ds.featureShape.join(', ')}], the model was trained on [${saved.featureShape.join(', ')}] (${saved.name})`);
  }
  if (saved.task !== ds.task) throw new CliError(`dataset "${ds.name}" is a ${ds.task} dataset, the model was trained for ${saved.task} (${saved.name})`);
  if (ds.task === 'classification' && numClasses(ds) > saved.numClasses) {
    throw new CliError(`dataset "${ds.name}" has ${numClasses(ds)} classes, the model was trained on ${saved.numClasses} (${saved.name})`);
  }
}

export function evaluate(src: GraphSource, opts: EvalCommandOptions, cwd: string): EvalReport {
  const doc = src.document;
  const settings = effectiveSettings(doc);
  let data: Dataset;
  let split: EvalReport['split'];
  if (opts.dataset) {
    const ds = loadDatasetArg(opts.dataset, cwd);
    checkCompatible(src, ds);
    const norm = src.trained ? src.trained.normalization : fitNormalization(ds, settings.normalize);
    data = applyNormalization(ds, norm);
    split = 'dataset';
  } else {
    const prepared = prepareDocumentData(settings, src.dir);
    data = prepared.test ?? prepared.train;
    split = prepared.test ? 'test' : 'all';
  }
  const model = compileDocument(doc, { seed: src.trained?.seed ?? settings.seed, data: bindingOf(data), requireLoss: false });
  if (src.trained) model.loadWeights(src.trained.weights);
  const lossFn = model.lossNodeId ? String(model.validation.params.get(model.lossNodeId)!['fn']) : null;
  if (!lossFn && !model.predictionKey) throw new CliError('the graph has no Loss node and no Output node: nothing to evaluate');
  const r = evaluateModel(model, data, lossFn);
  const k = r.confusion?.length ?? 0;
  const classNames = data.task === 'classification' ? (data.classNames ?? src.trained?.dataset?.classNames ?? Array.from({ length: k }, (_, i) => String(i))) : null;
  return {
    model: doc.name, dataset: data.name, split, samples: data.numSamples,
    loss: r.loss, accuracy: r.accuracy, classNames, confusion: r.confusion,
  };
}

export function evalCommand(file: string, opts: EvalCommandOptions, io: CliIo): number {
  const cwd = io.cwd ?? process.cwd();
  const src = loadGraphSource(file, cwd);
  const rep = evaluate(src, opts, cwd);
  if (opts.json) {
    line(io.stdout, JSON.stringify(rep));
    return EXIT.ok;
  }
  const out = (s = ''): void => line(io.stdout, s);
  const epochs = src.trained?.history.length ?? 0;
  out(`model: "${rep.model}" (${src.trained ? `trained ${epochs} epoch${epochs === 1 ? '' : 's'}` : 'untrained graph document: its initial or fixed weights'})`);
  const where = rep.split === 'test' ? 'test split' : rep.split === 'all' ? 'the whole dataset (the document has no test split)' : 'the whole dataset';
  out(`data:  ${rep.dataset}, ${where}, ${rep.samples} samples`);
  out(`loss      ${rep.loss === null ? '— (no Loss node)' : fmt(rep.loss)}`);
  if (rep.accuracy !== null) {
    const correct = rep.confusion ? rep.confusion.reduce((a, row, i) => a + (row[i] ?? 0), 0) : Math.round(rep.accuracy * rep.samples);
    out(`accuracy  ${fmtFixed(rep.accuracy)} (${correct} of ${rep.samples})`);
  }
  if (rep.confusion && rep.classNames) {
    const names = rep.confusion.map((_, i) => rep.classNames![i] ?? String(i));
    out();
    out('confusion matrix (rows: true class, columns: predicted class)');
    const rows = rep.confusion.map((row, i) => [names[i]!, ...row.map(String)]);
    for (const l of renderTable(['true \\ predicted', ...names], rows, names.map((_, j) => j + 1))) out(l);
  }
  return EXIT.ok;
}
