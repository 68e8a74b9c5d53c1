/**
 * `bpstudio predict MODEL --input FILE`: run a trained model (or a graph document with its own
 * weights) on samples from a JSON or CSV file, with the saved normalisation applied; print the
 * output per sample and, for classification, the predicted class and probabilities.
 */
import { extname, resolve } from 'node:path';
import { tensor } from '../core/creation';
import { isFiniteFloat32 } from '../core/dtype';
import type { Tensor } from '../core/tensor';
import { noGrad } from '../autograd/grad-mode';
import { DataError, excerpt } from '../data/errors';
import { detectHeader, forEachCsvRecord, parseNumberCell } from '../data/csv';
import { normalizeFeatures, type Normalization } from '../data/transforms';
import { compileDocument } from '../graph/compile';
import type { DataBinding } from '../graph/node-def';
import { hasRole } from '../graph/nodes/specs';
import { effectiveSettings } from '../train/settings';
import { classProbabilities, decisionThreshold, predictClasses } from '../data/metrics';
import { fmt, fmtNested, renderTable } from './format';
import { CliError, EXIT, line, type CliIo } from './io';
import { fileErrorWords, loadGraphSource, resolveBinding } from './load';
import { LimitError } from '../core/limits';
import { parseJsonSafe, readRegularTextFile } from '../core/safe-read';
import { parseNested, sizeOfShape } from './nested';

export interface PredictCommandOptions {
  input: string;
  dataset?: string;
  json?: boolean;
  csv?: boolean;
}

export interface Samples {
  /** Row-major [n, ...featureShape]. */
  data: Float32Array;
  n: number;
  featureShape: number[];
}

function readText(file: string, cwd: string): string {
  try {
    return readRegularTextFile(resolve(cwd, file));
  } catch (e) {
    throw new CliError(`${file}: ${fileErrorWords(e)}`);
  }
}

const shapeText = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Samples from JSON: an array of samples (each a number, a number array or a nested array of
 * the feature shape), or `{ "inputs": [...] }`. A flat sample of the right size also fits a
 * multi-dimensional feature shape.
 */
export function samplesFromJson(value: unknown, featureShape: readonly number[] | null, file: string): Samples {
  let list = value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    if (!('inputs' in value)) throw new CliError(`${file}: expected an array of samples or { "inputs": [...] }`);
    list = (value as { inputs: unknown }).inputs;
  }
  if (!Array.isArray(list)) throw new CliError(`${file}: expected an array of samples or { "inputs": [...] }, got ${typeof list}`);
  if (list.length === 0) throw new CliError(`${file}: there are no samples`);
  let shape = featureShape ? [...featureShape] : null;
  const rows: number[][] = [];
  list.forEach((sample, i) => {
    const v = parseNested(sample, `${file}: sample ${i}`);
    if (!shape) shape = v.shape;
    const f = sizeOfShape(shape);
    const fits = v.shape.join() === shape.join() || (v.shape.length <= 1 && v.data.length === f);
    if (!fits) {
      const hint = v.shape.length === 0 && Array.isArray(list) && list.length === f && list.length <= 64 ? ` (to predict one sample write [${JSON.stringify(list)}])` : '';
      throw new CliError(`${file}: sample ${i} has shape ${shapeText(v.shape)}, the model's features are ${shapeText(shape)}${hint}`);
    }
    const j = v.data.findIndex((x) => !isFiniteFloat32(x));
    if (j >= 0) throw new CliError(`${file}: sample ${i}, feature ${j}: ${v.data[j]} is not a finite 32-bit float (the model computes in float32)`);
    rows.push(v.data);
  });
  const fs = shape!;
  const f = sizeOfShape(fs);
  const data = new Float32Array(rows.length * f);
  rows.forEach((r, i) => data.set(r, i * f));
  return { data, n: rows.length, featureShape: fs };
}

