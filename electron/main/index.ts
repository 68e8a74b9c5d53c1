/**
 * Electron main process: one secure window showing the built renderer from `app://bpstudio/`,
 * the app menu, native file dialogs, remembered window state and recent files, and the engine
 * in a utility process reached over a MessagePort. The logic lives in the plain modules beside
 * this file; this one only wires them to Electron.
 */
import {
  BrowserWindow, Menu, MessageChannelMain, app, dialog, ipcMain, protocol, screen, session, shell, utilityProcess,
  type WebContents,
} from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_ENTRY_URL, CHANNELS, OPEN_RECENT_PREFIX, type CommandId, type DocumentState, type NativeEditAction } from '../shared/ipc-contract';
import { appProtocolResponse } from './app-protocol';
import { EngineRelay, type EngineProcess } from './engine-relay';
import { FileAccess, type Dialogs } from './files';
import { ValidatedIpc } from './ipc';
import { buildMenuTemplate } from './menu-template';
import { RecentFiles } from './recent-files';
import {
  APP_SCHEME_PRIVILEGES, isAllowedNavigation, isAllowedRequestUrl, isAppUrl, isExternalLink, isPermissionAllowed, mainWindowOptions,
  withSecurityHeaders,
} from './security';
import { fitToDisplays, keepWindowState, loadWindowState } from './window-state';
import { filesFromArgv } from './argv';

/** dist/electron/main.mjs → the app root (the repository, or app.asar when packaged). */
const root = fileURLToPath(new URL('../../', import.meta.url));
const paths = {
  renderer: join(root, 'dist', 'renderer'),
  preload: join(root, 'dist', 'electron', 'preload.cjs'),
  worker: join(root, 'dist', 'electron', 'engine-worker.mjs'),
  icon: join(root, 'assets', 'icons', 'icon.png'),
};

// A separate profile for tests and side-by-side runs.
if (process.env.BPSTUDIO_USER_DATA) app.setPath('userData', process.env.BPSTUDIO_USER_DATA);
// Another renderer build, for development and tests only: a packaged app shows its own.
if (process.env.BPSTUDIO_RENDERER_DIR && !app.isPackaged) paths.renderer = process.env.BPSTUDIO_RENDERER_DIR;

app.enableSandbox();
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  main();
}

