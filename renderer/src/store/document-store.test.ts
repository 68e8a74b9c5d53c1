/**
 * The document store: every kind of document change is one undo step (multi-node operations
 * included), redo replays it, selection never enters history, the dirty flag follows the saved
 * state, and the engine's validation is requested after changes and mapped onto nodes.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EngineClient, ValidateResult } from '../../../engine/service/protocol';
import type { GraphDocument } from '../../../engine/graph/document';
import { createDocumentStore } from './document-store';
import { TYPES, mlpDocument } from '../test/fixtures';
import { combineDiagnostics, indexDiagnostics } from './diagnostics';

function makeStore(doc: GraphDocument | null = mlpDocument(), client: EngineClient | null = null) {
  const store = createDocumentStore({ nodeTypes: () => TYPES, client, validateDelayMs: 0 });
  if (doc) store.getState().loadDocument(doc, { fileName: 'mlp.json' });
  return store;
}

const ids = (doc: GraphDocument) => doc.nodes.map((n) => n.id);
const edgeIds = (doc: GraphDocument) => doc.edges.map((e) => e.id);

/** Do `change`, then check undo restores the document before it and redo the one after, in one step each. */
function expectOneUndoStep(store: ReturnType<typeof makeStore>, change: () => void): { before: GraphDocument; after: GraphDocument } {
  const before = store.getState().document;
  const depth = store.getState().past.length;
  change();
  const after = store.getState().document;
  expect(after).not.toBe(before);
  expect(store.getState().past.length).toBe(depth + 1);
  store.getState().undo();
  expect(store.getState().document).toBe(before);
  store.getState().redo();
  expect(store.getState().document).toBe(after);
  return { before, after };
}

describe('undo and redo of each kind of change', () => {
  it('add node', () => {
    const s = makeStore();
    const { after } = expectOneUndoStep(s, () => s.getState().addNode('Linear', { x: 10.4, y: 20.6 }));
    const added = after.nodes[after.nodes.length - 1]!;
    expect(added).toMatchObject({ id: 'linear1', type: 'Linear', params: {}, position: { x: 10, y: 21 } });
    expect(s.getState().selection.nodes).toEqual(['linear1']);
    expect(s.getState().past.at(-1)!.label).toBe('Add Linear');
  });

  it('delete a node takes its edges with it, and undo brings both back', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['a'] });
    const { after } = expectOneUndoStep(s, () => s.getState().deleteSelection());
    expect(ids(after)).not.toContain('a');
    expect(edgeIds(after)).toEqual(['x-h', 'o-loss', 'y-loss']);
  });

  it('move (a drag of several nodes is one step)', () => {
    const s = makeStore();
    const { after } = expectOneUndoStep(s, () => s.getState().moveNodes({ h: { x: 300, y: 50 }, a: { x: 500, y: 50 } }));
    expect(after.nodes.find((n) => n.id === 'h')!.position).toEqual({ x: 300, y: 50 });
    expect(after.nodes.find((n) => n.id === 'a')!.position).toEqual({ x: 500, y: 50 });
    // nodes that did not move keep their identity
    expect(after.nodes.find((n) => n.id === 'x')).toBe(s.getState().past[0]!.document.nodes.find((n) => n.id === 'x'));
  });

  it('a move to the same place is no step at all', () => {
    const s = makeStore();
    s.getState().moveNodes({ h: { x: 220, y: 0 } });
    expect(s.getState().past).toHaveLength(0);
    expect(s.getState().dirty).toBe(false);
  });

  it('connect and disconnect', () => {
    const s = makeStore();
    s.getState().deleteElements({ edges: ['a-o'] });
    const r = { id: '' };
    const { after } = expectOneUndoStep(s, () => {
      const c = s.getState().connect({ source: 'a', sourcePort: 'out', target: 'o', targetPort: 'in' });
      expect(c.ok).toBe(true);
      if (c.ok) r.id = c.id;
    });
    expect(after.edges.find((e) => e.id === r.id)).toMatchObject({ source: 'a', sourcePort: 'out', target: 'o', targetPort: 'in' });
    expectOneUndoStep(s, () => s.getState().disconnect([r.id]));
    expect(edgeIds(s.getState().document)).not.toContain(r.id);
  });

  it('a refused connection says why and changes nothing', () => {
    const s = makeStore();
    const before = s.getState().document;
    const r = s.getState().connect({ source: 'x', sourcePort: 'out', target: 'h', targetPort: 'in' });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('already connected') });
    expect(s.getState().document).toBe(before);
    expect(s.getState().past).toHaveLength(0);
  });

  it('param edit, and resetting a param to its default', () => {
    const s = makeStore();
    const { after } = expectOneUndoStep(s, () => s.getState().setParam('h', 'outFeatures', 8));
    expect(after.nodes.find((n) => n.id === 'h')!.params).toEqual({ inFeatures: 2, outFeatures: 8 });
    expect(s.getState().past.at(-1)!.label).toBe('Change Out features');
    const { after: reset } = expectOneUndoStep(s, () => s.getState().setParam('h', 'outFeatures', undefined));
    expect(reset.nodes.find((n) => n.id === 'h')!.params).toEqual({ inFeatures: 2 });
  });

  it('setting a param to the value it has is no step', () => {
    const s = makeStore();
    s.getState().setParam('h', 'inFeatures', 2);
    expect(s.getState().past).toHaveLength(0);
  });

  it('label edit (an empty label removes it)', () => {
    const s = makeStore();
    const { after } = expectOneUndoStep(s, () => s.getState().setLabel('a', '  relu1 '));
    expect(after.nodes.find((n) => n.id === 'a')!.label).toBe('relu1');
    const { after: cleared } = expectOneUndoStep(s, () => s.getState().setLabel('h', ''));
    expect(cleared.nodes.find((n) => n.id === 'h')).not.toHaveProperty('label');
  });

  it('training settings: merged at the top level, undefined removes a key', () => {
    const s = makeStore();
    const { after } = expectOneUndoStep(s, () => s.getState().setTraining({ dataset: { name: 'xor', params: {} }, epochs: 50 }));
    expect(after.training).toEqual({ dataset: { name: 'xor', params: {} }, epochs: 50 });
    const { after: next } = expectOneUndoStep(s, () => s.getState().setTraining({ batchSize: 4, epochs: undefined }));
    expect(next.training).toEqual({ dataset: { name: 'xor', params: {} }, batchSize: 4 });
  });

  it('auto layout is one step however many nodes move', () => {
    const s = makeStore();
    const positions = Object.fromEntries(s.getState().document.nodes.map((n, i) => [n.id, { x: i * 10, y: 500 }]));
    expectOneUndoStep(s, () => s.getState().applyLayout(positions));
    expect(s.getState().past.at(-1)!.label).toBe('Auto layout');
  });

  it('document name', () => {
    const s = makeStore();
    const { after } = expectOneUndoStep(s, () => s.getState().setDocumentInfo({ name: 'XOR net' }));
    expect(after.name).toBe('XOR net');
  });
});

