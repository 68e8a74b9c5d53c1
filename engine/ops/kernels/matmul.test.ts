import { describe, expect, it } from 'vitest';
import { gemm } from './matmul';

type FloatArray = Float32Array | Float64Array;
type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;

/** Deterministic values in [-1, 1) (xorshift32), so failures reproduce. */
function fill(x: FloatArray, seed: number): FloatArray {
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
  gemm(a, aOff, b, bOff, out, oOff, M, N, K, tA, tB);
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

describe('gemm kernel against a naive triple loop', () => {
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
    expect(() => check(Float64Array, 32, 128, 784, false, true)).not.toThrow();
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
