import { EngineError, ShapeError } from '../core/errors';
import { ones, zeros } from '../core/creation';
import { formatShape } from '../core/shape';
import type { Tensor } from '../core/tensor';
import { defaultGenerator, type Generator } from '../core/random';
import { noGrad } from '../autograd/grad-mode';
import * as F from '../ops/functional';
import { Module } from './module';
import { initLinear_, type LinearInit } from './init';

export interface LinearOptions {
  bias?: boolean;
  generator?: Generator;
  /** How W and b start (see `initLinear_`); default `kaiming-uniform`, PyTorch's. */
  init?: LinearInit;
}

/**
 * y = x·Wᵀ + b, W of shape [out, in] — PyTorch's `nn.Linear`, by default with its
 * Kaiming-uniform init (seeded); `init: 'glorot-uniform'` starts it as Keras' `Dense`.
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly init: LinearInit;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions = {},
  ) {
    super();
    this.init = options.init ?? 'kaiming-uniform';
    this.weight = this.registerParameter('weight', zeros([outFeatures, inFeatures]));
    this.bias = options.bias ?? true ? this.registerParameter('bias', zeros([outFeatures])) : null;
    initLinear_(this.weight, this.bias, this.init, options.generator ?? defaultGenerator);
  }

  forward(x: Tensor): Tensor {
    const last = x.shape[x.ndim - 1];
    if (last !== this.inFeatures) {
      throw new ShapeError(`Linear: input has ${last} features (shape ${formatShape(x.shape)}) but in_features is ${this.inFeatures}`);
    }
    const y = F.matmulT(x, this.weight, false, true);
    return this.bias ? F.add(y, this.bias) : y;
  }

  override describe(): string {
    return `Linear(in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias !== null})`;
  }
}

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

/**
 * Batch normalisation over the batch dimension of [N, C] input (PyTorch `nn.BatchNorm1d`):
 * training uses the batch mean and biased variance and updates the running statistics
 * (momentum 0.1, unbiased variance); evaluation uses the running statistics.
 */
export class BatchNorm1d extends Module {
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  readonly eps: number;
  readonly momentum: number;
  readonly trackRunningStats: boolean;

  constructor(
    readonly numFeatures: number,
    options: BatchNormOptions = {},
  ) {
    super();
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    this.trackRunningStats = options.trackRunningStats ?? true;
    const affine = options.affine ?? true;
    this.weight = affine ? this.registerParameter('weight', ones([numFeatures])) : null;
    this.bias = affine ? this.registerParameter('bias', zeros([numFeatures])) : null;
    this.runningMean = this.registerBuffer('running_mean', zeros([numFeatures]));
    this.runningVar = this.registerBuffer('running_var', ones([numFeatures]));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.numFeatures) {
      throw new ShapeError(`BatchNorm1d: expected input of shape [N, ${this.numFeatures}], got ${formatShape(x.shape)}`);
    }
    let normalized: Tensor;
    if (this.training || !this.trackRunningStats) {
      const n = x.shape[0]!;
      if (n < 2 && this.training) {
        throw new EngineError(`BatchNorm1d: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
      }
      const mean = F.mean(x, 0, true);
      const centered = F.sub(x, mean);
      const variance = F.mean(F.mul(centered, centered), 0, true);
      normalized = F.div(centered, F.sqrt(F.add(variance, this.eps)));
      if (this.training && this.trackRunningStats) {
        // r ← (1 − m)·r + m·statistic (the variance unbiased by n/(n−1)), as ops: a traced step
        // carries the update, whichever executor runs it.
        const m = this.momentum;
        noGrad(() => {
          F.assign(this.runningMean, F.add(F.mul(this.runningMean, 1 - m), F.mul(mean, m)));
          F.assign(this.runningVar, F.add(F.mul(this.runningVar, 1 - m), F.mul(variance, (m * n) / (n - 1))));
        });
      }
    } else {
      normalized = F.div(F.sub(x, this.runningMean), F.sqrt(F.add(this.runningVar, this.eps)));
    }
    if (this.weight && this.bias) return F.add(F.mul(normalized, this.weight), this.bias);
    return normalized;
  }

  override describe(): string {
    return `BatchNorm1d(${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum})`;
  }
}

/** Inverted dropout with a seeded mask; the identity in evaluation mode. */
export class Dropout extends Module {
  constructor(
    readonly p = 0.5,
    private readonly generator: Generator = defaultGenerator,
  ) {
    super();
    if (p < 0 || p > 1) throw new RangeError(`Dropout: probability has to be between 0 and 1, but got ${p}`);
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training, this.generator);
  }
  override describe(): string {
    return `Dropout(p=${this.p})`;
  }
}

/** Flatten all dims after the batch dim (Keras `Flatten`, PyTorch `nn.Flatten`). */
export class Flatten extends Module {
  constructor(
    readonly startDim = 1,
    readonly endDim = -1,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.flatten(x, this.startDim, this.endDim);
  }
}

/** An activation function as a module. */
export class Activation extends Module {
  constructor(
    readonly label: string,
    private readonly fn: (x: Tensor) => Tensor,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.fn(x);
  }
  override describe(): string {
    return `${this.label}()`;
  }
}

export class ReLU extends Activation {
  constructor() {
    super('ReLU', F.relu);
  }
}
export class LeakyReLU extends Activation {
  constructor(readonly negativeSlope = 0.01) {
    super('LeakyReLU', (x) => F.leakyRelu(x, negativeSlope));
  }
}
export class Sigmoid extends Activation {
  constructor() {
    super('Sigmoid', F.sigmoid);
  }
}
export class Tanh extends Activation {
  constructor() {
    super('Tanh', F.tanh);
  }
}
export class GELU extends Activation {
  constructor() {
    super('GELU', F.gelu);
  }
}
export class Softmax extends Activation {
  constructor(readonly dim = -1) {
    super('Softmax', (x) => F.softmax(x, dim));
  }
}
/** The perceptron's activation 1[x>0]; gradient zero almost everywhere. */
export class Step extends Activation {
  constructor() {
    super('Step', F.step);
  }
}
export class Sign extends Activation {
  constructor() {
    super('Sign', F.sign);
  }
}
export class Identity extends Activation {
  constructor() {
    super('Identity', (x) => x);
  }
}

/** Modules applied in order; children are named `0`, `1`, … as in PyTorch. */
export class Sequential extends Module {
  readonly layers: readonly Module[];
  constructor(layers: readonly Module[] = []) {
    super();
    this.layers = [...layers];
    this.layers.forEach((m, i) => this.registerModule(String(i), m));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const m of this.layers) h = m.forward(h);
    return h;
  }
  /** A new Sequential with one more layer (Keras `model.add`). */
  add(layer: Module): Sequential {
    return new Sequential([...this.layers, layer]);
  }
}
