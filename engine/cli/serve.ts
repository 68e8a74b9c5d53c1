/** `bpstudio serve`: web mode — the app and its engine on 127.0.0.1 behind a token (what `npm start` falls back to). */
import { resolve } from 'node:path';
import { startServer } from '../service/serve';
import { EXIT, line, type CliIo } from './io';

export interface ServeCommandOptions {
  port?: number;
  renderer?: string;
}

export async function serveCommand(opts: ServeCommandOptions, io: CliIo): Promise<number> {
  const cwd = io.cwd ?? process.cwd();
  const server = await startServer({
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.renderer ? { rendererDir: resolve(cwd, opts.renderer) } : {}),
  });
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
