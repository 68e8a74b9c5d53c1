/**
 * `bpstudio serve` against malformed requests (issue 11, item 1): raw bytes over a socket, in the
 * spirit of Node's own http parser tests (test/parallel/test-http-*-invalid*, -malformed-*) and
 * Netron's table of bad requests. Every one gets a 4xx — from our request parsing (with a short
 * reason) or from Node's parser (400/431 and the connection closed) — and the server keeps
 * answering good requests afterwards. A page on any site can make a browser send some of these
 * (an <img src="http://127.0.0.1:PORT/%">), so none may throw.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { MAX_TARGET_LENGTH, parseTarget, startServer, type RunningServer } from './serve';

interface RawReply {
  status: number | null;
  text: string;
  closed: boolean;
}

/** Sends raw bytes and reads until the response head and its body (if Content-Length) are in, or the peer closes. */
function raw(port: number, bytes: string | Buffer, timeoutMs = 5000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = buf.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : null, text, closed });
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply within ${timeoutMs} ms (got ${JSON.stringify(buf.toString('latin1').slice(0, 200))})`));
    }, timeoutMs);
    socket.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      const text = buf.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (!len || buf.length >= end + 4 + Number(len[1])) done(false);
    });
    socket.on('end', () => done(true));
    socket.on('error', () => done(true));
    socket.on('connect', () => socket.write(bytes));
  });
}

const get = (target: string, headers = 'Host: 127.0.0.1\r\nConnection: close\r\n'): string => `GET ${target} HTTP/1.1\r\n${headers}\r\n`;
const upgrade = (target: string, extra: string): string =>
  `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${extra}\r\n`;
const KEY = 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

let srv: RunningServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-renderer-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Backprop Studio</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  srv = await startServer({ rendererDir: dir });
});
afterAll(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

async function stillServes(): Promise<void> {
  const page = await raw(srv.port, get('/'));
  expect(page.status).toBe(200);
  expect(page.text).toContain('<title>Backprop Studio</title>');
}

describe('parseTarget', () => {
  it('takes origin-form and absolute-form targets, and refuses the rest with a reason', () => {
    expect(parseTarget('/a%20b.js?token=x%zz')).toMatchObject({ ok: true, path: '/a b.js' });
    expect((parseTarget('/ws?token=abc') as { query: URLSearchParams }).query.get('token')).toBe('abc');
    expect(parseTarget('http://127.0.0.1:1/assets/app.js?x=1')).toMatchObject({ ok: true, path: '/assets/app.js' });
    expect(parseTarget('/%')).toEqual({ ok: false, status: 400, reason: 'the request path has a malformed percent-encoding' });
    expect(parseTarget('http://[')).toEqual({ ok: false, status: 400, reason: 'the request target is not a valid URL' });
    expect(parseTarget('*')).toMatchObject({ ok: false, status: 400 });
    expect(parseTarget(`/${'a'.repeat(MAX_TARGET_LENGTH)}`)).toMatchObject({ ok: false, status: 414 });
  });
});

describe('bpstudio serve: malformed HTTP requests', () => {
  // [name, bytes, expected status (a number, or 'parser' for Node's own 400/431 + close), reason in the body]
  const cases: [string, string | Buffer, number | 'parser', string?][] = [
    ['lone %', get('/%'), 400, 'malformed percent-encoding'],
    ['truncated UTF-8 escape %E0%A4%A', get('/%E0%A4%A'), 400, 'malformed percent-encoding'],
    ['invalid UTF-8 %C0%AF', get('/%C0%AF'), 400, 'malformed percent-encoding'],
    ['non-hex %zz', get('/index.html%zz'), 400, 'malformed percent-encoding'],
    ['//[ (what new URL reads as an authority)', get('//['), 404],
    ['absolute-form with a bad host http://[', get('http://['), 400, 'not a valid URL'],
    ['absolute-form http://[::1', get('http://[::1/'), 400, 'not a valid URL'],
    ['authority-form on GET', get('127.0.0.1:80'), 'parser'],
    ['CONNECT authority-form', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: 127.0.0.1:80\r\n\r\n', 'parser'],
    ['asterisk-form', 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 405],
    ['asterisk-form on GET', get('*'), 400, 'must be a path'],
    ['overlong path', get(`/${'a'.repeat(MAX_TARGET_LENGTH + 10)}`), 414, 'too long'],
    ['raw NUL in the path', get('/index.html\0'), 'parser'],
    ['NUL as %00', get('/index.html%00'), 400, 'control character'],
    ['NUL in a header value', get('/', 'Host: 127.0.0.1\r\nX-A: a\0b\r\n'), 'parser'],
    ['header line without a colon', get('/', 'Host: 127.0.0.1\r\nno colon here\r\n'), 'parser'],
    ['space before the colon', get('/', 'Host: 127.0.0.1\r\nX-A : b\r\n'), 'parser'],
    ['obsolete line folding', get('/', 'Host: 127.0.0.1\r\nX-A: b\r\n c\r\n'), 'parser'],
    ['bare LF line ends', 'GET / HTTP/1.1\nHost: 127.0.0.1\n\n', 'parser'],
    ['missing Host', 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n', 'parser'],
    ['two Host headers', get('/', 'Host: a\r\nHost: b\r\nConnection: close\r\n'), 400, 'more than one Host'],
    ['huge header', get('/', `Host: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n`), 'parser'],
    ['many headers', get('/', `Host: 127.0.0.1\r\n${Array.from({ length: 3000 }, (_, i) => `X-${i}: y\r\n`).join('')}`), 'parser'],
    ['bad method token', 'G(T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'parser'],
    ['unknown method', 'FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 'parser'],
    ['POST', 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 405],
    ['DELETE', 'DELETE /index.html HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n', 405],
    ['bad HTTP version', 'GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n', 'parser'],
    ['garbage request line', 'hello\r\n\r\n', 'parser'],
    ['binary garbage', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]), 'parser'],
    ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'parser'],
    ['negative Content-Length', 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -1\r\n\r\n', 'parser'],
    ['traversal /../', get('/../package.json'), 400, "'..'"],
    ['traversal /assets/../../', get('/assets/../../package.json'), 400, "'..'"],
    ['traversal %2e%2e', get('/%2e%2e/package.json'), 400, "'..'"],
    ['traversal %2E%2E%2F', get('/%2E%2E%2Fpackage.json'), 400, "'..'"],
    ['backslash traversal', get('/..\\..\\package.json'), 'parser'],
    ['backslash as %5c', get('/..%5c..%5cpackage.json'), 400, 'backslash'],
    ['a file that is not there', get('/nope.js'), 404],
    ['a folder', get('/assets'), 404],
  ];

  it.each(cases)('%s', async (_name, bytes, expected, reason) => {
    const reply = await raw(srv.port, bytes);
    if (expected === 'parser') {
      // Node's parser refused it: 400 (431 for oversized headers) and the connection closed.
      expect([400, 431, null]).toContain(reply.status);
      expect(reply.closed || reply.status !== null).toBe(true);
    } else {
      expect(reply.status).toBe(expected);
      if (reason) expect(reply.text).toContain(reason);
    }
    await stillServes();
  });

  it('still serves good requests: HEAD, a query string, absolute-form, an encoded name', async () => {
    expect((await raw(srv.port, 'HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')).status).toBe(200);
    expect((await raw(srv.port, get('/?token=%zz'))).status).toBe(200);
    expect((await raw(srv.port, get(`http://127.0.0.1:${srv.port}/assets/app.js`))).status).toBe(200);
    expect((await raw(srv.port, get('/assets/%61pp.js'))).status).toBe(200);
  });
});

