/**
 * Web mode: `bpstudio serve` hosts the built renderer and an EngineService behind a WebSocket on
 * 127.0.0.1 only. The WebSocket needs the random token printed in the URL, and its Origin must
 * be this server, so no other local page can drive the engine.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { limitBytes } from '../core/limits';
import { EngineService } from './service';

/** The Content-Security-Policy of the app page (the same as the Electron window's). */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; " +
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2', '.woff': 'font/woff',
  '.ttf': 'font/ttf', '.map': 'application/json', '.ico': 'image/x-icon',
};

export const defaultRendererDir = (): string => fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

export interface ServeOptions {
  port?: number;
  /** Folder of the built renderer (index.html and assets). */
  rendererDir?: string;
  token?: string;
  service?: EngineService;
  /** Folders whose files documents may name as datasets (`--allow-data DIR`); nothing else on disk is read. */
  allowData?: readonly string[];
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  server: Server;
  service: EngineService;
  close(): Promise<void>;
}

/** The longest request target (path and query) the server reads; longer ones get 414. */
export const MAX_TARGET_LENGTH = 4096;

export type ParsedTarget = { ok: true; path: string; query: URLSearchParams } | { ok: false; status: number; reason: string };

/**
 * Reads a request target without throwing: origin-form (`/path?query`) or absolute-form
 * (`http://host/path`, which RFC 9112 §3.2.2 says a server must accept). Everything else
 * (authority-form, `*`, bad percent-encodings, control characters, backslashes, `..` segments,
 * targets over MAX_TARGET_LENGTH) is refused with a status and a short reason.
 */
export function parseTarget(raw: string | undefined): ParsedTarget {
  const target = raw ?? '/';
  if (target.length > MAX_TARGET_LENGTH) return { ok: false, status: 414, reason: `the request target is too long (over ${MAX_TARGET_LENGTH} characters)` };
  let rawPath: string;
  let rawQuery: string;
  if (target.startsWith('/')) {
    const cut = target.search(/[?#]/);
    rawPath = cut < 0 ? target : target.slice(0, cut);
    rawQuery = cut >= 0 && target[cut] === '?' ? target.slice(cut + 1).replace(/#.*$/s, '') : '';
  } else if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return { ok: false, status: 400, reason: 'the request target is not a valid URL' };
    }
    rawPath = url.pathname;
    rawQuery = url.search.slice(1);
  } else {
    return { ok: false, status: 400, reason: 'the request target must be a path such as /index.html' };
  }
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, status: 400, reason: 'the request path has a malformed percent-encoding' };
  }
  if (/[\x00-\x1f\x7f]/.test(path)) return { ok: false, status: 400, reason: 'the request path contains a control character' };
  if (path.includes('\\')) return { ok: false, status: 400, reason: 'the request path contains a backslash' };
  if (path.split('/').includes('..')) return { ok: false, status: 400, reason: "the request path has a '..' segment" };
  return { ok: true, path, query: new URLSearchParams(rawQuery) };
}

/** The target of a request with exactly one Host header (RFC 9112 §3.2: 400 otherwise; Node refuses a missing one itself). */
function readRequest(req: IncomingMessage): ParsedTarget {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  if (hosts > 1) return { ok: false, status: 400, reason: 'the request has more than one Host header' };
  return parseTarget(req.url);
}

/** Answers a raw socket (an upgrade request) with a status and a short reason, then closes it. */
function refuseSocket(socket: Duplex, status: number, reason = '', headers: Record<string, string> = {}): void {
  if (socket.writable) {
    const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, 'Connection: close', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(reason)}`];
    for (const [k, v] of Object.entries(headers)) head.push(`${k}: ${v}`);
    socket.once('finish', () => socket.destroy());
    socket.end(`${head.join('\r\n')}\r\n\r\n${reason}`);
  } else {
    socket.destroy();
  }
}

function tokenMatches(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('hex');
  const rendererDir = resolve(options.rendererDir ?? defaultRendererDir());
  // Hosted for a web page: dataset files only from the allow-list (engine/data/access.ts).
  const service = options.service ?? new EngineService({ restrictFiles: true });
  service.allowDatasetFiles([], (options.allowData ?? []).map((d) => resolve(d)));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`the app is not built: ${join(rendererDir, 'index.html')} is missing (run npm run build:renderer)`);
  }

  const server = createServer((req, res) => {
    const plain = (status: number, text: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-content-type-options': 'nosniff', ...headers }).end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(405, `method ${req.method} is not allowed: only GET and HEAD`, { allow: 'GET, HEAD' });
      return;
    }
    const target = readRequest(req);
    if (!target.ok) {
      plain(target.status, target.reason);
      return;
    }
    let path = target.path;
    if (path === '/' || path === '') path = '/index.html';
    const file = normalize(join(rendererDir, path));
    if (!file.startsWith(rendererDir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      plain(404, 'not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-security-policy': APP_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': path === '/index.html' ? 'no-store' : 'max-age=3600',
    });
    createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: limitBytes('message') });
  let nextClient = 1;
  const sockets = new Set<WebSocket>();
  const unsubscribe = service.onEvent((event, data) => {
    const msg = JSON.stringify({ event, data });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(msg);
  });

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The socket is ours now: a client that resets it must not become an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    const target = readRequest(req);
    if (!target.ok) {
      refuseSocket(socket, target.status, target.reason);
      return;
    }
    const origin = req.headers.origin;
    const port = (server.address() as { port: number }).port;
    const allowedOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
    if (target.path !== '/ws' || !tokenMatches(target.query.get('token'), token) || (origin !== undefined && !allowedOrigins.includes(origin))) {
      refuseSocket(socket, 403, 'forbidden');
      return;
    }
    // ws answers a bad handshake (method, Upgrade, Sec-WebSocket-Key/-Version) with 4xx itself.
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      // Runs this connection starts are its own: stopped after a grace period once it closes.
      const client = `ws-${nextClient++}`;
      ws.on('close', () => {
        sockets.delete(ws);
        void service.closeClient(client);
      });
      // A bad frame or an oversized message: ws closes the connection itself (1002/1009); without a
      // listener its 'error' would be thrown.
      ws.on('error', () => {});
      ws.on('message', (data) => {
        void service
          .dispatch(String(data), client)
          .then((reply) => JSON.stringify(reply))
          .catch((e: unknown) => JSON.stringify({ id: null, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } }))
          .then((msg) => {
            if (ws.readyState === ws.OPEN) ws.send(msg);
          });
      });
    });
  });

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(options.port ?? 0, '127.0.0.1', () => res());
  });
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    server,
    service,
    close: () =>
      new Promise<void>((res) => {
        unsubscribe();
        for (const ws of sockets) ws.terminate();
        wss.close();
        server.close(() => res());
      }),
  };
}
