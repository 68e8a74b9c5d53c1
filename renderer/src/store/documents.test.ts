/**
 * One document, one world: what a document produced (its training run, charts, evaluation,
 * boundary, backprop session) belongs to it by `docId`. The app's real stores, wired together as
 * in the app, over a fake engine.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineClient, EventName, Events, Method, Params, Results, TrainEvent } from '../../../engine/service/protocol';
import type { GraphDocument } from '../../../engine/graph/document';

type Handler = (params: never) => unknown;
const fake = vi.hoisted(() => {
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  const state = { handlers: {} as Record<string, (p: never) => unknown>, calls: [] as { method: string; params: unknown }[] };
  const client = {
    async request(method: string, params: unknown) {
      state.calls.push({ method, params });
      const h = state.handlers[method];
      if (!h) throw new Error(`unexpected ${method}`);
      return await h(params as never);
    },
    on(event: string, handler: (d: unknown) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(handler);
      listeners.set(event, set);
      return () => set.delete(handler);
    },
  };
  const emit = (event: string, data: unknown) => {
    for (const l of listeners.get(event) ?? []) l(data);
  };
  return { client, state, emit };
});
vi.mock('../engine-client', () => ({ engine: fake.client as unknown as EngineClient }));

const { documentStore } = await import('./document-store');
const { trainingStore } = await import('../panels/training-store');
const { backpropStore } = await import('../backprop/backprop-store');

const flush = () => new Promise((r) => setTimeout(r, 0));
const train = (runId: string, event: TrainEvent) => fake.emit('train', { runId, event } satisfies Events[EventName]);
function handle(h: Partial<Record<Method, Handler>>) {
  fake.state.handlers = { validate: () => ({ ok: true, diagnostics: [], edgeShapes: {}, parameterCounts: {}, followed: {} }), ...h } as typeof fake.state.handlers;
}
const calls = (m: Method) => fake.state.calls.filter((c) => c.method === m);

const settings = (name: string): GraphDocument['training'] => ({
  dataset: { name, params: {} },
  optimizer: { type: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
  batchSize: 4, epochs: 2, seed: 1, split: { test: 0, validation: 0, stratify: true }, normalize: 'none', shuffle: true, dropLast: false,
});
const xor: GraphDocument = { formatVersion: 3, name: 'XOR', nodes: [], edges: [], training: settings('xor') };
const and: GraphDocument = { formatVersion: 3, name: 'AND', nodes: [], edges: [], training: settings('and') };
const startEvent: TrainEvent = { type: 'start', epochs: 2, batchesPerEpoch: 1, trainSamples: 4, testSamples: 0, startEpoch: 0 };
const epoch = (e: number) => ({ epoch: e, loss: 0.7 / e, accuracy: 0.5 * e, testLoss: null, testAccuracy: null, seconds: 0.01 });
const steps = (sessionId: string, fromRun: boolean): Results['stepThrough'] => ({ sessionId, objective: 1, steps: [], samples: [0], splitSize: 4, fromRun, trainingMode: true });

beforeEach(() => {
  fake.state.calls.length = 0;
  backpropStore.getState().setMode('edit');
});

describe('per-document state', () => {
  it('gives an opened document the same id again only for the same file and content', () => {
    const d = documentStore.getState();
    d.loadDocument(xor, { fileName: 'xor.json' });
    const a = documentStore.getState().docId;
    d.loadDocument(and, { fileName: 'and.json' });
    expect(documentStore.getState().docId).not.toBe(a);
    d.loadDocument(xor, { fileName: 'xor.json' });
    expect(documentStore.getState().docId).toBe(a);
    d.loadDocument({ ...xor, name: 'XOR 2' }, { fileName: 'xor.json' });
    expect(documentStore.getState().docId).not.toBe(a);
    d.newDocument();
    const n1 = documentStore.getState().docId;
    d.newDocument();
    expect(documentStore.getState().docId).not.toBe(n1);
  });

  it('train in A, open B: B shows no run, chart, evaluation or backprop session of A; back to A: all of A is there', async () => {
    handle({
      trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: null }),
      evaluate: () => ({ loss: 0.1, accuracy: 1, confusion: [[2, 0], [0, 2]], classNames: ['0', '1'] }),
      stepThrough: (p: Params<'stepThrough'>) => steps(p.runId ? 'steps-A' : (p.document as { name: string }).name === 'AND' ? 'steps-B' : 'steps-A0', !!p.runId),
    });
    documentStore.getState().loadDocument(xor, { fileName: 'xor-mlp' });
    const a = documentStore.getState().docId;
    await trainingStore.getState().start();
    train('run-1', startEvent);
    train('run-1', { type: 'batch', epoch: 0, batch: 0, batches: 1, step: 1, loss: 0.7, samplesPerSecond: 40 });
    train('run-1', { type: 'epoch', ...epoch(1) });
    train('run-1', { type: 'end', reason: 'completed', history: [epoch(1), epoch(2)] });
    await flush();
    expect(trainingStore.getState()).toMatchObject({ runId: 'run-1', status: 'done', epoch: 2, epochs: 2, evaluation: { accuracy: 1 } });

    // Backprop mode on A steps A's own trained model
    backpropStore.getState().setMode('backprop');
    await flush();
    expect(calls('stepThrough').at(-1)!.params).toMatchObject({ document: xor, runId: 'run-1' });
    expect(backpropStore.getState()).toMatchObject({ sessionId: 'steps-A', fromRun: true, docId: a });

    // open B: nothing of A
    documentStore.getState().loadDocument(and, { fileName: 'and-gate' });
    const b = documentStore.getState().docId;
    expect(b).not.toBe(a);
    expect(trainingStore.getState()).toMatchObject({
      docId: b, runId: null, status: 'idle', epoch: 0, epochs: 0, step: 0, history: [], batchLoss: [], evaluation: null, boundary: null, error: null,
    });
    await flush();
    // B's backprop session is B's document with its initial weights: no run id, never A's run
    const stepB = calls('stepThrough').at(-1)!.params as Params<'stepThrough'>;
    expect(stepB.runId).toBeUndefined();
    expect(stepB.document).toEqual(and);
    expect(backpropStore.getState()).toMatchObject({ sessionId: 'steps-B', fromRun: false, docId: b });

    // A's run going on while B is shown changes A only
    train('run-1', { type: 'batch', epoch: 1, batch: 0, batches: 1, step: 9, loss: 0.1, samplesPerSecond: 40 });
    expect(trainingStore.getState().step).toBe(0);

    // back to A: its run, charts and evaluation, and its backprop session (not computed again)
    const before = calls('stepThrough').length;
    documentStore.getState().loadDocument(xor, { fileName: 'xor-mlp' });
    expect(documentStore.getState().docId).toBe(a);
    expect(trainingStore.getState()).toMatchObject({ docId: a, runId: 'run-1', status: 'done', epoch: 2, history: [epoch(1), epoch(2)], evaluation: { accuracy: 1 } });
    expect(backpropStore.getState()).toMatchObject({ sessionId: 'steps-A', fromRun: true, docId: a });
    expect(calls('stepThrough').length).toBe(before);
    backpropStore.getState().setMode('edit');
  });

  it('a run of a document that is not on screen ends into its own entry', async () => {
    handle({
      trainStart: () => ({ runId: 'run-2', backend: 'ts', provider: 'typescript', note: null }),
      evaluate: () => ({ loss: 0.2, accuracy: 0.75, confusion: null, classNames: null }),
    });
    documentStore.getState().loadDocument(and, { fileName: 'and-2' });
    const a = documentStore.getState().docId;
    await trainingStore.getState().start();
    train('run-2', startEvent);
    documentStore.getState().newDocument();
    expect(trainingStore.getState()).toMatchObject({ runId: null, status: 'idle' });
    train('run-2', { type: 'end', reason: 'completed', history: [epoch(1)] });
    await flush();
    expect(trainingStore.getState().runId).toBeNull();
    expect(trainingStore.getState().byDoc[a]).toMatchObject({ status: 'done', evaluation: { accuracy: 0.75 } });
  });
});

describe('Start never hangs', () => {
  it('a refused start (no Loss) is an error at once, with the diagnostics; nothing runs', async () => {
    const err = Object.assign(new Error('the graph cannot be trained: training needs a Loss node'), {
      code: 'invalid-document', diagnostics: [{ severity: 'error', code: 'no-loss', message: 'training needs a Loss node' }],
    });
    handle({ trainStart: () => Promise.reject(err) });
    documentStore.getState().loadDocument({ ...xor, name: 'no loss' }, { fileName: 'no-loss' });
    await trainingStore.getState().start();
    expect(trainingStore.getState()).toMatchObject({ status: 'idle', runId: null, pending: null, error: expect.stringContaining('Loss') });
    expect(trainingStore.getState().errorDiagnostics[0]).toMatchObject({ code: 'no-loss' });
  });

  it('a failure reported before trainStart answers fails the run as soon as it answers', async () => {
    let answer!: (r: Results['trainStart']) => void;
    handle({ trainStart: () => new Promise((r) => (answer = r)) });
    documentStore.getState().loadDocument({ ...xor, name: 'early failure' }, { fileName: 'early' });
    const p = trainingStore.getState().start();
    await flush();
    fake.emit('log', { level: 'error', message: 'training run-5 failed: the dataset went away' });
    answer({ runId: 'run-5', backend: 'ts', provider: 'typescript', note: null });
    await p;
    expect(trainingStore.getState()).toMatchObject({ runId: 'run-5', status: 'failed', error: 'the dataset went away' });
  });

  it('Stop while starting ends it here and stops the run the engine then names', async () => {
    let answer!: (r: Results['trainStart']) => void;
    handle({ trainStart: () => new Promise((r) => (answer = r)), trainStop: () => ({ ok: true }) });
    documentStore.getState().loadDocument({ ...xor, name: 'stop early' }, { fileName: 'stop-early' });
    const p = trainingStore.getState().start();
    await flush();
    await trainingStore.getState().stop();
    expect(trainingStore.getState()).toMatchObject({ status: 'stopped', pending: null });
    answer({ runId: 'run-6', backend: 'ts', provider: 'typescript', note: null });
    await p;
    await flush();
    expect(calls('trainStop').at(-1)!.params).toEqual({ runId: 'run-6' });
    train('run-6', startEvent);
    expect(trainingStore.getState()).toMatchObject({ status: 'stopped', runId: null });
  });

  it('Stop of a run the engine says has not started ends it here', async () => {
    handle({
      trainStart: () => ({ runId: 'run-7', backend: 'ts', provider: 'typescript', note: null }),
      trainStop: () => Promise.reject(Object.assign(new Error('training run "run-7" has not started'), { code: 'not-found' })),
    });
    documentStore.getState().loadDocument({ ...xor, name: 'never started' }, { fileName: 'never' });
    await trainingStore.getState().start();
    expect(trainingStore.getState().status).toBe('running');
    await trainingStore.getState().stop();
    expect(trainingStore.getState()).toMatchObject({ status: 'stopped', pending: null, error: expect.stringContaining('has not started') });
  });
});
