/**
 * Hosts an EngineService on a MessagePort. Every request is validated again here
 * (`EngineService.dispatch` parses it against the protocol) and every answer and event is sent
 * as a JSON string, so the renderer sees exactly the values web mode's WebSocket delivers.
 */
import type { EngineService } from '../../engine/service/service';

/** The part of a MessagePortMain (utility process side) the host uses. */
export interface HostPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
}

type Service = Pick<EngineService, 'dispatch' | 'onEvent'> & Partial<Pick<EngineService, 'allowDatasetFiles'>>;

/**
 * A message from main itself, not a request: `{ host: 'allow', files, folders }` lets the engine
 * read dataset files the user picked or dropped. Main's relay only ever posts `{ id, method,
 * params }` for the renderer, so a renderer cannot send one of these.
 */
function hostCommand(service: Service, data: unknown): boolean {
  if (!data || typeof data !== 'object' || !('host' in data)) return false;
  const m = data as { host: unknown; files?: unknown; folders?: unknown };
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  if (m.host === 'allow') service.allowDatasetFiles?.(strings(m.files), strings(m.folders));
  return true;
}

function send(port: HostPort, value: unknown, id: number | null): void {
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch (e) {
    text = JSON.stringify({ id, error: { code: 'engine', message: `the engine's answer could not be serialised: ${(e as Error).message}` } });
  }
  port.postMessage(text);
}

/** Serve `service` on `port` until the port closes; returns a function that detaches it. */
export function hostService(port: HostPort, service: Service): () => void {
  const unsubscribe = service.onEvent((event, data) => send(port, { event, data }, null));
  port.on('message', (e) => {
    if (hostCommand(service, e.data)) return;
    void service.dispatch(e.data).then(
      (reply) => send(port, reply, reply.id),
      (err: unknown) => {
        const id = e.data && typeof e.data === 'object' && typeof (e.data as { id?: unknown }).id === 'number' ? (e.data as { id: number }).id : null;
        send(port, { id, error: { code: 'engine', message: (err as Error)?.message ?? String(err) } }, id);
      },
    );
  });
  port.on('close', () => unsubscribe());
  port.start();
  return unsubscribe;
}
