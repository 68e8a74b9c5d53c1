/**
 * The trained-model file: the graph document plus parameters, optimizer state, metric history,
 * the input normalisation and what the dataset's classes are called — enough to resume
 * training, evaluate, predict, reopen in the app, and export. Written atomically.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write';
import { EngineError } from '../core/errors';
import { normalizationSchema, type Normalization } from '../data/transforms';
import { formatPath, parseDocument, tensorValueSchema, type GraphDocument } from '../graph/document';
import type { OptimizerState } from '../optim/optimizer';
import type { EpochRecord } from './trainer';

export const TRAINED_MODEL_FORMAT = 'bpstudio-trained-model';

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

/** Is this parsed JSON a trained-model file (rather than a bare graph document)? */
export function isTrainedModel(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)['format'] === TRAINED_MODEL_FORMAT;
}

/** Validate a parsed trained-model file; errors name the JSON path. */
export function parseTrainedModel(value: unknown, file = 'trained model'): TrainedModelFile {
  const r = trainedSchema.safeParse(value);
  if (!r.success) {
    throw new EngineError(`${file}: ${r.error.issues.map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`).join('; ')}`);
  }
  const doc = parseDocument(r.data.document);
  if (!doc.ok) throw new EngineError(`${file}: document: ${doc.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return { ...r.data, document: doc.document, optimizer: r.data.optimizer as OptimizerState | null, normalization: r.data.normalization as Normalization };
}

export function loadTrainedModel(path: string): TrainedModelFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new EngineError(`${path}: ${(e as Error).message}`);
  }
  return parseTrainedModel(value, path);
}

/** Save atomically (temporary file, then rename). */
export function saveTrainedModel(path: string, model: TrainedModelFile): void {
  writeFileAtomic(path, JSON.stringify(model));
}

export type { EpochRecord };
