/**
 * Backends: `ts` (the reference interpreter, always there) and `ort-*` (onnxruntime-node, loaded
 * on demand so that nothing else depends on its native binding being loadable).
 */
import { EngineError } from '../core/errors';
import type { BackendName, StepExecutor, StepExecutorFactory } from './executor';
import { TsStepExecutor } from './ts/executor';

export * from './executor';
export type { EvaluationResult } from './evaluate';
/** Evaluation on the ts backend (synchronous): what `Trainer.evaluate` and the service's checks use. */
export { evaluateModelTs } from './ts/executor';

export interface BackendAvailability {
  /** `ts`, `ort-cpu`, `ort-webgpu`, … */
  readonly name: string;
  /** Offered here (a GPU provider may still fail to start: no adapter, no driver). */
  readonly available: boolean;
  readonly detail: string;
}

type OrtModule = typeof import('./ort/executor');
let ortModule: Promise<OrtModule> | null = null;
/** The ort backend's module (imports onnxruntime-node). */
export function loadOrt(): Promise<OrtModule> {
  ortModule ??= import('./ort/executor');
  return ortModule;
}

/** What each backend name means on this machine. */
export async function listBackends(): Promise<BackendAvailability[]> {
  const out: BackendAvailability[] = [{ name: 'ts', available: true, detail: 'TypeScript reference interpreter' }];
  try {
    const { listProviders } = await import('./ort/runtime');
    for (const p of listProviders()) out.push({ name: p.backend, available: p.available, detail: p.detail });
  } catch (e) {
    out.push({ name: 'ort-cpu', available: false, detail: `onnxruntime-node could not be loaded: ${(e as Error).message}` });
  }
  return out;
}

export interface BackendOptions {
  /** Edge ids or `nodeId:port` keys whose values and gradients the ort backend returns each step. */
  readonly extras?: readonly string[];
  /** Intra-op threads for onnxruntime (default: chosen by the step's size). */
  readonly threads?: number;
}

/**
 * The step executor for a `--backend` value. `ts`: the reference interpreter. `ort-*`: that
 * provider or a clear error naming it and why it did not start. `auto`: the first onnxruntime
 * provider that starts (CUDA, WebGPU, DirectML, CoreML, CPU); the ts backend when onnxruntime
 * cannot run the graph — the executor's `report.note` says what was chosen and why.
 */
export function executorFactory(backend: BackendName, options: BackendOptions = {}): StepExecutorFactory {
  if (backend === 'ts') return (c) => new TsStepExecutor(c.model, c.optimizer);
  return async (c): Promise<StepExecutor> => {
    let ort: OrtModule;
    try {
      ort = await loadOrt();
    } catch (e) {
      ortModule = null;
      const why = (e as Error).message.split('\n')[0];
      if (backend === 'auto') return new TsStepExecutor(c.model, c.optimizer, `auto: onnxruntime-node could not be loaded (${why}); running on ts`);
      throw new EngineError(`--backend ${backend}: onnxruntime-node could not be loaded: ${why}`);
    }
    try {
      return await ort.OrtStepExecutor.create(c.model, c.optimizer, c.train, c.settings.batchSize, { backend, ...options });
    } catch (e) {
      if (backend !== 'auto' || !(e instanceof EngineError)) throw e;
      return new TsStepExecutor(c.model, c.optimizer, `auto: onnxruntime cannot run this graph (${e.message}); running on ts`);
    }
  };
}
