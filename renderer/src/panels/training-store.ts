/**
 * The app's training and data slices (app-store.ts) as the panels know them, with the engine
 * client handed to the app store. `useTrainingStore` carries the run the panels (and the editor,
 * for the NaN/Inf diagnostic on a node, and the status bar) show: runId, status, epoch, step,
 * history, backend, provider, diagnostic — those of the document on screen (each document keeps
 * its own, `byDoc`; the app store switches them when the document slice's `docId` changes).
 */
import type { StoreApi } from 'zustand';
import { engine } from '../engine-client';
import { appStore, provideEngine } from '../store/app-store';
import { boundHook, sliceApi } from '../store/slice';
import type { TrainingStore } from './training-model';
import type { DataStore } from './data-model';

provideEngine(engine);

export const trainingStore: StoreApi<TrainingStore> = sliceApi(appStore, 'training');
export const dataStore: StoreApi<DataStore> = sliceApi(appStore, 'data');

/** `useTrainingStore(selector)` in components; `useTrainingStore.getState()` elsewhere. */
export const useTrainingStore = boundHook(trainingStore);
export const useDataStore = boundHook(dataStore);

export type { TrainingStore, DataStore };
export { runOf, docOfRun, type TrainingRunState } from './training-model';
export type { TrainingStatus, TrainingDiagnostic } from './training-reducer';
