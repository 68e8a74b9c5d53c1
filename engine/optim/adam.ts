import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { Optimizer, restoreBuffers, serializeBuffers, stateBuffer, type OptimizerState } from './optimizer';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

/**
 * Adam with bias correction, PyTorch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8):
 *   m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  p −= lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
 * Weight decay is L2 added to the gradient, as `torch.optim.Adam` (not AdamW).
 */
export class Adam extends Optimizer {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private expAvg: (Float32Array | Float64Array | null)[];
  private expAvgSq: (Float32Array | Float64Array | null)[];

  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params);
    this.lr = options.lr ?? 1e-3;
    [this.beta1, this.beta2] = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    if (!(this.lr >= 0)) throw new EngineError(`Adam: invalid learning rate ${this.lr}`);
    for (const b of [this.beta1, this.beta2]) {
      if (!(b >= 0 && b < 1)) throw new EngineError(`Adam: invalid beta parameter ${b} (must be in [0, 1))`);
    }
    this.expAvg = this.params.map(() => null);
    this.expAvgSq = this.params.map(() => null);
  }

  protected update(p: Float32Array | Float64Array | Int32Array, g: ArrayLike<number>, i: number): void {
    const { lr, beta1, beta2, eps, weightDecay: wd } = this;
    const t = this.stepCount;
    const m = stateBuffer(this.expAvg, i, p as ArrayLike<number>);
    const v = stateBuffer(this.expAvgSq, i, p as ArrayLike<number>);
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    for (let k = 0; k < p.length; k++) {
      const gk = g[k]! + wd * p[k]!;
      m[k] = beta1 * m[k]! + (1 - beta1) * gk;
      v[k] = beta2 * v[k]! + (1 - beta2) * gk * gk;
      p[k] = p[k]! - (stepSize * m[k]!) / (Math.sqrt(v[k]!) / bc2Sqrt + eps);
    }
  }

  stateDict(): OptimizerState {
    return {
      type: 'adam',
      step: this.stepCount,
      buffers: { expAvg: serializeBuffers(this.expAvg), expAvgSq: serializeBuffers(this.expAvgSq) },
    };
  }
  loadStateDict(state: OptimizerState): void {
    if (state.type !== 'adam') throw new EngineError(`Adam: cannot load optimizer state of type "${state.type}"`);
    this.stepCount = state.step;
    this.expAvg = restoreBuffers(this.params, state.buffers['expAvg'], 'expAvg');
    this.expAvgSq = restoreBuffers(this.params, state.buffers['expAvgSq'], 'expAvgSq');
  }
}
