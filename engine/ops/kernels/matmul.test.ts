import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { gemm, gemmJs, gemmKernel, useWasmGemm, WASM_MIN } from './matmul';
import { wasmGemm } from './wasm/gemm-wasm';

type FloatArray = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Deterministic values in [-1, 1) (xorshift32), so failures reproduce. */
function fill<T extends FloatArray>(x: T, seed: number): T {
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

interface Naive {
  /** Σ_k op(A)[i,k]·op(B)[k,j], summed in doubles in increasing k. */
  sum: Float64Array;
  /** Σ_k |op(A)[i,k]·op(B)[k,j]|: the scale for rounding-error bounds. */
  abs: Float64Array;
}

function naive(a: FloatArray, aOff: number, b: FloatArray, bOff: number, M: number, N: number, K: number, tA: boolean, tB: boolean): Naive {
  const sum = new Float64Array(M * N);
  const abs = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let t = 0;
      for (let k = 0; k < K; k++) {
        const p = a[aOff + (tA ? k * M + i : i * K + k)]! * b[bOff + (tB ? j * K + k : k * N + j)]!;
        s += p;
        t += Math.abs(p);
      }
      sum[i * N + j] = s;
      abs[i * N + j] = t;
    }
  }
  return { sum, abs };
}

const SENTINEL = 12345.5;

/**
 * Runs gemm on operands embedded at offsets in larger buffers (as the batched matmul op does) and
 * checks every output element, plus that nothing outside the output block was written.
 */
/** Checks every output element against the naive sum (throwing with the element on a mismatch); returns how many it checked. */
function check(T: Ctor, M: number, N: number, K: number, tA: boolean, tB: boolean, offsets = [0, 0, 0]): number {
  const [aOff, bOff, oOff] = offsets as [number, number, number];
  const a = fill(new T(aOff + M * K + 3), M * 31 + K);
  const b = fill(new T(bOff + K * N + 5), N * 17 + K + 1);
  const out = new T(oOff + M * N + 7).fill(SENTINEL);
  gemmJs(a, aOff, b, bOff, out, oOff, M, N, K, tA, tB);
  const ref = naive(a, aOff, b, bOff, M, N, K, tA, tB);
  const eps = T === Float64Array ? 2 ** -52 : 2 ** -23;
  const label = `${T.name} M=${M} N=${N} K=${K} transA=${tA} transB=${tB} offsets=${offsets.join(',')}`;
  for (let i = 0; i < oOff; i++) if (out[i] !== SENTINEL) throw new Error(`${label}: wrote before the output at ${i}`);
  for (let i = oOff + M * N; i < out.length; i++) if (out[i] !== SENTINEL) throw new Error(`${label}: wrote past the output at ${i}`);
  for (let e = 0; e < M * N; e++) {
    const got = out[oOff + e]!;
    const want = ref.sum[e]!;
    // Up to 64 terms every kernel path sums in plain k order: the result is the naive double sum
    // (rounded once to float32). Longer sums may be split into K blocks: rounding-error bound.
    if (K <= 64) {
      const exact = T === Float32Array ? Math.fround(want) : want;
      if (got !== exact) throw new Error(`${label}: [${Math.floor(e / N)},${e % N}] = ${got}, want exactly ${exact}`);
    } else {
      const tol = 4 * eps * ref.abs[e]! + 1e-300;
      if (!(Math.abs(got - want) <= tol)) throw new Error(`${label}: [${Math.floor(e / N)},${e % N}] = ${got}, want ${want} ± ${tol}`);
    }
  }
  return M * N;
}

const TRANS: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

