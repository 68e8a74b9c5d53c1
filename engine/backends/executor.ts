/**
 * The seam between the training loop and what runs a training step. The trainer owns the
 * epochs, events, metrics, pause/stop and the NaN/Inf diagnostics; a step executor owns one
 * step — forward, loss, backward, optimizer update — and evaluation:
 *   - `ts`  (engine/backends/ts): the reference interpreter, the engine's own tensors and optimizer;
 *   - `ort` (engine/backends/ort): one ONNX graph per step, run by onnxruntime-node.
 */
import type { TypedArray } from '../core/dtype';
import type { Tensor } from '../core/tensor';
import type { Dataset } from '../data/dataset';
import type { CompiledGraph } from '../graph/compile';
import type { TrainingSettings } from '../graph/document';
import type { Optimizer } from '../optim/optimizer';
import type { EvaluationResult } from './evaluate';
import { sumOfSquares } from '../optim/kernels/optim-wasm';

/** `--backend` values (the CLI's and the service's). */
export const ORT_BACKENDS = ['ort-cpu', 'ort-webgpu', 'ort-cuda', 'ort-dml', 'ort-coreml'] as const;
export const BACKENDS = ['auto', 'ts', ...ORT_BACKENDS] as const;
export type BackendName = (typeof BACKENDS)[number];
export type OrtBackendName = (typeof ORT_BACKENDS)[number];
export const isBackendName = (s: string): s is BackendName => (BACKENDS as readonly string[]).includes(s);

/** One batch as the DataLoader gives it. */
export interface StepBatch {
  readonly x: Float32Array;
  readonly xShape: readonly number[];
  readonly y: Float32Array;
  readonly yShape: readonly number[];
}

/** Where a NaN/Inf first appeared (the trainer turns it into the diagnostic message). */
export interface NonFiniteAt {
  readonly nodeId: string;
  readonly port: string;
  /** `output`: a node's output; `gradient of`: a parameter's gradient; `parameter`: a parameter after the optimizer's update. */
  readonly what: 'output' | 'gradient of' | 'parameter';
}

export type StepOutcome =
  | { readonly ok: true; readonly loss: number; readonly prediction: Tensor | null }
  | { readonly ok: false; readonly at: NonFiniteAt };

/** Which backend and execution provider actually ran, and why when it is not what was asked. */
export interface BackendReport {
  /** `ts`, `ort-cpu`, `ort-webgpu`, … */
  readonly backend: string;
  /** `typescript`, or the onnxruntime execution provider (`cpu`, `webgpu`, `cuda`, `dml`, `coreml`). */
  readonly provider: string;
  /** Why this one ran (auto's choice, a fallback and its reason); null when it is simply what was asked. */
  readonly note: string | null;
}

export interface StepExecutor {
  readonly report: BackendReport;
  /** Run one training step; synchronous where the backend allows it. */
  step(batch: StepBatch): StepOutcome | Promise<StepOutcome>;
  /** Loss, accuracy, predictions and confusion matrix on a dataset, in evaluation mode, with the current weights. */
  evaluate(ds: Dataset, lossFn: string | null, batchSize?: number): EvaluationResult | Promise<EvaluationResult>;
  /**
   * Write the executor's state (parameters, buffers such as BatchNorm's running statistics,
   * optimizer state) into the model's tensors and the optimizer, so that the trained-model file,
   * the canvas and `Trainer.evaluate` see it. A no-op for the ts backend, which works on them directly.
   */
  sync(): void;
  /** Release native resources. */
  dispose(): void;
  /**
   * After a step that succeeded: each parameter's L2 norm (after the step's update) and its
   * gradient's L2 norm in that step (NaN where the backend does not keep it), in
   * `model.parameters()` order. Optional: the timeline records only what a backend gives.
   */
  norms?(): StepNorms;
  /**
   * The current parameters and buffers (copies), in `model.parameters()` then `model.buffers()`
   * order: a weight checkpoint. Optional: without it the model's own tensors are copied.
   */
  weights?(): TypedArray[];
}

/** Per-parameter L2 norms of one step (`StepExecutor.norms`). */
export interface StepNorms {
  readonly params: Float64Array;
  readonly grads: Float64Array;
}

/** The L2 norm of an array (in double precision). */
export function l2norm(a: ArrayLike<number>): number {
  return Math.sqrt(sumOfSquares(a));
}

/** What an executor is built from. */
export interface ExecutorContext {
  readonly model: CompiledGraph;
  readonly optimizer: Optimizer;
  readonly settings: TrainingSettings;
  readonly train: Dataset;
}

/** Builds the executor when training starts (after a resumed optimizer state is loaded). */
export type StepExecutorFactory = (ctx: ExecutorContext) => StepExecutor | Promise<StepExecutor>;
