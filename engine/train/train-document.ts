/**
 * Train a graph document end to end: load and prepare its dataset, compile, run the trainer,
 * and produce the trained-model file. The CLI and the EngineService both go through here.
 */
import { APP_VERSION } from '../core/version';
import type { Dataset } from '../data/dataset';
import { numClasses } from '../data/dataset';
import { compileDocument, type CompiledGraph } from '../graph/compile';
import type { GraphDocument } from '../graph/document';
import { prepareDocumentData, type PreparedData } from './data-source';
import { effectiveSettings, type TrainOverrides } from './settings';
import { checkTargetsForLoss } from './target-check';
import type { TrainedModelFile } from '../graph/trained-model';
import { TRAINED_MODEL_FORMAT } from '../graph/trained-model';
import { Trainer, type EpochRecord, type NonFiniteDiagnostic, type TrainEvent } from './trainer';
import { executorFactory, type BackendName, type BackendReport } from '../backends/index';
import { recorderFor, type RecorderOptions } from './recorder';

export interface TrainDocumentOptions {
  baseDir?: string;
  overrides?: TrainOverrides;
  onEvent?: (e: TrainEvent) => void;
  /** Continue from a trained-model file (its weights, optimizer state and history). */
  resume?: TrainedModelFile;
  /** Called once the trainer exists (to pause or stop it). */
  onTrainer?: (t: Trainer) => void;
  /**
   * What runs the steps: `ts` (default), `auto`, or `ort-cpu|ort-webgpu|ort-cuda|ort-dml|ort-coreml`.
   * The start event and the result say which backend and execution provider ran, and why.
   */
  backend?: BackendName;
  /** ort backend: edge ids or `nodeId:port` keys whose values and gradients each step returns. */
  extras?: readonly string[];
  /** Record the timeline (engine/train/recorder.ts): per-step norms and weight checkpoints, with these bounds. */
  record?: RecorderOptions;
  /** Slow motion: at most this many steps per second. */
  stepsPerSecond?: number | null;
}

export interface TrainDocumentResult {
  model: CompiledGraph;
  data: PreparedData;
  trainer: Trainer;
  reason: 'completed' | 'cancelled' | 'non-finite';
  history: EpochRecord[];
  diagnostic?: NonFiniteDiagnostic;
  trained: TrainedModelFile;
  /** The backend and execution provider that ran, and why (auto's choice or fallback). */
  backend: BackendReport;
}

export async function trainDocument(doc: GraphDocument, options: TrainDocumentOptions = {}): Promise<TrainDocumentResult> {
  const settings = effectiveSettings(doc, options.overrides);
  const data = prepareDocumentData(settings, options.baseDir ?? process.cwd());
  const model = compileDocument(doc, { seed: settings.seed, data: data.binding, requireLoss: true });
  // Shapes can fit while the labels cannot be what the Loss learns from (4 classes into BCE).
  checkTargetsForLoss(model, data.full);
  if (settings.testDataset && data.test) checkTargetsForLoss(model, data.test);
  const trainer = new Trainer(model, data.train, data.test, settings, {
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    ...(options.resume ? { startEpoch: options.resume.history.length, history: options.resume.history } : {}),
    executor: executorFactory(options.backend ?? 'ts', options.extras ? { extras: options.extras } : {}),
    ...(options.record ? { recorder: recorderFor(model, options.record) } : {}),
    ...(options.stepsPerSecond !== undefined ? { stepsPerSecond: options.stepsPerSecond } : {}),
  });
  if (options.resume) {
    model.loadWeights(options.resume.weights);
    if (options.resume.optimizer) trainer.optimizer.loadStateDict(options.resume.optimizer);
  }
  options.onTrainer?.(trainer);
  const result = await trainer.run();
  const trainedDoc: GraphDocument = { ...doc, training: settings };
  return {
    model, data, trainer, ...result,
    trained: trainedModelFile(trainedDoc, model, settings.seed, data, trainer),
    backend: trainer.backend!,
  };
}

export function trainedModelFile(doc: GraphDocument, model: CompiledGraph, seed: number, data: PreparedData | null, trainer: Trainer | null): TrainedModelFile {
  const ds: Dataset | null = data?.full ?? null;
  return {
    format: TRAINED_MODEL_FORMAT,
    formatVersion: 1,
    savedAt: new Date().toISOString(),
    appVersion: APP_VERSION,
    document: doc,
    seed,
    weights: model.exportWeights(),
    optimizer: trainer ? trainer.optimizer.stateDict() : null,
    history: trainer ? trainer.history : [],
    normalization: data?.normalization ?? { kind: 'none' },
    dataset: ds
      ? {
          name: ds.name, task: ds.task, featureShape: ds.featureShape, targetShape: ds.targetShape,
          numClasses: ds.task === 'classification' ? numClasses(ds) : 0,
          ...(ds.classNames ? { classNames: ds.classNames } : {}),
          ...(ds.featureNames ? { featureNames: ds.featureNames } : {}),
          ...(ds.labelEncoding ? { labelEncoding: ds.labelEncoding } : {}),
        }
      : null,
  };
}
