/**
 * The preload bridge: `window.bpstudio`, a narrow typed API over IPC. It runs sandboxed with
 * context isolation; it exposes functions only (never `ipcRenderer`), passes plain data, and
 * checks what main sends before handing it on.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CHANNELS, NATIVE_EDIT_COMMANDS, isCommandId, type BpStudioBridge, type CommandId, type DocumentState, type FileKind,
  type FileResult, type OpenedFile, type PlainCommandId, type SavedFile, type SaveFileRequest, type BridgeResponse,
} from '../shared/ipc-contract';

async function unwrap<T>(p: Promise<FileResult<T>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** A focused text field (input, textarea, contenteditable) gets edit commands natively. */
function editableFocused(): boolean {
  const el = document.activeElement as HTMLElement | null;
  if (!el) return false;
  if (el.isContentEditable) return true;
  if (el instanceof HTMLTextAreaElement) return !el.readOnly && !el.disabled;
  if (el instanceof HTMLInputElement) {
    const textual = ['text', 'search', 'url', 'tel', 'email', 'password', 'number', ''];
    return textual.includes(el.type) && !el.disabled;
  }
  return false;
}

const commandHandlers = new Set<(id: CommandId) => void>();
/** Commands that arrive before the renderer listens (a file opened from the OS at start-up). */
const early: CommandId[] = [];
ipcRenderer.on(CHANNELS.command, (_e: IpcRendererEvent, id: unknown) => {
  if (!isCommandId(id)) return;
  const native = NATIVE_EDIT_COMMANDS[id as PlainCommandId];
  if (native && editableFocused()) {
    void ipcRenderer.invoke(CHANNELS.nativeEdit, { action: native });
    return;
  }
  if (commandHandlers.size === 0) {
    if (early.length < 20) early.push(id);
    return;
  }
  for (const h of commandHandlers) h(id);
});

const bridge: BpStudioBridge = {
  request: (method: string, params: unknown) => ipcRenderer.invoke(CHANNELS.request, { method, params }) as Promise<BridgeResponse>,
  onEvent(handler: (event: string, data: unknown) => void) {
    const listener = (_e: IpcRendererEvent, msg: { event?: unknown; data?: unknown }) => {
      if (msg && typeof msg.event === 'string') handler(msg.event, msg.data);
    };
    ipcRenderer.on(CHANNELS.event, listener);
    return () => void ipcRenderer.removeListener(CHANNELS.event, listener);
  },
  onCommand(handler: (id: CommandId) => void) {
    commandHandlers.add(handler);
    for (const id of early.splice(0)) handler(id);
    return () => void commandHandlers.delete(handler);
  },
  openFileDialog: (kind: FileKind) => unwrap(ipcRenderer.invoke(CHANNELS.openFile, { kind }) as Promise<FileResult<OpenedFile | null>>),
  openRecent: (path: string) => unwrap(ipcRenderer.invoke(CHANNELS.openRecent, { path }) as Promise<FileResult<OpenedFile | null>>),
  saveFile: (request: SaveFileRequest) => {
    // copy only the known fields: the renderer's object may carry others
    const { path, suggestedName, kind, text, base64 } = request;
    const clean: SaveFileRequest = { suggestedName };
    if (path !== undefined) clean.path = path;
    if (kind !== undefined) clean.kind = kind;
    if (text !== undefined) clean.text = text;
    if (base64 !== undefined) clean.base64 = base64;
    return unwrap(ipcRenderer.invoke(CHANNELS.saveFile, clean) as Promise<FileResult<SavedFile | null>>);
  },
  setDocumentState: (state: DocumentState) => ipcRenderer.send(CHANNELS.documentState, { dirty: state.dirty, path: state.path }),
  platform: process.platform,
};

contextBridge.exposeInMainWorld('bpstudio', bridge);
