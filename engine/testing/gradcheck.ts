import type { Tensor } from '../core/tensor';
import { tensor } from '../core/creation';
import { Generator } from '../core/random';
import { sizeOf } from '../core/shape';
import { grad } from '../autograd/backward';
import { noGrad } from '../autograd/grad-mode';
import { mul, sum } from '../ops/functional';
import { apply, type OpDef, type OpSample, type Attrs } from '../ops/define-op';
import { compareClose } from './allclose';

export interface GradcheckResult {
  ok: boolean;
  order: 1 | 2;
  /** Worst relative error over all checked elements. */
  maxError: number;
  message: string;
}

export interface GradcheckOptions {
  eps?: number;
  rtol?: number;
  atol?: number;
  seed?: number;
}

/**
 * Finite-difference gradient check in float64 (JAX's `check_grads`, first and second order).
 * The scalar under test is L = Σ f(x)⊙v for a random upstream v, so the upstream gradient is
 * not all ones. First order compares ∂L/∂x from the VJPs with central differences of L;
 * second order does the same for M = Σ_i Σ (∂L/∂x_i)⊙w_i, whose analytic gradient needs the
 * VJPs themselves to be differentiable (`createGraph`).
 */
export function gradcheck(
  f: (...inputs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  order: 1 | 2 = 1,
  options: GradcheckOptions = {},
): GradcheckResult {
  const eps = options.eps ?? 1e-6;
  const rtol = options.rtol ?? (order === 1 ? 1e-5 : 1e-4);
  const atol = options.atol ?? (order === 1 ? 1e-7 : 1e-6);
  const gen = new Generator(options.seed ?? 1234);
  const diffInputs = inputs.filter((t) => t.requiresGrad);
  const out0 = noGrad(() => f(...inputs));
  const v = tensor(Float64Array.from({ length: out0.size }, () => gen.normal()), { shape: out0.shape });

  const L = (): Tensor => sum(mul(f(...inputs), v));
  let objective: () => Tensor = L;
  if (order === 2) {
    const ws = diffInputs.map((t) => tensor(Float64Array.from({ length: t.size }, () => gen.normal()), { shape: t.shape }));
    objective = () => {
      const gs = grad(L(), diffInputs, { createGraph: true, allowUnused: true });
      let m: Tensor | null = null;
      gs.forEach((g, i) => {
        if (g === null || !g.requiresGrad) return;
        const term = sum(mul(g, ws[i]!));
        m = m === null ? term : m.add(term);
      });
      return m ?? tensor(0, { dtype: 'float64' });
    };
  }
  const scalarValue = (): number => {
    if (order === 1) return noGrad(L).item();
    // second order: M needs a (first-order) backward, so grad mode stays on
    return objective().item();
  };

  const m = objective();
  const analytic = m.requiresGrad
    ? grad(m, diffInputs, { allowUnused: true }).map((g, i) => g ?? zerosFor(diffInputs[i]!))
    : diffInputs.map(zerosFor);

  let maxError = 0;
  for (let i = 0; i < diffInputs.length; i++) {
    const x = diffInputs[i]!;
    const numeric = new Float64Array(x.size);
    for (let j = 0; j < x.size; j++) {
      const orig = x.data[j]!;
      x.data[j] = orig + eps;
      const plus = scalarValue();
      x.data[j] = orig - eps;
      const minus = scalarValue();
      x.data[j] = orig;
      numeric[j] = (plus - minus) / (2 * eps);
    }
    const got = analytic[i]!.data;
    const r = compareClose(got, numeric, { rtol, atol });
    maxError = Math.max(maxError, r.maxRelDiff);
    if (!r.ok) {
      return { ok: false, order, maxError, message: `order ${order}, input ${i}: analytic vs numeric ${r.message}` };
    }
  }
  return { ok: true, order, maxError, message: `order ${order} ok` };
}

function zerosFor(t: Tensor): Tensor {
  return tensor(new Float64Array(t.size), { shape: t.shape });
}

/** Float64 inputs for an op sample: drawn at random (respecting positive / awayFromZero) unless given. */
export function sampleInputs<A extends Attrs>(sample: OpSample<A>, seed = 7): Tensor[] {
  const gen = new Generator(seed);
  return sample.shapes.map((shape, i) => {
    const given = sample.values?.[i];
    if (sample.intInputs?.includes(i)) {
      return tensor(Int32Array.from(given ?? []), { shape });
    }
    const n = sizeOf(shape);
    const data = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      if (given) {
        data[k] = given[k]!;
        continue;
      }
      let x = gen.normal();
      if (sample.positive) x = 0.5 + Math.abs(x);
      const away = sample.awayFromZero ?? 0;
      if (away > 0 && Math.abs(x) < away) x = x < 0 ? x - away : x + away;
      data[k] = x;
    }
    return tensor(data, { shape, requiresGrad: true });
  });
}

/** Gradient-check one op sample to first and (unless the sample says otherwise) second order. */
export function gradcheckOp<A extends Attrs>(op: OpDef<A>, sample: OpSample<A>): GradcheckResult[] {
  const inputs = sampleInputs(sample);
  const f = (...xs: Tensor[]): Tensor => apply(op, xs, sample.attrs);
  const results = [gradcheck(f, inputs, 1)];
  if (sample.secondOrder !== false) results.push(gradcheck(f, inputs, 2));
  return results;
}
