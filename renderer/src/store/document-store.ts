/**
 * The document store: the graph document the canvas edits, its file, selection, undo history,
 * clipboard and the engine's last validation of it.
 *
 * Every document change is an action that declares whether it enters the undo history
 * (Excalidraw's `captureUpdate`): `perform` is pure over the state and returns the change, so
 * a multi-node operation (paste, duplicate, delete, auto-layout, a drag of several nodes) is
 * ONE undo step. Selection changes never enter history. After each document change the
 * document is validated by the engine (debounced); the diagnostics and edge shapes are kept.
 *
 * The `document` slice of the app store (app-store.ts), with separate State and Actions types.
 * `documentStore` (a StoreApi over the slice, for non-React code) and `useDocumentStore` (the
 * React hook, with getState/setState/subscribe) are views of the one store; `createDocumentStore`
 * makes a store of this slice alone (tests).
 */
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { GraphDocument, TrainingSettings } from '../../../engine/graph/document';
import type { Diagnostic } from '../../../engine/graph/validate';
import type { EngineClient, ValidateResult } from '../../../engine/service/protocol';
import type { NodeTypeMap } from '../lib/node-types';
import { appStore, type AppState } from './app-store';
import { boundHook, sliceApi } from './slice';
import { connectionProblem } from '../canvas/connection-problem';
import {
  EMPTY_SELECTION, addNode, connect, copyFragment, emptyDocument, moveNodes, pasteFragment, pruneSelection, removeElements,
  sameSelection, setDocumentInfo, setLabel, setParam, setTraining, type ConnectionSpec, type Fragment, type Selection, type XY,
} from './graph-ops';
import type { TrainedModelLike } from './load-file';

export type { Selection, Fragment, XY, ConnectionSpec, TrainedModelLike };

export type FileKind = 'graph' | 'trained';

export interface HistoryEntry {
  /** What the step did, e.g. `Add Linear` (shown as Undo Add Linear). */
  label: string;
  document: GraphDocument;
  selection: Selection;
}

export type ValidationState = 'idle' | 'pending' | 'done' | 'offline';

export interface DocumentState {
  /**
   * Which document this is, for the state other stores keep per document (training runs,
   * charts, inference, backprop sessions): a new one for New; for an open, one made of where
   * it comes from (the file's path or name) and its content, so that opening the same file or
   * example again in this session gives its earlier id back, and nothing else does.
   */
  docId: string;
  document: GraphDocument;
  /** False until New, Open, an example or a restore: the start screen shows. */
  opened: boolean;
  /** The file's name (`xor.json`), null before the first save. */
  fileName: string | null;
  /** The file's path where the shell knows one (Electron). */
  filePath: string | null;
  /** What Save writes: a graph document, or a trained-model file with its weights. */
  fileKind: FileKind;
  /** The trained-model file this document came from (weights for the inspector, training resume). */
  trained: TrainedModelLike | null;
  /** The document as last saved or opened; null when it was never saved (or was repaired on open). */
  savedDocument: GraphDocument | null;
  dirty: boolean;
  selection: Selection;
  /** The engine's last validation of the document (kept while a newer one is in flight). */
  validation: ValidateResult | null;
  validationState: ValidationState;
  /** Why validation could not run (the engine is unreachable). */
  validationError: string | null;
  /** Problems with the file as it was read (schema issues with JSON paths). */
  loadIssues: Diagnostic[];
  past: HistoryEntry[];
  future: HistoryEntry[];
  clipboard: Fragment | null;
  /** How many times the clipboard was pasted (each paste lands a step further). */
  pasteCount: number;
  /** Increases with every document change. */
  revision: number;
}

export interface LoadOptions {
  /** The document's identity in this session (`docId`), when the caller knows better than the file name and content. */
  key?: string | null;
  fileName?: string | null;
  filePath?: string | null;
  fileKind?: FileKind;
  trained?: TrainedModelLike | null;
  issues?: Diagnostic[];
  /** The document differs from the file (repaired or migrated): it starts dirty. */
  dirty?: boolean;
}

export type ConnectResult = { ok: true; id: string } | { ok: false; reason: string };

