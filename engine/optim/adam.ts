import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { add, assign, div, mul, sqrt, sub } from '../ops/functional';
import { Optimizer } from './optimizer';

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
  readonly type = 'adam';
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly slotNames = ['expAvg', 'expAvgSq'] as const;

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, 2);
    this.lr = options.lr ?? 1e-3;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.lr >= 0)) throw new EngineError(`Adam: invalid learning rate ${this.lr}`);
    for (const b of [this.beta1, this.beta2]) {
      if (!(b >= 0 && b < 1)) throw new EngineError(`Adam: invalid beta parameter ${b} (must be in [0, 1))`);
    }
  }

  protected override stepScalarValues(t: number): readonly number[] {
    const bc1 = 1 - Math.pow(this.beta1, t);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(this.beta2, t));
    return [(this.lr * bc2Sqrt) / bc1, this.eps * bc2Sqrt];
  }

  updateRule(p: Tensor, grad: Tensor, slots: readonly Tensor[]): void {
    const [a, e] = this.stepScalars as [Tensor, Tensor];
    const g = this.weightDecay !== 0 ? add(grad, mul(p, this.weightDecay)) : grad;
    const m = assign(slots[0]!, add(mul(slots[0]!, this.beta1), mul(g, 1 - this.beta1)));
    const v = assign(slots[1]!, add(mul(slots[1]!, this.beta2), mul(mul(g, g), 1 - this.beta2)));
    assign(p, sub(p, mul(div(m, add(sqrt(v), e)), a)));
  }
}