describe('clipboard: copy, paste, duplicate, cut are grouped', () => {
  it('paste of several nodes with their edge is ONE undo step, with fresh ids, offset, and selected', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['h', 'a'] });
    const fragment = s.getState().copySelection()!;
    expect(fragment.nodes.map((n) => n.id)).toEqual(['h', 'a']);
    expect(fragment.edges.map((e) => e.id)).toEqual(['h-a']); // only edges among the copied nodes
    const { before, after } = expectOneUndoStep(s, () => s.getState().paste());
    expect(after.nodes).toHaveLength(before.nodes.length + 2);
    expect(after.edges).toHaveLength(before.edges.length + 1);
    const pasted = after.nodes.slice(-2);
    expect(pasted.map((n) => n.id)).toEqual(['h1', 'a1']);
    expect(pasted[0]).toMatchObject({ type: 'Linear', label: 'hidden', params: { inFeatures: 2, outFeatures: 4 }, position: { x: 260, y: 40 } });
    expect(after.edges.at(-1)).toMatchObject({ source: 'h1', target: 'a1' });
    expect(s.getState().selection).toEqual({ nodes: ['h1', 'a1'], edges: [after.edges.at(-1)!.id] });
  });

  it('pasting again lands further along', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['x'] });
    s.getState().copySelection();
    s.getState().paste();
    s.getState().paste();
    const [p1, p2] = s.getState().document.nodes.slice(-2);
    expect(p1!.position).toEqual({ x: 40, y: 40 });
    expect(p2!.position).toEqual({ x: 80, y: 80 });
    expect(new Set([p1!.id, p2!.id, 'x']).size).toBe(3);
  });

  it('duplicate is one step and leaves the clipboard alone', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['x', 'h'] });
    const { before, after } = expectOneUndoStep(s, () => s.getState().duplicateSelection());
    expect(after.nodes).toHaveLength(before.nodes.length + 2);
    expect(after.edges).toHaveLength(before.edges.length + 1);
    expect(s.getState().clipboard).toBeNull();
    expect(s.getState().past.at(-1)!.label).toBe('Duplicate');
  });

  it('cut removes the nodes in one step and paste brings copies back', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['h', 'a'] });
    const { after } = expectOneUndoStep(s, () => s.getState().cutSelection());
    expect(ids(after)).toEqual(['x', 'o', 'y', 'loss']);
    s.getState().paste();
    expect(s.getState().document.nodes).toHaveLength(6);
  });

  it('deleting a multi-selection of nodes and edges is one step', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['x', 'y'], edges: ['a-o'] });
    const { after } = expectOneUndoStep(s, () => s.getState().deleteSelection());
    expect(ids(after)).toEqual(['h', 'a', 'o', 'loss']);
    expect(edgeIds(after)).toEqual(['h-a', 'o-loss']);
    s.getState().undo();
    expect(s.getState().selection).toEqual({ nodes: ['x', 'y'], edges: ['a-o'] }); // the selection comes back too
  });
});

