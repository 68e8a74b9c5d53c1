/**
 * The trained-model file: the graph document plus parameters, optimizer state, metric history,
 * the input normalisation and what the dataset's classes are called — enough to resume
 * training, evaluate, predict, reopen in the app, and export. Written atomically.
 */
import { parseJsonSafe, readRegularTextFile } from '../core/safe-read';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write';
import { EngineError } from '../core/errors';
import { normalizationSchema, type Normalization } from '../data/transforms';
import { formatPath, isTrainedModel, OPTIMIZER_TYPES, parseDocument, tensorValueSchema, TRAINED_MODEL_FORMAT, type GraphDocument } from './document';

export { isTrainedModel, TRAINED_MODEL_FORMAT };

/** One epoch of a training run's history, as the trainer reports it and trained-model files keep it. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number | null;
  testLoss: number | null;
  testAccuracy: number | null;
  seconds: number;
}
import type { OptimizerState } from '../optim/optimizer';
import type { DataBinding } from './node-def';


const trainedSchema = z.object({
  format: z.literal(TRAINED_MODEL_FORMAT),
  formatVersion: z.literal(1),
  savedAt: z.string(),
  appVersion: z.string(),
  document: z.unknown(),
  seed: z.number().int(),
  weights: z.record(z.string(), z.record(z.string(), tensorValueSchema)),
  optimizer: z.object({ type: z.string(), step: z.number(), buffers: z.record(z.string(), z.array(z.array(z.number()).nullable())) }).nullable(),
  history: z.array(
    z.object({
      epoch: z.number(), loss: z.number(), accuracy: z.number().nullable(), testLoss: z.number().nullable(),
      testAccuracy: z.number().nullable(), seconds: z.number(),
    }),
  ),
  normalization: normalizationSchema,
  dataset: z.object({
    name: z.string(),
    task: z.enum(['classification', 'regression']),
    featureShape: z.array(z.number()),
    targetShape: z.array(z.number()),
    numClasses: z.number(),
    classNames: z.array(z.string()).optional(),
    featureNames: z.array(z.string()).optional(),
    labelEncoding: z.enum(['index', 'signed']).optional(),
  }).nullable(),
});

export type TrainedModelFile = Omit<z.infer<typeof trainedSchema>, 'document' | 'optimizer' | 'normalization'> & {
  document: GraphDocument;
  optimizer: OptimizerState | null;
  normalization: Normalization;
};

/** What shape inference needs, from a trained-model file's saved dataset description (null: it has none). */
export function bindingOfTrained(t: TrainedModelFile): DataBinding | null {
  const d = t.dataset;
  return d ? { featureShape: d.featureShape, targetShape: d.targetShape, task: d.task, numClasses: d.numClasses, name: d.name } : null;
}

