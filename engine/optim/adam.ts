import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { add, assign, div, mul, sqrt, sub } from '../ops/functional';
import { Optimizer, type AdamKernelSpec } from './optimizer';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam with bias correction, PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8):
 *   m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  p −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
 * written as p −= aₜ · m / (√v + eₜ) with aₜ = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and eₜ = ε·√(1−β₂ᵗ), the two
 * step scalars (computed in float64 each step). Weight decay is L2 added to the gradient, as
 * `torch.optim.Adam` (not AdamW).
 */
export class Adam extends Optimizer {
  readonly type: string = 'adam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly slotNames = ['expAvg', 'expAvgSq'] as const;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}, defaults: { weightDecay: number; name: string } = { weightDecay: 0, name: 'Adam' }) {
    super(params, 2);
    this.lr = options.lr ?? 1e-3;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? defaults.weightDecay;
    const { name } = defaults;
    if (!(this.lr >= 0)) throw new EngineError(`${name}: invalid learning rate ${this.lr}`);
    if (!(this.weightDecay >= 0)) throw new EngineError(`${name}: invalid weight decay ${this.weightDecay}`);
    for (const b of [this.beta1, this.beta2]) {
      if (!(b >= 0 && b < 1)) throw new EngineError(`${name}: invalid beta parameter ${b} (must be in [0, 1))`);
    }
  }

  protected override stepScalarValues(t: number): readonly number[] {
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
    return [(this.lr * bc2Sqrt) / bc1, this.eps * bc2Sqrt];
  }

  override kernelSpec(): AdamKernelSpec {
    const [a, e] = this.stepScalars as [Tensor, Tensor];
    return {
      kind: 'adam',
      b1: this.beta1,
      c1: 1 - this.beta1,
      b2: this.beta2,
      c2: 1 - this.beta2,
      a: a.data[0]!,
      e: e.data[0]!,
      wd: this.weightDecay,
      mode: this.weightDecay !== 0 ? 1 : 0,
    };
  }

  updateRule(p: Tensor, grad: Tensor, slots: readonly Tensor[]): void {
    const [a, e] = this.stepScalars as [Tensor, Tensor];
    const g = this.weightDecay !== 0 ? add(grad, mul(p, this.weightDecay)) : grad;
    const m = assign(slots[0]!, add(mul(slots[0]!, this.beta1), mul(g, 1 - this.beta1)));
    const v = assign(slots[1]!, add(mul(slots[1]!, this.beta2), mul(mul(g, g), 1 - this.beta2)));
    assign(p, sub(p, mul(div(m, add(sqrt(v), e)), a)));
  }
}

/**
 * AdamW (Loshchilov & Hutter), `torch.optim.AdamW`: Adam whose weight decay is decoupled from
 * the gradient — the parameter is first scaled by 1 − lr·λ, then takes Adam's step (without L2
 * in the moments): p = p·(1 − lr·λ) − aₜ · m / (√v + eₜ). PyTorch's default λ = 0.01.
 */
export class AdamW extends Adam {
  override readonly type: string = 'adamw';

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, { weightDecay: 0.01, name: 'AdamW' });
  }

  /** The decoupled decay factor 1 − lr·λ (a float32 constant of the rule, as the kernel's). */
  get decay(): number {
    return 1 - this.lr * this.weightDecay;
  }

  override kernelSpec(): AdamKernelSpec {
    return { ...super.kernelSpec(), wd: this.decay, mode: this.weightDecay !== 0 ? 2 : 0 };
  }

  override updateRule(p: Tensor, grad: Tensor, slots: readonly Tensor[]): void {
    const [a, e] = this.stepScalars as [Tensor, Tensor];
    const q = this.weightDecay !== 0 ? mul(p, this.decay) : p;
    const m = assign(slots[0]!, add(mul(slots[0]!, this.beta1), mul(grad, 1 - this.beta1)));
    const v = assign(slots[1]!, add(mul(slots[1]!, this.beta2), mul(mul(grad, grad), 1 - this.beta2)));
    assign(p, sub(q, mul(div(m, add(sqrt(v), e)), a)));
  }
}
