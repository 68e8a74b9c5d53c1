/**
 * What happens to a file a person opens (File ▸ Open, Open Recent) or drops on the canvas: it is
 * told apart by content (store/sniff.ts), then a graph document or trained-model file opens (its
 * weights with it), an ONNX model goes through the engine's importer, a CSV table or an IDX
 * images+labels pair becomes a dataset in the Data panel (as its Import does), and anything else
 * is refused with one line — the current document stays exactly as it was. Unsaved changes are
 * asked about only once the file is known to replace the document.
 *
 * Everything it touches comes in as `OpenDeps`, so tests drive it with a real document store and
 * a fake engine.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { EngineClient } from '../../engine/service/protocol';
import type { DocumentStore } from './store/document-store';
import type { DockTab } from './store/ui-store';
import { readProjectValue } from './store/load-file';
import { sniffFile, type SniffedFile } from './store/sniff';

/** A file the person opened or dropped, as bytes: what it is is told by its content (store/sniff.ts). */
export interface IncomingFile {
  name: string;
  /** Where Save may write it back (Electron's path), or null. */
  path: string | null;
  bytes: Uint8Array;
}

export interface ImportedData {
  ref: { name: string; params: Record<string, string | number> };
  preview: { featureShape: number[]; numSamples?: number };
}

export interface OpenDeps {
  docs: StoreApi<DocumentStore>;
  engine: Pick<EngineClient, 'request'>;
  /** The Data panel's imports (the data store): null when refused (`error()` says why). */
  data: {
    importCsv(args: { name: string; text: string; task: 'auto' }): Promise<ImportedData | null>;
    importIdx(args: { name: string; images: string; labels: string }): Promise<ImportedData | null>;
    error(): string | null;
  };
  ui: {
    toast(message: string, kind: 'info' | 'success' | 'warning' | 'error', ms?: number): void;
    showDock(tab: DockTab): void;
    setBusy(message: string | null): void;
  };
  /** Ask before unsaved changes would be lost; true to go on. */
  confirmDiscard(action: string): Promise<boolean>;
  /** Put a project file's text on the canvas (project.ts's `loadProjectText`). */
  loadProject(text: string, name: string, path: string | null): void;
  fitView(): void;
}

/** What became of the files (for tests and callers). */
export type OpenOutcome =
  | { kind: 'document' | 'trained' | 'onnx' | 'csv' | 'idx'; name: string }
  | { kind: 'refused'; message: string }
  | { kind: 'cancelled' | 'nothing' | 'hint'; message?: string };

const refuse = (deps: OpenDeps, message: string): OpenOutcome => {
  deps.ui.toast(message, 'error', 10_000);
  return { kind: 'refused', message };
};

const firstLine = (s: string): string => s.split('\n')[0]!.trim();

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Open one file, or an IDX images file with its labels file. */
export async function openIncomingFiles(files: readonly IncomingFile[], deps: OpenDeps): Promise<OpenOutcome> {
  if (files.length === 0) return { kind: 'nothing' };
  const sniffed = await Promise.all(files.map(async (f) => ({ file: f, what: await sniffFile(f.name, f.bytes) })));
  if (files.length > 1) {
    const images = sniffed.filter((s) => s.what.kind === 'idx' && s.what.role === 'images');
    const labels = sniffed.filter((s) => s.what.kind === 'idx' && s.what.role === 'labels');
    if (files.length === 2 && images.length === 1 && labels.length === 1) return importIdxPair(images[0]!, labels[0]!, deps);
    return refuse(deps, `${files.length} files at once: open one file at a time (or an IDX images file together with its labels file)`);
  }
  const { file, what } = sniffed[0]!;
  return openSniffed(file, what, deps);
}

