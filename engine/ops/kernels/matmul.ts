import type { TypedArray } from '../../core/dtype';

/**
 * C[M×N] = op(A) · op(B) for one matrix pair, where op transposes when asked.
 * A is [M×K] row-major (or [K×M] with transA); B is [K×N] (or [N×K] with transB).
 *
 * NOTE: JavaScript has no SIMD, so speed comes from reuse in registers: the kernel works on
 * A's rows against Bᵀ's rows (both contiguous along K) in 4×4 tiles — eight loads feed sixteen
 * multiply-adds. Operands in the other layout are first copied into it (O(MK + KN), cheap
 * next to the O(MNK) product).
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
  const A = transA ? transposeBlock(a, aOffset, K, M) : rowBlock(a, aOffset, M * K);
  const Bt = transB ? rowBlock(b, bOffset, N * K) : transposeBlock(b, bOffset, K, N);
  gemmNT(A, Bt, out, outOffset, M, N, K);
}

function rowBlock(x: TypedArray, offset: number, n: number): TypedArray {
  return offset === 0 && x.length === n ? x : x.subarray(offset, offset + n);
}

/** Copy of the [rows×cols] block at `offset`, transposed to [cols×rows]. */
function transposeBlock(x: TypedArray, offset: number, rows: number, cols: number): Float64Array | Float32Array {
  const out = x instanceof Float64Array ? new Float64Array(rows * cols) : new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const base = offset + r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = x[base + c]!;
  }
  return out;
}

/** C = A · Btᵀ with A [M×K], Bt [N×K], both row-major. */
function gemmNT(A: TypedArray, Bt: TypedArray, C: TypedArray, cOff: number, M: number, N: number, K: number): void {
  const M4 = M - (M % 4);
  const N4 = N - (N % 4);
  for (let i = 0; i < M4; i += 4) {
    const a0 = i * K;
    const a1 = a0 + K;
    const a2 = a1 + K;
    const a3 = a2 + K;
    for (let j = 0; j < N4; j += 4) {
      const b0 = j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = A[a0 + k]!, x1 = A[a1 + k]!, x2 = A[a2 + k]!, x3 = A[a3 + k]!;
        const y0 = Bt[b0 + k]!, y1 = Bt[b1 + k]!, y2 = Bt[b2 + k]!, y3 = Bt[b3 + k]!;
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3;
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3;
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3;
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3;
      }
      const o0 = cOff + i * N + j;
      const o1 = o0 + N;
      const o2 = o1 + N;
      const o3 = o2 + N;
      C[o0] = c00; C[o0 + 1] = c01; C[o0 + 2] = c02; C[o0 + 3] = c03;
      C[o1] = c10; C[o1 + 1] = c11; C[o1 + 2] = c12; C[o1 + 3] = c13;
      C[o2] = c20; C[o2 + 1] = c21; C[o2 + 2] = c22; C[o2 + 3] = c23;
      C[o3] = c30; C[o3 + 1] = c31; C[o3 + 2] = c32; C[o3 + 3] = c33;
    }
    for (let j = N4; j < N; j++) {
      const b0 = j * K;
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let k = 0; k < K; k++) {
        const y = Bt[b0 + k]!;
        c0 += A[a0 + k]! * y;
        c1 += A[a1 + k]! * y;
        c2 += A[a2 + k]! * y;
        c3 += A[a3 + k]! * y;
      }
      C[cOff + i * N + j] = c0;
      C[cOff + (i + 1) * N + j] = c1;
      C[cOff + (i + 2) * N + j] = c2;
      C[cOff + (i + 3) * N + j] = c3;
    }
  }
  for (let i = M4; i < M; i++) {
    const a0 = i * K;
    for (let j = 0; j < N; j++) {
      const b0 = j * K;
      let c = 0;
      for (let k = 0; k < K; k++) c += A[a0 + k]! * Bt[b0 + k]!;
      C[cOff + i * N + j] = c;
    }
  }
}