describe('JavaScript gemm kernel (gemmJs) against a naive triple loop', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 7, 9], // single row: below the 2-row tile
    [5, 3, 11], // fewer columns than the 4-column tile
    [2, 4, 3], // exactly one tile
    [3, 5, 7],
    [4, 128, 4], // small-network (batch 4) shapes: unpacked path
    [17, 33, 65], // odd sizes: packed path with partial tiles
    [64, 64, 64],
    [32, 10, 128], // MLP output layer
    [10, 128, 32],
  ];
  for (const T of [Float32Array, Float64Array] as Ctor[]) {
    for (const [M, N, K] of shapes) {
      for (const [tA, tB] of TRANS) {
        it(`${T.name} ${M}×${N}×${K} transA=${tA} transB=${tB}`, () => {
          expect(check(T, M, N, K, tA, tB)).toBe(M * N);
        });
      }
    }
  }

  it('crosses every block boundary (M > 64, N > 512, K > 512) in both dtypes and all layouts', () => {
    for (const T of [Float32Array, Float64Array] as Ctor[]) {
      for (const [tA, tB] of TRANS) expect(check(T, 67, 517, 530, tA, tB)).toBe(67 * 517);
    }
  });

  it('reads and writes at offsets (batched matmul)', () => {
    for (const T of [Float32Array, Float64Array] as Ctor[]) {
      for (const [tA, tB] of TRANS) {
        expect(check(T, 3, 5, 7, tA, tB, [6, 13, 9])).toBe(15);
        expect(check(T, 17, 33, 65, tA, tB, [17 * 65, 65 * 33 * 2, 17 * 33])).toBe(17 * 33);
      }
    }
  });

  it('float64 keeps double precision: the Fashion-MNIST forward shape matches to ~1e-15', () => {
    expect(check(Float64Array, 32, 128, 784, false, true)).toBe(32 * 128);
    // A sum that float32 accumulation would get badly wrong: 1 + 1e-10·k, K = 1000.
    const K = 1000;
    const a = new Float64Array(K).fill(1);
    const b = new Float64Array(K).map((_, k) => (k === 0 ? 1 : 1e-10));
    const out = new Float64Array(1);
    gemm(a, 0, b, 0, out, 0, 1, 1, K, false, false);
    expect(Math.abs(out[0]! - (1 + 999e-10))).toBeLessThan(1e-13); // float32 would give exactly 1
  });

  it('K = 0 gives zeros; M = 0 or N = 0 writes nothing', () => {
    const out = new Float32Array(6).fill(SENTINEL);
    gemm(new Float32Array(0), 0, new Float32Array(0), 0, out, 0, 2, 3, 0, false, false);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0]);
    const untouched = new Float64Array(2).fill(SENTINEL);
    gemm(new Float64Array(4), 0, new Float64Array(4), 0, untouched, 0, 0, 2, 2, false, false);
    gemm(new Float64Array(4), 0, new Float64Array(4), 0, untouched, 0, 2, 0, 2, false, false);
    expect(Array.from(untouched)).toEqual([SENTINEL, SENTINEL]);
  });

  it('propagates NaN and Infinity like a plain sum', () => {
    const a = new Float32Array([1, NaN, 2, 3, Infinity, 0, 1, 1]); // 2×4
    const b = new Float32Array(4 * 4).fill(1); // 4×4
    const out = new Float32Array(8);
    gemm(a, 0, b, 0, out, 0, 2, 4, 4, false, false);
    expect(Array.from(out.subarray(0, 4)).every(Number.isNaN)).toBe(true);
    expect(Array.from(out.subarray(4))).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });
});

type Kernel = typeof gemmJs;

/**
 * Runs a float32 kernel on operands at offsets in larger buffers and checks it against the float64
 * sum of the same float32 inputs: every element within 1e-5 of Σ_k |A(i,k)·B(k,j)| (the relative
 * error a float32 accumulation can promise elementwise; an element whose terms cancel has no
 * relative bound of its own), and the whole product within 1e-5 relative in the Frobenius norm.
 * Also checks nothing outside the output block was written. Returns the worst elementwise error.
 */
