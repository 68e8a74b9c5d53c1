/**
 * The engine's limits on what a user, a file or a web page can make it do: every one has a
 * default, an environment variable that raises (or lowers) it, and a refusal that is one line
 * naming the limit and that variable. `docs/limits.md` lists them all.
 */
import { EngineError } from './errors';

export interface LimitSpec {
  /** Environment variable that overrides the default (a positive number in `unit`s). */
  env: string;
  /** Default, in `unit`s. */
  defaultValue: number;
  /** `MiB`, `levels`, `nodes`, `runs`, `minutes`, `seconds`. */
  unit: string;
  /** What is limited, for messages: `decompressed dataset size`. */
  what: string;
}

export const LIMITS = {
  /** Bytes read from one data file (CSV, IDX, raw or after gunzip), a JSON document, an ONNX model. */
  fileSize: { env: 'BPSTUDIO_MAX_FILE_MB', defaultValue: 256, unit: 'MiB', what: 'size of a file the engine reads' },
  /** Bytes after decompressing one gzip'd IDX file. */
  decompressed: { env: 'BPSTUDIO_MAX_DECOMPRESSED_MB', defaultValue: 256, unit: 'MiB', what: 'decompressed size of a gzip file' },
  /** Nesting depth of JSON (graph documents, trained-model files, predict inputs, service messages). */
  jsonDepth: { env: 'BPSTUDIO_MAX_JSON_DEPTH', defaultValue: 256, unit: 'levels', what: 'JSON nesting depth' },
  /** Nodes in one graph document (and operators in one imported ONNX model). */
  nodes: { env: 'BPSTUDIO_MAX_NODES', defaultValue: 1_000_000, unit: 'nodes', what: 'nodes in a graph' },
  /** Rows of one dataset or predict input. */
  rows: { env: 'BPSTUDIO_MAX_ROWS', defaultValue: 10_000_000, unit: 'rows', what: 'rows in a dataset' },
  /** Datasets uploaded to the service (the app's CSV/IDX import), all of them together. */
  uploads: { env: 'BPSTUDIO_MAX_UPLOADS_MB', defaultValue: 512, unit: 'MiB', what: 'memory of uploaded datasets' },
  /** An uploaded dataset no request has used for this long is freed. */
  uploadIdle: { env: 'BPSTUDIO_UPLOAD_IDLE_MINUTES', defaultValue: 60, unit: 'minutes', what: 'idle time of an uploaded dataset' },
  /** Finished training runs the service keeps per client (the newest; running ones are always kept). */
  keptRuns: { env: 'BPSTUDIO_KEEP_RUNS', defaultValue: 8, unit: 'runs', what: 'finished runs kept per client' },
  /** A client (WebSocket) that went away: its runs are stopped after this grace period. */
  orphanGrace: { env: 'BPSTUDIO_ORPHAN_GRACE_SECONDS', defaultValue: 30, unit: 'seconds', what: 'grace period for runs of a closed connection' },
  /** One WebSocket message to `bpstudio serve`. */
  message: { env: 'BPSTUDIO_MAX_MESSAGE_MB', defaultValue: 512, unit: 'MiB', what: 'size of one message to the engine' },
} as const satisfies Record<string, LimitSpec>;

export type LimitName = keyof typeof LIMITS;

/** The limit's value now (in its unit): the environment variable when it is a positive number, else the default. */
export function limit(name: LimitName): number {
  const spec: LimitSpec = LIMITS[name];
  const raw = typeof process !== 'undefined' ? process.env?.[spec.env] : undefined;
  if (raw !== undefined && raw.trim() !== '') {
    const v = Number(raw);
    if (Number.isFinite(v) && v > 0) return v;
  }
  return spec.defaultValue;
}

/** A limit in bytes (for the MiB ones). */
export function limitBytes(name: LimitName): number {
  return Math.floor(limit(name) * 1024 * 1024);
}

/** `(the limit is 512 MiB; raise it with BPSTUDIO_MAX_FILE_MB)` */
export function limitHint(name: LimitName): string {
  const spec: LimitSpec = LIMITS[name];
  return `(the limit is ${limit(name)} ${spec.unit}; raise it with ${spec.env})`;
}

/** Thrown when an input exceeds a limit; the message names the limit and how to raise it. */
export class LimitError extends EngineError {
  constructor(message: string, readonly limitName: LimitName) {
    super(message);
    this.name = 'LimitError';
  }
}

/** `12.3 MiB` */
export function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return `${m >= 10 ? m.toFixed(0) : m.toFixed(1)} MiB`;
}
