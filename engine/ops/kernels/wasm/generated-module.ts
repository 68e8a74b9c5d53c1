/**
 * Loading a WebAssembly module that scripts/build-wasm.mjs compiled from its `.wat` into a
 * git-ignored `<name>.generated.cjs` (the binary as base64), synchronously, wherever the engine
 * runs:
 *   - in esbuild's bundles (CLI, Electron worker) the caller's literal `require('./x.generated.cjs')`
 *     is inlined at build time — so each caller passes that require as a closure;
 *   - from the sources (tsx, vitest) Node's `createRequire` reads the file next to the caller;
 *   - elsewhere (a browser, not built, BPSTUDIO_WASM=0, no WebAssembly SIMD) it gives null and the
 *     caller runs its JavaScript path — nothing throws.
 */

type NodeModuleApi = { createRequire(url: string): (id: string) => unknown };
type NodeProcess = { env?: Record<string, string | undefined>; getBuiltinModule?: (id: string) => unknown };

/** The parts of the WebAssembly API the engine uses (it compiles without DOM typings). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

/** The WebAssembly API, unless it is missing or BPSTUDIO_WASM=0 asks for the JavaScript paths. */
export function wasmApi(): WasmApi | null {
  if (nodeProcess()?.env?.BPSTUDIO_WASM === '0') return null;
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly ?? null;
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The compiled module of `<file>` (e.g. `./gemm.generated.cjs`, relative to `from`, the caller's
 * `import.meta.url`), or null. `bundled` is the caller's own `() => require('<file>')`.
 */
export function loadGeneratedModule(bundled: () => unknown, file: string, from: string): object | null {
  const api = wasmApi();
  if (!api) return null;
  let b64: unknown = null;
  try {
    b64 = bundled();
  } catch {
    // not bundled, or bundled without the generated file: try Node's require next
  }
  if (typeof b64 !== 'string') {
    try {
      const mod = nodeProcess()?.getBuiltinModule?.('node:module') as NodeModuleApi | undefined;
      b64 = mod ? mod.createRequire(from)(file) : null;
    } catch {
      b64 = null; // not built (scripts/build-wasm.mjs has not run)
    }
  }
  if (typeof b64 !== 'string') return null;
  try {
    return new api.Module(decodeBase64(b64));
  } catch {
    return null; // e.g. an engine without WebAssembly SIMD
  }
}
