import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { add, assign, mul, sub } from '../ops/functional';
import { Optimizer, type SgdKernelSpec } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum,
 * PyTorch's `torch.optim.SGD`:
 *   d = g + λp;  b = μb + (1−τ)d (b = d on the first step);  d = nesterov ? d + μb : b;  p −= lr·d
 * With momentum, the first step's "b = d" is the same ops with step scalars (μₜ, τₜ) = (0, 1)
 * (the buffer starts at zero), later ones (μ, 1−τ): one program for every step.
 */
export class SGD extends Optimizer {
  readonly type = 'sgd';
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  readonly slotNames: readonly string[];

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params, (options.momentum ?? 0) !== 0 ? 2 : 0);
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (!(this.lr >= 0)) throw new EngineError(`SGD: invalid learning rate ${this.lr}`);
    if (this.momentum < 0) throw new EngineError(`SGD: invalid momentum value ${this.momentum}`);
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new EngineError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
    this.slotNames = this.momentum !== 0 ? ['momentum'] : [];
  }

  protected override stepScalarValues(t: number): readonly number[] {
    return t === 1 ? [0, 1] : [this.momentum, 1 - this.dampening];
  }

  override kernelSpec(): SgdKernelSpec {
    const [mu, damp] = this.stepScalars;
    return {
      kind: 'sgd',
      lr: this.lr,
      wd: this.weightDecay,
      mu: mu?.data[0] ?? 0,
      damp: damp?.data[0] ?? 0,
      mom: this.momentum,
      flags: (this.weightDecay !== 0 ? 1 : 0) | (this.momentum !== 0 ? 2 : 0) | (this.nesterov ? 4 : 0),
    };
  }

  updateRule(p: Tensor, g: Tensor, slots: readonly Tensor[]): void {
    const d = this.weightDecay !== 0 ? add(g, mul(p, this.weightDecay)) : g;
    if (this.momentum === 0) {
      assign(p, sub(p, mul(d, this.lr)));
      return;
    }
    const [mu, damp] = this.stepScalars as [Tensor, Tensor];
    const b = assign(slots[0]!, add(mul(slots[0]!, mu), mul(d, damp)));
    const direction = this.nesterov ? add(d, mul(b, this.momentum)) : b;
    assign(p, sub(p, mul(direction, this.lr)));
  }
}
