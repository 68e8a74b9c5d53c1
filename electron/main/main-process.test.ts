/**
 * The main process as Electron would run it, with the `electron` module mocked: the window's
 * options, the session's security handlers, the navigation guards, and an engine request going
 * all the way from IPC through the relay to an EngineService on a MessagePort.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { EngineService } from '../../engine/service/service';
import { hostService, type HostPort } from '../engine-worker/host';
import { CHANNELS } from '../shared/ipc-contract';
import { ELECTRON_CSP } from './security';

type Listener = (...args: any[]) => any;

const h = vi.hoisted(() => {
  class Emitter {
    listeners = new Map<string, Listener[]>();
    on(ev: string, l: Listener) {
      this.listeners.set(ev, [...(this.listeners.get(ev) ?? []), l]);
      return this;
    }
    once(ev: string, l: Listener) {
      return this.on(ev, l);
    }
    emit(ev: string, ...args: unknown[]) {
      for (const l of this.listeners.get(ev) ?? []) l(...args);
    }
  }
  const state = {
    windows: [] as any[],
    ipcHandlers: new Map<string, Listener>(),
    ipcOn: new Map<string, Listener>(),
    session: {} as Record<string, Listener>,
    protocolHandlers: new Map<string, Listener>(),
    privileged: [] as unknown[],
    sandboxEnabled: false,
    forks: [] as any[],
    menu: null as unknown,
    userData: '',
    hostPort: null as null | ((port: unknown) => void),
  };
  const app = Object.assign(new Emitter(), {
    isPackaged: false,
    name: 'Backprop Studio',
    setPath: () => {},
    getPath: () => state.userData,
    enableSandbox: () => {
      state.sandboxEnabled = true;
    },
    requestSingleInstanceLock: () => true,
    quit: () => {},
    whenReady: () => Promise.resolve(),
    clearRecentDocuments: () => {},
    addRecentDocument: () => {},
  });
  class WebContents extends Emitter {
    id = 1;
    sent: [string, unknown][] = [];
    send(channel: string, data: unknown) {
      this.sent.push([channel, data]);
    }
    setVisualZoomLevelLimits() {
      return Promise.resolve();
    }
    isLoading() {
      return false;
    }
    windowOpenHandler: Listener | null = null;
    setWindowOpenHandler(h: Listener) {
      this.windowOpenHandler = h;
    }
  }
  class BrowserWindow extends Emitter {
    webContents = new WebContents();
    loadedUrl = '';
    constructor(public options: any) {
      super();
      state.windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    getNormalBounds() {
      return { x: 0, y: 0, width: this.options.width, height: this.options.height };
    }
    isMaximized() {
      return false;
    }
    isFullScreen() {
      return false;
    }
    maximize() {}
    setFullScreen() {}
    show() {}
    setDocumentEdited() {}
  }
  class MessageChannelMain {
    port1: unknown;
    port2: unknown;
    constructor() {
      const ports = (globalThis as any).__makeChannel();
      this.port1 = ports[0];
      this.port2 = ports[1];
    }
  }
  const electron = {
    app,
    BrowserWindow,
    MessageChannelMain,
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (state.menu = m) },
    protocol: { registerSchemesAsPrivileged: (s: unknown[]) => state.privileged.push(...s) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (l: Listener) => (state.session.permissionRequest = l),
        setPermissionCheckHandler: (l: Listener) => (state.session.permissionCheck = l),
        setDevicePermissionHandler: (l: Listener) => (state.session.devicePermission = l),
        webRequest: {
          onBeforeRequest: (l: Listener) => (state.session.beforeRequest = l),
          onHeadersReceived: (l: Listener) => (state.session.headersReceived = l),
        },
        protocol: { handle: (scheme: string, l: Listener) => state.protocolHandlers.set(scheme, l) },
      },
    },
    ipcMain: {
      handle: (c: string, l: Listener) => state.ipcHandlers.set(c, l),
      on: (c: string, l: Listener) => state.ipcOn.set(c, l),
    },
    utilityProcess: {
      fork: (path: string, _args: string[], options: unknown) => {
        const child = Object.assign(new Emitter(), {
          path,
          options,
          postMessage: (_msg: unknown, ports: unknown[]) => state.hostPort?.(ports[0]),
          kill: () => true,
        });
        state.forks.push(child);
        return child;
      },
    },
    dialog: { showOpenDialog: vi.fn(), showSaveDialog: vi.fn(), showErrorBox: vi.fn(), showMessageBoxSync: vi.fn(() => 2) },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    shell: { openExternal: vi.fn(async () => {}) },
  };
  return { state, electron };
});

vi.mock('electron', () => ({ ...h.electron, default: h.electron }));

function electronLike(port: MessagePort) {
  return {
    postMessage: (m: unknown) => port.postMessage(m),
    on: (event: string, listener: Listener) => (event === 'message' ? port.on('message', (data) => listener({ data })) : port.on(event, listener)),
    start: () => port.start(),
    close: () => port.close(),
  };
}

beforeAll(async () => {
  (globalThis as any).__makeChannel = () => {
    const { port1, port2 } = new MessageChannel();
    return [electronLike(port1), electronLike(port2)];
  };
  const service = new EngineService();
  h.state.hostPort = (port) => hostService(port as HostPort, service);
  h.state.userData = mkdtempSync(join(tmpdir(), 'bpstudio-userdata-'));
  const renderer = mkdtempSync(join(tmpdir(), 'bpstudio-renderer-'));
  writeFileSync(join(renderer, 'index.html'), '<!doctype html>');
  process.env.BPSTUDIO_RENDERER_DIR = renderer;
  await import('./index');
  await new Promise((r) => setTimeout(r, 10));
});

const win = () => h.state.windows[0];
const ourFrame = () => ({ sender: win().webContents, senderFrame: { url: 'app://bpstudio/index.html', parent: null } });

describe('the main process (electron mocked)', () => {
  it('enables the sandbox everywhere and registers app:// as a privileged scheme before ready', () => {
    expect(h.state.sandboxEnabled).toBe(true);
    expect(h.state.privileged).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(h.state.protocolHandlers.has('app')).toBe(true);
  });

  it('opens one window with the secure webPreferences, loading the app from app://', () => {
    expect(h.state.windows).toHaveLength(1);
    expect(win().options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(win().options.webPreferences.preload).toMatch(/dist[\\/]electron[\\/]preload\.cjs$/);
    expect(win().loadedUrl).toBe('app://bpstudio/index.html');
    expect(h.state.forks[0].path).toMatch(/dist[\\/]electron[\\/]engine-worker\.mjs$/);
    // The engine worker keeps installed datasets in Electron's userData folder.
    expect(h.state.forks[0].options.env.BPSTUDIO_USER_DATA_DIR).toBe(h.state.userData);
  });

  it('denies permission requests and checks', () => {
    const cb = vi.fn();
    h.state.session.permissionRequest!(win().webContents, 'media', cb, { requestingUrl: 'app://bpstudio/index.html' });
    expect(cb).toHaveBeenCalledWith(false);
    expect(h.state.session.permissionCheck!(win().webContents, 'geolocation', 'app://bpstudio')).toBe(false);
    expect(h.state.session.devicePermission!()).toBe(false);
  });

  it('blocks remote requests and puts the CSP on responses', () => {
    const cb = vi.fn();
    h.state.session.beforeRequest!({ url: 'https://cdn.example.com/lib.js' }, cb);
    expect(cb).toHaveBeenLastCalledWith({ cancel: true });
    h.state.session.beforeRequest!({ url: 'app://bpstudio/assets/index.js' }, cb);
    expect(cb).toHaveBeenLastCalledWith({ cancel: false });
    h.state.session.headersReceived!({ url: 'app://bpstudio/index.html', responseHeaders: {} }, cb);
    expect(cb.mock.calls.at(-1)![0].responseHeaders['Content-Security-Policy']).toEqual([ELECTRON_CSP]);
  });

  it('blocks navigation away from the app and every window.open', async () => {
    const wc = win().webContents;
    const prevented = vi.fn();
    for (const l of wc.listeners.get('will-navigate')) l({ preventDefault: prevented }, 'https://evil.example/');
    expect(prevented).toHaveBeenCalledTimes(1);
    for (const l of wc.listeners.get('will-navigate')) l({ preventDefault: prevented }, 'app://bpstudio/index.html');
    expect(prevented).toHaveBeenCalledTimes(1);
    for (const l of wc.listeners.get('will-attach-webview')) l({ preventDefault: prevented });
    expect(prevented).toHaveBeenCalledTimes(2);
    expect(wc.windowOpenHandler({ url: 'https://onnx.ai/' })).toEqual({ action: 'deny' });
    expect(wc.windowOpenHandler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(h.electron.shell.openExternal).toHaveBeenCalledTimes(1);
    expect(h.electron.shell.openExternal).toHaveBeenCalledWith('https://onnx.ai/');
  });

  it('relays a good engine request from our window to the engine process and back', async () => {
    const r = await h.state.ipcHandlers.get(CHANNELS.request)!(ourFrame(), { method: 'hello', params: {} });
    expect(r).toMatchObject({ ok: true, result: { protocolVersion: 1 } });
  });

  it('refuses requests from a foreign frame and bad requests from ours', async () => {
    await expect(
      h.state.ipcHandlers.get(CHANNELS.request)!({ sender: win().webContents, senderFrame: { url: 'https://evil.example/', parent: null } }, { method: 'hello', params: {} }),
    ).rejects.toThrow(/untrusted/);
    expect(await h.state.ipcHandlers.get(CHANNELS.request)!(ourFrame(), { method: 'rm', params: {} })).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
  });

  it('installs the app menu, whose items send commands to the window', () => {
    const file = (h.state.menu as any[]).find((m) => m.label === 'File');
    file.submenu.find((i: any) => i.label === 'Save').click();
    expect(win().webContents.sent).toContainEqual([CHANNELS.command, 'save']);
  });
});
