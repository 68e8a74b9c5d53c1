import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { scalar, zeros } from '../core/creation';
import { noGrad } from '../autograd/grad-mode';

/**
 * What the optimizer's fused WebAssembly kernel (engine/optim/kernels/optim.wat) needs to run
 * its update for the current step (`Optimizer.kernelSpec`, after `setStep`): the rule's
 * constants and step scalars, and flags for its variant. The kernel computes exactly the ops of
 * `updateRule`, so its results are bitwise the rule's.
 */
export type KernelSpec =
  | {
      readonly kind: 'sgd';
      readonly lr: number;
      readonly wd: number;
      /** The step scalars μₜ and τₜ (momentum only). */
      readonly mu: number;
      readonly damp: number;
      /** The momentum for Nesterov's look-ahead. */
      readonly mom: number;
      /** 1: weight decay, 2: momentum, 4: Nesterov. */
      readonly flags: number;
    }
  | {
      readonly kind: 'adam';
      readonly b1: number;
      readonly c1: number;
      readonly b2: number;
      readonly c2: number;
      /** The step scalars aₜ and eₜ. */
      readonly a: number;
      readonly e: number;
      /** mode 1: the L2 coefficient; mode 2: the decoupled decay factor 1 − lr·λ. */
      readonly wd: number;
      /** 0: no weight decay, 1: L2 (Adam), 2: decoupled (AdamW). */
      readonly mode: 0 | 1 | 2;
    };

export type AdamKernelSpec = Extract<KernelSpec, { kind: 'adam' }>;
export type SgdKernelSpec = Extract<KernelSpec, { kind: 'sgd' }>;

/** Serializable optimizer state: per-parameter buffers by parameter index, plus the step count. */
export interface OptimizerState {
  type: string;
  step: number;
  buffers: Record<string, (number[] | null)[]>;
}

/**
 * Base of the optimizers. An optimizer's update is written ONCE, as ops ending in in-place
 * `assign`s (`updateRule`), so that a traced training step contains it: the eager `step()` runs it
 * per parameter, the replayed step program and the ort backend run the same ops (the ort backend
 * on the parameters flattened into one vector — the rule is elementwise). Parameters whose
 * `.grad` is null are skipped, as PyTorch's are.
 */
export abstract class Optimizer {
  readonly params: readonly Tensor[];
  /** Number of `step()` calls so far. */
  stepCount = 0;
  /** Names of the per-parameter state tensors (`momentum`; `expAvg`, `expAvgSq`), in slot order. */
  abstract readonly slotNames: readonly string[];
  /**
   * The update's scalars that change with the step count (Adam's bias corrections), as 0-d
   * float32 tensors the rule reads; `setStep(t)` writes them before an update. The ort backend
   * feeds them as inputs.
   */
  readonly stepScalars: readonly Tensor[];
  /** slots[s][i]: state tensor s of parameter i (null until its first update). */
  private slots: (Tensor | null)[][] = [];

  constructor(params: Iterable<Tensor>, stepScalarCount = 0) {
    this.params = [...params];
    if (this.params.length === 0) throw new EngineError('optimizer got an empty parameter list');
    this.params.forEach((p, i) => {
      if (!p.isLeaf) throw new EngineError(`optimizer can only optimize leaf tensors (parameter ${i}${p.name ? ` "${p.name}"` : ''} is not)`);
      if (p.dtype === 'int32') throw new EngineError(`optimizer parameter ${i} is int32`);
    });
    this.stepScalars = Array.from({ length: stepScalarCount }, () => scalar(0, 'float32'));
  }

  /** Set every parameter's gradient to null (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** One update from the parameters' `.grad`. */
  step(): void {
    this.stepWith(this.params.map((p) => p.grad));
  }

  /** One update from the given gradients (one per parameter, in order; null: skip that parameter). */
  stepWith(grads: readonly (Tensor | null)[]): void {
    this.stepCount++;
    this.setStep(this.stepCount);
    noGrad(() => {
      this.params.forEach((p, i) => {
        const g = grads[i] ?? null;
        if (g !== null) this.updateRule(p, g, this.slotsOf(i));
      });
    });
  }

