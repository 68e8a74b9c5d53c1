/**
 * Opening and saving files: through the Electron shell's bridge (`window.bpstudio.openFileDialog`,
 * `openRecent`, `saveFile` — native dialogs, atomic writes) when it is there; in web mode a file
 * input to open, and to save the File System Access API where the browser has it (writes in
 * place on the next Save) or else a download. Under automation (`navigator.webdriver`) web mode
 * always downloads, so tests can catch the file.
 */
import type { BpStudioBridge, FileKind, OpenedFile as BridgeOpenedFile } from '../../electron/shared/ipc-contract';
import type { IncomingFile } from './open-files';

export type { FileKind };

export interface OpenedFile {
  name: string;
  /** A path (Electron) or a handle token (web, File System Access) that Save can write back to. */
  path: string | null;
  text?: string;
  base64?: string;
}

export interface SavedFile {
  name: string;
  path: string | null;
  /** How it was saved: `download` means the browser's downloads folder. */
  via: 'native' | 'file-system' | 'download';
}

export interface SaveRequest {
  suggestedName: string;
  /** Write here without asking (Save); absent: ask (Save As). */
  path?: string | null;
  kind: FileKind;
  text?: string;
  base64?: string;
}

/** The shell's file calls, when this window runs in Electron. */
export function nativeBridge(): Pick<BpStudioBridge, 'openFileDialog' | 'openRecent' | 'saveFile'> | null {
  const b = (typeof window !== 'undefined' ? window.bpstudio : undefined) as Partial<BpStudioBridge> | undefined;
  return b && typeof b.openFileDialog === 'function' && typeof b.saveFile === 'function'
    ? (b as Pick<BpStudioBridge, 'openFileDialog' | 'openRecent' | 'saveFile'>)
    : null;
}

const ACCEPT: Record<FileKind, string> = {
  document: '.json,application/json',
  graph: '.json,application/json',
  trained: '.json,application/json',
  onnx: '.onnx',
  csv: '.csv,.tsv,.txt,text/csv',
  idx: '',
  pytorch: '.py',
  weights: '.safetensors',
  any: '',
};
const BINARY: ReadonlySet<FileKind> = new Set(['onnx', 'idx', 'weights', 'any']);

export type { IncomingFile };

export function incomingFromOpened(f: OpenedFile): IncomingFile {
  const bytes = f.base64 !== undefined ? base64ToBytes(f.base64) : new TextEncoder().encode(f.text ?? '');
  return { name: f.name, path: f.path, bytes };
}

export async function incomingFromFile(file: File): Promise<IncomingFile> {
  return { name: file.name, path: null, bytes: new Uint8Array(await file.arrayBuffer()) };
}

/**
 * File ▸ Open: every kind of file, told apart by content. Electron's dialog picks one file (read
 * as bytes by the shell); web mode's file input takes several (an IDX images file with its labels).
 */
export async function openAnyFiles(): Promise<IncomingFile[]> {
  const bridge = nativeBridge();
  if (bridge) {
    const f = fromBridge(await bridge.openFileDialog('any'));
    return f ? [incomingFromOpened(f)] : [];
  }
  const files = await pickFiles('', true);
  return Promise.all(files.map(incomingFromFile));
}

function fromBridge(f: BridgeOpenedFile | null): OpenedFile | null {
  if (!f) return null;
  return { name: f.name, path: f.path, ...(f.text !== undefined ? { text: f.text } : {}), ...(f.base64 !== undefined ? { base64: f.base64 } : {}) };
}

export async function openFile(kind: FileKind): Promise<OpenedFile | null> {
  const bridge = nativeBridge();
  if (bridge) return fromBridge(await bridge.openFileDialog(kind));
  const file = await pickFile(ACCEPT[kind]);
  if (!file) return null;
  return BINARY.has(kind) ? { name: file.name, path: null, base64: await blobToBase64(file) } : { name: file.name, path: null, text: await file.text() };
}

export async function openRecentFile(path: string): Promise<OpenedFile | null> {
  const bridge = nativeBridge();
  if (!bridge) return null;
  return fromBridge(await bridge.openRecent(path));
}

/** A hidden `<input type=file>`; resolves null when the person cancels. */
export async function pickFile(accept: string): Promise<File | null> {
  return (await pickFiles(accept, false))[0] ?? null;
}