/** Samples from CSV: numeric rows, header auto-detected, every column a feature. */
export function samplesFromCsv(text: string, featureShape: readonly number[] | null, file: string, delimiter = ','): Samples {
  const records: { fields: string[]; line: number }[] = [];
  forEachCsvRecord(text, (fields, l) => void records.push({ fields, line: l }), { file, delimiter });
  if (records.length === 0) throw new CliError(`${file}: the file has no rows`);
  const header = detectHeader(records) ? records[0]!.fields.map((s) => s.trim()) : null;
  const rows = header ? records.slice(1) : records;
  if (rows.length === 0) throw new CliError(`${file}: there is a header but no data rows`);
  const cols = rows[0]!.fields.length;
  const fs = featureShape ? [...featureShape] : [cols];
  const f = sizeOfShape(fs);
  if (cols !== f) throw new CliError(`${file}: rows have ${cols} columns, the model takes ${f} features ${shapeText(fs)} (every column is a feature)`);
  const data = new Float32Array(rows.length * f);
  rows.forEach((r, i) => {
    if (r.fields.length !== cols) throw new DataError(`has ${r.fields.length} fields, expected ${cols}`, { file, row: r.line });
    r.fields.forEach((cell, j) => {
      const v = parseNumberCell(cell);
      if (v === undefined) throw new DataError(`"${excerpt(cell.trim())}" is not a number`, { file, row: r.line, column: header ? header[j]! : j + 1 });
      if (!isFiniteFloat32(v)) throw new DataError(`${excerpt(cell.trim())} is too large for a 32-bit float`, { file, row: r.line, column: header ? header[j]! : j + 1 });
      data[i * f + j] = v;
    });
  });
  return { data, n: rows.length, featureShape: fs };
}

export function readSamples(file: string, cwd: string, featureShape: readonly number[] | null): Samples {
  const text = readText(file, cwd);
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return samplesFromCsv(text, featureShape, file, ext === '.tsv' ? '\t' : ',');
  let value: unknown;
  try {
    value = parseJsonSafe(text);
  } catch (e) {
    if (e instanceof LimitError) throw new CliError(`${file}: ${e.message}`);
    throw new CliError(`${file}: not valid JSON (${(e as Error).message}); --input takes a .json or a .csv file`);
  }
  return samplesFromJson(value, featureShape, file);
}

export interface Prediction {
  /** The model's output for this sample (nested like its shape). */
  output: unknown;
  /** Every named Output, when the graph has more than one. */
  outputs?: Record<string, unknown>;
  class?: number;
  label?: string;
  probabilities?: number[] | null;
}

export interface PredictReport {
  task: 'classification' | 'regression' | null;
  classNames: string[] | null;
  predictions: Prediction[];
}

/** Row i of a tensor as nested arrays; the nested form is built once per tensor (not per row). */
function rowsOf(t: Tensor): (i: number) => unknown {
  if (t.ndim === 0) {
    const v = t.item();
    return () => v;
  }
  const all = t.toArray() as unknown[];
  return (i) => all[i];
}

