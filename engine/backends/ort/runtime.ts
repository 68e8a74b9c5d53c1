/**
 * onnxruntime-node: the only module of the engine that imports it. Execution providers (which
 * the installed package offers, which one starts), sessions (created once per graph, cached by
 * the hash of the graph's bytes) and the synchronous run.
 *
 * NOTE: `InferenceSession.run` of the public API defers every run with `setImmediate` and
 * wraps it in a promise — about 5 µs and an event-loop turn per step. The native binding under
 * it (`onnxruntime-node/dist/binding`) runs synchronously, takes pre-allocated output tensors
 * and is what the public API calls; we use it directly when it is there, and the public API
 * (async) otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { EngineError } from '../../core/errors';
import type { OrtBackendName } from '../executor';

export { ort };

/** An execution provider, by onnxruntime's name for it. */
export type OrtProvider = 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';

export const PROVIDER_OF: Record<OrtBackendName, OrtProvider> = {
  'ort-cpu': 'cpu',
  'ort-webgpu': 'webgpu',
  'ort-cuda': 'cuda',
  'ort-dml': 'dml',
  'ort-coreml': 'coreml',
};
export const BACKEND_OF: Record<OrtProvider, OrtBackendName> = {
  cpu: 'ort-cpu',
  webgpu: 'ort-webgpu',
  cuda: 'ort-cuda',
  dml: 'ort-dml',
  coreml: 'ort-coreml',
};
const PROVIDER_TITLE: Record<OrtProvider, string> = {
  cpu: 'CPU',
  webgpu: 'WebGPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
};

/** A provider that could not start: which, and why (onnxruntime's own reason, shortened). */
export class ProviderError extends EngineError {
  constructor(
    readonly provider: OrtProvider,
    readonly reason: string,
  ) {
    super(`${BACKEND_OF[provider]}: the ${PROVIDER_TITLE[provider]} execution provider failed to start: ${reason}`);
    this.name = 'ProviderError';
  }
}

export interface ProviderInfo {
  readonly provider: OrtProvider;
  readonly backend: OrtBackendName;
  /** Offered by this installation (it may still fail to start: no GPU, no driver). */
  readonly available: boolean;
  readonly detail: string;
}

// (a bundle built to CommonJS has no import.meta.url: resolve from the working directory then)
const require_ = createRequire(typeof import.meta.url === 'string' ? import.meta.url : join(process.cwd(), 'index.js'));
function packageDir(): string | null {
  try {
    return dirname(require_.resolve('onnxruntime-node/package.json'));
  } catch {
    return null;
  }
}

/** The directory of the native binding (where provider libraries are installed). */
function bindingDir(): string | null {
  const dir = packageDir();
  return dir ? join(dir, 'bin', 'napi-v6', process.platform, process.arch) : null;
}

/** The providers of onnxruntime-node on this machine, in the order `auto` tries them. */
export function listProviders(): ProviderInfo[] {
  let listed: { name: string; bundled: boolean }[] = [];
  try {
    listed = ort.listSupportedBackends();
  } catch {
    listed = [{ name: 'cpu', bundled: true }];
  }
  const has = (n: string) => listed.find((b) => b.name === n);
  const dir = bindingDir();
  const cudaLib = dir !== null && ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'].some((f) => existsSync(join(dir, f)));
  const info = (provider: OrtProvider, available: boolean, detail: string): ProviderInfo => ({ provider, backend: BACKEND_OF[provider], available, detail });
  const cuda = has('cuda');
  const webgpu = has('webgpu');
  const dml = has('dml');
  const coreml = has('coreml');
  return [
    info('cuda', !!cuda && (cuda.bundled || cudaLib), !cuda
      ? 'not in this onnxruntime-node build'
      : cuda.bundled || cudaLib ? 'CUDA provider installed (needs an NVIDIA GPU, CUDA 12 and cuDNN 9)' : 'not installed: run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install (npm ci skips that download)'),
    info('webgpu', !!webgpu, webgpu ? 'WebGPU through Dawn (needs a GPU driver: Vulkan, Metal or D3D12)' : 'not in this onnxruntime-node build'),
    info('dml', !!dml, dml ? 'DirectML (Windows, DirectX 12 GPU)' : 'Windows only'),
    info('coreml', !!coreml, coreml ? 'CoreML (macOS)' : 'macOS only'),
    info('cpu', true, `onnxruntime ${ort.env.versions?.node ?? ''} CPU`.trim()),
  ];
}

/** Shorten onnxruntime's message: drop the source location and the failed check. */
export function ortReason(e: unknown): string {
  let m = (e instanceof Error ? e.message : String(e)).trim();
  m = m.replace(/^\S+\.(cc|cpp|h):\d+\s+/, '');
  const wasFalse = m.indexOf(' was false. ');
  if (wasFalse >= 0) m = m.slice(wasFalse + ' was false. '.length);
  m = m.replace(/^\[ONNXRuntimeError\]\s*:\s*\d+\s*:\s*\w+\s*:\s*/, '');
  return m.split('\n')[0]!.trim() || 'unknown error';
}

// ----- sessions -----

type Feeds = Record<string, ort.Tensor>;
type Fetches = Record<string, ort.Tensor | null>;
type Results = Record<string, ort.Tensor>;

interface NativeSession {
  loadModel(buffer: ArrayBuffer, byteOffset: number, byteLength: number, options: object): void;
  run(feeds: Feeds, fetches: Fetches, options?: object): Results;
  dispose(): void;
}
interface NativeBinding {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}

