/**
 * The EngineService protocol: the ONE contract between the UI and the engine, whatever carries
 * it (Electron IPC through the preload bridge, or the `bpstudio serve` WebSocket). Every
 * request is validated against its schema before the service sees it; results and events are
 * plain JSON.
 *
 *   request  { id, method, params }
 *   response { id, result } | { id, error: { message, code, diagnostics? } }
 *   event    { event, data }
 */
import { z } from 'zod';
import { LimitError } from '../core/limits';
import { assertJsonDepth, parseJsonSafe } from '../core/safe-read';
import type { Diagnostic } from '../graph/validate';
import type { GraphDocument } from '../graph/document';
import type { BuiltinDatasetInfo } from '../data/builtin';
import type { EpochRecord, EvaluationResult, TrainEvent } from '../train/trainer';
import type { TrainedModelFile } from '../graph/trained-model';
import type { NodeCategory, ParamSpec, PortDef } from '../graph/node-def';
import type { EdgeCheck, Step } from '../graph/step-through';

export const PROTOCOL_VERSION = 1;

const documentValue = z.record(z.string(), z.unknown()); // parsed (and reported on) by parseDocument
const datasetRef = z.object({ name: z.string().min(1), params: z.record(z.string(), z.union([z.number(), z.string()])).default({}) });
const backendName = z.enum(['auto', 'ts', 'ort-cpu', 'ort-webgpu', 'ort-cuda', 'ort-dml', 'ort-coreml']);
const runId = z.string().min(1).max(64);
const stepsPerSecond = z.number().positive('steps per second must be positive').max(1000, 'at most 1000 steps per second (use null for full speed)');
/** A training step of a run's timeline (steps count from 1). */
const timelineStep = z.number().int().min(1, 'steps count from 1');
/** An IDX file's bytes as base64 (Fashion-MNIST's largest, the raw train images, is 47 MB: 63 MB as base64). */
const idxBase64 = z.string().min(1).max(200 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** Request params by method. */
export const requestSchemas = {
  hello: z.object({ client: z.string().max(100).optional() }),
  listNodeTypes: z.object({}),
  listExamples: z.object({}),
  getExample: z.object({ name: z.string().regex(/^[a-z0-9-]+$/, 'an example name is lowercase letters, digits and dashes') }),
  validate: z.object({ document: documentValue, dataset: datasetRef.optional() }),
  listDatasets: z.object({}),
  datasetPreview: z.object({ dataset: datasetRef, rows: z.number().int().min(0).max(500).default(20), images: z.number().int().min(0).max(200).default(0) }),
  importCsv: z.object({ name: z.string().min(1).max(200), text: z.string().max(200 * 1024 * 1024), label: z.union([z.string(), z.number()]).optional(), task: z.enum(['auto', 'classification', 'regression']).default('auto') }),
  importIdx: z.object({ name: z.string().min(1).max(200), images: z.string(), labels: z.string(), classes: z.enum(['digits', 'fashion-mnist']).optional() }),
  /** Keep four Fashion-MNIST IDX files (base64, gzipped or raw) in the user data folder, for the built-in `fashion-mnist`. */
  installFashionMnist: z.object({
    trainImages: idxBase64,
    trainLabels: idxBase64,
    testImages: idxBase64,
    testLabels: idxBase64,
  }),
  trainStart: z.object({
    document: documentValue,
    backend: backendName.default('auto'),
    resume: z.record(z.string(), z.unknown()).optional(),
    overrides: z.object({ epochs: z.number().int().positive().optional(), batchSize: z.number().int().positive().optional(), lr: z.number().positive().optional(), seed: z.number().int().optional() }).default({}),
    /** Slow motion from the first step (absent or null: full speed); `trainSpeed` changes it. */
    stepsPerSecond: stepsPerSecond.nullable().optional(),
  }),
  /** Slow motion: at most `stepsPerSecond` steps per second from now on (null: full speed). */
  trainSpeed: z.object({ runId, stepsPerSecond: stepsPerSecond.nullable() }),
  trainPause: z.object({ runId }),
  trainResume: z.object({ runId }),
  trainStop: z.object({ runId }),
  trainedModel: z.object({ runId }),
  evaluate: z.object({ runId, split: z.enum(['train', 'test']).default('test') }),
  predict: z.object({ runId, split: z.enum(['train', 'test']).default('test'), index: z.number().int().min(0) }),
  decisionBoundary: z.object({ runId, resolution: z.number().int().min(8).max(200).default(60) }),
  weights: z.object({ runId: runId.optional(), document: documentValue.optional(), nodeId: z.string().min(1) }),
  exportOnnx: z.object({
    source: z.record(z.string(), z.unknown()),
    softmax: z.boolean().default(false),
    /** Appended to the outputs; `auto` follows the Loss (sigmoid for BCE, softmax for cross-entropy). Default: none (or softmax with `softmax`). */
    outputActivation: z.enum(['none', 'sigmoid', 'softmax', 'auto']).optional(),
  }),
  /** The document (or trained model) as a PyTorch training script and, with weights, its safetensors sidecar (engine/pytorch). */
  exportPyTorch: z.object({
    source: z.record(z.string(), z.unknown()),
    /** The script's file name: the sidecar and the script's ONNX file are named after it. */
    scriptName: z.string().max(120).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.py$/, 'a file name ending in .py, without folders').default('model.py'),
  }),
  importOnnx: z.object({ name: z.string().max(200), base64: z.string().max(300 * 1024 * 1024) }),
  listBackends: z.object({}),
  stepThrough: z.object({
    /** The document on screen: a graph document or trained-model file (its weights, else its initial ones). */
    document: documentValue,
    /**
     * A training run of THIS document whose current weights to step with. Used only when the
     * run trained the same graph (same nodes, params and edges); otherwise the document's own
     * weights are used and the result says `fromRun: false`.
     */
    runId: runId.optional(),
    /** Which samples form the batch (a single sample by default). */
    split: z.enum(['train', 'test']).default('train'),
    samples: z.array(z.number().int().min(0)).min(1).max(256).default([0]),
    dtype: z.enum(['float32', 'float64']).default('float32'),
    /**
     * Time travel: step through training step `step` of the run `runId` as it ran — the weights
     * of that step's checkpoint and that step's batch (`split` and `samples` are not used).
     */
    checkpoint: z.object({ step: timelineStep }).optional(),
  }),
  checkEdge: z.object({ sessionId: z.string().min(1).max(64), edgeId: z.string().min(1), element: z.number().int().min(0).optional() }),
  gradientSummary: z.object({ runId }),
  /** A run's timeline: per-step loss and norms, and which steps have weight checkpoints. */
  timeline: z.object({ runId }),
  /** Each edge's gradient norm in a recorded step (recomputed from the checkpoint at or before it). */
  timelineEdges: z.object({ runId, step: timelineStep }),
  /** A step's checkpoint: the weights it ran on (trained-model `weights` form) and its batch. */
  timelineCheckpoint: z.object({ runId, step: timelineStep }),
} as const;

