/**
 * Main's side of the engine process: relays validated requests to the utility process over a
 * MessagePort, matches the answers to them, forwards engine events, and restarts the process if
 * it dies (failing what was in flight with a readable error). No `electron` import: main passes
 * a `spawn` that forks the utility process, tests pass a fake.
 */
import type { ErrorInfo } from '../../engine/service/protocol';
import type { BridgeResponse } from '../shared/ipc-contract';

/** The part of a MessagePortMain the relay uses. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  start(): void;
  close(): void;
}

export interface EngineProcess {
  port: PortLike;
  /** Called once when the process exits, with its exit code. */
  onExit(listener: (code: number) => void): void;
  kill(): void;
}

export interface RelayOptions {
  spawn: () => EngineProcess;
  onEvent: (event: string, data: unknown) => void;
  /** Restarts allowed within `restartWindowMs` before giving up. */
  maxRestarts?: number;
  restartWindowMs?: number;
  now?: () => number;
}

interface Pending {
  resolve(r: BridgeResponse): void;
  method: string;
}

/** What the worker sends back: a JSON string of `{ id, result | error }` or `{ event, data }`. */
type WorkerMessage = { id: number | null; result?: unknown; error?: ErrorInfo } | { event: string; data: unknown };

export class EngineRelay {
  private proc: EngineProcess | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private restarts: number[] = [];
  private stopped = false;
  private lastExit: number | null = null;

  constructor(private readonly opts: RelayOptions) {}

  /** Start the engine process (also done lazily by the first request). */
  start(): void {
    if (this.proc || this.stopped) return;
    const proc = this.opts.spawn();
    this.proc = proc;
    proc.port.on('message', (e) => this.receive(e.data));
    proc.port.start();
    // a restarted engine gets back what the user had allowed
    if (this.allowed.files.length + this.allowed.folders.length > 0) {
      proc.port.postMessage({ host: 'allow', files: [...this.allowed.files], folders: [...this.allowed.folders] });
    }
    proc.onExit((code) => this.exited(proc, code));
  }

  /** Send a request that main has already validated; resolves with the engine's answer, never rejects. */
  request(method: string, params: unknown): Promise<BridgeResponse> {
    if (this.stopped) return Promise.resolve(failure('engine', 'the engine has stopped'));
    this.start();
    if (!this.proc) return Promise.resolve(failure('engine', this.unavailableMessage()));
    const id = this.nextId++;
    return new Promise<BridgeResponse>((resolve) => {
      this.pending.set(id, { resolve, method });
      try {
        this.proc!.port.postMessage({ id, method, params });
      } catch (e) {
        this.pending.delete(id);
        resolve(failure('bad-request', `${method}: the request cannot be sent to the engine (${(e as Error).message})`));
      }
    });
  }

  /** Let the engine read these files and folders (the user picked or dropped them); a host message, never the renderer's. */
  allowDatasetFiles(files: readonly string[], folders: readonly string[] = []): void {
    this.allowed.files.push(...files);
    this.allowed.folders.push(...folders);
    this.start();
    try {
      this.proc?.port.postMessage({ host: 'allow', files: [...files], folders: [...folders] });
    } catch {
      // a process that died is restarted with the whole list (start)
    }
  }

  private readonly allowed = { files: [] as string[], folders: [] as string[] };

  get inFlight(): number {
    return this.pending.size;
  }

  /** Stop for good (app quit): in-flight requests fail, the process is killed. */
  stop(): void {
    this.stopped = true;
    const proc = this.proc;
    this.proc = null;
    this.failAll('the app is closing');
    if (proc) {
      proc.port.close();
      proc.kill();
    }
  }

  private receive(raw: unknown): void {
    let msg: WorkerMessage;
    try {
      msg = (typeof raw === 'string' ? JSON.parse(raw) : raw) as WorkerMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if ('event' in msg && typeof msg.event === 'string') {
      this.opts.onEvent(msg.event, msg.data);
      return;
    }
    if (!('id' in msg) || typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.error) p.resolve({ ok: false, error: msg.error });
    else p.resolve({ ok: true, result: msg.result });
  }

  private exited(proc: EngineProcess, code: number): void {
    if (this.proc !== proc) return;
    this.proc = null;
    this.lastExit = code;
    this.failAll(`the engine process stopped unexpectedly (exit code ${code}); runs in progress were lost`);
    if (this.stopped) return;
    const now = (this.opts.now ?? Date.now)();
    const windowMs = this.opts.restartWindowMs ?? 60_000;
    this.restarts = this.restarts.filter((t) => now - t < windowMs);
    if (this.restarts.length >= (this.opts.maxRestarts ?? 3)) {
      this.opts.onEvent('log', { level: 'error', message: `${this.unavailableMessage()}. Restart Backprop Studio.` });
      this.stopped = true;
      return;
    }
    this.restarts.push(now);
    this.opts.onEvent('log', { level: 'error', message: `The engine process stopped unexpectedly (exit code ${code}) and was restarted; training runs in progress were lost.` });
    this.start();
  }

  private unavailableMessage(): string {
    return `the engine process keeps stopping${this.lastExit === null ? '' : ` (last exit code ${this.lastExit})`}`;
  }

  private failAll(message: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.resolve(failure('engine', `${p.method}: ${message}`));
  }
}

function failure(code: string, message: string): BridgeResponse {
  return { ok: false, error: { code, message } };
}