function main(): void {
  let win: BrowserWindow | null = null;
  let documentState: DocumentState = { dirty: false, path: null };
  let closeAfterSave = false;
  let quitting = false;
  const pendingOpen: string[] = [];

  const log = (message: string): void => console.warn(`[bpstudio] ${message}`);
  const sendCommand = (id: CommandId): void => {
    if (win && !win.isDestroyed()) win.webContents.send(CHANNELS.command, id);
  };

  let recent: RecentFiles;
  let files: FileAccess | undefined;
  const rebuildMenu = (): void => {
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        buildMenuTemplate({
          platform: process.platform,
          recent: recent.files,
          send: sendCommand,
          clearRecent: () => {
            recent.clear();
            app.clearRecentDocuments();
            rebuildMenu();
          },
          devTools: !app.isPackaged,
          appName: app.name,
        }),
      ),
    );
  };

  const dialogs: Dialogs = {
    async showOpen(options) {
      const r = win ? await dialog.showOpenDialog(win, { ...options, properties: ['openFile'] }) : await dialog.showOpenDialog({ ...options, properties: ['openFile'] });
      const picked = r.canceled ? null : (r.filePaths[0] ?? null);
      // The user picked it: the engine may read it, and the files next to it (a document's dataset).
      if (picked) relay.allowDatasetFiles([picked], [dirname(picked)]);
      return picked;
    },
    async showSave(options) {
      const opts = { ...options, properties: ['createDirectory', 'showOverwriteConfirmation'] as ('createDirectory' | 'showOverwriteConfirmation')[] };
      const r = win ? await dialog.showSaveDialog(win, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
  };

  const relay = new EngineRelay({
    spawn(): EngineProcess {
      // The engine keeps installed datasets in the app's user data folder (engine/data/user-data.ts).
      const env = { ...process.env, BPSTUDIO_USER_DATA_DIR: app.getPath('userData') };
      const child = utilityProcess.fork(paths.worker, [], { serviceName: 'Backprop Studio engine', stdio: 'inherit', env });
      const { port1, port2 } = new MessageChannelMain();
      child.postMessage({ type: 'connect' }, [port1]);
      return { port: port2, onExit: (listener) => child.once('exit', listener), kill: () => void child.kill() };
    },
    onEvent(event, data) {
      if (win && !win.isDestroyed()) win.webContents.send(CHANNELS.event, { event, data });
    },
  });

  const nativeEdit = (action: NativeEditAction): void => {
    const wc = win?.webContents;
    if (!wc) return;
    ({ undo: () => wc.undo(), redo: () => wc.redo(), cut: () => wc.cut(), copy: () => wc.copy(), paste: () => wc.paste(), delete: () => wc.delete(), selectAll: () => wc.selectAll() })[action]();
  };

  const setDocumentState = (state: DocumentState): void => {
    documentState = state;
    if (!win || win.isDestroyed()) return;
    win.setDocumentEdited(state.dirty);
    if (state.path && process.platform === 'darwin') win.setRepresentedFilename(state.path);
    if (closeAfterSave && !state.dirty) {
      closeAfterSave = false;
      win.close();
    }
  };

  /** Files handed to the app by the OS: listed as recent and opened by the renderer once it is up. */
  const openFromOs = (path: string): void => {
    relay.allowDatasetFiles([path], [dirname(path)]);
    if (!files) {
      pendingOpen.push(path);
      return;
    }
    const p = files.admit(path);
    if (process.platform === 'darwin') app.addRecentDocument(p);
    if (win && !win.webContents.isLoading()) sendCommand(`${OPEN_RECENT_PREFIX}${p}`);
    else pendingOpen.push(p);
  };

  // Every webContents (there is only ours, but also DevTools and anything unforeseen):
  // no navigation away from the app, no new windows, no <webview>.
  app.on('web-contents-created', (_e, contents: WebContents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-frame-navigate', (event) => {
      if (!isAllowedNavigation(event.url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAllowedNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isExternalLink(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });

  app.on('open-file', (event, path) => {
    event.preventDefault();
    openFromOs(path);
  });

  app.on('second-instance', (_e, argv) => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
    for (const f of filesFromArgv(argv.slice(1))) openFromOs(f);
  });

  const createWindow = (): void => {
    const stateFile = join(app.getPath('userData'), 'window-state.json');
    const loaded = loadWindowState(stateFile);
    if (loaded.problem) log(loaded.problem);
    const state = fitToDisplays(loaded.state, screen.getAllDisplays().map((d) => d.workArea));
    const bounds = { width: state.width, height: state.height, ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}) };
    win = new BrowserWindow(mainWindowOptions({ bounds, preloadPath: paths.preload, iconPath: existsSync(paths.icon) ? paths.icon : undefined, devTools: !app.isPackaged }));
    keepWindowState(win, stateFile, { onError: (e) => log(`cannot store the window state: ${(e as Error).message}`) });
    if (state.maximized) win.maximize();
    if (state.fullScreen) win.setFullScreen(true);
    win.webContents.setVisualZoomLevelLimits(1, 1).catch(() => {});
    win.once('ready-to-show', () => win?.show());
    win.webContents.on('did-finish-load', () => {
      for (const p of pendingOpen.splice(0)) if (files) sendCommand(`${OPEN_RECENT_PREFIX}${files.admit(p)}`);
    });
    win.webContents.on('render-process-gone', (_e, details) => log(`the window's renderer stopped: ${details.reason}`));
    win.on('close', (event) => {
      if (!documentState.dirty) return;
      const choice = dialog.showMessageBoxSync(win!, {
        type: 'warning',
        buttons: ['Save', "Don't Save", 'Cancel'],
        defaultId: 0,
        cancelId: 2,
        message: `Do you want to save the changes to ${documentState.path ? documentState.path.split(/[\\/]/).pop() : 'this graph'}?`,
        detail: "Your changes will be lost if you don't save them.",
      });
      if (choice === 1) return; // close without saving
      event.preventDefault();
      quitting = false;
      closeAfterSave = choice === 0; // then the window closes when the renderer reports the document saved
      if (closeAfterSave) sendCommand('save');
    });
    win.on('closed', () => {
      win = null;
    });
    void win.loadURL(APP_ENTRY_URL);
  };

  app.whenReady().then(() => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((wc, permission, callback, details) => callback(isPermissionAllowed(permission, details.requestingUrl ?? wc.getURL())));
    ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin));
    ses.setDevicePermissionHandler(() => false);
    ses.webRequest.onBeforeRequest((details, callback) => {
      const ok = isAllowedRequestUrl(details.url);
      if (!ok) log(`blocked a request to ${details.url}`);
      callback({ cancel: !ok });
    });
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback(isAppUrl(details.url) || details.url.startsWith('file:') ? { responseHeaders: withSecurityHeaders(details.responseHeaders) } : {});
    });
    ses.protocol.handle('app', (request) => appProtocolResponse(paths.renderer, request));

    if (!existsSync(join(paths.renderer, 'index.html'))) {
      dialog.showErrorBox('Backprop Studio is not built', `${join(paths.renderer, 'index.html')} is missing. Run \`npm run build:renderer\` (npm start does it for you).`);
      app.quit();
      return;
    }

    recent = new RecentFiles(join(app.getPath('userData'), 'recent-files.json'));
    const access = new FileAccess(dialogs, recent, () => {
      rebuildMenu();
      if (recent.files[0] && process.platform !== 'linux') app.addRecentDocument(recent.files[0]);
    });
    files = access;
    const ipc = new ValidatedIpc({
      trustedSender: () => (win && !win.isDestroyed() ? win.webContents : null),
      engine: relay,
      files: access,
      nativeEdit,
      setDocumentState,
      onRejected: (channel, reason) => log(`refused IPC on ${channel}: ${reason}`),
    });
    ipc.register(ipcMain);
    rebuildMenu();
    relay.start();
    for (const f of filesFromArgv(process.argv.slice(app.isPackaged ? 1 : 2))) pendingOpen.push(f);
    createWindow();

    app.on('activate', () => {
      if (!win) createWindow();
    });
  });

  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' || quitting) app.quit();
  });
  app.on('will-quit', () => relay.stop());
}