  /** Write the step scalars for update number `t` (1-based). */
  setStep(t: number): void {
    const values = this.stepScalarValues(t);
    this.stepScalars.forEach((s, i) => (s.data[0] = values[i]!));
  }

  /** The step scalars' values for update number `t`, computed in float64 (stored as float32). */
  protected stepScalarValues(_t: number): readonly number[] {
    return [];
  }

  /**
   * The update of `param` from `grad` as ops, ending in `assign`s to the parameter and its state
   * tensors `slots` (in `slotNames` order). Elementwise: `param` may be one parameter or several
   * flattened into one vector, with `grad` and `slots` alike.
   */
  abstract updateRule(param: Tensor, grad: Tensor, slots: readonly Tensor[]): void;

  /**
   * The update as the fused kernel runs it, for the step `setStep` last wrote; null when the
   * optimizer has no kernel (then executors run `updateRule`'s ops).
   */
  kernelSpec(): KernelSpec | null {
    return null;
  }

  /**
   * Move state tensor `s` of parameter `i` into `storage` (its values copied there first): an
   * executor that keeps the state in one flat WebAssembly memory makes the tensors views of it.
   */
  adoptSlotStorage(i: number, s: number, storage: Float32Array): void {
    const t = this.slotsOf(i)[s]!;
    if (t.dtype !== 'float32' || storage.length !== t.size) throw new EngineError(`optimizer state ${s} of parameter ${i}: storage does not fit`);
    if (t.data === storage) return;
    storage.set(t.data);
    (t as { data: Float32Array }).data = storage;
  }

  /** Parameter i's state tensors (zeros, allocated on its first update). */
  slotsOf(i: number): Tensor[] {
    const p = this.params[i]!;
    return this.slotNames.map((_, s) => {
      const row = (this.slots[s] ??= this.params.map(() => null));
      return (row[i] ??= zeros(p.shape, { dtype: p.dtype === 'float64' ? 'float64' : 'float32' }));
    });
  }

  /** Parameter i's state tensors if it has been updated, else null. */
  existingSlots(i: number): Tensor[] | null {
    if (this.slotNames.length === 0) return [];
    const row = this.slots.map((r) => r?.[i] ?? null);
    return row.every((t) => t !== null) ? (row as Tensor[]) : null;
  }

  /** The optimizer's kind in saved state (`sgd`, `adam`). */
  abstract readonly type: string;

  stateDict(): OptimizerState {
    const buffers: OptimizerState['buffers'] = {};
    this.slotNames.forEach((name, s) => {
      buffers[name] = this.params.map((_, i) => {
        const t = this.slots[s]?.[i] ?? null;
        return t ? Array.from(t.data) : null;
      });
    });
    return { type: this.type, step: this.stepCount, buffers };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.type !== this.type) throw new EngineError(`${this.constructor.name}: cannot load optimizer state of type "${state.type}"`);
    const slots = this.slotNames.map((name, s) => {
      const saved = state.buffers[name];
      if (!saved) return this.params.map(() => null);
      if (saved.length !== this.params.length) {
        throw new EngineError(`optimizer state "${name}" has ${saved.length} entries for ${this.params.length} parameters`);
      }
      return saved.map((b, i) => {
        if (b === null) return null;
        const p = this.params[i]!;
        if (b.length !== p.size) throw new EngineError(`optimizer state "${name}"[${i}] has ${b.length} values, parameter has ${p.size}`);
        // Into the existing state tensor when there is one: a compiled step program holds it.
        const t = this.slots[s]?.[i] ?? zeros(p.shape, { dtype: p.dtype === 'float64' ? 'float64' : 'float32' });
        t.data.set(b);
        return t;
      });
    });
    this.stepCount = state.step;
    this.slots = slots;
  }
}
