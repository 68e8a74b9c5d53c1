/**
 * The training loop: epochs over a seeded DataLoader, the optimizer from the document's
 * settings, loss and accuracy per batch and per epoch, evaluation on the test split each epoch,
 * progress events (the UI and the CLI both consume them), pause/resume, cancellation, and a
 * stop with a diagnostic naming the node where a NaN or Inf first appeared.
 */
import { autoEpochs } from './defaults';
import type { EpochRecord } from '../graph/trained-model';
import type { Tensor } from '../core/tensor';
import type { Dataset } from '../data/dataset';
import { DataLoader } from '../data/loader';
import type { OptimizerSettings, TrainingSettings } from '../graph/document';
import type { CompiledGraph } from '../graph/compile';
import { nodeTitle } from '../graph/names';
import { Adam, AdamW } from '../optim/adam';
import type { Optimizer } from '../optim/optimizer';
import { SGD } from '../optim/sgd';
import type { EvaluationResult } from '../backends/evaluate';
import type { BackendReport, StepExecutor, StepExecutorFactory } from '../backends/executor';
import { evaluateModelTs, executorFactory } from '../backends/index';
import { decisionThreshold, predictClasses, trueClasses } from '../data/metrics';
import type { TypedArray } from '../core/dtype';
import type { TrainingRecorder } from './recorder';

export type { EvaluationResult };

export type { EpochRecord } from '../graph/trained-model';

export interface NonFiniteDiagnostic {
  nodeId: string;
  port: string;
  epoch: number;
  batch: number;
  message: string;
}

export type TrainEvent =
  | {
      type: 'start'; epochs: number; batchesPerEpoch: number; trainSamples: number; testSamples: number; startEpoch: number;
      /** The backend that runs the steps (`ts`, `ort-cpu`, …), its execution provider, and why (auto's choice or fallback). */
      backend?: string; provider?: string; backendNote?: string | null;
    }
  | { type: 'batch'; epoch: number; batch: number; batches: number; step: number; loss: number; samplesPerSecond: number }
  | ({ type: 'epoch' } & EpochRecord)
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'end'; reason: 'completed' | 'cancelled' | 'non-finite'; history: EpochRecord[]; diagnostic?: NonFiniteDiagnostic };

export function makeOptimizer(params: Tensor[], s: OptimizerSettings): Optimizer {
  switch (s.type) {
    case 'sgd':
      return new SGD(params, { lr: s.lr, momentum: s.momentum, weightDecay: s.weightDecay, nesterov: s.nesterov });
    case 'adam':
      return new Adam(params, { lr: s.lr, betas: [s.beta1, s.beta2], eps: s.eps, weightDecay: s.weightDecay });
    case 'adamw':
      return new AdamW(params, { lr: s.lr, betas: [s.beta1, s.beta2], eps: s.eps, weightDecay: s.weightDecay });
  }
}

export interface TrainerOptions {
  onEvent?: (e: TrainEvent) => void;
  /** Yield to the event loop every this many batches (so pause/stop and UI updates get through). */
  yieldEvery?: number;
  /** Epoch to start at (resuming a trained-model file). */
  startEpoch?: number;
  history?: EpochRecord[];
  optimizer?: Optimizer;
  /** What runs each training step (default: the ts backend). Built when `run()` starts. */
  executor?: StepExecutorFactory;
  /** Record the timeline (per-step norms, weight checkpoints) into this; none by default. */
  recorder?: TrainingRecorder;
  /** Slow motion: at most this many steps per second (null or absent: as fast as it goes). */
  stepsPerSecond?: number | null;
}

/** Checks a steps-per-second limit: null (none) or a positive finite number. */
export function checkStepsPerSecond(sps: number | null): number | null {
  if (sps === null) return null;
  if (!Number.isFinite(sps) || sps <= 0) throw new RangeError(`steps per second must be a positive number (or none), got ${sps}`);
  return sps;
}

export class Trainer {
  readonly optimizer: Optimizer;
  readonly history: EpochRecord[];
  step = 0;
  private cancelled = false;
  private pausedWaiters: (() => void)[] | null = null;
  private readonly lossFn: string | null;
  private executor: StepExecutor | null = null;
  private sps: number | null;