function checkF32(kernel: Kernel, M: number, N: number, K: number, tA: boolean, tB: boolean, offsets = [0, 0, 0]): number {
  const [aOff, bOff, oOff] = offsets as [number, number, number];
  const a = fill(new Float32Array(aOff + M * K + 3), M * 31 + K + (tA ? 7 : 0));
  const b = fill(new Float32Array(bOff + K * N + 5), N * 17 + K + 1 + (tB ? 5 : 0));
  const out = new Float32Array(oOff + M * N + 7).fill(SENTINEL);
  kernel(a, aOff, b, bOff, out, oOff, M, N, K, tA, tB);
  const ref = naive(a, aOff, b, bOff, M, N, K, tA, tB);
  const label = `M=${M} N=${N} K=${K} transA=${tA} transB=${tB} offsets=${offsets.join(',')}`;
  for (let i = 0; i < oOff; i++) if (out[i] !== SENTINEL) throw new Error(`${label}: wrote before the output at ${i}`);
  for (let i = oOff + M * N; i < out.length; i++) if (out[i] !== SENTINEL) throw new Error(`${label}: wrote past the output at ${i}`);
  let worst = 0;
  let err2 = 0;
  let ref2 = 0;
  for (let e = 0; e < M * N; e++) {
    const d = Math.abs(out[oOff + e]! - ref.sum[e]!);
    const rel = d / (ref.abs[e]! || 1);
    if (!(rel <= 1e-5)) throw new Error(`${label}: [${Math.floor(e / N)},${e % N}] = ${out[oOff + e]}, want ${ref.sum[e]} (error ${d}, Σ|terms| ${ref.abs[e]})`);
    worst = Math.max(worst, rel);
    err2 += d * d;
    ref2 += ref.sum[e]! ** 2;
  }
  if (ref2 > 0 && !(Math.sqrt(err2 / ref2) <= 1e-5)) throw new Error(`${label}: relative Frobenius error ${Math.sqrt(err2 / ref2)}`);
  return worst;
}

