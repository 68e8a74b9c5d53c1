/**
 * What the engine offers, fetched once: node types (palette, node faces, inspector, connection
 * checks), examples, and the engine's hello (version, backends). No engine import here: the
 * client is handed over by `loadCatalog`, so tests use a fake one.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { useStore } from 'zustand';
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

export function createCatalogStore(): StoreApi<CatalogStore> {
  return createStore<CatalogStore>()((set) => ({
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
  }));
}

export const catalogStore = createCatalogStore();

export function useCatalog<T>(selector: (s: CatalogStore) => T): T {
  return useStore(catalogStore, selector);
}
