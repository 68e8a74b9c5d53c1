/**
 * The fused WebAssembly optimizer kernels (optim.wat) are BITWISE the optimizers' op-level rules
 * (`updateRule`): every configuration of SGD, Adam and AdamW, on random values and on the edges
 * (±0, denormals, the largest floats, ±Inf, NaN), over many steps, in runs of parameters whose
 * sizes are not multiples of four (the scalar tail). NaN is compared as NaN (its payload is not
 * part of the contract); everything else, signed zeros included, bit for bit.
 */
import { describe, expect, it } from 'vitest';
import { noGrad } from '../../autograd/grad-mode';
import { Generator } from '../../core/random';
import { tensor } from '../../core/creation';
import type { Tensor } from '../../core/tensor';
import { Adam, AdamW } from '../adam';
import type { Optimizer } from '../optimizer';
import { SGD } from '../sgd';
import { FlatState, optimKernelsAvailable, runsOf, sumOfSquares } from './optim-wasm';

const EDGES = [0, -0, 1e-40, -1e-40, 1.4e-45, -1.4e-45, 1.1754942e-38, 3.4e38, -3.4e38, 1e-20, 1e20, 1, -1, 0.5, Infinity, -Infinity, NaN];

const CONFIGS: [string, (p: Tensor[]) => Optimizer][] = [
  ['SGD', (p) => new SGD(p, { lr: 0.1 })],
  ['SGD, weight decay', (p) => new SGD(p, { lr: 0.05, weightDecay: 1e-2 })],
  ['SGD, momentum', (p) => new SGD(p, { lr: 0.01, momentum: 0.9 })],
  ['SGD, momentum, dampening, weight decay', (p) => new SGD(p, { lr: 0.01, momentum: 0.8, dampening: 0.3, weightDecay: 5e-4 })],
  ['SGD, Nesterov', (p) => new SGD(p, { lr: 0.02, momentum: 0.9, nesterov: true })],
  ['SGD, Nesterov, weight decay', (p) => new SGD(p, { lr: 0.02, momentum: 0.7, nesterov: true, weightDecay: 1e-3 })],
  ['Adam', (p) => new Adam(p, { lr: 1e-3 })],
  ['Adam, weight decay, other betas', (p) => new Adam(p, { lr: 3e-3, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 1e-2 })],
  ['Adam, eps 0', (p) => new Adam(p, { lr: 1e-2, eps: 0 })],
  ['AdamW', (p) => new AdamW(p, { lr: 1e-3 })],
  ['AdamW, weight decay 0.1', (p) => new AdamW(p, { lr: 1e-2, weightDecay: 0.1 })],
  ['AdamW, no weight decay', (p) => new AdamW(p, { lr: 1e-3, weightDecay: 0 })],
];

/** Parameter sizes: tails of 1–3 elements, a single element, a multiple of four. */
const SIZES = [7, 33, 1, 4, 10];

function fill(g: Generator, n: number, edges: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = g.uniform();
    out[i] = edges && u < 0.3 ? EDGES[Math.floor(g.uniform() * EDGES.length)]! : g.normal() * (u < 0.6 ? 1 : 1e-3);
  }
  return out;
}

function same(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `lengths ${a.length} and ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!(Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)))) return `element ${i}: ${x} vs ${y}`;
  }
  return null;
}

/**
 * `steps` updates of the same parameters by the op-level rule (eager, per parameter) and by the
 * kernel (flat state, one call per run of parameters with a gradient); returns the first
 * difference in parameters or state, or null.
 */
function compare(make: (p: Tensor[]) => Optimizer, steps: number, edges: boolean, seed: number, withGrad: readonly boolean[]): string | null {
  const g = new Generator(seed);
  const init = SIZES.map((n) => fill(g, n, edges));
  const params = init.map((d) => tensor(d.slice(), { shape: [d.length] }));
  const opt = make(params);
  const kernelOpt = make(init.map((d) => tensor(d.slice(), { shape: [d.length] })));
  const flat = FlatState.create(SIZES, opt.slotNames.length)!;
  init.forEach((d, k) => flat.part(flat.params, k).set(d));
  const runs = runsOf(withGrad);
  for (let t = 1; t <= steps; t++) {
    const grads = SIZES.map((n) => fill(g, n, edges));
    // the rule
    opt.stepWith(grads.map((d, k) => (withGrad[k] ? tensor(d, { shape: [d.length] }) : null)));
    // the kernel
    grads.forEach((d, k) => flat.part(flat.grads, k).set(d));
    kernelOpt.stepCount = t;
    kernelOpt.setStep(t);
    const spec = kernelOpt.kernelSpec()!;
    let finite = true;
    for (const [from, to] of runs) finite = flat.update(spec, from, to) && finite;
    const expectFinite = params.every((p, k) => !withGrad[k] || p.data.every(Number.isFinite));
    if (finite !== expectFinite) return `step ${t}: the kernel says finite=${finite}, the rule's parameters ${expectFinite}`;
    for (let k = 0; k < SIZES.length; k++) {
      const d = same(params[k]!.data, flat.part(flat.params, k));
      if (d) return `step ${t}, parameter ${k}: ${d}`;
      const slots = withGrad[k] ? opt.existingSlots(k) : null;
      for (let s = 0; s < flat.slots.length; s++) {
        const expected = slots ? slots[s]!.data : new Float32Array(SIZES[k]!);
        const ds = same(expected, flat.part(flat.slots[s]!, k));
        if (ds) return `step ${t}, parameter ${k}, state ${opt.slotNames[s]}: ${ds}`;
      }
    }
  }
  return null;
}