describe.runIf(wasmGemm !== null)('WebAssembly SIMD gemm kernel against float64', () => {
  const kernel: Kernel = (a, aOff, b, bOff, out, oOff, M, N, K, tA, tB) => {
    const done = wasmGemm!(a as Float32Array, aOff, b as Float32Array, bOff, out as Float32Array, oOff, M, N, K, tA, tB);
    if (!done) throw new Error('wasmGemm declined the product');
  };
  const EDGE = [1, 7, 8, 33];

  it('every shape from {1, 7, 8, 33}³ in every layout is within 1e-5 (relative) of float64', () => {
    let cases = 0;
    for (const M of EDGE) for (const N of EDGE) for (const K of EDGE) for (const [tA, tB] of TRANS) {
      expect(checkF32(kernel, M, N, K, tA, tB)).toBeLessThanOrEqual(1e-5);
      cases++;
    }
    expect(cases).toBe(256);
  });

  it('shapes with a 784 (the MNIST width) in each position, every layout', () => {
    const shapes: [number, number, number][] = [];
    for (const x of [1, 7, 8, 33]) {
      shapes.push([784, x, 33], [x, 784, 33], [33, x, 784], [x, 33, 784], [784, 33, x], [33, 784, x]);
    }
    shapes.push([784, 784, 1], [1, 784, 784], [784, 1, 784], [8, 784, 784]);
    for (const [M, N, K] of shapes) {
      for (const [tA, tB] of TRANS) expect(checkF32(kernel, M, N, K, tA, tB)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("W1's training-step shapes (784-128-10, batch 32) in the layouts the matmul op uses", () => {
    const shapes: [number, number, number, boolean, boolean][] = [
      [32, 128, 784, false, true], // x·W1ᵀ
      [128, 784, 32, true, false], // ∂W1 = gᵀ·x
      [32, 784, 128, false, false], // ∂x = g·W1
      [32, 10, 128, false, true], // h·W2ᵀ
      [10, 128, 32, true, false], // ∂W2
      [32, 128, 10, false, false], // ∂h
    ];
    for (const [M, N, K, tA, tB] of shapes) expect(checkF32(kernel, M, N, K, tA, tB)).toBeLessThanOrEqual(1e-5);
  });

  it('random shapes, including ones that cross every block (M > 128, N > 1024, K > 256)', () => {
    let s = 12345;
    const next = (n: number): number => {
      s = (s * 1103515245 + 12345) >>> 0;
      return 1 + (s % n);
    };
    for (let t = 0; t < 24; t++) {
      const [tA, tB] = TRANS[t % 4]!;
      expect(checkF32(kernel, next(70), next(90), next(300), tA, tB)).toBeLessThanOrEqual(1e-5);
    }
    for (const [tA, tB] of TRANS) expect(checkF32(kernel, 131, 1030, 261, tA, tB)).toBeLessThanOrEqual(1e-5);
  });

  it('small M (1-8, no packing of B): every row count, K around the dot-product cut (32) and every K mod 4, odd and even N', () => {
    let cases = 0;
    for (let M = 1; M <= 9; M++) {
      for (const K of [4, 31, 32, 33, 34, 35, 36, 67]) {
        for (const N of [1, 2, 9, 16]) {
          for (const [tA, tB] of TRANS) {
            expect(checkF32(kernel, M, N, K, tA, tB)).toBeLessThanOrEqual(1e-5);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(9 * 8 * 4 * 4);
  });

  it('reads and writes at offsets (batched matmul)', () => {
    for (const [tA, tB] of TRANS) {
      expect(checkF32(kernel, 3, 5, 7, tA, tB, [6, 13, 9])).toBeLessThanOrEqual(1e-5);
      expect(checkF32(kernel, 17, 33, 65, tA, tB, [17 * 65, 65 * 33 * 2, 17 * 33])).toBeLessThanOrEqual(1e-5);
      expect(checkF32(kernel, 5, 41, 300, tA, tB, [3, 1, 2])).toBeLessThanOrEqual(1e-5); // small-M path
    }
  });

  it('is deterministic: bitwise the same result on every call, after other shapes, at other offsets', () => {
    for (const [M, N, K] of [[32, 128, 784], [5, 37, 300], [131, 1030, 261]] as [number, number, number][]) {
      for (const [tA, tB] of TRANS) {
        const a = fill(new Float32Array(M * K), 3);
        const b = fill(new Float32Array(K * N), 4);
        const first = new Float32Array(M * N);
        kernel(a, 0, b, 0, first, 0, M, N, K, tA, tB);
        kernel(fill(new Float32Array(900 * 700), 5), 0, fill(new Float32Array(700 * 300), 6), 0, new Float32Array(900 * 300), 0, 900, 300, 700, false, false);
        const again = new Float32Array(M * N + 3);
        const a2 = new Float32Array(M * K + 5);
        a2.set(a, 5);
        kernel(a2, 5, b, 0, again, 3, M, N, K, tA, tB);
        expect(Buffer.from(again.buffer, 12, 4 * M * N).equals(Buffer.from(first.buffer))).toBe(true);
      }
    }
  });

  it('propagates NaN and Infinity like a plain sum, in whole and edge tiles', () => {
    for (const N of [8, 5]) {
      const a = new Float32Array([1, NaN, 2, 3, Infinity, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]); // 4×4
      const b = new Float32Array(4 * N).fill(1);
      const out = new Float32Array(4 * N);
      kernel(a, 0, b, 0, out, 0, 4, N, 4, false, false);
      expect(Array.from(out.subarray(0, N)).every(Number.isNaN)).toBe(true);
      expect(Array.from(out.subarray(N, 2 * N))).toEqual(new Array(N).fill(Infinity));
      expect(Array.from(out.subarray(2 * N, 3 * N))).toEqual(new Array(N).fill(4));
      expect(Array.from(out.subarray(3 * N))).toEqual(new Array(N).fill(0));
    }
  });

  it('output may alias an input (operands are copied in before the product)', () => {
    const a = fill(new Float32Array(8 * 8), 9);
    const want = new Float32Array(64);
    kernel(a, 0, a, 0, want, 0, 8, 8, 8, false, false);
    kernel(a, 0, a, 0, a, 0, 8, 8, 8, false, false);
    expect(Array.from(a)).toEqual(Array.from(want));
  });
});

describe('gemm dispatch', () => {
  it('float32 products of WASM_MIN or more multiply-adds use the WebAssembly kernel when it is built', () => {
    expect(gemmKernel()).toBe(wasmGemm !== null ? 'wasm' : 'js');
    const [M, N, K] = [32, 10, 128];
    expect(M * N * K).toBeGreaterThanOrEqual(WASM_MIN);
    const a = fill(new Float32Array(M * K), 1);
    const b = fill(new Float32Array(N * K), 2);
    const got = new Float32Array(M * N);
    const want = new Float32Array(M * N);
    gemm(a, 0, b, 0, got, 0, M, N, K, false, true);
    (wasmGemm ?? gemmJs)(a, 0, b, 0, want, 0, M, N, K, false, true);
    expect(Array.from(got)).toEqual(Array.from(want));
  });

  it('tiny float32 products and float64 run the JavaScript kernel (double accumulation)', () => {
    const a32 = fill(new Float32Array(4 * 3), 1);
    const b32 = fill(new Float32Array(3 * 5), 2);
    const got = new Float32Array(20);
    const want = new Float32Array(20);
    gemm(a32, 0, b32, 0, got, 0, 4, 5, 3, false, false);
    gemmJs(a32, 0, b32, 0, want, 0, 4, 5, 3, false, false);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(check(Float64Array, 33, 33, 33, false, false)).toBe(33 * 33);
  });

  it('useWasmGemm(false) switches to the JavaScript kernel and back', () => {
    const a = fill(new Float32Array(32 * 50), 1);
    const b = fill(new Float32Array(50 * 40), 2);
    const got = new Float32Array(32 * 40);
    const want = new Float32Array(32 * 40);
    const was = useWasmGemm(false);
    try {
      expect(gemmKernel()).toBe('js');
      gemm(a, 0, b, 0, got, 0, 32, 40, 50, false, false);
    } finally {
      useWasmGemm(was);
    }
    gemmJs(a, 0, b, 0, want, 0, 32, 40, 50, false, false);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(gemmKernel()).toBe(wasmGemm !== null ? 'wasm' : 'js');
  });

  it('without the generated module (not built) the loader gives null, and nothing throws', async () => {
    // The loader (and the shared module loader) alone in a folder without gemm.generated.cjs, as in a checkout where
    // scripts/build-wasm.mjs has not run.
    const dir = mkdtempSync(join(tmpdir(), 'gemm-wasm-'));
    try {
      copyFileSync(new URL('./wasm/gemm-wasm.ts', import.meta.url), join(dir, 'gemm-wasm.ts'));
      copyFileSync(new URL('./wasm/generated-module.ts', import.meta.url), join(dir, 'generated-module.ts'));
      const bare = (await import(/* @vite-ignore */ join(dir, 'gemm-wasm.ts'))) as typeof import('./wasm/gemm-wasm');
      expect(bare.wasmGemm).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('BPSTUDIO_WASM=0 forces the JavaScript kernel everywhere', async () => {
    vi.stubEnv('BPSTUDIO_WASM', '0');
    vi.resetModules();
    try {
      const js = await import('./matmul');
      expect(js.gemmKernel()).toBe('js');
      const [M, N, K] = [32, 40, 50];
      const a = fill(new Float32Array(M * K), 1);
      const b = fill(new Float32Array(K * N), 2);
      const got = new Float32Array(M * N);
      const want = new Float32Array(M * N);
      js.gemm(a, 0, b, 0, got, 0, M, N, K, false, false);
      gemmJs(a, 0, b, 0, want, 0, M, N, K, false, false);
      expect(Array.from(got)).toEqual(Array.from(want));
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});