/** A hidden `<input type=file>` (`multiple` when asked); resolves [] when the person cancels. */
export function pickFiles(accept: string, multiple: boolean): Promise<File[]> {
  return new Promise((resolve) => {
    const input = document.createElement('input');
    input.type = 'file';
    if (accept) input.accept = accept;
    input.multiple = multiple;
    input.style.display = 'none';
    let done = false;
    const finish = (f: File[]) => {
      if (done) return;
      done = true;
      input.remove();
      resolve(f);
    };
    input.addEventListener('change', () => finish([...(input.files ?? [])]), { once: true });
    input.addEventListener('cancel', () => finish([]), { once: true });
    document.body.appendChild(input);
    input.click();
  });
}

// --- saving in web mode -----------------------------------------------------------------------

interface WritableLike {
  write(data: Blob | string): Promise<void>;
  close(): Promise<void>;
}
interface FileHandleLike {
  name: string;
  createWritable(): Promise<WritableLike>;
}
type SavePicker = (options: { suggestedName: string; types?: { description: string; accept: Record<string, string[]> }[] }) => Promise<FileHandleLike>;

const handles = new Map<string, FileHandleLike>();
let nextHandle = 1;

function savePicker(): SavePicker | null {
  if (typeof window === 'undefined') return null;
  if (typeof navigator !== 'undefined' && navigator.webdriver) return null;
  const p = (window as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  return typeof p === 'function' ? p.bind(window) : null;
}

export async function saveFile(req: SaveRequest): Promise<SavedFile | null> {
  const bridge = nativeBridge();
  if (bridge) {
    const r = await bridge.saveFile({
      suggestedName: req.suggestedName,
      kind: req.kind,
      ...(req.path ? { path: req.path } : {}),
      ...(req.text !== undefined ? { text: req.text } : { base64: req.base64 ?? '' }),
    });
    return r ? { name: r.name, path: r.path, via: 'native' } : null;
  }
  const blob = req.text !== undefined
    ? new Blob([req.text], { type: 'application/json' })
    : new Blob([base64ToBytes(req.base64 ?? '') as BlobPart], { type: 'application/octet-stream' });
  const known = req.path ? handles.get(req.path) : undefined;
  const picker = savePicker();
  if (known || picker) {
    try {
      const handle = known ?? (await picker!({
        suggestedName: req.suggestedName,
        types: BINARY.has(req.kind)
          ? [{ description: 'ONNX model', accept: { 'application/octet-stream': ['.onnx'] } }]
          : [{ description: 'Backprop Studio file', accept: { 'application/json': ['.json'] } }],
      }));
      const w = await handle.createWritable();
      await w.write(blob);
      await w.close(); // the browser swaps the new file in on close: the old one stays whole until then
      let token = req.path && known ? req.path : null;
      if (!token) {
        token = `fs-handle:${nextHandle++}`;
        handles.set(token, handle);
      }
      return { name: handle.name, path: token, via: 'file-system' };
    } catch (e) {
      if ((e as { name?: string }).name === 'AbortError') return null;
      throw e;
    }
  }
  download(blob, req.suggestedName);
  return { name: req.suggestedName, path: null, via: 'download' };
}

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export async function blobToBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** `My model` → `my-model.json`; keeps a name that already has the extension. */
export function fileNameFor(name: string, extension = '.json'): string {
  const base = name.trim().replace(/[\\/:*?"<>|]+/g, '-').replace(/\s+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'untitled';
  return base.endsWith(extension) ? base : `${base}${extension}`;
}

// --- recent files in web mode ------------------------------------------------------------------

export const RECENT_KEY = 'bpstudio.recent.v1';
const RECENT_MAX = 6;
const RECENT_MAX_CHARS = 400_000;

export interface RecentEntry {
  name: string;
  at: number;
  text: string;
}

/** Web mode remembers the text of recently opened or saved files (small ones) to reopen them. */
export function readRecent(storage: Pick<Storage, 'getItem'> = localStorage): RecentEntry[] {
  try {
    const v = JSON.parse(storage.getItem(RECENT_KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? (v.filter((e) => e && typeof e.name === 'string' && typeof e.text === 'string' && typeof e.at === 'number') as RecentEntry[]) : [];
  } catch {
    return [];
  }
}

export function rememberRecent(entry: RecentEntry, storage: Pick<Storage, 'getItem' | 'setItem'> = localStorage): void {
  if (entry.text.length > RECENT_MAX_CHARS) return;
  const list = [entry, ...readRecent(storage).filter((e) => e.name !== entry.name)].slice(0, RECENT_MAX);
  try {
    storage.setItem(RECENT_KEY, JSON.stringify(list));
  } catch {
    /* full: keep the old list */
  }
}
