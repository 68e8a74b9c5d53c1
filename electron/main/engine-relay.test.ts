import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineService } from '../../engine/service/service';
import { hostService, type HostPort } from '../engine-worker/host';
import { EngineRelay, type EngineProcess, type PortLike } from './engine-relay';

/** Node's MessagePort shaped like Electron's MessagePortMain (listeners get `{ data }`). */
function electronLike(port: MessagePort): PortLike & HostPort {
  return {
    postMessage: (m: unknown) => port.postMessage(m),
    on: (event: string, listener: (e?: unknown) => void) => (event === 'message' ? port.on('message', (data) => listener({ data })) : port.on(event, listener)),
    start: () => port.start(),
    close: () => port.close(),
  } as PortLike & HostPort;
}

const toClose: (() => void)[] = [];
afterEach(() => {
  for (const c of toClose.splice(0)) c();
});

/** A relay whose engine "process" is an EngineService on the other end of a MessageChannel. */
function connected(service = new EngineService()) {
  const events: { event: string; data: unknown }[] = [];
  const exits: ((code: number) => void)[] = [];
  let spawned = 0;
  const relay = new EngineRelay({
    spawn(): EngineProcess {
      spawned++;
      const { port1, port2 } = new MessageChannel();
      hostService(electronLike(port1), service);
      toClose.push(() => {
        port1.close();
        port2.close();
      });
      return { port: electronLike(port2), onExit: (l) => exits.push(l), kill: () => {} };
    },
    onEvent: (event, data) => events.push({ event, data }),
  });
  toClose.push(() => relay.stop());
  return { relay, events, crash: (code: number) => exits.at(-1)!(code), spawned: () => spawned };
}

describe('the engine relay (main ↔ utility process over a MessagePort)', () => {
  it('relays a request to the EngineService and returns its answer', async () => {
    const { relay } = connected();
    const r = await relay.request('hello', {});
    expect(r.ok).toBe(true);
    expect((r as { result: { protocolVersion: number } }).result.protocolVersion).toBe(1);
    const ex = await relay.request('listExamples', {});
    expect(ex.ok && Array.isArray(ex.result) && ex.result.length > 0).toBe(true);
  });

  it('answers concurrent requests each with its own result', async () => {
    const { relay } = connected();
    const [a, b] = await Promise.all([relay.request('getExample', { name: 'xor-mlp' }), relay.request('getExample', { name: 'iris-mlp' })]);
    expect(JSON.stringify(a)).toContain('xor');
    expect(JSON.stringify(b)).toContain('iris');
    expect(relay.inFlight).toBe(0);
  });

  it('passes engine errors through as { ok: false, error }', async () => {
    const { relay } = connected();
    const r = await relay.request('getExample', { name: 'no-such-example' });
    expect(r.ok).toBe(false);
    expect((r as { error: { code: string } }).error.code).toBeTruthy();
  });

  it('the worker validates again: a request that skipped main’s check is still refused', async () => {
    const { relay } = connected();
    const r = await relay.request('getExample', { name: 42 });
    expect(r).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('forwards engine events (training progress) as JSON, like web mode', async () => {
    const { relay, events } = connected();
    const doc = await relay.request('getExample', { name: 'xor-mlp' });
    expect(doc.ok).toBe(true);
    const run = await relay.request('trainStart', { document: (doc as { result: Record<string, unknown> }).result, backend: 'ts', overrides: { epochs: 3 } });
    expect(run.ok).toBe(true);
    await expect.poll(() => events.filter((e) => e.event === 'train').length, { timeout: 20_000 }).toBeGreaterThan(0);
    const first = events.find((e) => e.event === 'train')!;
    expect(first.data).toMatchObject({ runId: (run as { result: { runId: string } }).result.runId });
  });

  it('fails requests in flight when the engine process dies, and restarts it', async () => {
    const hang = { onEvent: () => () => {}, dispatch: () => new Promise<never>(() => {}) } as unknown as EngineService;
    const { relay, events, crash, spawned } = connected(hang);
    const pending = relay.request('hello', {});
    await new Promise((r) => setTimeout(r, 20));
    crash(139);
    await expect(pending).resolves.toMatchObject({ ok: false, error: { code: 'engine', message: expect.stringMatching(/stopped unexpectedly \(exit code 139\)/) } });
    expect(spawned()).toBe(2);
    expect(events.some((e) => e.event === 'log')).toBe(true);
  });

  it('gives up after repeated crashes and says so', async () => {
    const hang = { onEvent: () => () => {}, dispatch: () => new Promise<never>(() => {}) } as unknown as EngineService;
    const { relay, events, crash, spawned } = connected(hang);
    relay.start();
    for (let i = 0; i < 4; i++) crash(1);
    expect(spawned()).toBe(4); // the first and three restarts
    expect(JSON.stringify(events.at(-1))).toMatch(/keeps stopping/);
    await expect(relay.request('hello', {})).resolves.toMatchObject({ ok: false });
  });
});