describe('bpstudio serve: malformed WebSocket upgrades', () => {
  const good = (): string => `/ws?token=${srv.token}`;
  const cases: [string, () => string, number, string?][] = [
    ['bad percent-encoding', () => upgrade('/%', KEY + 'Sec-WebSocket-Version: 13\r\n'), 400, 'malformed percent-encoding'],
    ['truncated escape', () => upgrade('/ws%E0%A4%A', KEY + 'Sec-WebSocket-Version: 13\r\n'), 400, 'malformed percent-encoding'],
    ['//[', () => upgrade('//[', KEY + 'Sec-WebSocket-Version: 13\r\n'), 403],
    ['absolute-form http://[', () => upgrade('http://[', KEY + 'Sec-WebSocket-Version: 13\r\n'), 400, 'not a valid URL'],
    ['asterisk', () => upgrade('*', KEY + 'Sec-WebSocket-Version: 13\r\n'), 400],
    ['overlong', () => upgrade(`/ws?token=${'a'.repeat(MAX_TARGET_LENGTH)}`, KEY + 'Sec-WebSocket-Version: 13\r\n'), 414],
    ['no token', () => upgrade('/ws', KEY + 'Sec-WebSocket-Version: 13\r\n'), 403],
    ['without a key', () => upgrade(good(), 'Sec-WebSocket-Version: 13\r\n'), 400, 'Sec-WebSocket-Key'],
    ['with a bad key', () => upgrade(good(), 'Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n'), 400, 'Sec-WebSocket-Key'],
    ['with the wrong version', () => upgrade(good(), KEY + 'Sec-WebSocket-Version: 12\r\n'), 400, 'Sec-WebSocket-Version'],
    ['without a version', () => upgrade(good(), KEY), 400, 'Sec-WebSocket-Version'],
    ['not websocket', () => `GET ${good()} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n${KEY}Sec-WebSocket-Version: 13\r\n\r\n`, 400],
    ['two Host headers', () => upgrade(good(), `Host: b\r\n${KEY}Sec-WebSocket-Version: 13\r\n`), 400, 'more than one Host'],
    ['POST upgrade', () => `POST ${good()} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${KEY}Sec-WebSocket-Version: 13\r\n\r\n`, 405],
  ];
  it.each(cases)('%s', async (_name, bytes, expected, reason) => {
    const reply = await raw(srv.port, bytes());
    expect(reply.status).toBe(expected);
    if (reason) expect(reply.text).toContain(reason);
    await stillServes();
  });

  it('survives a client that sends a bad frame or hangs up mid-handshake', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${good()}`);
    await new Promise((res, rej) => {
      ws.once('open', res);
      ws.once('error', rej);
    });
    const closed = new Promise<number>((res) => ws.once('close', (code) => res(code)));
    ws.on('error', () => {});
    // An unmasked frame with the reserved bits set: the server's receiver errors with 1002.
    (ws as unknown as { _socket: import('node:net').Socket })._socket.write(Buffer.from([0xf1, 0x01, 0x41]));
    expect(await closed).toBe(1002);
    const half = connect(srv.port, '127.0.0.1');
    await new Promise((res) => half.on('connect', res));
    half.write(upgrade(good(), KEY + 'Sec-WebSocket-Version: 13\r\n').slice(0, -2));
    half.resetAndDestroy();
    await stillServes();
  });
});

describe('bpstudio serve as a process', () => {
  it('keeps running after a request for /%', async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawn(process.execPath, [join(root, 'bin/bpstudio.mjs'), 'serve', '--renderer', dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => void (err += String(d)));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += String(d);
          const m = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
          if (m) res(m[1]!);
        });
        void exited.then((code) => rej(new Error(`serve exited with ${code}: ${err}`)));
      });
      const port = Number(new URL(url).port);
      for (const bad of ['/%', '/%E0%A4%A', '//[', 'http://[']) {
        expect((await raw(port, get(bad))).status).toBeGreaterThanOrEqual(400);
        expect((await raw(port, upgrade(bad, KEY + 'Sec-WebSocket-Version: 13\r\n'))).status).toBeGreaterThanOrEqual(400);
      }
      expect((await raw(port, get('/'))).status).toBe(200);
      expect(child.exitCode).toBeNull();
      expect(err).not.toMatch(/Error/);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 60_000);
});
