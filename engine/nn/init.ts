import type { Tensor } from '../core/tensor';
import { defaultGenerator, type Generator } from '../core/random';

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
