import type { Tensor } from '../core/tensor';
import { defaultGenerator, type Generator } from '../core/random';
import { EngineError } from '../core/errors';

/** Fill with U(low, high) from the seeded generator. */
export function uniform_(t: Tensor, low: number, high: number, generator: Generator = defaultGenerator): Tensor {
  for (let i = 0; i < t.data.length; i++) t.data[i] = generator.uniform(low, high);
  return t;
}

/** Fill with N(mean, std²). */
export function normal_(t: Tensor, mean = 0, std = 1, generator: Generator = defaultGenerator): Tensor {
  for (let i = 0; i < t.data.length; i++) t.data[i] = generator.normal(mean, std);
  return t;
}

/** fan_in and fan_out of a weight [out, in, ...]. */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) return { fanIn: shape[0] ?? 1, fanOut: shape[0] ?? 1 };
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
}

/**
 * Kaiming (He) uniform, PyTorch's default for Linear weights with a = √5:
 * bound = gain·√(3/fan_in) with gain = √(2/(1+a²)), which is 1/√fan_in.
 */
export function kaimingUniform_(t: Tensor, a = Math.sqrt(5), generator: Generator = defaultGenerator): Tensor {
  const { fanIn } = fans(t.shape);
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = gain * Math.sqrt(3 / fanIn);
  return uniform_(t, -bound, bound, generator);
}

/** Xavier/Glorot uniform: bound = gain·√(6/(fan_in+fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const { fanIn, fanOut } = fans(t.shape);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, generator);
}

/**
 * Kaiming (He) normal, PyTorch's `kaiming_normal_` (mode fan_in): N(0, std²) with
 * std = gain/√fan_in, gain = √(2/(1+a²)) — √(2/fan_in) for ReLU (a = 0).
 */
export function kaimingNormal_(t: Tensor, a = 0, generator: Generator = defaultGenerator): Tensor {
  const { fanIn } = fans(t.shape);
  const gain = Math.sqrt(2 / (1 + a * a));
  return normal_(t, 0, gain / Math.sqrt(fanIn), generator);
}

/** Xavier/Glorot normal, PyTorch's `xavier_normal_`: N(0, std²) with std = gain·√(2/(fan_in+fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1, generator: Generator = defaultGenerator): Tensor {
  const { fanIn, fanOut } = fans(t.shape);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), generator);
}

/** Fill with a constant (`zeros_` is `constant_(t, 0)`). */
export function constant_(t: Tensor, value: number): Tensor {
  t.data.fill(value);
  return t;
}

export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * How a Linear layer's weight W [out, in] and bias b start (the Linear node's `init` param).
 * Every scheme but PyTorch's default starts the bias at zero, as Keras does.
 */
export const LINEAR_INITS = ['kaiming-uniform', 'kaiming-normal', 'he-uniform', 'glorot-uniform', 'glorot-normal', 'zeros'] as const;
export type LinearInit = (typeof LINEAR_INITS)[number];

/**
 * Initialise a Linear layer's parameters in place, weight first, then bias, from one generator:
 * - `kaiming-uniform`: PyTorch's `nn.Linear` — W by `kaiming_uniform_(a=√5)`, i.e. U(±1/√fan_in),
 *   and b ~ U(±1/√fan_in)
 * - `kaiming-normal`: He normal — W ~ N(0, 2/fan_in) (`kaiming_normal_`, ReLU gain), b = 0
 * - `he-uniform`: W ~ U(±√(6/fan_in)) (Keras `he_uniform`, `kaiming_uniform_` with ReLU gain), b = 0
 * - `glorot-uniform`: Keras' `Dense` default — W ~ U(±√(6/(fan_in+fan_out))), b = 0
 * - `glorot-normal`: W ~ N(0, 2/(fan_in+fan_out)) (`xavier_normal_`), b = 0
 * - `zeros`: W = 0, b = 0 (every hidden unit stays the same: the symmetry lesson)
 */
export function initLinear_(weight: Tensor, bias: Tensor | null, init: LinearInit, generator: Generator = defaultGenerator): void {
  switch (init) {
    case 'kaiming-uniform': {
      kaimingUniform_(weight, Math.sqrt(5), generator);
      if (bias) {
        const fanIn = fans(weight.shape).fanIn;
        const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
        uniform_(bias, -bound, bound, generator);
      }
      return;
    }
    case 'kaiming-normal':
      kaimingNormal_(weight, 0, generator);
      break;
    case 'he-uniform':
      kaimingUniform_(weight, 0, generator);
      break;
    case 'glorot-uniform':
      xavierUniform_(weight, 1, generator);
      break;
    case 'glorot-normal':
      xavierNormal_(weight, 1, generator);
      break;
    case 'zeros':
      zeros_(weight);
      break;
    default:
      throw new EngineError(`unknown Linear init "${String(init)}" (one of ${LINEAR_INITS.join(', ')})`);
  }
  if (bias) zeros_(bias);
}