export type Method = keyof typeof requestSchemas;
export type Params<M extends Method> = z.input<(typeof requestSchemas)[M]>;
export type ParsedParams<M extends Method> = z.output<(typeof requestSchemas)[M]>;

export interface NodeTypeInfo {
  type: string;
  category: NodeCategory;
  label: string;
  description: string;
  inputs: PortDef[];
  outputs: PortDef[];
  params: Record<string, ParamSpec>;
  keyParams: string[];
}

export interface DatasetPreview {
  name: string;
  task: 'classification' | 'regression';
  numSamples: number;
  featureShape: number[];
  targetShape: number[];
  classNames: string[] | null;
  classCounts: number[] | null;
  featureNames: string[] | null;
  /** The first rows: features (flattened) and the label. */
  rows: { features: number[]; label: number }[];
  /** For image data: the first images as 0..255 grey values, row-major. */
  images: { pixels: number[]; label: number }[];
  /** For 2-D data: all points, for the scatter and decision-boundary plot (capped at 2,000). */
  points: { x: number; y: number; label: number }[] | null;
}

export interface ValidateResult {
  ok: boolean;
  diagnostics: Diagnostic[];
  /** Edge id → `N×128`. */
  edgeShapes: Record<string, string>;
  /** Node id → its parameter count. */
  parameterCounts: Record<string, number>;
  /** Node id → the params it leaves unset that follow the graph, with their values (a Linear's `inFeatures: 4`). */
  followed: Record<string, Record<string, unknown>>;
}

