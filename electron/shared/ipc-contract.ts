/**
 * The ONE contract between Electron's main process, the preload bridge and the renderer:
 * channel names, the payload schemas main validates, the bridge's type, the app menu's commands
 * and the file kinds of the native dialogs. No Electron or Node import here: the preload bundles
 * the constants and the renderer may import the types and the menu description.
 */
import { z } from 'zod';
import type { ErrorInfo } from '../../engine/service/protocol';

/** The renderer is served from `app://bpstudio/` (a privileged, standard, secure custom scheme). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'bpstudio';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** IPC channels. `invoke` ones answer; `send` ones flow one way. */
export const CHANNELS = {
  /** invoke, renderer → main: `{ method, params }` → BridgeResponse (relayed to the engine process). */
  request: 'bpstudio:request',
  /** send, main → renderer: `{ event, data }` from the engine. */
  event: 'bpstudio:event',
  /** send, main → renderer: a menu command id. */
  command: 'bpstudio:command',
  /** invoke: `{ kind }` → FileResult<OpenedFile | null>. */
  openFile: 'bpstudio:open-file',
  /** invoke: `{ path }` (must be in the recent list) → FileResult<OpenedFile | null>. */
  openRecent: 'bpstudio:open-recent',
  /** invoke: SaveFileRequest → FileResult<SavedFile | null>. */
  saveFile: 'bpstudio:save-file',
  /** invoke: `{ action }`: a native editing command on the focused text field. */
  nativeEdit: 'bpstudio:native-edit',
  /** send, renderer → main: `{ dirty, path }` (title bar state, close confirmation). */
  documentState: 'bpstudio:document-state',
} as const;
export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

// ---------------------------------------------------------------------------------------------
// Files and dialogs