describe('history bookkeeping', () => {
  it('selection changes never enter history', () => {
    const s = makeStore();
    s.getState().select({ nodes: ['x'] });
    s.getState().selectAll();
    s.getState().clearSelection();
    expect(s.getState().past).toHaveLength(0);
    expect(s.getState().dirty).toBe(false);
  });

  it('select all selects every node and edge', () => {
    const s = makeStore();
    s.getState().selectAll();
    expect(s.getState().selection.nodes).toHaveLength(6);
    expect(s.getState().selection.edges).toHaveLength(5);
  });

  it('a new change after undo drops the redo stack', () => {
    const s = makeStore();
    s.getState().addNode('Add', { x: 0, y: 0 });
    s.getState().undo();
    expect(s.getState().future).toHaveLength(1);
    s.getState().addNode('Output', { x: 0, y: 0 });
    expect(s.getState().future).toHaveLength(0);
  });

  it('dirty follows the saved document, through undo back to it', () => {
    const s = makeStore();
    expect(s.getState().dirty).toBe(false);
    s.getState().addNode('Add', { x: 0, y: 0 });
    expect(s.getState().dirty).toBe(true);
    s.getState().undo();
    expect(s.getState().dirty).toBe(false);
    s.getState().redo();
    s.getState().markSaved({ fileName: 'mlp.json' });
    expect(s.getState().dirty).toBe(false);
    s.getState().undo();
    expect(s.getState().dirty).toBe(true);
  });

  it('a repaired file starts dirty; opening a file clears history', () => {
    const s = makeStore();
    s.getState().addNode('Add', { x: 0, y: 0 });
    s.getState().loadDocument(mlpDocument(), { fileName: 'broken.json', dirty: true, issues: [{ severity: 'error', code: 'schema', message: 'nodes[9]: bad' }] });
    expect(s.getState()).toMatchObject({ dirty: true, past: [], future: [], fileName: 'broken.json', opened: true });
    expect(s.getState().loadIssues).toHaveLength(1);
  });

  it('history keeps at most its limit', () => {
    const s = createDocumentStore({ nodeTypes: () => TYPES, historyLimit: 3 });
    for (let i = 0; i < 5; i++) s.getState().addNode('Add', { x: i, y: 0 });
    expect(s.getState().past).toHaveLength(3);
  });
});

