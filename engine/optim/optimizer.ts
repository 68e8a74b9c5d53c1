import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';

/** Serializable optimizer state: per-parameter buffers by parameter index, plus the step count. */
export interface OptimizerState {
  type: string;
  step: number;
  buffers: Record<string, (number[] | null)[]>;
}

/**
 * Base of the optimizers. They update parameters in place, outside autograd, as PyTorch's do
 * under `torch.no_grad()`; parameters whose `.grad` is null are skipped.
 */
export abstract class Optimizer {
  readonly params: readonly Tensor[];
  /** Number of `step()` calls so far. */
  stepCount = 0;

  constructor(params: Iterable<Tensor>) {
    this.params = [...params];
    if (this.params.length === 0) throw new EngineError('optimizer got an empty parameter list');
    this.params.forEach((p, i) => {
      if (!p.isLeaf) throw new EngineError(`optimizer can only optimize leaf tensors (parameter ${i}${p.name ? ` "${p.name}"` : ''} is not)`);
      if (p.dtype === 'int32') throw new EngineError(`optimizer parameter ${i} is int32`);
    });
  }

  /** Set every parameter's gradient to null (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  step(): void {
    this.stepCount++;
    this.params.forEach((p, i) => {
      if (p.grad !== null) this.update(p.data, p.grad.data, i);
    });
  }

  /** Update one parameter's storage from its gradient. */
  protected abstract update(param: Float32Array | Float64Array | Int32Array, grad: ArrayLike<number>, index: number): void;

  abstract stateDict(): OptimizerState;
  abstract loadStateDict(state: OptimizerState): void;
}

/** Per-parameter state buffers, allocated on first use with the parameter's dtype. */
export function stateBuffer(store: (Float32Array | Float64Array | null)[], index: number, like: ArrayLike<number>): Float32Array | Float64Array {
  let b = store[index] ?? null;
  if (b === null) {
    b = like instanceof Float64Array ? new Float64Array(like.length) : new Float32Array(like.length);
    store[index] = b;
  }
  return b;
}

export function serializeBuffers(store: readonly (Float32Array | Float64Array | null)[]): (number[] | null)[] {
  return store.map((b) => (b ? Array.from(b) : null));
}

export function restoreBuffers(params: readonly Tensor[], saved: readonly (number[] | null)[] | undefined, name: string): (Float32Array | Float64Array | null)[] {
  if (!saved) return params.map(() => null);
  if (saved.length !== params.length) {
    throw new EngineError(`optimizer state "${name}" has ${saved.length} entries for ${params.length} parameters`);
  }
  return saved.map((b, i) => {
    if (b === null) return null;
    const p = params[i]!;
    if (b.length !== p.size) throw new EngineError(`optimizer state "${name}"[${i}] has ${b.length} values, parameter has ${p.size}`);
    return p.dtype === 'float64' ? Float64Array.from(b) : Float32Array.from(b);
  });
}