export interface BackendInfo {
  name: string;
  available: boolean;
  detail: string;
}

/** Result type by method. */
export interface Results {
  hello: { protocolVersion: number; appVersion: string; backends: BackendInfo[] };
  listNodeTypes: NodeTypeInfo[];
  listExamples: { name: string; title: string; description: string }[];
  getExample: GraphDocument;
  validate: ValidateResult;
  listDatasets: BuiltinDatasetInfo[];
  datasetPreview: DatasetPreview;
  importCsv: { dataset: { name: string; params: Record<string, string | number> }; preview: DatasetPreview; warnings: string[] };
  importIdx: { dataset: { name: string; params: Record<string, string | number> }; preview: DatasetPreview };
  /** Where the files are now, and the images in each split. */
  installFashionMnist: { dir: string; train: number; test: number; files: string[] };
  trainStart: { runId: string; backend: string; provider: string; note: string | null };
  trainPause: { ok: true };
  trainResume: { ok: true };
  trainStop: { ok: true };
  trainedModel: TrainedModelFile;
  evaluate: Omit<EvaluationResult, 'predicted' | 'truth'> & { classNames: string[] | null };
  /** `probabilities`: null where the prediction is a score that is no probability (a perceptron's; `classProbabilities`). */
  predict: { features: number[]; featureShape: number[]; label: number; probabilities: number[] | null; predicted: number; classNames: string[] | null };
  decisionBoundary: { xs: number[]; ys: number[]; probabilities: number[]; resolution: number };
  weights: { tensors: { name: string; shape: number[]; data: number[]; min: number; max: number }[] };
  exportOnnx: {
    base64: string;
    size: number;
    inputs: { name: string; shape: (number | string)[] }[];
    outputs: { name: string; shape: (number | string)[] }[];
    /** What was appended to the outputs (`auto` resolved). */
    outputActivation: 'none' | 'sigmoid' | 'softmax';
    warnings: string[];
  };
  exportPyTorch: {
    script: string;
    /** The weights sidecar (safetensors layout) as base64, and its file name; null without weights. */
    weightsBase64: string | null;
    weightsName: string | null;
    weightsSize: number;
    tensors: number;
    className: string;
  };
  importOnnx: { document: GraphDocument };
  listBackends: BackendInfo[];
  stepThrough: {
    sessionId: string;
    /** The Loss (or scalar Output) backward starts from; null for a graph without one: forward steps only. */
    objective: number | null;
    /** Forward steps, then backward steps (tensors over 65,536 elements carry statistics only: `data` empty, `truncated`). */
    steps: Step[];
    /** Batch rows used and how many the split has. */
    samples: number[];
    splitSize: number;
    /** The steps use the run's weights (false: the document's own, trained-file or initial ones). */
    fromRun: boolean;
    /**
     * Layers ran as in training (true), or as in evaluation (false): a batch of one sample has no
     * variance, so a graph with BatchNorm steps one sample with its running statistics — PyTorch's
     * `model.eval()` — instead of failing.
     */
    trainingMode: boolean;
    /** Time travel: the training step stepped through (its checkpoint's weights and batch). */
    checkpoint?: { step: number; epoch: number; batch: number };
  };
  checkEdge: EdgeCheck;
  gradientSummary: { edges: Record<string, { norm: number; mean: number; absMax: number }>; step: number };
  trainSpeed: { ok: true; stepsPerSecond: number | null };
  timeline: TimelineResult;
  timelineEdges: {
    /** The step asked for, and the checkpointed step the norms are of (the latest at or before it). */
    requested: number;
    step: number;
    epoch: number;
    batch: number;
    /** The loss of that step's forward pass. */
    loss: number;
    edges: Record<string, { norm: number; mean: number; absMax: number }>;
  };
  timelineCheckpoint: {
    step: number;
    epoch: number;
    batch: number;
    /** The training split's rows of the step's batch, in batch order. */
    rows: number[];
    /** The weights the step ran on, as a trained-model file's `weights`. */
    weights: Record<string, Record<string, { shape: number[]; data: number[] }>>;
    /** The step's batch as it was fed (normalised features and targets, row-major). */
    feed: { features: number[]; featureShape: number[]; targets: number[]; targetShape: number[] };
  };
}