  constructor(
    readonly model: CompiledGraph,
    readonly train: Dataset,
    readonly test: Dataset | null,
    readonly settings: TrainingSettings,
    private readonly options: TrainerOptions = {},
  ) {
    this.optimizer = options.optimizer ?? makeOptimizer(model.parameterTensors(), settings.optimizer);
    this.history = [...(options.history ?? [])];
    this.lossFn = model.lossFn;
    this.sps = checkStepsPerSecond(options.stepsPerSecond ?? null);
  }

  /** The slow-motion limit in steps per second (null: none). */
  get stepsPerSecond(): number | null {
    return this.sps;
  }
  /** Change the slow-motion limit while training (null: full speed); a step being waited for sees it at once. */
  setStepsPerSecond(sps: number | null): void {
    this.sps = checkStepsPerSecond(sps);
  }

  /** The timeline this run records, if any. */
  get recorder(): TrainingRecorder | null {
    return this.options.recorder ?? null;
  }

  /** Stop at the next batch boundary. */
  stop(): void {
    this.cancelled = true;
    this.resume();
  }
  pause(): void {
    if (!this.pausedWaiters) {
      this.pausedWaiters = [];
      this.emit({ type: 'paused' });
    }
  }
  resume(): void {
    const waiters = this.pausedWaiters;
    if (waiters) {
      this.pausedWaiters = null;
      for (const w of waiters) w();
      this.emit({ type: 'resumed' });
    }
  }
  get paused(): boolean {
    return this.pausedWaiters !== null;
  }

  private emit(e: TrainEvent): void {
    this.options.onEvent?.(e);
  }

  private async checkpoint(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    while (this.pausedWaiters) await new Promise<void>((r) => this.pausedWaiters!.push(r));
  }

  /** The step executor while `run()` runs (the ort one returns requested edge values and gradients). */
  get stepExecutor(): StepExecutor | null {
    return this.executor;
  }

  /** The backend that ran (or runs) the steps; null before `run()` has started it. */
  get backend(): BackendReport | null {
    return this.executor?.report ?? null;
  }

  async run(): Promise<{ reason: 'completed' | 'cancelled' | 'non-finite'; history: EpochRecord[]; diagnostic?: NonFiniteDiagnostic }> {
    const s = this.settings;
    const loader = new DataLoader(this.train, { batchSize: s.batchSize, shuffle: s.shuffle, seed: s.seed, dropLast: s.dropLast });
    const start = this.options.startEpoch ?? 0;
    const yieldEvery = this.options.yieldEvery ?? 16;
    const factory = this.options.executor ?? executorFactory('ts');
    const made = factory({ model: this.model, optimizer: this.optimizer, settings: s, train: this.train });
    const executor = made instanceof Promise ? await made : made;
    this.executor = executor;
    const epochs = s.epochs ?? autoEpochs(this.train.numSamples, s.batchSize, s.dropLast);
    const recorder = this.options.recorder ?? null;
    try {
      this.emit({
        type: 'start', epochs, batchesPerEpoch: loader.numBatches, trainSamples: this.train.numSamples,
        testSamples: this.test?.numSamples ?? 0, startEpoch: start,
        backend: executor.report.backend, provider: executor.report.provider, backendNote: executor.report.note,
      });
      for (let epoch = start; epoch < epochs; epoch++) {
        const t0 = performance.now();
        let lossSum = 0;
        let seen = 0;
        let correct = 0;
        let b = 0;
        for (const batch of loader.batches(epoch)) {
          if (this.cancelled) return this.finish('cancelled');
          const stepStart = performance.now();
          // the weights this step runs on, when the timeline keeps them
          const weights = recorder?.wantsCheckpoint(this.step + 1) ? this.weightsNow(executor) : null;
          const stepped = executor.step(batch);
          const out = stepped instanceof Promise ? await stepped : stepped;
          if (!out.ok) return this.finish('non-finite', this.diagnose(out.at.nodeId, out.at.port, epoch, b, out.at.what));
          const lv = out.loss;
          this.step++;
          if (recorder) this.recordStep(recorder, executor, { epoch, batch: b, loss: lv, rows: batch.indices, weights });
          const n = batch.xShape[0]!;
          lossSum += lv * n;
          seen += n;
          if (this.train.task === 'classification' && out.prediction) correct += this.countCorrect(out.prediction, batch.y, 0, n);
          const elapsed = (performance.now() - t0) / 1000;
          this.emit({ type: 'batch', epoch, batch: b, batches: loader.numBatches, step: this.step, loss: lv, samplesPerSecond: elapsed > 0 ? seen / elapsed : 0 });
          b++;
          if (this.sps !== null) await this.slowMotion(stepStart);
          else if (b % yieldEvery === 0) await this.checkpoint();
        }
        executor.sync();
        const evaluated = this.test ? executor.evaluate(this.test, this.lossFn) : null;
        const testEval = evaluated instanceof Promise ? await evaluated : evaluated;
        const record: EpochRecord = {
          epoch: epoch + 1,
          loss: seen > 0 ? lossSum / seen : NaN,
          accuracy: this.train.task === 'classification' && seen > 0 ? correct / seen : null,
          testLoss: testEval?.loss ?? null,
          testAccuracy: testEval?.accuracy ?? null,
          seconds: (performance.now() - t0) / 1000,
        };
        this.history.push(record);
        this.emit({ type: 'epoch', ...record });
        await this.checkpoint();
      }
      return this.finish('completed');
    } finally {
      executor.dispose();
    }
  }