export function predict(modelFile: string, opts: PredictCommandOptions, cwd: string, warn: (s: string) => void): PredictReport {
  const src = loadGraphSource(modelFile, cwd);
  const doc = src.document;
  const b = resolveBinding(src, opts.dataset, cwd);
  if (b.warning) warn(`warning: ${b.warning}`);
  const binding: DataBinding | null = b.binding;
  const settings = effectiveSettings(doc);
  const model = compileDocument(doc, { seed: src.trained?.seed ?? settings.seed, data: binding, requireLoss: false });
  if (src.trained) model.loadWeights(src.trained.weights);
  if (!model.predictionKey) throw new CliError('the graph has no Output node and no Loss node: nothing to predict');

  const input = model.order.find((n) => hasRole(n, 'input'));
  const inputShape = input ? (model.validation.params.get(input.id)!['shape'] as number[]) : [];
  const featureShape = binding?.featureShape ? [...binding.featureShape] : inputShape.length > 0 ? inputShape : null;
  const samples = readSamples(opts.input, cwd, featureShape);
  const norm: Normalization = src.trained?.normalization ?? { kind: 'none' };
  const x = normalizeFeatures(samples.data, norm, sizeOfShape(samples.featureShape));

  const r = noGrad(() => model.forward({ features: tensor(x, { shape: [samples.n, ...samples.featureShape] }) }, { training: false }));
  const pred = r.prediction;
  if (!pred) throw new CliError('the model produced no prediction for these inputs');
  const names = Object.keys(r.outputs);

  const task = binding?.task ?? null;
  const lossFn = model.lossFn;
  const signed = src.trained?.dataset?.labelEncoding === 'signed' || b.dataset?.labelEncoding === 'signed';
  const encoding = { labelEncoding: signed ? ('signed' as const) : ('index' as const) };
  const classNames = task === 'classification'
    ? (b.dataset?.classNames ?? src.trained?.dataset?.classNames ?? Array.from({ length: Math.max(binding?.numClasses ?? 2, 2) }, (_, i) => String(i)))
    : null;
  const threshold = decisionThreshold(lossFn, encoding);
  const classes = task === 'classification' ? predictClasses(pred, threshold) : null;
  const rows = pred.ndim === 0 ? 1 : pred.shape[0]!;
  const width = pred.size / rows;

  const predRow = rowsOf(pred);
  const outputRows = names.length > 1 ? names.map((n) => [n, rowsOf(r.outputs[n]!)] as const) : [];
  const predictions: Prediction[] = [];
  for (let i = 0; i < rows; i++) {
    const p: Prediction = { output: predRow(i) };
    if (names.length > 1) p.outputs = Object.fromEntries(outputRows.map(([n, row]) => [n, row(i)]));
    if (classes) {
      const k = classes[i]!;
      p.class = k;
      p.label = classNames?.[k] ?? String(k);
      p.probabilities = classProbabilities(pred.data.subarray(i * width, (i + 1) * width), lossFn, encoding);
    }
    predictions.push(p);
  }
  return { task, classNames, predictions };
}

const csvCell = (v: unknown): string => {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flat(Infinity as 1) as number[] : [v as number]);

export function predictCommand(modelFile: string, opts: PredictCommandOptions, io: CliIo): number {
  if (opts.json && opts.csv) throw new CliError('give --json or --csv, not both', EXIT.usage);
  const cwd = io.cwd ?? process.cwd();
  const rep = predict(modelFile, opts, cwd, (s) => line(io.stderr, s));
  const out = (s: string): void => line(io.stdout, s);
  if (opts.json) {
    out(JSON.stringify(rep));
    return EXIT.ok;
  }
  const classify = rep.task === 'classification';
  const withProb = classify && rep.predictions.some((p) => p.probabilities);
  if (opts.csv) {
    const width = flat(rep.predictions[0]!.output).length;
    const header = Array.from({ length: width }, (_, j) => `output_${j}`);
    if (classify) header.push('class', 'label');
    if (withProb) header.push(...rep.classNames!.map((n) => `p_${n}`));
    out(header.map(csvCell).join(','));
    for (const p of rep.predictions) {
      const cells: unknown[] = flat(p.output);
      if (classify) cells.push(p.class, p.label);
      if (withProb) cells.push(...(p.probabilities ?? rep.classNames!.map(() => '')));
      out(cells.map(csvCell).join(','));
    }
    return EXIT.ok;
  }
  const header = ['#', 'output'];
  if (classify) header.push('class');
  if (withProb) header.push(`probabilities (${rep.classNames!.join(', ')})`);
  const rows = rep.predictions.map((p, i) => {
    const o = p.output;
    const cells = [String(i), typeof o === 'number' ? fmt(o) : fmtNested(flat(o), shapeOfNested(o))];
    if (classify) cells.push(p.label ?? '');
    if (withProb) cells.push(p.probabilities ? `[${p.probabilities.map((v) => fmt(v)).join(', ')}]` : '—');
    return cells;
  });
  for (const l of renderTable(header, rows, [0])) out(l);
  return EXIT.ok;
}

function shapeOfNested(v: unknown): number[] {
  const s: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    s.push(cur.length);
    cur = cur[0];
  }
  return s;
}
