/**
 * The `app://bpstudio/` protocol: serves the built renderer (dist/renderer) and nothing else.
 * Plain module; main registers `appProtocolResponse` with `protocol.handle`.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME } from '../shared/ipc-contract';
import { withSecurityHeaders } from './security';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** The file an app URL names inside `root`, or null for other hosts, other schemes and escapes. */
export function resolveAppFile(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  if (path === '/' || path === '') path = '/index.html';
  const base = resolve(root);
  const file = normalize(join(base, path));
  if (!file.startsWith(base + sep)) return null;
  return file;
}

/** Answer one request of the app protocol. */
export async function appProtocolResponse(root: string, request: { url: string; method: string }): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405 });
  const file = resolveAppFile(root, request.url);
  const st = file ? await stat(file).catch(() => null) : null;
  if (!file || !st?.isFile()) return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
  const body = await readFile(file);
  const headers = withSecurityHeaders({ 'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Cache-Control': 'no-cache' });
  const h = new Headers();
  for (const [k, v] of Object.entries(headers)) for (const x of v) h.append(k, x);
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers: h });
}
