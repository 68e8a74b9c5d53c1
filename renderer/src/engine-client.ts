/**
 * The renderer's only way to the engine: an EngineClient over the Electron preload bridge
 * (`window.bpstudio`) or, in web mode, over the token-protected WebSocket that `bpstudio serve`
 * opens on 127.0.0.1.
 */
import type { EngineClient, EventName, Events, Method, Params, Results, ErrorInfo } from '../../engine/service/protocol';

/** What the Electron preload exposes on `window.bpstudio` (see electron/preload). */
export interface PreloadBridge {
  request(method: string, params: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: ErrorInfo }>;
  onEvent(handler: (event: string, data: unknown) => void): () => void;
  readonly platform: string;
}

declare global {
  interface Window {
    bpstudio?: PreloadBridge;
  }
}

/** An error from the engine, with its code and diagnostics. */
export class EngineRequestError extends Error {
  readonly code: string;
  readonly diagnostics: ErrorInfo['diagnostics'];
  constructor(info: ErrorInfo) {
    super(info.message);
    this.code = info.code;
    this.diagnostics = info.diagnostics;
  }
}

type Handler = (data: unknown) => void;

class Listeners {
  private readonly map = new Map<string, Set<Handler>>();
  on(event: string, h: Handler): () => void {
    const set = this.map.get(event) ?? new Set<Handler>();
    set.add(h);
    this.map.set(event, set);
    return () => set.delete(h);
  }
  emit(event: string, data: unknown): void {
    for (const h of this.map.get(event) ?? []) h(data);
  }
}

export function bridgeClient(bridge: PreloadBridge): EngineClient {
  const listeners = new Listeners();
  bridge.onEvent((event, data) => listeners.emit(event, data));
  return {
    async request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
      const r = await bridge.request(method, params);
      if (!r.ok) throw new EngineRequestError(r.error);
      return r.result as Results[M];
    },
    on<E extends EventName>(event: E, handler: (data: Events[E]) => void) {
      return listeners.on(event, handler as Handler);
    },
  };
}

export function webSocketClient(url: string): EngineClient & { ready: Promise<void> } {
  const listeners = new Listeners();
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const ws = new WebSocket(url);
  const ready = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve(), { once: true });
    ws.addEventListener('error', () => reject(new Error(`cannot connect to the engine at ${url.replace(/token=[^&]+/, 'token=…')}`)), { once: true });
  });
  ws.addEventListener('message', (msg) => {
    const data = JSON.parse(String(msg.data)) as { id?: number; result?: unknown; error?: ErrorInfo; event?: string; data?: unknown };
    if (typeof data.event === 'string') listeners.emit(data.event, data.data);
    else if (typeof data.id === 'number') {
      const p = pending.get(data.id);
      pending.delete(data.id);
      if (!p) return;
      if (data.error) p.reject(new EngineRequestError(data.error));
      else p.resolve(data.result);
    }
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new Error('the connection to the engine closed'));
    pending.clear();
    listeners.emit('log', { level: 'error', message: 'The connection to the engine closed. Restart `bpstudio serve` and reload.' });
  });
  return {
    ready,
    async request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
      await ready;
      const id = nextId++;
      return new Promise<Results[M]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      });
    },
    on<E extends EventName>(event: E, handler: (data: Events[E]) => void) {
      return listeners.on(event, handler as Handler);
    },
  };
}

/** The client for this window: the Electron bridge when present, else the WebSocket named in the page URL. */
export function connectEngine(): EngineClient {
  if (window.bpstudio) return bridgeClient(window.bpstudio);
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  return webSocketClient(`${proto}://${location.host}/ws?token=${encodeURIComponent(token)}`);
}

/** The app-wide client. */
export const engine: EngineClient = connectEngine();
