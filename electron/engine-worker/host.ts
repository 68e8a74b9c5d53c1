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

type Service = Pick<EngineService, 'dispatch' | 'onEvent'>;

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
