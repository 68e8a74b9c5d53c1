/**
 * The optimizers' fused WebAssembly SIMD updates (optim.wat) over one flat float32 state:
 * [parameters | gradients | slot 0 | slot 1] in a WebAssembly memory of its own, each region a
 * vector of every parameter end to end (parameter k at the same offset in each). One call
 * updates a run of parameters in place — for Adam 5 loads/stores per element instead of the
 * op-level rule's ~12 passes — and the results are bitwise the rule's (optim.wat says why;
 * kernels.test.ts holds them to it).
 *
 * The binary comes from optim.generated.cjs, which scripts/build-wasm.mjs compiles from
 * optim.wat, loaded with a plain `require` (esbuild inlines it into the bundles) or Node's
 * require from the sources. When it is missing, WebAssembly SIMD is unavailable, or
 * BPSTUDIO_WASM=0 is set, `optimKernelsAvailable` is false and `FlatState.create` returns null:
 * callers run the op-level rule instead — nothing throws.
 *
 * The memory is sized once and never grows, so views of it (`Float32Array`s that tensors or
 * onnxruntime read and write) stay valid for the state's life.
 */
import type { KernelSpec } from '../optimizer';

import { loadGeneratedModule, wasmApi, type WasmApi } from '../../ops/kernels/wasm/generated-module';

// `require` exists in esbuild's bundles (a shim over Node's) and in CommonJS; not in ES modules.
declare const require: ((id: string) => unknown) | undefined;

interface OptimExports {
  nonfinite(x: number, n: number): number;
  sumsq(x: number, n: number): number;
  sgd(p: number, g: number, b: number, n: number, lr: number, wd: number, mu: number, damp: number, mom: number, flags: number): number;
  adam(
    p: number, g: number, m: number, v: number, n: number,
    b1: number, c1: number, b2: number, c2: number, a: number, e: number, wd: number, mode: number,
  ): number;
}

const wasm: WasmApi | null = wasmApi();

function compile(): object | null {
  const module = loadGeneratedModule(() => require!('./optim.generated.cjs'), './optim.generated.cjs', import.meta.url);
  if (!module || !wasm) return null;
  try {
    // instantiate once to find out that SIMD works here
    new wasm.Instance(module, { env: { memory: new wasm.Memory({ initial: 1, maximum: 1 }) } });
    return module;
  } catch {
    return null; // e.g. an engine without WebAssembly SIMD
  }
}

const module_ = compile();

/** Whether the WebAssembly optimizer kernels run here (built, WebAssembly SIMD, not BPSTUDIO_WASM=0). */
export const optimKernelsAvailable = module_ !== null;

const PAGE = 65536;
/** Byte address of the first region (0..127: the kernels' scratch, optim.wat). */
const BASE = 128;
const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * The flat state of an optimizer's parameters in WebAssembly memory: `params`, `grads` and
 * `slots[s]` are views of whole regions; parameter k is at `offsets[k]` (in elements) in each.
 */
export class FlatState {
  readonly params: Float32Array;
  readonly grads: Float32Array;
  readonly slots: Float32Array[];
  /** Element offset of each parameter in every region. */
  readonly offsets: readonly number[];
  readonly total: number;
  private readonly k: OptimExports;
  private readonly at: { p: number; g: number; s: number[] };

  private constructor(readonly sizes: readonly number[], slotCount: number) {
    const offsets: number[] = [];
    let total = 0;
    for (const n of sizes) {
      offsets.push(total);
      total += n;
    }
    this.offsets = offsets;
    this.total = total;
    const region = pad4(total) * 4;
    const bytes = BASE + (2 + slotCount) * region;
    const memory = new wasm!.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
    this.k = new wasm!.Instance(module_!, { env: { memory } }).exports as OptimExports;
    const regionAt = (r: number) => BASE + r * region;
    this.at = { p: regionAt(0), g: regionAt(1), s: Array.from({ length: slotCount }, (_, s) => regionAt(2 + s)) };
    kernelsOf.set(memory.buffer, this.k);
    const view = (byteAt: number) => new Float32Array(memory.buffer, byteAt, total);
    this.params = view(this.at.p);
    this.grads = view(this.at.g);
    this.slots = this.at.s.map(view);
  }

