import { describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../shared/ipc-contract';
import { isTrustedSender, ValidatedIpc, type FrameLike, type IpcEventLike } from './ipc';

const ourContents = { id: 1 };
const topFrame: FrameLike = { url: 'app://bpstudio/index.html', parent: null };
const good: IpcEventLike = { sender: ourContents, senderFrame: topFrame };

function setup() {
  const engine = { request: vi.fn(async (method: string, params: unknown) => ({ ok: true as const, result: { method, params } })) };
  const files = {
    openWithDialog: vi.fn(async () => ({ ok: true as const, value: null })),
    openRecent: vi.fn(async () => ({ ok: true as const, value: null })),
    save: vi.fn(async () => ({ ok: true as const, value: { path: '/x/a.json', name: 'a.json' } })),
  };
  const rejected: string[] = [];
  const deps = {
    trustedSender: () => ourContents,
    engine,
    files,
    nativeEdit: vi.fn(),
    setDocumentState: vi.fn(),
    onRejected: (channel: string, reason: string) => rejected.push(`${channel}: ${reason}`),
  };
  return { ipc: new ValidatedIpc(deps), deps, engine, files, rejected };
}

describe('validated IPC: the sender', () => {
  it('accepts only our window’s top frame showing the app', () => {
    expect(isTrustedSender(good, ourContents)).toBe(true);
    expect(isTrustedSender({ sender: { id: 2 }, senderFrame: topFrame }, ourContents)).toBe(false); // another webContents
    expect(isTrustedSender({ sender: ourContents, senderFrame: { url: 'app://bpstudio/x.html', parent: topFrame } }, ourContents)).toBe(false); // a subframe
    expect(isTrustedSender({ sender: ourContents, senderFrame: { url: 'https://evil.example/', parent: null } }, ourContents)).toBe(false); // navigated away
    expect(isTrustedSender({ sender: ourContents, senderFrame: { url: 'file:///tmp/x.html', parent: null } }, ourContents)).toBe(false);
    expect(isTrustedSender({ sender: ourContents, senderFrame: null }, ourContents)).toBe(false); // frame gone
    expect(isTrustedSender(good, null)).toBe(false); // no window yet
  });

  it('refuses an engine request from a foreign frame, without relaying it', async () => {
    const { ipc, engine, rejected } = setup();
    const foreign: IpcEventLike = { sender: ourContents, senderFrame: { url: 'https://evil.example/', parent: null } };
    await expect(ipc.invoke(CHANNELS.request, foreign, { method: 'hello', params: {} })).rejects.toThrow(/untrusted sender/);
    const subframe: IpcEventLike = { sender: ourContents, senderFrame: { url: 'app://bpstudio/index.html', parent: topFrame } };
    await expect(ipc.invoke(CHANNELS.saveFile, subframe, { suggestedName: 'a.json', text: '{}' })).rejects.toThrow(/untrusted sender/);
    expect(engine.request).not.toHaveBeenCalled();
    expect(rejected.some((r) => r.includes('foreign sender'))).toBe(true);
  });
});

describe('validated IPC: channels and payloads', () => {
  it('rejects an unknown channel', async () => {
    const { ipc, rejected } = setup();
    await expect(ipc.invoke('bpstudio:exec', good, { cmd: 'rm -rf /' })).rejects.toThrow(/unknown IPC channel/);
    expect(ipc.receive('bpstudio:nope', good, {})).toBe(false);
    expect(rejected).toContain('bpstudio:exec: unknown channel');
  });

  it('rejects an unknown engine method', async () => {
    const { ipc, engine } = setup();
    const r = await ipc.invoke(CHANNELS.request, good, { method: 'deleteEverything', params: {} });
    expect(r).toEqual({ ok: false, error: { code: 'unknown-method', message: 'unknown method "deleteEverything"' } });
    expect(engine.request).not.toHaveBeenCalled();
  });

  it('rejects bad params against the protocol schema', async () => {
    const { ipc, engine } = setup();
    const r = (await ipc.invoke(CHANNELS.request, good, { method: 'getExample', params: { name: '../../etc/passwd' } })) as { ok: boolean; error: { code: string; message: string } };
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('bad-request');
    expect(r.error.message).toMatch(/getExample: name/);
    const r2 = (await ipc.invoke(CHANNELS.request, good, { method: 'datasetPreview', params: { dataset: { name: 'iris' }, rows: -1 } })) as { ok: boolean };
    expect(r2.ok).toBe(false);
    expect(engine.request).not.toHaveBeenCalled();
  });

  it('rejects a malformed envelope', async () => {
    const { ipc, engine } = setup();
    for (const payload of [null, 'hello', 42, { method: '' }, { method: 'hello', params: {}, extra: true }, { params: {} }]) {
      const r = (await ipc.invoke(CHANNELS.request, good, payload)) as { ok: boolean; error: { code: string } };
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('bad-request');
    }
    expect(engine.request).not.toHaveBeenCalled();
  });

  it('relays a good request with its parsed params (defaults applied)', async () => {
    const { ipc, engine } = setup();
    const r = await ipc.invoke(CHANNELS.request, good, { method: 'datasetPreview', params: { dataset: { name: 'iris' } } });
    expect(engine.request).toHaveBeenCalledTimes(1);
    expect(engine.request).toHaveBeenCalledWith('datasetPreview', { dataset: { name: 'iris', params: {} }, rows: 20, images: 0 });
    expect(r).toMatchObject({ ok: true, result: { method: 'datasetPreview' } });
  });

  it('validates file payloads: kinds, bare suggested names, exactly one of text and base64', async () => {
    const { ipc, files } = setup();
    expect(await ipc.invoke(CHANNELS.openFile, good, { kind: 'exe' })).toMatchObject({ ok: false });
    expect(await ipc.invoke(CHANNELS.openFile, good, { kind: 'onnx' })).toEqual({ ok: true, value: null });
    expect(files.openWithDialog).toHaveBeenCalledWith('onnx');
    for (const bad of [
      { suggestedName: '../evil.json', text: '{}' },
      { suggestedName: 'a.json' },
      { suggestedName: 'a.json', text: '{}', base64: 'AA==' },
      { suggestedName: 'a.onnx', base64: 'not base64!' },
      { suggestedName: 'a.json', text: '{}', mode: 0o777 },
    ]) expect(await ipc.invoke(CHANNELS.saveFile, good, bad)).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(files.save).not.toHaveBeenCalled();
    expect(await ipc.invoke(CHANNELS.saveFile, good, { suggestedName: 'a.json', text: '{}', kind: 'graph' })).toMatchObject({ ok: true });
    expect(files.save).toHaveBeenCalledTimes(1);
  });

  it('validates native edit actions and document state', async () => {
    const { ipc, deps } = setup();
    expect(await ipc.invoke(CHANNELS.nativeEdit, good, { action: 'reload' })).toMatchObject({ ok: false });
    expect(await ipc.invoke(CHANNELS.nativeEdit, good, { action: 'paste' })).toMatchObject({ ok: true });
    expect(deps.nativeEdit).toHaveBeenCalledWith('paste');
    expect(ipc.receive(CHANNELS.documentState, good, { dirty: 'yes', path: null })).toBe(true);
    expect(deps.setDocumentState).not.toHaveBeenCalled();
    ipc.receive(CHANNELS.documentState, good, { dirty: true, path: '/home/a/xor.json' });
    expect(deps.setDocumentState).toHaveBeenCalledWith({ dirty: true, path: '/home/a/xor.json' });
  });

  it('registers every channel with ipcMain', async () => {
    const { ipc, engine } = setup();
    const handled = new Map<string, (e: IpcEventLike, p: unknown) => unknown>();
    const on = new Map<string, (e: IpcEventLike, p: unknown) => void>();
    ipc.register({ handle: (c, l) => handled.set(c, l), on: (c, l) => on.set(c, l) });
    expect([...handled.keys()].sort()).toEqual([CHANNELS.nativeEdit, CHANNELS.openFile, CHANNELS.openRecent, CHANNELS.request, CHANNELS.saveFile].sort());
    expect([...on.keys()]).toEqual([CHANNELS.documentState]);
    await handled.get(CHANNELS.request)!(good, { method: 'hello', params: {} });
    expect(engine.request).toHaveBeenCalledWith('hello', {});
  });
});
