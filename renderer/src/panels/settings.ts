/**
 * Pure helpers over the document's training settings (engine/graph/document.ts): the settings
 * with their defaults filled in, switching optimizers without losing the learning rate, and
 * choosing a dataset (its defaults, a separate official test split where it has one).
 */
import { defaultOptimizer, trainingSchema, type OptimizerSettings, type OptimizerType, type TrainingSettings } from '../../../engine/graph/document';
import type { BuiltinDatasetInfo } from '../../../engine/data/builtin';

export type { TrainingSettings, OptimizerSettings };

/** The training settings with every default filled in (what the engine will use). */
export function resolveTraining(training: unknown): TrainingSettings {
  const r = trainingSchema.safeParse(training ?? {});
  if (r.success) return r.data;
  // A half-edited document: keep what parses, default the rest.
  const base = trainingSchema.parse({});
  const t = (training ?? {}) as Record<string, unknown>;
  const out: TrainingSettings = { ...base };
  const shape = trainingSchema.shape as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown } }>;
  for (const key of Object.keys(shape)) {
    const one = shape[key]!.safeParse(t[key]);
    if (one.success && one.data !== undefined) (out as Record<string, unknown>)[key] = one.data;
  }
  return out;
}

/**
 * Switch the optimizer type, keeping the learning rate and a weight decay the user set; the rest,
 * and a decay left at its type's default, is the engine's defaults (defaultOptimizer) — so AdamW
 * chosen after Adam gets its own default decay (0.01; with Adam's 0 it would be Adam), and Adam
 * chosen after AdamW gets Adam's 0.
 */
export function switchOptimizer(current: OptimizerSettings, type: OptimizerType): OptimizerSettings {
  if (current.type === type) return current;
  const next = defaultOptimizer(type);
  const decaySet = current.weightDecay !== defaultOptimizer(current.type).weightDecay;
  return { ...next, lr: current.lr, weightDecay: decaySet ? current.weightDecay : next.weightDecay };
}

/** Does this dataset come with its own test split (a `split` parameter offering `test`)? */
export function hasOfficialTestSplit(info: BuiltinDatasetInfo | undefined): boolean {
  return !!info?.params.some((p) => p.name === 'split' && p.kind === 'choice' && p.choices?.includes('test'));
}

/**
 * The training-settings change that selects dataset `name`: its default params, and for a
 * dataset with an official test split, that split as the test dataset (no held-out fraction).
 */
export function chooseDataset(name: string, info: BuiltinDatasetInfo | undefined, current: TrainingSettings): Partial<TrainingSettings> {
  if (hasOfficialTestSplit(info)) {
    return {
      dataset: { name, params: { split: 'train' } },
      testDataset: { name, params: { split: 'test' } },
      split: { ...current.split, test: 0 },
      ...(info!.featureShape.length === 2 && current.normalize === 'none' ? { normalize: 'scale255' as const } : {}),
    };
  }
  return { dataset: { name, params: {} }, testDataset: undefined };
}

/** Change one dataset parameter (and keep a separate test dataset's matching params in step). */
export function setDatasetParam(current: TrainingSettings, key: string, value: string | number): Partial<TrainingSettings> {
  const ds = current.dataset;
  if (!ds) return {};
  const params = { ...ds.params, [key]: value };
  const out: Partial<TrainingSettings> = { dataset: { name: ds.name, params } };
  if (current.testDataset && current.testDataset.name === ds.name && key !== 'split' && key !== 'limit') {
    out.testDataset = { name: ds.name, params: { ...current.testDataset.params, [key]: value } };
  }
  return out;
}

/** A parameter's value in the document, else its default. */
export function paramValue(params: Record<string, string | number>, spec: { name: string; default: string | number }): string | number {
  return Object.hasOwn(params, spec.name) ? params[spec.name]! : spec.default;
}

/** Parse a number typed by a person; null when it is not one or breaks the bounds. */
export function parseNumberInput(text: string, opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean } = {}): number | null {
  const t = text.trim().replace(/\u2212/g, '-');
  if (t === '') return null;
  const v = Number(t);
  if (!Number.isFinite(v)) return null;
  if (opts.integer && !Number.isInteger(v)) return null;
  if (opts.min !== undefined && (opts.exclusiveMin ? v <= opts.min : v < opts.min)) return null;
  if (opts.max !== undefined && (opts.exclusiveMax ? v >= opts.max : v > opts.max)) return null;
  return v;
}