/** `any`: File ▸ Open, which takes every kind and tells them apart by content (read as base64). */
export const FILE_KINDS = ['document', 'graph', 'trained', 'onnx', 'csv', 'idx', 'pytorch', 'weights', 'any'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export interface FileKindInfo {
  /** Dialog title for opening. */
  openTitle: string;
  /** Filters offered by the native dialog, the first being the default. */
  filters: { name: string; extensions: string[] }[];
  /** Binary kinds travel as base64, the others as UTF-8 text. */
  binary: boolean;
  /** Extension given to a new file's suggested name when it has none. */
  defaultExtension: string;
}

const ALL_FILES = { name: 'All files', extensions: ['*'] };

export const FILE_KIND_INFO: Record<FileKind, FileKindInfo> = {
  document: {
    openTitle: 'Open a graph or trained model',
    filters: [{ name: 'Backprop Studio files (graph or trained model)', extensions: ['json'] }, ALL_FILES],
    binary: false,
    defaultExtension: 'json',
  },
  graph: { openTitle: 'Open a graph', filters: [{ name: 'Graph document', extensions: ['json'] }, ALL_FILES], binary: false, defaultExtension: 'json' },
  trained: { openTitle: 'Open a trained model', filters: [{ name: 'Trained model', extensions: ['json'] }, ALL_FILES], binary: false, defaultExtension: 'json' },
  onnx: { openTitle: 'Import an ONNX model', filters: [{ name: 'ONNX model', extensions: ['onnx'] }, ALL_FILES], binary: true, defaultExtension: 'onnx' },
  csv: { openTitle: 'Import a CSV table', filters: [{ name: 'CSV table', extensions: ['csv', 'tsv', 'txt'] }, ALL_FILES], binary: false, defaultExtension: 'csv' },
  idx: {
    // MNIST's files are named like `train-images-idx3-ubyte`, without an extension: offer all files too
    openTitle: 'Import an IDX file (MNIST format)',
    filters: [{ name: 'IDX files', extensions: ['idx', 'idx1-ubyte', 'idx3-ubyte', 'ubyte', 'gz'] }, ALL_FILES],
    binary: true,
    defaultExtension: 'idx',
  },
  // written by Export → PyTorch script (the script and its weights sidecar); never opened
  pytorch: { openTitle: 'Open a PyTorch script', filters: [{ name: 'PyTorch script', extensions: ['py'] }, ALL_FILES], binary: false, defaultExtension: 'py' },
  weights: { openTitle: 'Open weights', filters: [{ name: 'Weights (safetensors)', extensions: ['safetensors'] }, ALL_FILES], binary: true, defaultExtension: 'safetensors' },
  any: {
    openTitle: 'Open a graph, trained model, ONNX model or data file',
    filters: [
      { name: 'Files Backprop Studio opens', extensions: ['json', 'onnx', 'csv', 'tsv', 'txt', 'idx', 'ubyte', 'idx1-ubyte', 'idx3-ubyte', 'gz'] },
      ALL_FILES,
    ],
    binary: true,
    defaultExtension: 'json',
  },
};

/** The largest file the bridge reads or writes (the engine's own request limits are of this order). */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;

export interface OpenedFile {
  path: string;
  name: string;
  text?: string;
  base64?: string;
}
export interface SavedFile {
  path: string;
  name: string;
}
export type FileResult<T> = { ok: true; value: T } | { ok: false; error: { message: string; code: string } };


// (built in a pure-annotated closure so the preload's bundle, which needs none of them, drops zod)
export const payloadSchemas = /* @__PURE__ */ (() => {
  const fileKind = z.enum(FILE_KINDS);
  /** A file name without any directory part. */
  const bareName = z
    .string()
    .min(1)
    .max(255)
    .refine((s) => !/[/\\]/.test(s) && s !== '.' && s !== '..', 'a suggested name is a file name, without folders');
  return {
    request: z.object({ method: z.string().min(1).max(64), params: z.unknown().optional() }).strict(),
    openFile: z.object({ kind: fileKind }).strict(),
    openRecent: z.object({ path: z.string().min(1).max(4096) }).strict(),
    saveFile: z
      .object({
        path: z.string().min(1).max(4096).optional(),
        suggestedName: bareName,
        kind: fileKind.optional(),
        text: z.string().max(MAX_FILE_BYTES).optional(),
        base64: z.string().max(Math.ceil((MAX_FILE_BYTES * 4) / 3) + 4).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64').optional(),
      })
      .strict()
      .refine((v) => (v.text === undefined) !== (v.base64 === undefined), 'give exactly one of text and base64'),
    nativeEdit: z.object({ action: z.enum(['undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'selectAll']) }).strict(),
    documentState: z.object({ dirty: z.boolean(), path: z.string().max(4096).nullable() }).strict(),
  } as const;
})();

export type SaveFileRequest = z.input<typeof payloadSchemas.saveFile>;
export type NativeEditAction = z.infer<typeof payloadSchemas.nativeEdit>['action'];
export type DocumentState = z.infer<typeof payloadSchemas.documentState>;

// ---------------------------------------------------------------------------------------------
// Menu commands

export const COMMAND_IDS = [
  'new', 'new-from-template', 'open', 'save', 'save-as', 'save-without-weights', 'import-onnx', 'export-onnx', 'export-pytorch',
  'undo', 'redo', 'cut', 'copy', 'paste', 'delete', 'select-all',
  'fit', 'zoom-in', 'zoom-out', 'toggle-panels', 'toggle-palette', 'toggle-inspector', 'toggle-dock',
  'examples', 'shortcuts', 'about',
] as const;
export type PlainCommandId = (typeof COMMAND_IDS)[number];
/** A command the renderer runs: one of COMMAND_IDS or `open-recent:<absolute path>`. */
export type CommandId = PlainCommandId | `open-recent:${string}`;

export const OPEN_RECENT_PREFIX = 'open-recent:';

export function isCommandId(id: unknown): id is CommandId {
  if (typeof id !== 'string') return false;
  if (id.startsWith(OPEN_RECENT_PREFIX)) return id.length > OPEN_RECENT_PREFIX.length;
  return (COMMAND_IDS as readonly string[]).includes(id);
}

/** Edit commands that act on a focused text field natively instead of on the canvas. */
export const NATIVE_EDIT_COMMANDS: Partial<Record<PlainCommandId, NativeEditAction>> = {
  undo: 'undo', redo: 'redo', cut: 'cut', copy: 'copy', paste: 'paste', delete: 'delete', 'select-all': 'selectAll',
};

export interface MenuCommandItem {
  command: PlainCommandId;
  label: string;
  /** Electron accelerator syntax (`CmdOrCtrl+Shift+S`); per-platform where conventions differ. */
  accelerator?: string | { mac: string; other: string };
  /** Shown in the menu but not grabbed from the page (so the key still reaches text fields). */
  displayOnly?: boolean;
}
export type MenuEntry = MenuCommandItem | { separator: true } | { special: 'recent' | 'quit' };
export interface MenuSection {
  id: 'file' | 'edit' | 'view' | 'help';
  label: string;
  items: MenuEntry[];
}

/**
 * The app menu. Electron builds its native menu from this; web mode's in-page menu bar can render
 * the same list (skipping `special` entries, which only the desktop has).
 */
export const APP_MENU: MenuSection[] = [
  {
    id: 'file',
    label: 'File',
    items: [
      { command: 'new', label: 'New', accelerator: 'CmdOrCtrl+N' },
      { command: 'new-from-template', label: 'New from Template…' },
      { command: 'open', label: 'Open…', accelerator: 'CmdOrCtrl+O' },
      { special: 'recent' },
      { separator: true },
      { command: 'save', label: 'Save', accelerator: 'CmdOrCtrl+S' },
      { command: 'save-as', label: 'Save As…', accelerator: 'CmdOrCtrl+Shift+S' },
      { command: 'save-without-weights', label: 'Save Without Weights…' },
      { separator: true },
      { command: 'import-onnx', label: 'Import ONNX…', accelerator: 'CmdOrCtrl+I' },
      { command: 'export-onnx', label: 'Export ONNX…', accelerator: 'CmdOrCtrl+E' },
      { command: 'export-pytorch', label: 'Export PyTorch Script…' },
      { separator: true },
      { special: 'quit' },
    ],
  },
  {
    id: 'edit',
    label: 'Edit',
    items: [
      { command: 'undo', label: 'Undo', accelerator: 'CmdOrCtrl+Z' },
      { command: 'redo', label: 'Redo', accelerator: { mac: 'Cmd+Shift+Z', other: 'Ctrl+Y' } },
      { separator: true },
      { command: 'cut', label: 'Cut', accelerator: 'CmdOrCtrl+X' },
      { command: 'copy', label: 'Copy', accelerator: 'CmdOrCtrl+C' },
      { command: 'paste', label: 'Paste', accelerator: 'CmdOrCtrl+V' },
      { command: 'delete', label: 'Delete', accelerator: 'Delete', displayOnly: true },
      { separator: true },
      { command: 'select-all', label: 'Select All', accelerator: 'CmdOrCtrl+A' },
    ],
  },
  {
    id: 'view',
    label: 'View',
    items: [
      { command: 'fit', label: 'Fit to Window', accelerator: 'CmdOrCtrl+0' },
      { command: 'zoom-in', label: 'Zoom In', accelerator: 'CmdOrCtrl+=' },
      { command: 'zoom-out', label: 'Zoom Out', accelerator: 'CmdOrCtrl+-' },
      { separator: true },
      { command: 'toggle-panels', label: 'Toggle Panels', accelerator: 'CmdOrCtrl+B' },
      { command: 'toggle-palette', label: 'Toggle Node Palette', accelerator: 'CmdOrCtrl+Alt+P' },
      { command: 'toggle-inspector', label: 'Toggle Inspector', accelerator: 'CmdOrCtrl+Alt+I' },
      { command: 'toggle-dock', label: 'Toggle Bottom Panels', accelerator: 'CmdOrCtrl+J' },
    ],
  },
  {
    id: 'help',
    label: 'Help',
    items: [
      { command: 'examples', label: 'Examples' },
      { command: 'shortcuts', label: 'Keyboard Shortcuts', accelerator: 'CmdOrCtrl+/' },
      { separator: true },
      { command: 'about', label: 'About Backprop Studio' },
    ],
  },
];

// ---------------------------------------------------------------------------------------------
// The bridge

export type BridgeResponse = { ok: true; result: unknown } | { ok: false; error: ErrorInfo };

/**
 * What the preload exposes as `window.bpstudio`. File calls resolve to null when the user
 * cancels and reject with a readable message when the file cannot be read or written.
 */
export interface BpStudioBridge {
  request(method: string, params: unknown): Promise<BridgeResponse>;
  onEvent(handler: (event: string, data: unknown) => void): () => void;
  /** Menu commands; edit commands aimed at a focused text field are handled natively and not delivered. */
  onCommand(handler: (id: CommandId) => void): () => void;
  openFileDialog(kind: FileKind): Promise<OpenedFile | null>;
  /** Reopen a file from File ▸ Open Recent (the id `open-recent:<path>` carries the path). */
  openRecent(path: string): Promise<OpenedFile | null>;
  /** Write to `path` when the user opened or saved that file in this session, else ask with a Save dialog. */
  saveFile(request: SaveFileRequest): Promise<SavedFile | null>;
  /** The document's state, for the title bar and the close confirmation. */
  setDocumentState(state: DocumentState): void;
  readonly platform: string;
}