  /**
   * A flat state for parameters of `sizes` with `slotCount` state vectors, or null when the
   * kernels are not available here (or the state does not fit in a 32-bit memory).
   */
  static create(sizes: readonly number[], slotCount: number): FlatState | null {
    if (!module_) return null;
    const total = sizes.reduce((a, b) => a + b, 0);
    if (BASE + (2 + slotCount) * pad4(total) * 4 > 2 ** 31) return null;
    try {
      return new FlatState(sizes, slotCount);
    } catch {
      return null; // the engine refused the memory
    }
  }

  private readonly parts = new Map<Float32Array, Float32Array[]>();

  /** Parameter k's part of a region (`params`, `grads`, a slot): the same view on every call. */
  part(region: Float32Array, k: number): Float32Array {
    let views = this.parts.get(region);
    if (!views) {
      views = this.sizes.map((n, i) => region.subarray(this.offsets[i]!, this.offsets[i]! + n));
      this.parts.set(region, views);
    }
    return views[k]!;
  }

  /** Whether the gradients of parameters [from, to) are all finite (one pass, no branch per element). */
  gradsFinite(from = 0, to = this.sizes.length): boolean {
    if (from >= to) return true;
    const start = this.offsets[from]!;
    const end = to < this.sizes.length ? this.offsets[to]! : this.total;
    return this.k.nonfinite(this.at.g + 4 * start, end - start) === 0;
  }

  /**
   * Update parameters [from, to) with the optimizer's kernel (`Optimizer.kernelSpec()`, after
   * `setStep`); returns whether every new parameter value is finite.
   */
  update(spec: KernelSpec, from = 0, to = this.sizes.length): boolean {
    if (from >= to) return true;
    const start = this.offsets[from]!;
    const n = (to < this.sizes.length ? this.offsets[to]! : this.total) - start;
    const o = 4 * start;
    const { p, g, s } = this.at;
    if (spec.kind === 'sgd') {
      if ((spec.flags & 2) !== 0 && s.length < 1) throw new Error('internal: SGD with momentum needs its buffer');
      return this.k.sgd(p + o, g + o, (s[0] ?? 0) + o, n, spec.lr, spec.wd, spec.mu, spec.damp, spec.mom, spec.flags) === 0;
    }
    if (s.length < 2) throw new Error('internal: Adam needs two state vectors');
    return this.k.adam(p + o, g + o, s[0]! + o, s[1]! + o, n, spec.b1, spec.c1, spec.b2, spec.c2, spec.a, spec.e, spec.wd, spec.mode) === 0;
  }
}

/** The kernels of each flat state's memory, by its buffer (`sumOfSquares` finds a view's). */
const kernelsOf = new WeakMap<ArrayBufferLike, OptimExports>();

/**
 * Σ x² in float64 — squared L2 norms, which the training timeline records for every parameter
 * and gradient each step. A view into a flat state's memory (the parameters and gradients of
 * the WebAssembly update) is summed by its `sumsq` kernel, 8 floats a turn; anything else by a
 * JavaScript loop with four accumulators (a single one waits on each add: ~0.9 ns a float).
 * The grouping of the sum differs between the two, so results may differ in the last bits.
 */
export function sumOfSquares(a: ArrayLike<number>): number {
  if (a instanceof Float32Array) {
    const k = kernelsOf.get(a.buffer);
    if (k) return k.sumsq(a.byteOffset, a.length);
    return sumOfSquaresF32(a);
  }
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return s;
}

/** The JavaScript sum for float32 arrays: its own function, so V8's element access stays monomorphic. */
function sumOfSquaresF32(a: Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const n = a.length;
  const n4 = n - (n & 3);
  let i = 0;
  for (; i < n4; i += 4) {
    const a0 = a[i]!;
    const a1 = a[i + 1]!;
    const a2 = a[i + 2]!;
    const a3 = a[i + 3]!;
    s0 += a0 * a0;
    s1 += a1 * a1;
    s2 += a2 * a2;
    s3 += a3 * a3;
  }
  for (; i < n; i++) s0 += a[i]! * a[i]!;
  return s0 + s1 + (s2 + s3);
}

/** Runs of consecutive true entries: [from, to) index pairs (parameters with a gradient, updated by one call each). */
export function runsOf(flags: readonly boolean[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < flags.length; i++) {
    if (!flags[i]) continue;
    let j = i;
    while (j + 1 < flags.length && flags[j + 1]) j++;
    out.push([i, j + 1]);
    i = j;
  }
  return out;
}