async function openSniffed(file: IncomingFile, what: SniffedFile, deps: OpenDeps): Promise<OpenOutcome> {
  switch (what.kind) {
    case 'refused':
      return refuse(deps, what.message);
    case 'document':
    case 'trained': {
      const r = readProjectValue(what.value);
      if (r.issues.length > 0 && r.document.nodes.length === 0) {
        // nothing on it could be read: refuse rather than put an empty document under this name
        const more = r.issues.length > 1 ? ` (and ${r.issues.length - 1} more problem${r.issues.length === 2 ? '' : 's'})` : '';
        return refuse(deps, `${file.name} cannot be opened: no node in it could be read: ${firstLine(r.issues[0]!.message)}${more}`);
      }
      if (!(await deps.confirmDiscard('opening another file'))) return { kind: 'cancelled' };
      deps.loadProject(what.text, file.name, file.path);
      return { kind: what.kind, name: file.name };
    }
    case 'onnx': {
      // imported first: a model the importer refuses never asks about unsaved changes
      deps.ui.setBusy(`Importing ${file.name}…`);
      let document;
      try {
        document = (await deps.engine.request('importOnnx', { name: file.name, base64: toBase64(file.bytes) })).document;
      } catch (e) {
        return refuse(deps, `Could not import ${file.name}: ${firstLine((e as Error).message).replace(new RegExp(`^${escapeRe(file.name)}: `), '')}`);
      } finally {
        deps.ui.setBusy(null);
      }
      if (!(await deps.confirmDiscard('importing a model'))) return { kind: 'cancelled' };
      deps.docs.getState().loadDocument(document, { fileName: null, dirty: true });
      deps.ui.toast(`Imported ${file.name}: ${document.nodes.length} nodes`, 'success', 3000);
      deps.fitView();
      return { kind: 'onnx', name: file.name };
    }
    case 'csv': {
      const r = await deps.data.importCsv({ name: file.name, text: what.text, task: 'auto' });
      if (!r) return refuse(deps, `Could not import ${file.name} as a dataset: ${firstLine(deps.data.error() ?? 'the engine refused it')}`);
      useDataset(r, deps, false);
      deps.ui.toast(`Imported ${file.name} as a dataset${r.preview.numSamples !== undefined ? ` (${r.preview.numSamples} samples)` : ''}: training uses it now (Data panel)`, 'success', 5000);
      return { kind: 'csv', name: file.name };
    }
    case 'idx': {
      deps.ui.showDock('data');
      const other = what.role === 'images' ? 'labels' : 'images';
      const message = `${file.name} is an IDX ${what.role} file (${what.dims.join('×')}): open it together with its ${other} file (select or drop both), or use Import IDX in the Data panel`;
      deps.ui.toast(message, 'info', 10_000);
      return { kind: 'hint', message };
    }
  }
}

async function importIdxPair(images: { file: IncomingFile }, labels: { file: IncomingFile }, deps: OpenDeps): Promise<OpenOutcome> {
  const name = images.file.name.replace(/[-.]idx\d?-ubyte(\.gz)?$|\.gz$/i, '') || 'images';
  const r = await deps.data.importIdx({ name, images: toBase64(images.file.bytes), labels: toBase64(labels.file.bytes) });
  if (!r) return refuse(deps, `Could not import ${images.file.name} and ${labels.file.name}: ${firstLine(deps.data.error() ?? 'the engine refused them')}`);
  useDataset(r, deps, r.preview.featureShape.length === 2);
  deps.ui.toast(`Imported ${images.file.name} with ${labels.file.name} as a dataset: training uses it now (Data panel)`, 'success', 5000);
  return { kind: 'idx', name: images.file.name };
}

/** Train on an imported dataset: the document's training data (a new graph when none is open). */
function useDataset(r: ImportedData, deps: OpenDeps, images: boolean): void {
  const s = deps.docs.getState();
  if (!s.opened) s.newDocument();
  deps.docs.getState().setTraining({
    dataset: { name: r.ref.name, params: { ...r.ref.params } },
    testDataset: undefined,
    ...(images ? { normalize: 'scale255' as const } : {}),
  });
  deps.ui.showDock('data');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
