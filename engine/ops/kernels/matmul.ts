import type { TypedArray } from '../../core/dtype';
import { wasmGemm } from './wasm/gemm-wasm';

/**
 * C[M×N] = op(A) · op(B) for one matrix pair, where op transposes when asked.
 * A is [M×K] row-major (or [K×M] with transA); B is [K×N] (or [N×K] with transB).
 * `out` is overwritten. This is what the matmul op calls, for every shape.
 *
 * Two kernels:
 * - float32 products of at least WASM_MIN multiply-adds run the WebAssembly SIMD kernel
 *   (wasm/gemm.wat: packed 4×8 f32x4 tiles, float32 accumulation, ~40 GFLOP/s against ~4.7
 *   for the JavaScript kernel on the reference 2-core EPYC; see bench/README.md);
 * - everything else — float64, int32, mixed arrays, the tiniest products, operands too big for
 *   the module's memory (> 2 GiB), or no WebAssembly (kernel not built, BPSTUDIO_WASM=0) — runs
 *   `gemmJs`, which accumulates in doubles.
 * The choice depends only on the dtypes and the shape, and both kernels sum in a fixed order, so
 * the same inputs give bitwise the same output on every call.
 */
export function gemm(
  a: TypedArray,
  aOffset: number,
  b: TypedArray,
  bOffset: number,
  out: TypedArray,
  outOffset: number,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
): void {
  if (
    wasmOn &&
    M * N * K >= WASM_MIN &&
    a instanceof Float32Array &&
    b instanceof Float32Array &&
    out instanceof Float32Array &&
    wasmGemm!(a, aOffset, b, bOffset, out, outOffset, M, N, K, transA, transB)
  ) {
    return;
  }
  gemmJs(a, aOffset, b, bOffset, out, outOffset, M, N, K, transA, transB);
}

/**
 * Below this many multiply-adds the JavaScript kernel is faster: a WebAssembly call costs
 * ~0.2 µs (copies in and out included). Measured with W2's batch-4 shapes: at 4×16×3 (192)
 * JavaScript takes 0.18 µs and WebAssembly 0.23; at 8×8×8 (512) 0.38 and 0.25; at 4×128×4
 * (2,048) 1.6 and 0.57.
 */
export const WASM_MIN = 512;

let wasmOn = wasmGemm !== null;

/** Which kernel float32 products of WASM_MIN or more multiply-adds use now. */
export function gemmKernel(): 'wasm' | 'js' {
  return wasmOn ? 'wasm' : 'js';
}

/**
 * Turns the WebAssembly kernel off (false) or back on (true, when it is available) for the whole
 * process; returns whether it was on. For same-process A/B benchmarks and tests only: results
 * differ between the kernels (float32 vs double accumulation), so a run must not switch midway.
 */
export function useWasmGemm(on: boolean): boolean {
  const was = wasmOn;
  wasmOn = on && wasmGemm !== null;
  return was;
}

/**
 * The JavaScript kernel: C[M×N] = op(A) · op(B) for any typed arrays (the fallback of `gemm`).
 * A is [M×K] row-major (or [K×M] with transA); B is [K×N] (or [N×K] with transB).
 * `out` is overwritten; sums are accumulated in doubles (JavaScript arithmetic), so float64
 * results are ordinary double-precision dot products and float32 results are rounded once per
 * K block (see KC).
 *
 * How it is fast without SIMD (GotoBLAS/BLIS structure, tuned for V8's scalar code):
 * - Blocks of A (MC×KC) and B (KC×NC) are packed into one plain `number[]` scratch array holding
 *   doubles, in micro-panel order: A as [MR rows interleaved along k], B as [NR columns
 *   interleaved along k]. Packing absorbs the transposes and strides (no separate transpose
 *   copy), converts float32→float64 once, and makes the inner loop monomorphic.
 *   A packed-double JS array beats a Float64Array here: V8 loads from it with one bounds
 *   compare and no base+external-pointer arithmetic (~4 instead of ~6 instructions per load).
 * - The micro-kernel keeps a 2×4 tile of C in local variables and streams both panels
 *   sequentially: 6 loads feed 8 multiply-adds per k. Bigger tiles (4×4, 3×4, 2×6) were
 *   slower: x64 has 16 xmm registers and V8 schedules all products before the adds, so they
 *   spill (see bench/README.md for the variants measured).
 * - Products too small to amortise packing (the batch-4 layers of small networks) use the same
 *   2×4 tiling straight on the operands, without packing.
 * Within a K block, every element is summed in increasing k from 0, exactly like a naive loop.
 */