describe('validation through the engine', () => {
  function fakeClient(answer: (doc: GraphDocument) => ValidateResult | Promise<ValidateResult>) {
    const request = vi.fn(async (method: string, params: { document: GraphDocument }) => {
      if (method !== 'validate') throw new Error(`unexpected ${method}`);
      return answer(params.document);
    });
    return { client: { request, on: () => () => undefined } as unknown as EngineClient, request };
  }

  it('validates after a change and keeps the diagnostics, shapes and parameter counts', async () => {
    const { client, request } = fakeClient((doc) => ({
      ok: false,
      diagnostics: [{ severity: 'error', code: 'shape-mismatch', nodeId: 'o', port: 'in', message: `Linear "o": input has 8 features but in_features is 4 (${doc.nodes.length} nodes)` }],
      edgeShapes: { 'x-h': 'N×2', 'h-a': 'N×8' },
      parameterCounts: { h: 24 },
      followed: {},
    }));
    const s = makeStore(mlpDocument(), client);
    await vi.waitFor(() => expect(s.getState().validationState).toBe('done'));
    s.getState().setParam('h', 'outFeatures', 8);
    await vi.waitFor(() => expect(request).toHaveBeenCalledTimes(2));
    await vi.waitFor(() => expect(s.getState().validationState).toBe('done'));
    const v = s.getState().validation!;
    expect(v.edgeShapes['h-a']).toBe('N×8');
    expect(v.parameterCounts['h']).toBe(24);
    const sent = request.mock.calls[1]![1].document;
    expect(sent.nodes.find((n) => n.id === 'h')!.params['outFeatures']).toBe(8);
    // mapped onto the node and its port
    const index = indexDiagnostics(v.diagnostics);
    expect(index.nodes.get('o')).toMatchObject({ severity: 'error', messages: [expect.stringContaining('in_features is 4')], ports: { in: 'error' } });
    expect(index.nodes.has('h')).toBe(false);
  });

  it('drops an answer for a document that has changed since', async () => {
    let release: (v: ValidateResult) => void = () => undefined;
    const slow = new Promise<ValidateResult>((r) => (release = r));
    let calls = 0;
    const { client } = fakeClient(async (doc) => {
      calls++;
      if (calls === 1) return slow;
      return { ok: true, diagnostics: [], edgeShapes: { fresh: String(doc.nodes.length) }, parameterCounts: {}, followed: {} };
    });
    const s = makeStore(mlpDocument(), client);
    await vi.waitFor(() => expect(calls).toBe(1)); // the first answer is slow to come
    s.getState().addNode('Add', { x: 0, y: 0 });
    await vi.waitFor(() => expect(s.getState().validation?.edgeShapes['fresh']).toBe('7'));
    release({ ok: true, diagnostics: [], edgeShapes: { stale: '1' }, parameterCounts: {}, followed: {} });
    await new Promise((r) => setTimeout(r, 10));
    expect(s.getState().validation?.edgeShapes).toEqual({ fresh: '7' });
  });

  it('a document the engine refuses shows the engine’s diagnostics', async () => {
    const err = Object.assign(new Error('the document is not valid'), {
      code: 'invalid-document',
      diagnostics: [{ severity: 'error', code: 'schema', message: 'nodes[0].position.x: must be a finite number' }],
    });
    const { client } = fakeClient(() => Promise.reject(err));
    const s = makeStore(mlpDocument(), client);
    await vi.waitFor(() => expect(s.getState().validationState).toBe('done'));
    expect(s.getState().validation!.diagnostics[0]!.message).toContain('must be a finite number');
  });

  it('an unreachable engine is reported as offline, keeping the last result', async () => {
    const { client } = fakeClient(() => Promise.reject(new Error('the connection to the engine closed')));
    const s = makeStore(mlpDocument(), client);
    await vi.waitFor(() => expect(s.getState().validationState).toBe('offline'));
    expect(s.getState().validationError).toContain('connection');
  });
});

describe('diagnostics mapping', () => {
  it('indexes by node, port and edge with the worst severity', () => {
    const index = indexDiagnostics([
      { severity: 'warning', code: 'unused', nodeId: 'a', message: 'unused' },
      { severity: 'error', code: 'missing-input', nodeId: 'a', port: 'in', message: 'input "in" is not connected' },
      { severity: 'error', code: 'port-kind', edgeId: 'e1', nodeId: 'b', port: 'target', message: 'kind' },
    ]);
    expect(index.nodes.get('a')).toEqual({
      severity: 'error',
      messages: ['unused', 'input "in" is not connected'],
      items: [
        { severity: 'warning', message: 'unused' },
        { severity: 'error', message: 'input "in" is not connected' },
      ],
      ports: { in: 'error' },
    });
    expect(index.nodes.get('b')!.ports).toEqual({ target: 'error' });
    expect(index.edges.get('e1')!.severity).toBe('error');
  });

  it('combines the file’s issues, validation and a NaN stop from training', () => {
    const all = combineDiagnostics({
      loadIssues: [{ severity: 'error', code: 'schema', nodeId: 'h', message: 'nodes[1].params: bad' }],
      validation: [{ severity: 'warning', code: 'unused', nodeId: 'o', message: 'unused' }],
      training: { nodeId: 'a', message: 'Activation "a" produced NaN', port: 'out' },
    });
    expect(all.map((d) => [d.source, d.nodeId, d.severity])).toEqual([
      ['file', 'h', 'error'],
      ['validation', 'o', 'warning'],
      ['training', 'a', 'error'],
    ]);
    expect(indexDiagnostics(all).nodes.get('a')!.ports).toEqual({ out: 'error' });
  });

  it('shows what training would still need (the engine\'s notes of level "train") as training\'s', () => {
    const note = { severity: 'info', code: 'no-loss', message: 'training needs a Loss node: connect the prediction and the Target to a Loss', level: 'train' } as const;
    const all = combineDiagnostics({ loadIssues: [], validation: [note, { severity: 'warning', code: 'unused', nodeId: 'o', message: 'unused' }] });
    expect(all.map((d) => [d.source, d.code, d.severity])).toEqual([
      ['training', 'no-loss', 'info'],
      ['validation', 'unused', 'warning'],
    ]);
    // The same finding from a refused Start is listed once, as the error it then is.
    const refused = combineDiagnostics({ loadIssues: [], validation: [note], trainingErrors: [{ ...note, severity: 'error' }] });
    expect(refused.map((d) => [d.source, d.code, d.severity])).toEqual([['training', 'no-loss', 'error']]);
  });
});
