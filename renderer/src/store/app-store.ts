/**
 * The renderer's one store, made of slices (zustand's slices pattern): each slice is a
 * `StateCreator` in its own file with its own actions, under its own key:
 *
 *   document  the graph document, file, selection, undo history, validation (store/document-store.ts)
 *   ui        the app frame: theme, dialogs, dock, side panels, toasts (store/ui-store.ts)
 *   catalog   what the engine offers: node types, examples, backends (store/catalog-store.ts)
 *   training  training runs, per document in `byDoc` (panels/training-model.ts)
 *   data      datasets, imports, previews (panels/data-model.ts)
 *   backprop  Backprop mode and step-through sessions, per document in `byDoc` (backprop/backprop-store.ts)
 *   timeline  the training timeline of the document on screen's run: scrubbing, wire colours, Backprop mode at a checkpoint (panels/timeline-model.ts)
 *
 * A slice reads another one through the app's `get()` (the selectors below); the one
 * subscription here shows each document's own training run and backprop session when the
 * document on screen (`document.docId`) changes. The older per-store names (`documentStore`,
 * `useDocumentStore`, `uiStore`, `useTrainingStore`, …) are `sliceApi`/`boundHook` views of
 * their slice, so callers read and write the same one store.
 *
 * The store is made on first use (`appStore()`), and the engine client is handed over by
 * `provideEngine` (main.tsx, panels/training-store.ts): this module does not open a connection,
 * so tests that import a slice's file run without an engine.
 */
import { createStore, useStore, type StoreApi } from 'zustand';
import type { EngineClient, EventName, Events, Method, Params, Results } from '../../../engine/service/protocol';
import { documentSlice, type DocumentSlice } from './document-store';
import { uiSlice, type UiSlice } from './ui-store';
import { catalogSlice, type CatalogSlice } from './catalog-store';
import { trainingSlice, runOf, type TrainingRunState, type TrainingSlice } from '../panels/training-model';
import { dataSlice, type DataSlice } from '../panels/data-model';
import { backpropSlice, type BackpropSlice } from '../backprop/backprop-store';
import { timelineSlice, type TimelineSlice } from '../panels/timeline-model';

export type AppState = DocumentSlice & UiSlice & CatalogSlice & TrainingSlice & DataSlice & BackpropSlice & TimelineSlice;

// ---- selectors: reads across slices ----

/** The id of the document on screen. */
export const selectDocId = (s: AppState): string => s.document.docId;
/** A document's training run (an empty one when it has none). */
export const selectRun = (s: AppState, docId: string): TrainingRunState => runOf(s.training, docId);
/** The training run of the document on screen. */
export const selectCurrentRun = (s: AppState): TrainingRunState => selectRun(s, s.document.docId);
/**
 * The run whose weights a document's backprop session steps with: that document's own run, when
 * it has trained (finished, stopped or paused); null otherwise (the document's own weights).
 */
export function selectSessionRun(s: AppState, docId: string): string | null {
  const run = selectRun(s, docId);
  return run.runId && (run.status === 'done' || run.status === 'stopped' || run.status === 'paused') ? run.runId : null;
}

// ---- the store ----

export interface AppDeps {
  client: EngineClient;
}

/** A store of all the slices over an engine client (the app's is `appStore()`; tests may make their own). */
export function createAppStore(deps: AppDeps): StoreApi<AppState> {
  const store = createStore<AppState>()((...a) => {
    const document = documentSlice({})(...a);
    const docId = document.document.docId;
    return {
      ...document,
      ...uiSlice(...a),
      ...catalogSlice(...a),
      ...trainingSlice({ client: deps.client, docId })(...a),
      ...dataSlice(deps.client)(...a),
      ...backpropSlice({ client: deps.client, docId })(...a),
      ...timelineSlice(deps.client)(...a),
    };
  });
  // Leaving Backprop mode leaves the checkpoint it stepped through.
  store.subscribe((s, prev) => {
    if (s.backprop.mode !== 'backprop' && prev.backprop.mode === 'backprop') s.timeline.leaveBackprop();
  });
  // The document on screen changed: its own training run and backprop session are shown.
  store.subscribe((s, prev) => {
    if (s.document.docId === prev.document.docId) return;
    const docId = s.document.docId;
    store.getState().training.switchDocument(docId);
    store.getState().timeline.clear();
    store.getState().backprop.switchDocument(docId);
  });
  return store;
}

// ---- the app's instance, and its engine ----

let engineClient: EngineClient | null = null;
const waiting: { event: EventName; handler: (data: never) => void; off: (() => void) | null }[] = [];

function need(): EngineClient {
  if (!engineClient) throw new Error('the engine is not connected yet');
  return engineClient;
}

/** The client the app store's slices use: requests go to the engine once `provideEngine` has run. */
const lazyClient: EngineClient = {
  request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
    try {
      return need().request(method, params);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  },
  on<E extends EventName>(event: E, handler: (data: Events[E]) => void): () => void {
    const entry = { event, handler: handler as (data: never) => void, off: engineClient ? engineClient.on(event, handler) : null };
    waiting.push(entry);
    return () => {
      entry.off?.();
      entry.off = null;
      const i = waiting.indexOf(entry);
      if (i >= 0) waiting.splice(i, 1);
    };
  },
};

/** Hand the app store the engine client (once; later calls with the same client do nothing). */
export function provideEngine(client: EngineClient): void {
  if (engineClient === client) return;
  for (const w of waiting) w.off?.();
  engineClient = client;
  for (const w of waiting) w.off = client.on(w.event, w.handler as (data: Events[EventName]) => void);
}

let app: StoreApi<AppState> | null = null;

/** The app's one store (made on first use). */
export function appStore(): StoreApi<AppState> {
  return (app ??= createAppStore({ client: lazyClient }));
}

/** `useApp(selector)` in components. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(appStore(), selector);
}