  /** Wait until the step that began at `since` has had its 1/sps seconds (stop, pause and a new speed take effect at once). */
  private async slowMotion(since: number): Promise<void> {
    for (;;) {
      if (this.cancelled || this.sps === null) break;
      const left = since + 1000 / this.sps - performance.now();
      if (left <= 0) break;
      await new Promise<void>((r) => setTimeout(r, Math.min(left, 50)));
    }
    await this.checkpoint();
  }

  /** Copies of the parameters and buffers as the executor holds them now. */
  private weightsNow(executor: StepExecutor): TypedArray[] {
    if (executor.weights) return executor.weights();
    return [...this.model.parameterTensors(), ...this.model.buffers().map((b) => b.tensor)].map((t) => t.data.slice());
  }

  private recordStep(
    recorder: TrainingRecorder,
    executor: StepExecutor,
    r: { epoch: number; batch: number; loss: number; rows: Int32Array; weights: TypedArray[] | null },
  ): void {
    const step = this.step;
    if (r.weights) recorder.checkpoint({ step, epoch: r.epoch, batch: r.batch, rows: r.rows.slice(), tensors: r.weights });
    if (!recorder.wantsRecord(step)) return;
    const n = executor.norms?.();
    const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
    recorder.record({
      step, epoch: r.epoch, batch: r.batch, loss: r.loss,
      paramNorms: recorder.parameters.map((_, k) => finite(n?.params[k])),
      gradNorms: recorder.parameters.map((_, k) => finite(n?.grads[k])),
    });
  }

  private finish(reason: 'completed' | 'cancelled' | 'non-finite', diagnostic?: NonFiniteDiagnostic) {
    this.executor?.sync();
    const out = { reason, history: this.history, ...(diagnostic ? { diagnostic } : {}) };
    this.emit({ type: 'end', ...out });
    return out;
  }

  private diagnose(nodeId: string, port: string, epoch: number, batch: number, what: string): NonFiniteDiagnostic {
    const node = this.model.nodes.get(nodeId)!;
    return {
      nodeId, port, epoch: epoch + 1, batch: batch + 1,
      message: `training stopped: NaN/Inf first appeared in the ${what} "${port}" of ${nodeTitle(node, this.model.defs.get(nodeId))} (epoch ${epoch + 1}, batch ${batch + 1}); try a lower learning rate or normalised inputs`,
    };
  }

  private countCorrect(prediction: Tensor, labels: Float32Array, offset: number, n: number): number {
    const predicted = predictClasses(prediction, decisionThreshold(this.lossFn, this.train));
    const truth = trueClasses(labels, offset, n, this.train.labelEncoding === 'signed');
    let c = 0;
    for (let i = 0; i < n; i++) if (predicted[i] === truth[i]) c++;
    return c;
  }

  /** Loss, accuracy, predictions and confusion matrix on a dataset, in evaluation mode. */
  evaluate(ds: Dataset, batchSize = 1024): EvaluationResult {
    return evaluateModelTs(this.model, ds, this.lossFn, batchSize);
  }
}