export interface DocumentActions {
  // files (reset history)
  newDocument(name?: string): void;
  loadDocument(doc: GraphDocument, options?: LoadOptions): void;
  markSaved(file: { fileName: string; filePath?: string | null; fileKind?: FileKind; trained?: TrainedModelLike | null }): void;
  setTrained(trained: TrainedModelLike | null): void;
  dismissLoadIssues(): void;
  // document changes (undoable, one step each)
  addNode(type: string, position: XY, options?: { label?: string; params?: Record<string, unknown>; select?: boolean }): string;
  deleteSelection(): void;
  deleteElements(sel: Partial<Selection>): void;
  moveNodes(positions: Readonly<Record<string, XY>>, label?: string): void;
  connect(c: ConnectionSpec): ConnectResult;
  disconnect(edgeIds: readonly string[]): void;
  setParam(nodeId: string, name: string, value: unknown): void;
  setLabel(nodeId: string, label: string): void;
  setTraining(partial: Partial<TrainingSettings>): void;
  setDocumentInfo(info: { name?: string; description?: string }): void;
  applyLayout(positions: Readonly<Record<string, XY>>): void;
  cutSelection(): Fragment | null;
  paste(fragment?: Fragment | null): void;
  duplicateSelection(): void;
  undo(): void;
  redo(): void;
  // not in history
  copySelection(): Fragment | null;
  select(sel: Partial<Selection>): void;
  selectAll(): void;
  clearSelection(): void;
  // engine
  attachEngine(client: EngineClient): void;
  /** Validate now (the debounced validation calls this); resolves when the answer is in. */
  revalidate(): Promise<void>;
}

export type DocumentStore = DocumentState & DocumentActions;

export interface DocumentStoreDeps {
  client?: EngineClient | null;
  /** Debounce of validation after a change, in ms. */
  validateDelayMs?: number;
  historyLimit?: number;
  /** Node types for connection checks (default: the catalog store's). */
  nodeTypes?: () => NodeTypeMap;
}

type AddOptions = { label?: string; params?: Record<string, unknown>; select?: boolean };

/** A change an action makes; `null` means it did nothing (no history step). */
interface Change {
  document?: GraphDocument;
  selection?: Selection;
  clipboard?: Fragment | null;
  pasteCount?: number;
}

/** An action: a pure `perform` and whether it enters the undo history. */
interface ActionDef<A extends unknown[]> {
  label: string | ((...args: A) => string);
  /** `true`: the change is one undo step; `false`: it never enters history. */
  captureHistory: boolean;
  perform(state: DocumentState, ...args: A): Change | null;
}

function defineAction<A extends unknown[]>(def: ActionDef<A>): ActionDef<A> {
  return def;
}

const PASTE_STEP = 40;

let docSeq = 0;
/** A fresh document id (New). */
export function freshDocId(): string {
  return `doc-${++docSeq}`;
}

