/** `bpstudio serve`: web mode — the app and its engine on 127.0.0.1 behind a token (what `npm start` falls back to). */
import { resolve } from 'node:path';
import { startServer } from '../service/serve';
import { EXIT, line, type CliIo } from './io';

export interface ServeCommandOptions {
  port?: number;
  renderer?: string;
  /** `--allow-data DIR` (repeatable): folders documents may read dataset files from. */
  allowData?: string[];
}

/** The port `serve` tries first without --port. */
export const DEFAULT_SERVE_PORT = 5390;

function preferredPort(env: NodeJS.ProcessEnv): number {
  const v = Number(env['BPSTUDIO_PORT']);
  return Number.isInteger(v) && v > 0 && v < 65536 ? v : DEFAULT_SERVE_PORT;
}

export async function serveCommand(opts: ServeCommandOptions, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  // Without --port: the same port every time when it is free (BPSTUDIO_PORT, default 5390), so the
  // page's origin — and with it the browser storage holding the recovery copy — stays the same
  // across restarts; any free port when it is taken.
  const preferred = opts.port ?? preferredPort(io.env ?? process.env);
  const start = (port: number | undefined) => startServer({
    ...(port !== undefined ? { port } : {}),
    ...(opts.renderer ? { rendererDir: resolve(cwd, opts.renderer) } : {}),
    ...(opts.allowData ? { allowData: opts.allowData.map((d) => resolve(cwd, d)) } : {}),
  });
  let server;
  try {
    server = await start(preferred);
  } catch (e) {
    if (opts.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    line(io.stderr, `port ${preferred} is taken; using another one (a recovery copy saved on port ${preferred} shows when that port is free again)`);
    server = await start(undefined);
  }
  line(io.stdout, `Backprop Studio (web mode): ${server.url}`);
  if (!io.onInterrupt) {
    await server.close();
    return EXIT.ok;
  }
  line(io.stderr, 'open the address above in a browser; Ctrl+C stops the server');
  await new Promise<void>((done) => {
    const off = io.onInterrupt!(() => {
      off();
      done();
    });
  });
  await server.close();
  return EXIT.ok;
}
