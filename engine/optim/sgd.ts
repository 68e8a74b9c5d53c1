import type { Tensor } from '../core/tensor';
import { EngineError } from '../core/errors';
import { Optimizer, restoreBuffers, serializeBuffers, stateBuffer, type OptimizerState } from './optimizer';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * Stochastic gradient descent with momentum, dampening, weight decay and Nesterov momentum,
 * exactly PyTorch's `torch.optim.SGD`:
 *   d = g + λp;  b = μb + (1−τ)d (b = d on the first step);  d = nesterov ? d + μb : b;  p −= lr·d
 */
export class SGD extends Optimizer {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  private momentumBuffers: (Float32Array | Float64Array | null)[];

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    super(params);
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
    this.momentumBuffers = this.params.map(() => null);
  }

  protected update(p: Float32Array | Float64Array | Int32Array, g: ArrayLike<number>, i: number): void {
    const { lr, momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    const n = p.length;
    if (mu === 0) {
      for (let k = 0; k < n; k++) p[k] = p[k]! - lr * (g[k]! + wd * p[k]!);
      return;
    }
    const first = this.momentumBuffers[i] == null;
    const b = stateBuffer(this.momentumBuffers, i, p as ArrayLike<number>);
    for (let k = 0; k < n; k++) {
      const d = g[k]! + wd * p[k]!;
      const bk = first ? d : mu * b[k]! + (1 - dampening) * d;
      b[k] = bk;
      p[k] = p[k]! - lr * (nesterov ? d + mu * b[k]! : b[k]!);
    }
  }

  stateDict(): OptimizerState {
    return { type: 'sgd', step: this.stepCount, buffers: { momentum: serializeBuffers(this.momentumBuffers) } };
  }
  loadStateDict(state: OptimizerState): void {
    if (state.type !== 'sgd') throw new EngineError(`SGD: cannot load optimizer state of type "${state.type}"`);
    this.stepCount = state.step;
    this.momentumBuffers = restoreBuffers(this.params, state.buffers['momentum'], 'momentum');
  }
}
