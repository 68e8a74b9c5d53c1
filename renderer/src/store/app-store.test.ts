import { describe, expect, it } from 'vitest';
import type { EngineClient } from '../../../engine/service/protocol';
import { createAppStore, selectCurrentRun, selectRun, selectSessionRun } from './app-store';
import { sliceApi } from './slice';

const client: EngineClient = {
  request: () => Promise.reject(new Error('no engine here')),
  on: () => () => undefined,
};

describe('the app store', () => {
  it('holds every slice in one store, each with its own actions', () => {
    const app = createAppStore({ client });
    const s = app.getState();
    expect(Object.keys(s).sort()).toEqual(['backprop', 'catalog', 'data', 'document', 'timeline', 'training', 'ui']);
    expect(s.training.docId).toBe(s.document.docId);
    expect(s.backprop.docId).toBe(s.document.docId);
    s.document.newDocument('A');
    expect(app.getState().document.document.name).toBe('A');
    expect(app.getState().ui).toBe(s.ui); // other slices untouched
  });

  it('shows each document’s own training run and backprop session when the document on screen changes', () => {
    const app = createAppStore({ client });
    const first = app.getState().document.docId;
    sliceApi(app, 'training').setState((t) => ({ byDoc: { ...t.byDoc, [first]: { ...selectRun(app.getState(), first), runId: 'run-1', status: 'done' } } }));
    expect(selectSessionRun(app.getState(), first)).toBe('run-1');
    app.getState().document.newDocument('B');
    const second = app.getState().document.docId;
    expect(second).not.toBe(first);
    expect(app.getState().training.docId).toBe(second);
    expect(app.getState().backprop.docId).toBe(second);
    expect(selectCurrentRun(app.getState()).runId).toBeNull();
    expect(selectRun(app.getState(), first).runId).toBe('run-1');
  });

  it('gives a slice view that reads, writes and hears only its slice', () => {
    const app = createAppStore({ client });
    const ui = sliceApi(app, 'ui');
    const heard: string[] = [];
    const off = ui.subscribe((s) => heard.push(String(s.busy)));
    app.getState().document.newDocument('C');
    ui.setState({ busy: 'reading' });
    expect(app.getState().ui.busy).toBe('reading');
    expect(heard).toEqual(['reading']);
    off();
  });
});