/** What a run's timeline holds (engine/train/recorder.ts). */
export interface TimelineResult {
  /** Steps the run has taken so far. */
  step: number;
  /** Parameters in the order of each record's norms. */
  parameters: { nodeId: string; name: string; shape: number[] }[];
  /** Recorded steps, oldest first: every step up to `denseSteps`, then thinned. */
  records: {
    step: number; epoch: number; batch: number; loss: number; paramNorms: (number | null)[]; gradNorms: (number | null)[];
    /** The gradient norms were computed again from the step's checkpoint (the backend keeps no gradients: ort). */
    recomputed?: boolean;
  }[];
  /** Steps whose weights are kept (Backprop mode can open there). */
  checkpointSteps: number[];
  denseSteps: number;
  /** Bytes the checkpoints take, and the cap. */
  checkpointBytes: number;
  checkpointCap: number;
  /** The slow-motion limit now (null: full speed). */
  stepsPerSecond: number | null;
}

/** Events pushed by the service. */
export interface Events {
  train: { runId: string; event: TrainEvent };
  log: { level: 'info' | 'warning' | 'error'; message: string };
}
export type EventName = keyof Events;

export interface RequestMessage {
  id: number;
  method: string;
  params?: unknown;
}
export interface ErrorInfo {
  message: string;
  /** `bad-request`, `unknown-method`, `invalid-document`, `not-found`, `engine`. */
  code: string;
  diagnostics?: Diagnostic[];
}
export type ResponseMessage = { id: number; result: unknown } | { id: number; error: ErrorInfo };
export type EventMessage = { event: EventName; data: unknown };

const requestEnvelope = z.object({ id: z.number().int().nonnegative(), method: z.string().min(1).max(64), params: z.unknown().optional() });

export type ParsedRequest = { ok: true; id: number; method: Method; params: unknown } | { ok: false; id: number | null; error: ErrorInfo };

/** Check a raw message: JSON, the envelope, a known method, params matching its schema. */
export function parseRequest(raw: unknown): ParsedRequest {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = parseJsonSafe(raw);
    } catch (e) {
      return { ok: false, id: null, error: { code: 'bad-request', message: e instanceof LimitError ? `the message is refused: ${e.message}` : 'the message is not valid JSON' } };
    }
  } else {
    // A structured-cloned message (Electron's MessagePort): as deep as JSON text may be, no deeper.
    try {
      assertJsonDepth(raw, 'the message');
    } catch (e) {
      return { ok: false, id: null, error: { code: 'bad-request', message: `the message is refused: ${(e as Error).message}` } };
    }
  }
  const env = requestEnvelope.safeParse(value);
  if (!env.success) {
    return { ok: false, id: null, error: { code: 'bad-request', message: `malformed request: ${env.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; ')}` } };
  }
  const { id, method } = env.data;
  if (!Object.hasOwn(requestSchemas, method)) {
    return { ok: false, id, error: { code: 'unknown-method', message: `unknown method "${method}"` } };
  }
  const schema = requestSchemas[method as Method];
  const params = schema.safeParse(env.data.params ?? {});
  if (!params.success) {
    return { ok: false, id, error: { code: 'bad-request', message: `${method}: ${params.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`).join('; ')}` } };
  }
  return { ok: true, id, method: method as Method, params: params.data };
}

/** The UI's view of the engine, whatever the transport. */
export interface EngineClient {
  request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]>;
  on<E extends EventName>(event: E, handler: (data: Events[E]) => void): () => void;
}

export type { EpochRecord, TrainEvent, Step };
export type { ForwardStep, BackwardStep, TensorSnapshot, LocalGradient, GradientFlag } from '../graph/step-through';
