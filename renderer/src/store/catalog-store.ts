/**
 * What the engine offers, fetched once: node types (palette, node faces, inspector, connection
 * checks), examples, and the engine's hello (version, backends). No engine import here: the
 * client is handed over by `load`, so tests use a fake one.
 *
 * The `catalog` slice of the app store (app-store.ts); `catalogStore` and `useCatalog` are views of it.
 */
import { createStore, useStore, type StateCreator, type StoreApi } from 'zustand';
import { appStore, type AppState } from './app-store';
import { sliceApi } from './slice';
import type { BackendInfo, EngineClient, NodeTypeInfo, Results } from '../../../engine/service/protocol';
import { typeMap, type NodeTypeMap } from '../lib/node-types';

export type ExampleInfo = Results['listExamples'][number];

export interface CatalogState {
  status: 'loading' | 'ready' | 'offline';
  error: string | null;
  nodeTypes: NodeTypeInfo[];
  byType: NodeTypeMap;
  examples: ExampleInfo[];
  appVersion: string | null;
  backends: BackendInfo[];
}

export interface CatalogActions {
  load(client: EngineClient): Promise<void>;
  /** Tests and offline fallbacks. */
  setNodeTypes(types: NodeTypeInfo[]): void;
}

export type CatalogStore = CatalogState & CatalogActions;

export interface CatalogSlice {
  catalog: CatalogStore;
}

function catalogState(store: StoreApi<CatalogStore>): CatalogStore {
  const set = (partial: Partial<CatalogStore>): void => store.setState(partial);
  return {
    status: 'loading',
    error: null,
    nodeTypes: [],
    byType: new Map(),
    examples: [],
    appVersion: null,
    backends: [],
    async load(client) {
      set({ status: 'loading', error: null });
      try {
        const [hello, types, examples] = await Promise.all([
          client.request('hello', { client: 'renderer' }),
          client.request('listNodeTypes', {}),
          client.request('listExamples', {}),
        ]);
        set({ status: 'ready', nodeTypes: types, byType: typeMap(types), examples, appVersion: hello.appVersion, backends: hello.backends });
      } catch (e) {
        set({ status: 'offline', error: e instanceof Error ? e.message : String(e) });
      }
    },
    setNodeTypes(types) {
      set({ nodeTypes: types, byType: typeMap(types), status: 'ready' });
    },
  };
}

/** The app store's `catalog` slice. */
export const catalogSlice: StateCreator<AppState, [], [], CatalogSlice> = (_set, _get, api) => ({ catalog: catalogState(sliceApi(api, 'catalog')) });

/** A store of the catalog slice alone (tests). */
export function createCatalogStore(): StoreApi<CatalogStore> {
  return createStore<CatalogStore>()((_set, _get, api) => catalogState(api));
}

/** The app's catalog slice, as a store of its own. */
export const catalogStore: StoreApi<CatalogStore> = sliceApi(appStore, 'catalog');

export function useCatalog<T>(selector: (s: CatalogStore) => T): T {
  return useStore(catalogStore, selector);
}