export function gemmJs(
  a: TypedArray,
  aOffset: number,
  b: TypedArray,
  bOffset: number,
  out: TypedArray,
  outOffset: number,
  M: number,
  N: number,
  K: number,
  transA: boolean,
  transB: boolean,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    out.fill(0, outOffset, outOffset + M * N);
    return;
  }
  // Element strides: A(i,k) = a[aOffset + i*rsA + k*csA], B(k,j) = b[bOffset + k*rsB + j*csB].
  const rsA = transA ? 1 : K;
  const csA = transA ? M : 1;
  const rsB = transB ? 1 : N;
  const csB = transB ? K : 1;
  if (M * N * K <= SMALL || M < MR || N < NR) {
    gemmDirect(a, aOffset, rsA, csA, b, bOffset, rsB, csB, out, outOffset, M, N, K);
    return;
  }
  gemmPacked(a, aOffset, rsA, csA, b, bOffset, rsB, csB, out, outOffset, M, N, K);
}

/** Micro-tile: MR rows × NR columns of C held in registers. */
const MR = 2;
const NR = 4;
/** K block: a packed B micro-panel (KC×NR doubles) stays in L1, the A block (MC×KC) in L2. */
const KC = 512;
/** N block: the packed B block (KC×NC doubles) is reused by every MC-row block of A. */
const NC = 512;
/** M block. */
const MC = 64;
/** Below this many multiply-adds, packing costs more than it saves. */
const SMALL = 4096;

// Scratch for the packed panels (at most (MC + NC)·KC doubles, 2.4 MB), grown on demand and
// reused (JavaScript is single-threaded). Grown with push of doubles so V8 keeps it
// PACKED_DOUBLE_ELEMENTS (never holey, never generic).
const panels: number[] = [0.5];
const tile = new Float64Array(MR * NR);

function grow(x: number[], n: number): void {
  while (x.length < n) x.push(0.5);
}

function gemmPacked(
  a: TypedArray,
  aOff: number,
  rsA: number,
  csA: number,
  b: TypedArray,
  bOff: number,
  rsB: number,
  csB: number,
  out: TypedArray,
  outOff: number,
  M: number,
  N: number,
  K: number,
): void {
  // Even K blocks (e.g. K=784 → 2×392, not 512+272).
  const kBlocks = Math.ceil(K / KC);
  const kcMax = Math.ceil(K / kBlocks);
  const ncMax = Math.min(N, NC);
  const mcMax = Math.min(M, MC);
  // One scratch array holds the packed A block at [0, bBase) and the packed B block after it:
  // the micro-kernel then checks one array per iteration instead of two.
  const bBase = Math.ceil(mcMax / MR) * MR * kcMax;
  grow(panels, bBase + Math.ceil(ncMax / NR) * NR * kcMax);
  const P = panels;
  const T = tile;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += kcMax) {
      const kc = Math.min(kcMax, K - pc);
      packB(b, bOff + pc * rsB + jc * csB, rsB, csB, kc, nc, P, bBase);
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packA(a, aOff + ic * rsA + pc * csA, rsA, csA, mc, kc, P);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const pb = bBase + jr * kc;
          const o = outOff + ic * N + jc + jr;
          for (let ir = 0; ir < mc; ir += MR) {
            micro(kc, P, ir * kc, pb, T);
            const mr = Math.min(MR, mc - ir);
            if (pc === 0) storeTile(T, out, o + ir * N, N, mr, nr);
            else addTile(T, out, o + ir * N, N, mr, nr);
          }
        }
      }
    }
  }
}

/**
 * T[2×4] = Σ_k P[pa + 2k + r] · P[pb + 4k + c]. Index sums are `| 0` so V8 emits plain
 * 32-bit adds without overflow checks.
 */
function micro(kc: number, P: number[], pa: number, pb: number, T: Float64Array): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  const end = pa + kc * MR;
  while (pa < end) {
    const x0 = P[pa]!;
    const x1 = P[(pa + 1) | 0]!;
    const y0 = P[pb]!;
    const y1 = P[(pb + 1) | 0]!;
    const y2 = P[(pb + 2) | 0]!;
    const y3 = P[(pb + 3) | 0]!;
    c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
    c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
    pa = (pa + 2) | 0;
    pb = (pb + 4) | 0;
  }
  T[0] = c00; T[1] = c01; T[2] = c02; T[3] = c03;
  T[4] = c10; T[5] = c11; T[6] = c12; T[7] = c13;
}

function storeTile(T: Float64Array, C: TypedArray, off: number, ldc: number, mr: number, nr: number): void {
  if (mr === MR && nr === NR) {
    const o1 = off + ldc;
    C[off] = T[0]!; C[off + 1] = T[1]!; C[off + 2] = T[2]!; C[off + 3] = T[3]!;
    C[o1] = T[4]!; C[o1 + 1] = T[5]!; C[o1 + 2] = T[6]!; C[o1 + 3] = T[7]!;
    return;
  }
  for (let r = 0; r < mr; r++) {
    const o = off + r * ldc;
    for (let c = 0; c < nr; c++) C[o + c] = T[r * NR + c]!;
  }
}