let native: NativeBinding | null | undefined;
function nativeBinding(): NativeBinding | null {
  if (native === undefined) {
    try {
      const b = require_('onnxruntime-node/dist/binding') as NativeBinding;
      native = typeof b?.binding?.InferenceSession === 'function' && typeof b.initOrt === 'function' ? b : null;
      native?.initOrt();
    } catch {
      native = null;
    }
  }
  return native;
}

export interface SessionOptions {
  readonly provider: OrtProvider;
  /** Intra-op threads (CPU provider). */
  readonly threads: number;
}

/** A loaded graph. `run` is synchronous when the native binding is used, a promise otherwise. */
export interface OrtSession {
  readonly provider: OrtProvider;
  readonly sync: boolean;
  run(feeds: Feeds, fetches: Fetches): Results | Promise<Results>;
  dispose(): void;
}

function sessionOptions(o: SessionOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [o.provider],
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: o.threads,
    interOpNumThreads: 1,
    logSeverityLevel: 3,
  };
}

/** Create a session now; throws ProviderError when the provider cannot start. */
async function createSession(bytes: Uint8Array, o: SessionOptions): Promise<OrtSession> {
  const nb = nativeBinding();
  if (nb) {
    const s = new nb.binding.InferenceSession();
    try {
      s.loadModel(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength, sessionOptions(o));
    } catch (e) {
      throw startError(o.provider, e);
    }
    return {
      provider: o.provider,
      sync: true,
      run: (feeds, fetches) => ownOutputs(s.run(feeds, fetches), fetches),
      dispose: () => s.dispose(),
    };
  }
  let s: ort.InferenceSession;
  try {
    s = await ort.InferenceSession.create(bytes, sessionOptions(o));
  } catch (e) {
    throw startError(o.provider, e);
  }
  return {
    provider: o.provider,
    sync: false,
    run: (feeds, fetches) => s.run(feeds, fetches as ort.InferenceSession.FetchesType) as Promise<Results>,
    dispose: () => void s.release(),
  };
}

type ReleasableBuffer = ArrayBuffer & { transfer?: (length: number) => ArrayBuffer };

/**
 * The binding's results with every pre-allocated output as the caller's own tensor. The binding
 * (1.30) writes a pre-allocated output in place and then ALSO returns a copy of it in a fresh
 * `ArrayBuffer` — 400 KB a step for W1's ∂W1. Where `ArrayBuffer.prototype.transfer` exists
 * (Node ≥ 21, Electron) that copy is released at once, so the next step's copy reuses its memory;
 * otherwise it waits for the garbage collector, which frees a few hundred of them together, and
 * the allocator may hand their pages back to the kernel, to be faulted in again (bench/README,
 * "Where a W1 ort-cpu step goes now").
 */
export function ownOutputs(results: Results, fetches: Fetches): Results {
  for (const name in fetches) {
    const own = fetches[name];
    const copy = results[name];
    if (!own || !copy || copy === own) continue;
    const buffer = (copy.data as Float32Array).buffer as ReleasableBuffer;
    if (buffer !== (own.data as Float32Array).buffer && typeof buffer.transfer === 'function') buffer.transfer(0);
    results[name] = own;
  }
  return results;
}

/** CPU always starts: a failure there is the graph's (our bug). Another provider's failure is the provider's. */
function startError(provider: OrtProvider, e: unknown): EngineError {
  const reason = ortReason(e);
  if (provider === 'cpu') return new EngineError(`onnxruntime could not load the step graph: ${reason}`);
  return new ProviderError(provider, reason);
}

const MAX_CACHED = 24;
const cache = new Map<string, Promise<OrtSession>>();
/** Providers that failed to start in this process, with their error (not tried again). */
const failed = new Map<OrtProvider, ProviderError>();

/** SHA-256 of the graph's bytes with the session options: the cache key. */
export function graphKey(bytes: Uint8Array, o: SessionOptions): string {
  return `${createHash('sha256').update(bytes).digest('hex')}|${o.provider}|${o.threads}`;
}

/** A session for these graph bytes, from the cache when the same graph was loaded before. */
export function openSession(bytes: Uint8Array, o: SessionOptions): Promise<OrtSession> {
  const known = failed.get(o.provider);
  if (known) return Promise.reject(known);
  const key = graphKey(bytes, o);
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const p = createSession(bytes, o);
  cache.set(key, p);
  p.catch((e: unknown) => {
    cache.delete(key);
    if (e instanceof ProviderError) failed.set(o.provider, e);
  });
  while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
  return p;
}

/** Number of cached sessions (tests). */
export function cachedSessionCount(): number {
  return cache.size;
}

/** Forget providers that failed (tests, or after the user installed a driver). */
export function resetProviderFailures(): void {
  failed.clear();
}

/** Does this provider start? Loads a one-node graph; resolves to null or the ProviderError. */
export async function probeProvider(provider: OrtProvider, probeBytes: Uint8Array): Promise<ProviderError | null> {
  try {
    await openSession(probeBytes, { provider, threads: 1 });
    return null;
  } catch (e) {
    if (e instanceof ProviderError) return e;
    return new ProviderError(provider, ortReason(e));
  }
}

/** An ort.Tensor over a typed array (no copy). */
export function ortTensor(data: Float32Array | Float64Array | Int32Array, dims: readonly number[]): ort.Tensor {
  const type = data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'int32';
  return new ort.Tensor(type, data, dims);
}
