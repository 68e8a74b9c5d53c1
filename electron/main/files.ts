/**
 * Reading and writing the user's files for the renderer. The renderer never names an arbitrary
 * path: it reads what the user picked in a native dialog or in Open Recent, and writes in place
 * only over a file it opened or saved in this session; anything else goes through a Save dialog.
 * Writes are atomic. No `electron` import: dialogs are passed in.
 */
import { readFile, stat } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { writeFileAtomic } from '../../engine/core/atomic-write';
import {
  FILE_KIND_INFO, MAX_FILE_BYTES, type FileKind, type FileResult, type OpenedFile, type SavedFile, type SaveFileRequest,
} from '../shared/ipc-contract';
import type { RecentFiles } from './recent-files';

export interface Dialogs {
  /** Resolves to the chosen path, or null when cancelled. */
  showOpen(options: { title: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  showSave(options: { title: string; defaultPath: string; filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
}

export class FileAccess {
  /** Paths this session may overwrite without asking: opened or saved through the bridge. */
  private readonly writable = new Set<string>();

  constructor(
    private readonly dialogs: Dialogs,
    private readonly recent: RecentFiles,
    private readonly onRecentChanged: () => void = () => {},
  ) {}

  async openWithDialog(kind: FileKind): Promise<FileResult<OpenedFile | null>> {
    const info = FILE_KIND_INFO[kind];
    const path = await this.dialogs.showOpen({ title: info.openTitle, filters: info.filters });
    if (!path) return { ok: true, value: null };
    return this.read(path, kind);
  }

  /** Reopen a file listed in Open Recent (or handed to the app on its command line). */
  async openRecent(path: string): Promise<FileResult<OpenedFile | null>> {
    const p = resolve(path);
    if (!this.recent.has(p)) return { ok: false, error: { code: 'not-allowed', message: `${p} is not in the recent files list` } };
    const kind: FileKind = extname(p).toLowerCase() === '.onnx' ? 'onnx' : 'document';
    const r = await this.read(p, kind);
    if (!r.ok && r.error.code === 'not-found') {
      this.recent.remove(p);
      this.onRecentChanged();
    }
    return r;
  }

  async save(req: SaveFileRequest): Promise<FileResult<SavedFile | null>> {
    const kind = req.kind ?? 'document';
    const info = FILE_KIND_INFO[kind];
    let target: string | null = req.path ? resolve(req.path) : null;
    if (!target || !this.writable.has(target)) {
      const suggested = extname(req.suggestedName) ? req.suggestedName : `${req.suggestedName}.${info.defaultExtension}`;
      const defaultPath = target ? resolve(dirname(target), suggested) : suggested;
      const title = kind === 'onnx' ? 'Export ONNX' : kind === 'pytorch' ? 'Export a PyTorch script' : kind === 'weights' ? 'Save the script’s weights' : 'Save';
      target = await this.dialogs.showSave({ title, defaultPath, filters: info.filters });
      if (!target) return { ok: true, value: null };
      target = resolve(target);
    }
    const bytes = req.base64 !== undefined ? Buffer.from(req.base64, 'base64') : Buffer.from(req.text ?? '', 'utf8');
    if (bytes.length > MAX_FILE_BYTES) return { ok: false, error: { code: 'too-large', message: `the file would be ${bytes.length} bytes; the limit is ${MAX_FILE_BYTES}` } };
    try {
      mkdirSync(dirname(target), { recursive: true });
      writeFileAtomic(target, bytes);
    } catch (e) {
      return { ok: false, error: { code: 'write-failed', message: `cannot write ${target}: ${(e as Error).message}` } };
    }
    this.writable.add(target);
    if (kind !== 'onnx' && kind !== 'csv' && kind !== 'idx' && kind !== 'pytorch' && kind !== 'weights') {
      this.recent.add(target);
      this.onRecentChanged();
    }
    return { ok: true, value: { path: target, name: basename(target) } };
  }

  /** Read a file the user chose; it becomes writable in place and joins the recent list. */
  async read(path: string, kind: FileKind): Promise<FileResult<OpenedFile>> {
    const p = resolve(path);
    const st = await stat(p).catch(() => null);
    if (!st) return { ok: false, error: { code: 'not-found', message: `${p} does not exist` } };
    if (!st.isFile()) return { ok: false, error: { code: 'not-a-file', message: `${p} is not a file` } };
    if (st.size > MAX_FILE_BYTES) return { ok: false, error: { code: 'too-large', message: `${p} is ${st.size} bytes; the limit is ${MAX_FILE_BYTES}` } };
    let bytes: Buffer;
    try {
      bytes = await readFile(p);
    } catch (e) {
      return { ok: false, error: { code: 'read-failed', message: `cannot read ${p}: ${(e as Error).message}` } };
    }
    const name = basename(p);
    const opened: OpenedFile = FILE_KIND_INFO[kind].binary ? { path: p, name, base64: bytes.toString('base64') } : { path: p, name, text: bytes.toString('utf8') };
    // Open (`any`) takes every kind; the renderer tells them apart by content. A JSON file is a
    // project file (recent, and Save may write it in place); an ONNX model joins the recent list.
    const json = kind === 'any' && /^\s*\{/.test(bytes.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, ''));
    const onnx = kind === 'onnx' || (kind === 'any' && extname(p).toLowerCase() === '.onnx');
    if (kind === 'document' || kind === 'graph' || kind === 'trained' || onnx || json) {
      this.recent.add(p);
      this.onRecentChanged();
    }
    if (kind === 'document' || kind === 'graph' || kind === 'trained' || json) this.writable.add(p);
    return { ok: true, value: opened };
  }

  /** A path given to the app by the OS (command line, macOS open-file): listed so the renderer may open it. */
  admit(path: string): string {
    const p = resolve(path);
    this.recent.add(p);
    this.onRecentChanged();
    return p;
  }
}