/** Validate a parsed trained-model file; errors name the JSON path. */
export function parseTrainedModel(value: unknown, file = 'trained model'): TrainedModelFile {
  const r = trainedSchema.safeParse(value);
  if (!r.success) {
    throw new EngineError(`${file}: ${r.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const inconsistent = inconsistency(r.data);
  if (inconsistent) throw new EngineError(`${file}: ${inconsistent}`);
  const doc = parseDocument(r.data.document);
  if (!doc.ok) throw new EngineError(`${file}: document: ${doc.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return { ...r.data, document: doc.document, optimizer: r.data.optimizer as OptimizerState | null, normalization: r.data.normalization as Normalization };
}

const isCount = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;
const shapeSize = (shape: readonly number[]): number => shape.reduce((a, d) => a * d, 1);

/**
 * What the schema cannot see: metadata that contradicts itself (a classification model with 0
 * classes, fewer class names than classes, an optimizer at step −5, a weight whose values do
 * not fill its shape). `path: problem`, or null.
 */
function inconsistency(m: z.infer<typeof trainedSchema>): string | null {
  for (const [nodeId, params] of Object.entries(m.weights)) {
    for (const [name, t] of Object.entries(params)) {
      if (t.data.length !== shapeSize(t.shape)) return `weights.${nodeId}.${name}: shape [${t.shape.join(', ')}] needs ${shapeSize(t.shape)} values, got ${t.data.length}`;
    }
  }
  const ds = m.dataset;
  if (ds) {
    for (const key of ['featureShape', 'targetShape'] as const) {
      if (!ds[key].every(isCount)) return `dataset.${key}: must hold non-negative integers, got [${ds[key].join(', ')}]`;
    }
    if (ds.task === 'classification') {
      if (!Number.isSafeInteger(ds.numClasses) || ds.numClasses < 1) return `dataset.numClasses: a classification model has at least 1 class, got ${ds.numClasses}`;
      if (ds.classNames && ds.classNames.length !== ds.numClasses) {
        return `dataset.classNames: ${ds.classNames.length} name${ds.classNames.length === 1 ? '' : 's'} for ${ds.numClasses} classes`;
      }
    } else {
      if (ds.numClasses !== 0) return `dataset.numClasses: a regression model has no classes (0), got ${ds.numClasses}`;
      if (ds.classNames) return 'dataset.classNames: a regression model has no class names';
    }
    if (ds.featureNames && ds.featureNames.length !== shapeSize(ds.featureShape)) {
      return `dataset.featureNames: ${ds.featureNames.length} names for ${shapeSize(ds.featureShape)} features`;
    }
  }
  const opt = m.optimizer;
  if (opt) {
    if (!(OPTIMIZER_TYPES as readonly string[]).includes(opt.type)) return `optimizer.type: unknown optimizer "${opt.type}" (${OPTIMIZER_TYPES.join(', ')})`;
    if (!isCount(opt.step)) return `optimizer.step: must be a non-negative integer, got ${opt.step}`;
  }
  for (let i = 0; i < m.history.length; i++) {
    if (m.history[i]!.epoch !== i + 1) return `history[${i}].epoch: expected ${i + 1} (epochs are numbered from 1 in order), got ${m.history[i]!.epoch}`;
  }
  return null;
}

export function loadTrainedModel(path: string): TrainedModelFile {
  let value: unknown;
  try {
    value = parseJsonSafe(readRegularTextFile(path));
  } catch (e) {
    throw new EngineError(`${path}: ${(e as Error).message}`);
  }
  return parseTrainedModel(value, path);
}

/**
 * What in a trained-model file is not a finite number (NaN, ±Inf: JSON would write null), named —
 * a parameter by node and name, anything else by its JSON path; null when every number is finite.
 */
export function nonFiniteValue(model: TrainedModelFile): string | null {
  for (const [nodeId, params] of Object.entries(model.weights)) {
    for (const [name, t] of Object.entries(params)) {
      const i = t.data.findIndex((v) => !Number.isFinite(v));
      if (i >= 0) return `the parameter "${name}" of node "${nodeId}" is not finite (${t.data[i]} at index ${i})`;
    }
  }
  const walk = (v: unknown, path: (string | number)[]): string | null => {
    if (typeof v === 'number') return Number.isFinite(v) ? null : `${formatPath(path)} is not finite (${v})`;
    if (v === null || typeof v !== 'object') return null;
    const entries: [string | number, unknown][] = Array.isArray(v) || ArrayBuffer.isView(v)
      ? Array.from(v as ArrayLike<unknown>, (x, i) => [i, x])
      : Object.entries(v);
    for (const [k, x] of entries) {
      const r = walk(x, [...path, k]);
      if (r) return r;
    }
    return null;
  };
  const { weights: _weights, ...rest } = model;
  return walk(rest, []);
}

/** Refuses a trained model that holds a NaN or Inf (a file that `eval` would then reject). */
export function assertFiniteTrainedModel(model: TrainedModelFile, what = 'the trained model'): void {
  const bad = nonFiniteValue(model);
  if (bad) throw new EngineError(`cannot save ${what}: ${bad}`);
}

/** Save atomically (temporary file, then rename); refuses non-finite values, naming the first. */
export function saveTrainedModel(path: string, model: TrainedModelFile): void {
  assertFiniteTrainedModel(model, path);
  writeFileAtomic(path, JSON.stringify(model));
}

