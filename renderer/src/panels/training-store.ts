/**
 * The app's training and data stores, wired to the engine client and the document store.
 * `useTrainingStore` carries the run the panels (and the editor, for the NaN/Inf diagnostic on
 * a node, and the status bar) show: runId, status, epoch, step, history, backend, provider,
 * diagnostic — those of the document on screen (each document keeps its own, `byDoc`).
 */
import { useStore } from 'zustand';
import { engine } from '../engine-client';
import { createTrainingStore, type TrainingStore } from './training-model';
import { createDataStore, type DataStore } from './data-model';
import { currentDocument } from './document-bridge';
import { documentStore } from '../store/document-store';

export const trainingStore = createTrainingStore({ client: engine, getDocument: currentDocument, docId: documentStore.getState().docId });
export const dataStore = createDataStore(engine);

// The run shown is the one of the document on screen: opening another document shows its own
// (none yet), going back to one shows its run again.
documentStore.subscribe((s, prev) => {
  if (s.docId !== prev.docId) trainingStore.getState().switchDocument(s.docId);
});

type Bound<S> = {
  (): S;
  <T>(selector: (state: S) => T): T;
  getState(): S;
  setState(partial: Partial<S>): void;
  subscribe(listener: (state: S, previous: S) => void): () => void;
};

function bind<S>(api: ReturnType<typeof createTrainingStore> | ReturnType<typeof createDataStore>): Bound<S> {
  const hook = (<T>(selector?: (state: S) => T) =>
    useStore(api as never, (selector ?? ((s: S) => s)) as never)) as Bound<S>;
  hook.getState = api.getState as () => S;
  hook.setState = api.setState as (p: Partial<S>) => void;
  hook.subscribe = api.subscribe as Bound<S>['subscribe'];
  return hook;
}

/** `useTrainingStore(selector)` in components; `useTrainingStore.getState()` elsewhere. */
export const useTrainingStore = bind<TrainingStore>(trainingStore);
export const useDataStore = bind<DataStore>(dataStore);

export type { TrainingStore, DataStore };
export { runOf, docOfRun, type TrainingRunState } from './training-model';
export type { TrainingStatus, TrainingDiagnostic } from './training-reducer';
