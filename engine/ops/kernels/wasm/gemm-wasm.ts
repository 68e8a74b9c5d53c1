/**
 * The WebAssembly SIMD GEMM (gemm.wat), loaded synchronously when this module is first imported.
 *
 * The binary comes from gemm.generated.cjs, which scripts/build-wasm.mjs compiles from gemm.wat
 * (on `npm install`/`npm ci`, before tests and benchmarks, and into the CLI bundle). It is loaded
 * with a plain `require`, so esbuild inlines it into the bundles (CLI, Electron worker); from the
 * sources (tsx, vitest) Node's require reads it next to this file. If it is missing, the engine
 * is not on Node, WebAssembly SIMD is unavailable, or BPSTUDIO_WASM=0 is set, `wasmGemm` is null
 * and callers use the JavaScript kernel — nothing throws.
 *
 * Memory: one linear memory, grown as needed and never shrunk. Each call copies A and B in
 * (TypedArray.set: a memcpy), runs the blocked kernel (packing included) and copies C out.
 */

import { loadGeneratedModule, wasmApi, type WasmMemory } from './generated-module';

// `require` exists in esbuild's bundles (a shim over Node's) and in CommonJS; not in ES modules.
declare const require: ((id: string) => unknown) | undefined;

interface GemmExports {
  memory: WasmMemory;
  gemm(
    a: number, rsA: number, csA: number,
    b: number, rsB: number, csB: number,
    c: number, M: number, N: number, K: number,
    ap: number, bp: number,
  ): void;
  packedABytes(): number;
  packedBBytes(): number;
}

function instantiate(): GemmExports | null {
  const module = loadGeneratedModule(() => require!('./gemm.generated.cjs'), './gemm.generated.cjs', import.meta.url);
  const api = wasmApi();
  if (!module || !api) return null;
  try {
    return new api.Instance(module, {}).exports as GemmExports;
  } catch {
    return null; // e.g. an engine without WebAssembly SIMD
  }
}

const exports_ = instantiate();
const PACKED_A = exports_ ? exports_.packedABytes() : 0;
const PACKED_B = exports_ ? exports_.packedBBytes() : 0;
/** Memory the module may grow to (32-bit addresses; engines cap a memory at 2-4 GiB). */
const MAX_BYTES = 2 ** 31;

/** Bytes 0..127 are the kernel's scratch tile; operands start here. */
const BASE = 256;
const PAGE = 65536;
/** Floats of padding after B: the small-M kernel reads up to 7 past a row of unpacked B. */
const B_PAD = 8;

let f32 = exports_ ? new Float32Array(exports_.memory.buffer) : new Float32Array(0);

/** Makes the memory at least `bytes` long; returns the current Float32 view, or null if it cannot grow. */
function ensure(bytes: number): Float32Array | null {
  const mem = exports_!.memory;
  if (mem.buffer.byteLength < bytes) {
    if (bytes > MAX_BYTES) return null;
    try {
      mem.grow(Math.ceil((bytes - mem.buffer.byteLength) / PAGE));
    } catch {
      return null; // out of memory for this product: the caller uses JavaScript
    }
  }
  if (f32.buffer !== mem.buffer) f32 = new Float32Array(mem.buffer);
  return f32;
}

const align = (bytes: number): number => (bytes + 15) & ~15;

/**
 * C[M×N] = op(A)·op(B) in float32 with the WebAssembly kernel; same contract as `gemm` in
 * ../matmul.ts (A is [M×K], or [K×M] with transA; B is [K×N], or [N×K] with transB). M, N, K ≥ 1.
 * Returns false, having written nothing, when the operands do not fit in the module's memory
 * (over 2 GiB, or the engine refused to grow it). Null when the kernel is not available.
 */
export const wasmGemm: ((
  a: Float32Array, aOff: number,
  b: Float32Array, bOff: number,
  out: Float32Array, outOff: number,
  M: number, N: number, K: number,
  transA: boolean, transB: boolean,
) => boolean) | null = exports_ ? gemmWasm : null;

function gemmWasm(
  a: Float32Array, aOff: number,
  b: Float32Array, bOff: number,
  out: Float32Array, outOff: number,
  M: number, N: number, K: number,
  transA: boolean, transB: boolean,
): boolean {
  const ex = exports_!;
  const sizeA = M * K;
  const sizeB = K * N;
  const sizeC = M * N;
  const pa = BASE;
  const pb = align(pa + 4 * sizeA);
  const pc = align(pb + 4 * (sizeB + B_PAD));
  const pap = align(pc + 4 * sizeC);
  // Packed A; for M ≤ 8 with B transposed, A copied row-major (≤ 8·K floats) instead.
  const pbp = align(pap + Math.max(PACKED_A, 32 * K));
  const mem = ensure(pbp + PACKED_B);
  if (mem === null) return false;
  mem.set(a.subarray(aOff, aOff + sizeA), pa >> 2);
  mem.set(b.subarray(bOff, bOff + sizeB), pb >> 2);
  ex.gemm(
    pa, transA ? 1 : K, transA ? M : 1,
    pb, transB ? 1 : N, transB ? K : 1,
    pc, M, N, K, pap, pbp,
  );
  out.set(mem.subarray(pc >> 2, (pc >> 2) + sizeC), outOff);
  return true;
}
