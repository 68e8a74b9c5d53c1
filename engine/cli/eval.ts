/**
 * `bpstudio eval TRAINED.json`: loss, accuracy and confusion matrix on the test split
 * (recreated from the saved seed and split) or on a whole dataset given with --dataset.
 */
import type { Dataset } from '../data/dataset';
import { classIndices, makeDataset, numClasses } from '../data/dataset';
import { applyNormalization, fitNormalization } from '../data/transforms';
import { compileDocument } from '../graph/compile';
import { assertSamples, bindingOf, prepareDocumentData } from '../train/data-source';
import { effectiveSettings } from '../train/settings';
import { checkTargetsForLoss } from '../train/target-check';
import { evaluateModelTs } from '../backends/ts/executor';
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

/**
 * A dataset given with --dataset, checked against what the model was trained on and with its
 * classes numbered as the model numbers them: a CSV's classes are numbered by sorting the names
 * it holds, so a file without one of the classes (or with others) would shift every index and
 * give a mislabelled confusion matrix. Classes are matched by name; an unknown name is refused.
 */
function alignToModel(src: GraphSource, ds: Dataset): Dataset {
  assertSamples(ds);
  const saved = src.trained?.dataset;
  if (!saved) return ds;
  if (saved.featureShape.join() !== ds.featureShape.join()) {
    throw new CliError(`dataset "${ds.name}" has features of shape [${ds.featureShape.join(', ')}], the model was trained on [${saved.featureShape.join(', ')}] (${saved.name})`);
  }
  if (saved.task !== ds.task) throw new CliError(`dataset "${ds.name}" is a ${ds.task} dataset, the model was trained for ${saved.task} (${saved.name})`);
  if (ds.task !== 'classification') return ds;
  const known = saved.classNames;
  const given = ds.classNames;
  if (!known || !given) {
    // Without names on both sides the indices are all there is: none may be beyond the model's classes.
    if (numClasses(ds) > saved.numClasses) {
      throw new CliError(`dataset "${ds.name}" has ${numClasses(ds)} classes, the model was trained on ${saved.numClasses} (${saved.name})`);
    }
    return ds;
  }
  const index = new Map(known.map((name, k) => [name, k] as const));
  const unknown = given.filter((name) => !index.has(name));
  if (unknown.length > 0) {
    throw new CliError(
      `dataset "${ds.name}" has class${unknown.length === 1 ? '' : 'es'} ${unknown.map((n) => JSON.stringify(n)).join(', ')} that the model was not trained on ` +
        `(its ${known.length} classes, from ${saved.name}: ${known.join(', ')})`,
    );
  }
  const remap = given.map((name) => index.get(name)!);
  const idx = classIndices(ds);
  return makeDataset({ ...ds, labels: Float32Array.from(idx, (c) => remap[c]!), classNames: [...known], labelEncoding: 'index' });
}

export function evaluate(src: GraphSource, opts: EvalCommandOptions, cwd: string): EvalReport {
  const doc = src.document;
  const settings = effectiveSettings(doc);
  let data: Dataset;
  let split: EvalReport['split'];
  if (opts.dataset) {
    const ds = alignToModel(src, loadDatasetArg(opts.dataset, cwd));
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
  checkTargetsForLoss(model, data);
  const lossFn = model.lossFn;
  if (!lossFn && !model.predictionKey) throw new CliError('the graph has no Loss node and no Output node: nothing to evaluate');
  const r = evaluateModelTs(model, data, lossFn);
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
