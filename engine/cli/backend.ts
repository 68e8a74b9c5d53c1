/** `--backend`: which executor runs the model. Only the TypeScript reference interpreter exists in this build. */
import { CliError, EXIT } from './io';

export const ORT_BACKENDS = ['ort-cpu', 'ort-webgpu', 'ort-cuda', 'ort-dml', 'ort-coreml'] as const;
export const BACKENDS = ['auto', 'ts', ...ORT_BACKENDS] as const;
export type BackendName = (typeof BACKENDS)[number];

export const isBackendName = (s: string): s is BackendName => (BACKENDS as readonly string[]).includes(s);

/** The backend that runs for a `--backend` value: `auto` → `ts`; the onnxruntime ones are refused (one line). */
export function resolveBackend(name: BackendName): 'ts' {
  if (name === 'auto' || name === 'ts') return 'ts';
  throw new CliError(`--backend ${name}: the onnxruntime backend is not available in this build yet; use --backend ts (or auto)`, EXIT.error);
}
