import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../shared/ipc-contract';

type Listener = (...args: any[]) => void;
const h = vi.hoisted(() => {
  const listeners = new Map<string, Listener[]>();
  const exposed: Record<string, any> = {};
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, payload: unknown): Promise<unknown> => ({ ok: true, value: { channel, payload } })),
    send: vi.fn(),
    on: (c: string, l: Listener) => listeners.set(c, [...(listeners.get(c) ?? []), l]),
    removeListener: (c: string, l: Listener) => listeners.set(c, (listeners.get(c) ?? []).filter((x) => x !== l)),
  };
  const contextBridge = { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) };
  return { listeners, exposed, ipcRenderer, contextBridge, emit: (c: string, ...args: unknown[]) => (listeners.get(c) ?? []).forEach((l) => l({}, ...args)) };
});
vi.mock('electron', () => ({ ipcRenderer: h.ipcRenderer, contextBridge: h.contextBridge }));

class FakeInput {
  type = 'text';
  disabled = false;
  isContentEditable = false;
}
class FakeTextArea {}

beforeAll(async () => {
  Object.assign(globalThis, { document: { activeElement: null }, HTMLInputElement: FakeInput, HTMLTextAreaElement: FakeTextArea });
  await import('./index');
});

describe('the preload bridge', () => {
  it('exposes window.bpstudio with typed calls only, never ipcRenderer', () => {
    const api = h.exposed.bpstudio;
    expect(Object.keys(api).sort()).toEqual(['onCommand', 'onEvent', 'openFileDialog', 'openRecent', 'platform', 'request', 'saveFile', 'setDocumentState']);
    for (const [k, v] of Object.entries(api)) expect(typeof v === 'function' || k === 'platform').toBe(true);
    expect(Object.values(api)).not.toContain(h.ipcRenderer);
  });

  it('sends engine requests on the request channel', async () => {
    await h.exposed.bpstudio.request('hello', { client: 'x' });
    expect(h.ipcRenderer.invoke).toHaveBeenLastCalledWith(CHANNELS.request, { method: 'hello', params: { client: 'x' } });
  });

  it('copies only known fields of a save request and unwraps results', async () => {
    const r = await h.exposed.bpstudio.saveFile({ suggestedName: 'a.json', text: '{}', sneaky: 1 });
    expect(h.ipcRenderer.invoke).toHaveBeenLastCalledWith(CHANNELS.saveFile, { suggestedName: 'a.json', text: '{}' });
    expect(r).toEqual({ channel: CHANNELS.saveFile, payload: { suggestedName: 'a.json', text: '{}' } });
    h.ipcRenderer.invoke.mockResolvedValueOnce({ ok: false, error: { code: 'read-failed', message: 'cannot read /x' } });
    await expect(h.exposed.bpstudio.openFileDialog('csv')).rejects.toThrow('cannot read /x');
  });

  it('delivers engine events and unsubscribes', () => {
    const got: unknown[] = [];
    const off = h.exposed.bpstudio.onEvent((event: string, data: unknown) => got.push([event, data]));
    h.emit(CHANNELS.event, { event: 'train', data: { runId: 'r1' } });
    off();
    h.emit(CHANNELS.event, { event: 'train', data: { runId: 'r2' } });
    expect(got).toEqual([['train', { runId: 'r1' }]]);
  });

  it('delivers menu commands (buffered until someone listens), drops unknown ones, and edits text fields natively', () => {
    h.emit(CHANNELS.command, 'open-recent:/home/u/a.json'); // before any listener: kept
    const got: string[] = [];
    const off = h.exposed.bpstudio.onCommand((id: string) => got.push(id));
    h.emit(CHANNELS.command, 'save');
    h.emit(CHANNELS.command, 'format-disk');
    expect(got).toEqual(['open-recent:/home/u/a.json', 'save']);
    (globalThis as any).document.activeElement = new FakeInput();
    h.emit(CHANNELS.command, 'paste');
    expect(got).toEqual(['open-recent:/home/u/a.json', 'save']);
    expect(h.ipcRenderer.invoke).toHaveBeenLastCalledWith(CHANNELS.nativeEdit, { action: 'paste' });
    h.emit(CHANNELS.command, 'fit'); // not an edit command: still the canvas's
    expect(got.at(-1)).toBe('fit');
    (globalThis as any).document.activeElement = null;
    h.emit(CHANNELS.command, 'paste');
    expect(got.at(-1)).toBe('paste');
    off();
  });

  it('reports the document state', () => {
    h.exposed.bpstudio.setDocumentState({ dirty: true, path: '/a.json', extra: 1 });
    expect(h.ipcRenderer.send).toHaveBeenLastCalledWith(CHANNELS.documentState, { dirty: true, path: '/a.json' });
  });
});
