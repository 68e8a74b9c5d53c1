/**
 * Helpers for the app store's slices (app-store.ts): a slice's state lives under its own key of
 * the one store (`s.document`, `s.training`, …), and `sliceApi` gives a slice (and the code
 * that used to own a store of its own) a `StoreApi` over that key: `getState` reads the slice,
 * `setState` merges into it, `subscribe` hears only its changes. `boundHook` makes the React
 * hook with `getState`/`setState`/`subscribe` attached (`useDocumentStore(sel)`).
 */
import { useStore, type StoreApi } from 'zustand';

/** A `StoreApi` over `api.getState()[key]`; `api` may be a getter, so the store can be made later. */
export function sliceApi<A, K extends keyof A>(api: StoreApi<A> | (() => StoreApi<A>), key: K): StoreApi<A[K]> {
  const store = typeof api === 'function' ? api : () => api;
  type S = A[K];
  const setState = (partial: S | Partial<S> | ((s: S) => S | Partial<S>), replace?: boolean): void => {
    store().setState((a) => {
      const cur = a[key];
      const next = typeof partial === 'function' ? (partial as (s: S) => S | Partial<S>)(cur) : partial;
      if (Object.is(next, cur)) return a;
      const merged = (replace ? next : { ...cur, ...next }) as S;
      return { ...a, [key]: merged };
    }, true);
  };
  return {
    getState: () => store().getState()[key],
    getInitialState: () => store().getInitialState()[key],
    setState: setState as StoreApi<S>['setState'],
    subscribe: (listener) =>
      store().subscribe((a, prev) => {
        if (a[key] !== prev[key]) listener(a[key], prev[key]);
      }),
  };
}

export type BoundHook<S> = {
  (): S;
  <T>(selector: (state: S) => T): T;
  getState: StoreApi<S>['getState'];
  setState: StoreApi<S>['setState'];
  subscribe: StoreApi<S>['subscribe'];
};

/** `hook(selector)` in components; `hook.getState()` elsewhere. */
export function boundHook<S>(api: StoreApi<S>): BoundHook<S> {
  const hook = (<T>(selector?: (state: S) => T) => useStore(api, (selector ?? ((s: S) => s)) as (s: S) => T)) as BoundHook<S>;
  hook.getState = api.getState;
  hook.setState = api.setState;
  hook.subscribe = api.subscribe;
  return hook;
}