/** FNV-1a over the text, with its length: a document's content in a few characters. */
function contentHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${(h >>> 0).toString(36)}.${text.length.toString(36)}`;
}

/** The id of an opened document: the same file (path, else name) with the same content is the same document. */
export function openedDocId(doc: GraphDocument, options: Pick<LoadOptions, 'key' | 'fileName' | 'filePath'> = {}): string {
  if (options.key) return `key:${options.key}`;
  const where = options.filePath ?? options.fileName ?? '';
  return `open:${where}:${contentHash(JSON.stringify(doc))}`;
}

/** The document slice's state and actions over `store` (its slice of the app store, or a store of its own). */
function documentState(deps: DocumentStoreDeps, store: StoreApi<DocumentStore>, defaultNodeTypes: () => NodeTypeMap): DocumentStore {
  let client = deps.client ?? null;
  const delay = deps.validateDelayMs ?? 200;
  const limit = deps.historyLimit ?? 200;
  const nodeTypes = deps.nodeTypes ?? defaultNodeTypes;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  const set = (partial: Partial<DocumentStore>): void => store.setState(partial);
  const get = store.getState;

  const initial = emptyDocument();

  const state = ((): DocumentStore => {
    /** Run an action: apply its change, and record one undo step when it declares so. */
    function run<A extends unknown[]>(def: ActionDef<A>, ...args: A): Change | null {
      const s = get();
      const change = def.perform(s, ...args);
      if (!change) return null;
      const docChanged = change.document !== undefined && change.document !== s.document;
      const next: Partial<DocumentState> = {};
      if (docChanged) {
        next.document = change.document!;
        next.revision = s.revision + 1;
        next.dirty = s.savedDocument === null || change.document !== s.savedDocument;
        next.opened = true;
        if (def.captureHistory) {
          const label = typeof def.label === 'function' ? def.label(...args) : def.label;
          next.past = [...s.past, { label, document: s.document, selection: s.selection }].slice(-limit);
          next.future = [];
        }
      }
      if (change.selection && !sameSelection(change.selection, s.selection)) next.selection = change.selection;
      if (change.clipboard !== undefined) next.clipboard = change.clipboard;
      if (change.pasteCount !== undefined) next.pasteCount = change.pasteCount;
      if (Object.keys(next).length > 0) set(next);
      return change;
    }

    const A = {
      addNode: defineAction({
        label: (type: string, _p: XY, _o?: AddOptions) => `Add ${nodeTypes().get(type)?.label ?? type}`,
        captureHistory: true,
        perform: (s: DocumentState, type: string, position: XY, options?: AddOptions) => {
          const r = addNode(s.document, { type, position, ...(options?.label ? { label: options.label } : {}), ...(options?.params ? { params: options.params } : {}) });
          return { document: r.document, ...(options?.select === false ? {} : { selection: { nodes: [r.id], edges: [] } }) };
        },
      }),
      deleteElements: defineAction({
        label: (sel: Partial<Selection>) => ((sel.nodes?.length ?? 0) + (sel.edges?.length ?? 0) > 1 ? 'Delete selection' : (sel.nodes?.length ?? 0) > 0 ? 'Delete node' : 'Delete edge'),
        captureHistory: true,
        perform: (s: DocumentState, sel: Partial<Selection>) => {
          const document = removeElements(s.document, { nodes: sel.nodes ?? [], edges: sel.edges ?? [] });
          return document === s.document ? null : { document, selection: pruneSelection(document, s.selection) };
        },
      }),
      moveNodes: defineAction({
        label: (positions: Readonly<Record<string, XY>>, label?: string) => label ?? (Object.keys(positions).length > 1 ? 'Move nodes' : 'Move node'),
        captureHistory: true,
        perform: (s: DocumentState, positions: Readonly<Record<string, XY>>, _label?: string) => {
          const document = moveNodes(s.document, positions);
          return document === s.document ? null : { document };
        },
      }),
      connect: defineAction({
        label: 'Connect',
        captureHistory: true,
        perform: (s: DocumentState, c: ConnectionSpec) => {
          const r = connect(s.document, c);
          return { document: r.document, selection: { nodes: [], edges: [] } };
        },
      }),
      setParam: defineAction({
        label: (id: string, name: string, _v: unknown) => {
          const node = get().document.nodes.find((n) => n.id === id);
          return `Change ${(node && nodeTypes().get(node.type)?.params[name]?.label) || name}`;
        },
        captureHistory: true,
        perform: (s: DocumentState, nodeId: string, name: string, value: unknown) => ({ document: setParam(s.document, nodeId, name, value) }),
      }),
      setLabel: defineAction({
        label: 'Rename node',
        captureHistory: true,
        perform: (s: DocumentState, nodeId: string, label: string) => ({ document: setLabel(s.document, nodeId, label) }),
      }),
      setTraining: defineAction({
        label: 'Change training settings',
        captureHistory: true,
        perform: (s: DocumentState, partial: Partial<TrainingSettings>) => ({ document: setTraining(s.document, partial) }),
      }),
      setDocumentInfo: defineAction({
        label: 'Rename document',
        captureHistory: true,
        perform: (s: DocumentState, info: { name?: string; description?: string }) => ({ document: setDocumentInfo(s.document, info) }),
      }),
      cut: defineAction({
        label: 'Cut',
        captureHistory: true,
        perform: (s: DocumentState) => {
          const fragment = copyFragment(s.document, s.selection);
          if (!fragment) return null;
          const document = removeElements(s.document, s.selection);
          return { document, selection: EMPTY_SELECTION, clipboard: fragment, pasteCount: 0 };
        },
      }),
      paste: defineAction({
        label: (_f: Fragment, _count: number, label?: string) => label ?? 'Paste',
        captureHistory: true,
        perform: (s: DocumentState, fragment: Fragment, count: number, _label?: string) => {
          const r = pasteFragment(s.document, fragment, { x: PASTE_STEP * count, y: PASTE_STEP * count });
          if (r.nodes.length === 0) return null;
          return { document: r.document, selection: { nodes: r.nodes, edges: r.edges } };
        },
      }),
      select: defineAction({
        label: 'Select',
        captureHistory: false,
        perform: (s: DocumentState, sel: Partial<Selection>) => ({ selection: pruneSelection(s.document, { nodes: sel.nodes ?? [], edges: sel.edges ?? [] }) }),
      }),
    };

    function restore(from: 'past' | 'future'): void {
      const s = get();
      const stack = s[from];
      const entry = stack[stack.length - 1];
      if (!entry) return;
      const current: HistoryEntry = { label: entry.label, document: s.document, selection: s.selection };
      const rest = stack.slice(0, -1);
      set({
        document: entry.document,
        selection: pruneSelection(entry.document, entry.selection),
        revision: s.revision + 1,
        dirty: s.savedDocument === null || entry.document !== s.savedDocument,
        ...(from === 'past' ? { past: rest, future: [...s.future, current] } : { future: rest, past: [...s.past, current] }),
      });
    }

    return {
      docId: freshDocId(),
      document: initial,
      opened: false,
      fileName: null,
      filePath: null,
      fileKind: 'graph',
      trained: null,
      savedDocument: initial,
      dirty: false,
      selection: EMPTY_SELECTION,
      validation: null,
      validationState: 'idle',
      validationError: null,
      loadIssues: [],
      past: [],
      future: [],
      clipboard: null,
      pasteCount: 0,
      revision: 0,

      newDocument(name = 'Untitled') {
        const doc = emptyDocument(name);
        set({
          docId: freshDocId(), document: doc, opened: true, fileName: null, filePath: null, fileKind: 'graph', trained: null, savedDocument: doc, dirty: false,
          selection: EMPTY_SELECTION, validation: null, loadIssues: [], past: [], future: [], revision: get().revision + 1,
        });
      },
      loadDocument(doc, options = {}) {
        const dirty = options.dirty ?? false;
        set({
          docId: openedDocId(doc, options),
          document: doc,
          opened: true,
          fileName: options.fileName ?? null,
          filePath: options.filePath ?? null,
          fileKind: options.fileKind ?? (options.trained ? 'trained' : 'graph'),
          trained: options.trained ?? null,
          savedDocument: dirty ? null : doc,
          dirty,
          selection: EMPTY_SELECTION,
          validation: null,
          validationError: null,
          loadIssues: options.issues ?? [],
          past: [],
          future: [],
          pasteCount: 0,
          revision: get().revision + 1,
        });
      },
      markSaved(file) {
        const s = get();
        set({
          fileName: file.fileName,
          filePath: file.filePath ?? null,
          fileKind: file.fileKind ?? s.fileKind,
          ...(file.trained !== undefined ? { trained: file.trained } : {}),
          savedDocument: s.document,
          dirty: false,
        });
      },
      setTrained(trained) {
        set({ trained });
      },
      dismissLoadIssues() {
        set({ loadIssues: [] });
      },

      addNode(type, position, options) {
        const before = get().document;
        run(A.addNode, type, position, options);
        const after = get().document;
        return after === before ? '' : after.nodes[after.nodes.length - 1]!.id;
      },
      deleteSelection() {
        const s = get();
        run(A.deleteElements, { nodes: s.selection.nodes, edges: s.selection.edges });
      },
      deleteElements(sel) {
        run(A.deleteElements, sel);
      },
      moveNodes(positions, label) {
        run(A.moveNodes, positions, label);
      },
      connect(c) {
        const s = get();
        const reason = connectionProblem(s.document, nodeTypes(), { source: c.source, target: c.target, sourceHandle: c.sourcePort, targetHandle: c.targetPort });
        if (reason) return { ok: false, reason };
        run(A.connect, c);
        const doc = get().document;
        return { ok: true, id: doc.edges[doc.edges.length - 1]!.id };
      },
      disconnect(edgeIds) {
        run(A.deleteElements, { nodes: [], edges: edgeIds });
      },
      setParam(nodeId, name, value) {
        run(A.setParam, nodeId, name, value);
      },
      setLabel(nodeId, label) {
        run(A.setLabel, nodeId, label);
      },
      setTraining(partial) {
        run(A.setTraining, partial);
      },
      setDocumentInfo(info) {
        run(A.setDocumentInfo, info);
      },
      applyLayout(positions) {
        run(A.moveNodes, positions, 'Auto layout');
      },
      copySelection() {
        const s = get();
        const fragment = copyFragment(s.document, s.selection);
        if (fragment) set({ clipboard: fragment, pasteCount: 0 });
        return fragment;
      },
      cutSelection() {
        const change = run(A.cut);
        return change?.clipboard ?? null;
      },
      paste(fragment) {
        const s = get();
        const f = fragment ?? s.clipboard;
        if (!f) return;
        // a fragment from elsewhere (the system clipboard) that is not ours lands at offset 1 too
        const count = fragment && fragment !== s.clipboard ? 1 : s.pasteCount + 1;
        if (run(A.paste, f, count)) set({ pasteCount: fragment && fragment !== s.clipboard ? s.pasteCount : count });
      },
      duplicateSelection() {
        const s = get();
        const fragment = copyFragment(s.document, s.selection);
        if (fragment) run(A.paste, fragment, 1, 'Duplicate');
      },
      undo() {
        restore('past');
      },
      redo() {
        restore('future');
      },
      select(sel) {
        run(A.select, sel);
      },
      selectAll() {
        const s = get();
        run(A.select, { nodes: s.document.nodes.map((n) => n.id), edges: s.document.edges.map((e) => e.id) });
      },
      clearSelection() {
        if (get().selection.nodes.length + get().selection.edges.length > 0) set({ selection: EMPTY_SELECTION });
      },

      attachEngine(c) {
        client = c;
        void get().revalidate();
      },
      async revalidate() {
        if (timer !== null) {
          clearTimeout(timer);
          timer = null;
        }
        if (!client) return;
        const mine = ++seq;
        const doc = get().document;
        set({ validationState: 'pending' });
        try {
          const result = await client.request('validate', { document: doc as unknown as Record<string, unknown> });
          if (mine !== seq) return;
          set({ validation: result, validationState: 'done', validationError: null });
        } catch (e) {
          if (mine !== seq) return;
          const err = e as { code?: string; message?: string; diagnostics?: Diagnostic[] };
          if (err.code) {
            // the engine answered: the document itself is at fault
            set({
              validation: {
                ok: false,
                diagnostics: err.diagnostics?.length ? err.diagnostics : [{ severity: 'error', code: err.code, message: err.message ?? 'the engine refused the document' }],
                edgeShapes: {},
                parameterCounts: {},
                followed: {},
              },
              validationState: 'done',
              validationError: null,
            });
          } else {
            set({ validationState: 'offline', validationError: err.message ?? String(e) });
          }
        }
      },
    };
  })();

  // Re-validate after every document change (debounced); stale answers are dropped by `seq`.
  store.subscribe((state, prev) => {
    if (state.document === prev.document || !client) return;
    if (timer !== null) clearTimeout(timer);
    seq++; // an answer for an older document no longer applies
    timer = setTimeout(() => {
      timer = null;
      void store.getState().revalidate();
    }, delay);
  });

  return state;
}

export interface DocumentSlice {
  document: DocumentStore;
}

/** The app store's `document` slice (node types from the `catalog` slice unless `deps` says). */
export function documentSlice(deps: DocumentStoreDeps = {}): StateCreator<AppState, [], [], DocumentSlice> {
  return (_set, get, api) => ({ document: documentState(deps, sliceApi(api, 'document'), () => get().catalog.byType) });
}

/** A store of the document slice alone (tests); node types from the app's catalog unless `deps` says. */
export function createDocumentStore(deps: DocumentStoreDeps = {}): StoreApi<DocumentStore> {
  return createStore<DocumentStore>()((_set, _get, api) => documentState(deps, api, () => appStore().getState().catalog.byType));
}

/** The app's document slice, as a store of its own (getState/setState/subscribe). */
export const documentStore: StoreApi<DocumentStore> = sliceApi(appStore, 'document');

/** `useDocumentStore(selector)` in components; `useDocumentStore.getState()` elsewhere. */
export const useDocumentStore = boundHook(documentStore);