function addTile(T: Float64Array, C: TypedArray, off: number, ldc: number, mr: number, nr: number): void {
  for (let r = 0; r < mr; r++) {
    const o = off + r * ldc;
    for (let c = 0; c < nr; c++) C[o + c] = C[o + c]! + T[r * NR + c]!;
  }
}

/** Packs the mc×kc block of A at `off` as ⌈mc/MR⌉ panels of [kc][MR], zero-padding the last. */
function packA(a: TypedArray, off: number, rs: number, cs: number, mc: number, kc: number, Ap: number[]): void {
  let w = 0;
  let ir = 0;
  for (; ir + MR <= mc; ir += MR) {
    let s = off + ir * rs;
    for (let k = 0; k < kc; k++, s += cs) {
      Ap[w] = a[s]!;
      Ap[w + 1] = a[s + rs]!;
      w += 2;
    }
  }
  if (ir < mc) {
    let s = off + ir * rs;
    for (let k = 0; k < kc; k++, s += cs) {
      Ap[w] = a[s]!;
      Ap[w + 1] = 0;
      w += 2;
    }
  }
}

/** Packs the kc×nc block of B at `off`, from Bp[w] on, as ⌈nc/NR⌉ panels of [kc][NR], zero-padding the last. */
function packB(b: TypedArray, off: number, rs: number, cs: number, kc: number, nc: number, Bp: number[], w: number): void {
  let jr = 0;
  for (; jr + NR <= nc; jr += NR) {
    let s = off + jr * cs;
    const cs2 = cs + cs;
    const cs3 = cs2 + cs;
    for (let k = 0; k < kc; k++, s += rs) {
      Bp[w] = b[s]!;
      Bp[w + 1] = b[s + cs]!;
      Bp[w + 2] = b[s + cs2]!;
      Bp[w + 3] = b[s + cs3]!;
      w += 4;
    }
  }
  if (jr < nc) {
    const nr = nc - jr;
    let s = off + jr * cs;
    for (let k = 0; k < kc; k++, s += rs) {
      let c = 0;
      for (; c < nr; c++) Bp[w + c] = b[s + c * cs]!;
      for (; c < NR; c++) Bp[w + c] = 0;
      w += 4;
    }
  }
}

/**
 * Unpacked 2×4 register tiles read straight from the operands through their strides, for
 * products too small to amortise packing; leftover rows/columns take a scalar loop.
 */
function gemmDirect(
  a: TypedArray,
  aOff: number,
  rsA: number,
  csA: number,
  b: TypedArray,
  bOff: number,
  rsB: number,
  csB: number,
  out: TypedArray,
  outOff: number,
  M: number,
  N: number,
  K: number,
): void {
  const M2 = M - (M % 2);
  const N4 = N - (N % 4);
  const cs2 = csB + csB;
  const cs3 = cs2 + csB;
  for (let i = 0; i < M2; i += 2) {
    const ai = aOff + i * rsA;
    const oi = outOff + i * N;
    for (let j = 0; j < N4; j += 4) {
      let pa = ai;
      let pb = bOff + j * csB;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = a[pa]!;
        const x1 = a[pa + rsA]!;
        const y0 = b[pb]!;
        const y1 = b[pb + csB]!;
        const y2 = b[pb + cs2]!;
        const y3 = b[pb + cs3]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        pa += csA;
        pb += rsB;
      }
      const o = oi + j;
      const o1 = o + N;
      out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03;
      out[o1] = c10; out[o1 + 1] = c11; out[o1 + 2] = c12; out[o1 + 3] = c13;
    }
    for (let j = N4; j < N; j++) {
      let pa = ai;
      let pb = bOff + j * csB;
      let c0 = 0, c1 = 0;
      for (let k = 0; k < K; k++) {
        const y = b[pb]!;
        c0 += a[pa]! * y;
        c1 += a[pa + rsA]! * y;
        pa += csA;
        pb += rsB;
      }
      out[oi + j] = c0;
      out[oi + N + j] = c1;
    }
  }
  if (M2 < M) {
    const ai = aOff + M2 * rsA;
    const oi = outOff + M2 * N;
    for (let j = 0; j < N; j++) {
      let pa = ai;
      let pb = bOff + j * csB;
      let c = 0;
      for (let k = 0; k < K; k++) {
        c += a[pa]! * b[pb]!;
        pa += csA;
        pb += rsB;
      }
      out[oi + j] = c;
    }
  }
}
