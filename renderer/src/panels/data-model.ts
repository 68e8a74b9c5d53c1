/**
 * The data store: the built-in datasets, the datasets imported in this session (CSV, IDX), and
 * the preview of the dataset the document trains on (one request per distinct dataset
 * reference, answered from a cache afterwards). Built by a factory over an EngineClient.
 *
 * The `data` slice of the app store (app-store.ts); `createDataStore` makes a store of this slice alone (tests).
 */
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { AppState } from '../store/app-store';
import { sliceApi } from '../store/slice';
import type { DatasetPreview, EngineClient, Params, Results } from '../../../engine/service/protocol';
import type { BuiltinDatasetInfo } from '../../../engine/data/builtin';

export interface DatasetRefLike {
  name: string;
  params: Record<string, string | number>;
}

export interface ImportedDataset {
  ref: DatasetRefLike;
  /** What the user picked (file name). */
  label: string;
  kind: 'csv' | 'idx';
  preview: DatasetPreview;
  warnings: string[];
}

export interface DataState {
  datasets: BuiltinDatasetInfo[] | null;
  datasetsError: string | null;
  imported: ImportedDataset[];
  /** The preview shown (for `previewKey`). */
  preview: DatasetPreview | null;
  previewKey: string | null;
  previewLoading: boolean;
  previewError: string | null;
  importing: boolean;
  importError: string | null;
  /** Fashion-MNIST files kept in the user data folder by this session's Import IDX (for the built-in `fashion-mnist`). */
  installed: Results['installFashionMnist'] | null;
}

export interface DataActions {
  loadDatasets(): Promise<void>;
  /** Make `preview` the preview of `ref` (cached). */
  ensurePreview(ref: DatasetRefLike | null | undefined): Promise<void>;
  importCsv(args: { name: string; text: string; label?: string | number; task: 'auto' | 'classification' | 'regression' }): Promise<ImportedDataset | null>;
  importIdx(args: { name: string; images: string; labels: string; classes?: 'digits' | 'fashion-mnist' }): Promise<ImportedDataset | null>;
  /** Keep four Fashion-MNIST IDX files (base64) in the user data folder; null (and `importError`) when refused. */
  installFashionMnist(files: Params<'installFashionMnist'>): Promise<Results['installFashionMnist'] | null>;
  clearImportError(): void;
  clearInstalled(): void;
}

export type DataStore = DataState & DataActions;

/** A stable key for a dataset reference (params in name order). */
export function datasetKey(ref: DatasetRefLike): string {
  const params = Object.keys(ref.params)
    .sort()
    .map((k) => [k, ref.params[k]]);
  return JSON.stringify([ref.name, params]);
}

/** Is this preview 2-D points (a scatter and a decision boundary make sense)? */
export function isTwoD(p: DatasetPreview | null | undefined): boolean {
  return !!p && p.featureShape.length === 1 && p.featureShape[0] === 2;
}
/** Is this preview images (featureShape H×W)? */
export function isImage(p: DatasetPreview | null | undefined): boolean {
  return !!p && p.featureShape.length === 2;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

type DataOptions = { rows?: number; images?: number };

/** The data slice's state and actions over `store` (its slice of the app store, or a store of its own). */
function dataState(client: EngineClient, options: DataOptions, store: StoreApi<DataStore>): DataStore {
  const set = (partial: Partial<DataStore>): void => store.setState(partial);
  const get = store.getState;
  const rows = options.rows ?? 20;
  const images = options.images ?? 48;
  const cache = new Map<string, DatasetPreview>();
  let wanted: string | null = null;
  let loadingDatasets: Promise<void> | null = null;

  return {
    datasets: null,
    datasetsError: null,
    imported: [],
    preview: null,
    previewKey: null,
    previewLoading: false,
    previewError: null,
    importing: false,
    importError: null,
    installed: null,

    loadDatasets() {
      loadingDatasets ??= client
        .request('listDatasets', {})
        .then((datasets) => set({ datasets, datasetsError: null }))
        .catch((e: unknown) => {
          loadingDatasets = null;
          set({ datasetsError: messageOf(e) });
        });
      return loadingDatasets;
    },

    async ensurePreview(ref) {
      if (!ref) {
        wanted = null;
        set({ preview: null, previewKey: null, previewLoading: false, previewError: null });
        return;
      }
      const key = datasetKey(ref);
      if (key === wanted) return;
      wanted = key;
      const hit = cache.get(key);
      if (hit) {
        set({ preview: hit, previewKey: key, previewLoading: false, previewError: null });
        return;
      }
      set({ previewLoading: true, previewError: null });
      try {
        const p = await client.request('datasetPreview', { dataset: ref, rows, images });
        cache.set(key, p);
        if (wanted === key) set({ preview: p, previewKey: key, previewLoading: false });
      } catch (e) {
        if (wanted === key) {
          wanted = null; // let the same reference be retried
          set({ preview: null, previewKey: key, previewLoading: false, previewError: messageOf(e) });
        }
      }
    },

    async importCsv({ name, text, label, task }) {
      set({ importing: true, importError: null });
      try {
        const r = await client.request('importCsv', { name, text, task, ...(label !== undefined ? { label } : {}) });
        const item: ImportedDataset = { ref: r.dataset, label: name, kind: 'csv', preview: r.preview, warnings: r.warnings };
        cache.set(datasetKey(r.dataset), r.preview);
        set({ imported: [...get().imported.filter((d) => d.ref.name !== r.dataset.name), item], importing: false });
        return item;
      } catch (e) {
        set({ importing: false, importError: messageOf(e) });
        return null;
      }
    },

    async importIdx({ name, images: img, labels, classes }) {
      set({ importing: true, importError: null });
      try {
        const r = await client.request('importIdx', { name, images: img, labels, ...(classes ? { classes } : {}) });
        const item: ImportedDataset = { ref: r.dataset, label: name, kind: 'idx', preview: r.preview, warnings: [] };
        // the import's preview has images but no table rows; fetch a full one when shown
        set({ imported: [...get().imported.filter((d) => d.ref.name !== r.dataset.name), item], importing: false });
        return item;
      } catch (e) {
        set({ importing: false, importError: messageOf(e) });
        return null;
      }
    },

    async installFashionMnist(files) {
      set({ importing: true, importError: null });
      try {
        const installed = await client.request('installFashionMnist', files);
        // the built-in's preview may have been cached from other files, or failed for want of any
        const builtin = (key: string | null): boolean => key !== null && key.startsWith('["fashion-mnist",');
        for (const key of [...cache.keys()]) if (builtin(key)) cache.delete(key);
        if (builtin(wanted)) wanted = null;
        set({ installed, importing: false });
        return installed;
      } catch (e) {
        set({ importing: false, importError: `Could not keep the files as Fashion-MNIST: ${messageOf(e)}` });
        return null;
      }
    },

    clearImportError() {
      set({ importError: null });
    },

    clearInstalled() {
      set({ installed: null });
    },
  };
}

export interface DataSlice {
  data: DataStore;
}

/** The app store's `data` slice. */
export function dataSlice(client: EngineClient, options: DataOptions = {}): StateCreator<AppState, [], [], DataSlice> {
  return (_set, _get, api) => ({ data: dataState(client, options, sliceApi(api, 'data')) });
}

/** A store of the data slice alone (tests). */
export function createDataStore(client: EngineClient, options: DataOptions = {}): StoreApi<DataStore> {
  return createStore<DataStore>()((_set, _get, api) => dataState(client, options, api));
}
