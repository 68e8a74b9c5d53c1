/**
 * The engine process: an Electron utility process (Node, no window) that owns the EngineService,
 * so training never blocks the UI. Main hands it one MessagePort in its first message.
 */
import { EngineService } from '../../engine/service/service';
import { hostService, type HostPort } from './host';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown; ports: HostPort[] }) => void): unknown;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) {
  console.error('engine-worker: not started as an Electron utility process (process.parentPort is missing)');
  process.exit(2);
}

// Hosted for the renderer: dataset files only when main allows them (the user picked or dropped them).
const service = new EngineService({ restrictFiles: true });
let connected = false;

parentPort.on('message', (e) => {
  const port = e.ports[0];
  if (!port || connected) return; // one connection, from main, once
  connected = true;
  hostService(port, service);
});

process.on('uncaughtException', (err) => {
  console.error('engine-worker: uncaught exception', err);
  process.exit(70);
});
process.on('unhandledRejection', (err) => {
  console.error('engine-worker: unhandled rejection', err);
});