if (optimKernelsAvailable) {
  describe('WebAssembly optimizer kernels = the op-level rule, bitwise', () => {
    const all = SIZES.map(() => true);
    const some = SIZES.map((_, k) => k !== 1 && k !== 3);
    for (const [label, make] of CONFIGS) {
      it(`${label}: 200 steps on random values`, () => {
        expect(compare(make, 200, false, 11, all)).toBeNull();
      });
      it(`${label}: 60 steps with zeros, denormals, huge values, ±Inf and NaN mixed in`, () => {
        expect(compare(make, 60, true, 12, all)).toBeNull();
      });
      it(`${label}: parameters without a gradient are left alone`, () => {
        expect(compare(make, 20, false, 13, some)).toBeNull();
      });
    }

    it('sums of squares (the timeline\'s norms) agree with float64 in the kernel and in JavaScript, tails included', () => {
      const g = new Generator(9);
      for (const n of [0, 1, 3, 7, 8, 9, 17, 100, 1001, 4099]) {
        const flat = FlatState.create([n, 5], 0)!;
        const values = Float32Array.from({ length: n }, (_, i) => g.normal() * (i % 7 === 0 ? 1e15 : i % 5 === 0 ? 1e-20 : 1));
        const view = flat.part(flat.params, 0);
        view.set(values);
        flat.part(flat.params, 1).fill(1e30); // the next parameter: not summed
        let ref = 0;
        for (let i = 0; i < n; i++) ref += values[i]! * values[i]!;
        const kernel = sumOfSquares(view);
        const js = sumOfSquares(values.slice());
        expect(Math.abs(kernel - ref), `kernel, n ${n}`).toBeLessThanOrEqual(1e-13 * ref);
        expect(Math.abs(js - ref), `JavaScript, n ${n}`).toBeLessThanOrEqual(1e-13 * ref);
        expect(sumOfSquares(Array.from(values))).toBeCloseTo(ref, 0);
      }
      // NaN and ±Inf show
      const flat = FlatState.create([16], 0)!;
      flat.params[11] = NaN;
      expect(sumOfSquares(flat.params)).toBeNaN();
      flat.params[11] = -Infinity;
      expect(sumOfSquares(flat.params)).toBe(Infinity);
    });

    it('the finiteness check finds one NaN or ±Inf anywhere, tails included', () => {
      const sizes = [5, 17, 3, 64];
      const flat = FlatState.create(sizes, 0)!;
      const g = new Generator(5);
      flat.grads.set(fill(g, flat.total, false));
      expect(flat.gradsFinite()).toBe(true);
      for (const bad of [NaN, Infinity, -Infinity]) {
        // every accumulator of the 16-float body (i mod 16 in 0–3, 4–7, 8–11, 12–15) and the tail
        for (const i of [0, 4, 5, 14, 21, 24, 47, flat.total - 1, flat.total - 9]) {
          const keep = flat.grads[i]!;
          flat.grads[i] = bad;
          expect(flat.gradsFinite(), `${bad} at ${i}`).toBe(false);
          // only the parameters whose range holds it
          let k = 0;
          while (k + 1 < sizes.length && flat.offsets[k + 1]! <= i) k++;
          expect(flat.gradsFinite(0, k)).toBe(true);
          expect(flat.gradsFinite(k, k + 1)).toBe(false);
          flat.grads[i] = keep;
        }
      }
      // the largest finite floats, denormals and −0 are finite
      flat.grads.fill(3.4e38);
      flat.grads[3] = 1.4e-45;
      flat.grads[18] = -0;
      flat.grads[flat.total - 2] = -3.4e38;
      expect(flat.gradsFinite()).toBe(true);
    });
  });
} else {
  describe('without the WebAssembly optimizer kernels (BPSTUDIO_WASM=0 or not built)', () => {
    it('there is no flat state: executors run the op-level rule', () => {
      expect(FlatState.create([4], 2)).toBeNull();
    });
  });
}

describe('runs of parameters with a gradient', () => {
  it('groups consecutive ones', () => {
    expect(runsOf([true, true, false, true, false, false, true, true, true])).toEqual([[0, 2], [3, 4], [6, 9]]);
    expect(runsOf([false])).toEqual([]);
    expect(runsOf([])).toEqual([]);
  });
});

describe('AdamW', () => {
  it('decays the parameter by 1 − lr·λ before Adam’s step, as torch.optim.AdamW', () => {
    // first step from zero moments: m = (1−β₁)g, v = (1−β₂)g², a₁ = lr·√(1−β₂)/(1−β₁), e₁ = ε√(1−β₂)
    const p = tensor([1, -2], { shape: [2] });
    const opt = new AdamW([p], { lr: 0.1, weightDecay: 0.5 });
    noGrad(() => opt.stepWith([tensor([0.5, 0.5], { shape: [2] })]));
    const step = 0.1; // lr · m̂/(√v̂ + ε) ≈ lr · sign(g) on the first step
    expect(p.data[0]).toBeCloseTo(1 * (1 - 0.05) - step, 5);
    expect(p.data[1]).toBeCloseTo(-2 * (1 - 0.05) - step, 5);
    expect(opt.type).toBe('adamw');
    expect(opt.weightDecay).toBe(0.5);
    expect(new AdamW([tensor([1], { shape: [1] })]).weightDecay).toBe(0.01);
  });
});
