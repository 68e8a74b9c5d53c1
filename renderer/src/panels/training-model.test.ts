import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineClient, EventName, Events, Method, Params, Results, TrainEvent } from '../../../engine/service/protocol';
import type { GraphDocument } from '../../../engine/graph/document';
import { createTrainingStore } from './training-model';
import { createDataStore } from './data-model';

type Handler = (params: never) => unknown;

/** A fake engine: answers requests from a table, records them, and emits events on demand. */
function fakeClient(handlers: Partial<Record<Method, Handler>>) {
  const listeners = new Map<string, Set<(d: unknown) => void>>();
  const calls: { method: Method; params: unknown }[] = [];
  const client: EngineClient = {
    async request<M extends Method>(method: M, params: Params<M>): Promise<Results[M]> {
      calls.push({ method, params });
      const h = handlers[method];
      if (!h) throw new Error(`unexpected ${method}`);
      return (await h(params as never)) as Results[M];
    },
    on<E extends EventName>(event: E, handler: (data: Events[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      set.add(handler as (d: unknown) => void);
      listeners.set(event, set);
      return () => set.delete(handler as (d: unknown) => void);
    },
  };
  const emit = <E extends EventName>(event: E, data: Events[E]) => {
    for (const l of listeners.get(event) ?? []) l(data);
  };
  return { client, calls, emit, train: (runId: string, event: TrainEvent) => emit('train', { runId, event }) };
}

const doc: GraphDocument = {
  formatVersion: 3,
  name: 'xor',
  nodes: [],
  edges: [],
  training: {
    dataset: { name: 'xor', params: {} },
    optimizer: { type: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    batchSize: 4, epochs: 2, seed: 1, split: { test: 0, validation: 0, stratify: true }, normalize: 'none', shuffle: true, dropLast: false,
  },
};
const startEvent: TrainEvent = { type: 'start', epochs: 2, batchesPerEpoch: 1, trainSamples: 4, testSamples: 0, startEpoch: 0 };
const epoch = (e: number) => ({ epoch: e, loss: 0.7 / e, accuracy: 0.5 * e, testLoss: null, testAccuracy: null, seconds: 0.01 });
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('the training store', () => {
  let now = 0;
  beforeEach(() => {
    now = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('slow motion: the speed goes with Start, and a running run follows a new one at once', async () => {
    const f = fakeClient({
      trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: null }),
      trainSpeed: (p: { stepsPerSecond: number | null }) => ({ ok: true, stepsPerSecond: p.stepsPerSecond }),
    });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc, now: () => now });
    await store.getState().setStepsPerSecond(2); // no run yet: remembered only
    expect(f.calls).toEqual([]);
    await store.getState().start();
    expect(f.calls[0]).toEqual({ method: 'trainStart', params: { document: doc, backend: 'auto', overrides: {}, stepsPerSecond: 2 } });
    await store.getState().setStepsPerSecond(null);
    expect(f.calls[1]).toEqual({ method: 'trainSpeed', params: { runId: 'run-1', stepsPerSecond: null } });
    expect(store.getState().stepsPerSecond).toBeNull();
  });

  it('starts a run with the document and backend, and follows its events to the end, then evaluates', async () => {
    const f = fakeClient({
      trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: 'auto chose the ts backend' }),
      evaluate: () => ({ loss: 0.1, accuracy: 1, confusion: [[2, 0], [0, 2]], classNames: ['0', '1'] }),
    });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc, now: () => now });
    await store.getState().start();
    expect(f.calls[0]).toEqual({ method: 'trainStart', params: { document: doc, backend: 'auto', overrides: {} } });
    expect(store.getState()).toMatchObject({ runId: 'run-1', status: 'running', backend: 'ts', provider: 'typescript', note: 'auto chose the ts backend', pending: null });
    expect(store.getState().runDataset).toBe(JSON.stringify(['xor', []]));

    f.train('run-1', startEvent);
    now = 100;
    f.train('run-1', { type: 'batch', epoch: 0, batch: 0, batches: 1, step: 1, loss: 0.7, samplesPerSecond: 40 });
    f.train('run-1', { type: 'epoch', ...epoch(1) });
    expect(store.getState()).toMatchObject({ epoch: 1, step: 1, lastLoss: 0.7, history: [epoch(1)] });
    f.train('run-other', { type: 'batch', epoch: 0, batch: 0, batches: 1, step: 99, loss: 9, samplesPerSecond: 1 });
    expect(store.getState().step).toBe(1);

    f.train('run-1', { type: 'end', reason: 'completed', history: [epoch(1), epoch(2)] });
    expect(store.getState().status).toBe('done');
    await flush();
    expect(f.calls.at(-1)).toEqual({ method: 'evaluate', params: { runId: 'run-1', split: 'train' } });
    expect(store.getState().evaluation).toMatchObject({ accuracy: 1, confusion: [[2, 0], [0, 2]], split: 'train' });
    store.getState().dispose();
  });

  it('takes the backend and provider the start event reports (what really runs)', async () => {
    const f = fakeClient({ trainStart: () => ({ runId: 'run-1', backend: 'auto', provider: '', note: null }) });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc });
    await store.getState().start();
    f.train('run-1', { ...startEvent, backend: 'ort-cpu', provider: 'cpu', backendNote: 'auto chose ort-cpu: no GPU provider' } as TrainEvent);
    expect(store.getState()).toMatchObject({ backend: 'ort-cpu', provider: 'cpu', note: 'auto chose ort-cpu: no GPU provider' });
    store.getState().dispose();
  });

  it('keeps events that arrive before trainStart answers and replays them', async () => {
    let answer!: (v: Results['trainStart']) => void;
    const f = fakeClient({ trainStart: () => new Promise((r) => (answer = r)) });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc, now: () => now });
    const p = store.getState().start();
    await flush();
    f.train('run-7', startEvent);
    f.train('run-7', { type: 'batch', epoch: 0, batch: 0, batches: 1, step: 1, loss: 0.6, samplesPerSecond: 10 });
    expect(store.getState().runId).toBeNull();
    answer({ runId: 'run-7', backend: 'ts', provider: 'typescript', note: null });
    await p;
    expect(store.getState()).toMatchObject({ runId: 'run-7', status: 'running', step: 1, epochs: 2, lastLoss: 0.6 });
    store.getState().dispose();
  });

  it('pauses, resumes and stops through the engine; the events change the status', async () => {
    const f = fakeClient({
      trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: null }),
      trainPause: () => ({ ok: true }),
      trainResume: () => ({ ok: true }),
      trainStop: () => ({ ok: true }),
      evaluate: () => ({ loss: 0.5, accuracy: 0.5, confusion: null, classNames: null }),
    });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc, now: () => now });
    await store.getState().start();
    f.train('run-1', startEvent);
    await store.getState().pause();
    expect(f.calls.at(-1)).toEqual({ method: 'trainPause', params: { runId: 'run-1' } });
    f.train('run-1', { type: 'paused' });
    expect(store.getState().status).toBe('paused');
    await store.getState().resume();
    f.train('run-1', { type: 'resumed' });
    expect(store.getState().status).toBe('running');
    await store.getState().stop();
    expect(f.calls.at(-1)).toEqual({ method: 'trainStop', params: { runId: 'run-1' } });
    f.train('run-1', { type: 'end', reason: 'cancelled', history: [epoch(1)] });
    expect(store.getState().status).toBe('stopped');
    store.getState().dispose();
  });

  it('puts a NaN/Inf stop’s diagnostic where the editor reads it, and does not evaluate', async () => {
    const f = fakeClient({ trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: null }) });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc });
    await store.getState().start();
    f.train('run-1', startEvent);
    f.train('run-1', {
      type: 'end', reason: 'non-finite', history: [],
      diagnostic: { nodeId: 'hidden', port: 'out', epoch: 1, batch: 1, message: 'training stopped: NaN/Inf first appeared in the output "out" of hidden' },
    });
    await flush();
    expect(store.getState().status).toBe('failed');
    expect(store.getState().diagnostic).toMatchObject({ nodeId: 'hidden', message: expect.stringContaining('NaN/Inf') });
    expect(f.calls.map((c) => c.method)).toEqual(['trainStart']);
    store.getState().dispose();
  });

  it('reports a refused start with the engine’s diagnostics, and a missing dataset without asking', async () => {
    const err = Object.assign(new Error('the graph is invalid'), { code: 'invalid-document', diagnostics: [{ severity: 'error', code: 'missing-input', message: 'Linear has no input', nodeId: 'l1' }] });
    const f = fakeClient({ trainStart: () => Promise.reject(err) });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc });
    await store.getState().start();
    expect(store.getState()).toMatchObject({ status: 'idle', error: 'the graph is invalid', pending: null });
    expect(store.getState().errorDiagnostics[0]).toMatchObject({ nodeId: 'l1' });

    const noData = createTrainingStore({ client: f.client, getDocument: () => ({ ...doc, training: undefined }) });
    await noData.getState().start();
    expect(noData.getState().error).toMatch(/dataset/);
    expect(f.calls).toHaveLength(1);
    store.getState().dispose();
    noData.getState().dispose();
  });

  it('marks a run that throws (reported as a log line) as failed', async () => {
    const f = fakeClient({ trainStart: () => ({ runId: 'run-3', backend: 'ts', provider: 'typescript', note: null }) });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc });
    await store.getState().start();
    f.emit('log', { level: 'error', message: 'training run-3 failed: dataset "upload:x.csv" was imported in an earlier session' });
    expect(store.getState()).toMatchObject({ status: 'failed', error: expect.stringContaining('earlier session') });
    store.getState().dispose();
  });

  it('polls the decision boundary at most every interval while training, never two at once, and once more at the end', async () => {
    vi.useFakeTimers();
    let inFlight = 0;
    let maxInFlight = 0;
    const f = fakeClient({
      trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: null }),
      decisionBoundary: () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        return new Promise((r) =>
          setTimeout(() => {
            inFlight--;
            r({ xs: [0, 1], ys: [0, 1], probabilities: [0, 1, 1, 0], resolution: 2 });
          }, 700),
        );
      },
      evaluate: () => ({ loss: 0.1, accuracy: 1, confusion: null, classNames: null }),
    });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc, boundaryIntervalMs: 500 });
    await store.getState().start({ boundary: true });
    f.train('run-1', startEvent);
    await vi.advanceTimersByTimeAsync(3000);
    const polls = f.calls.filter((c) => c.method === 'decisionBoundary').length;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(6);
    expect(maxInFlight).toBe(1);
    expect(store.getState().boundary?.resolution).toBe(2);

    await vi.advanceTimersByTimeAsync(100); // a poll is in flight now
    const before = f.calls.filter((c) => c.method === 'decisionBoundary').length;
    f.train('run-1', { type: 'end', reason: 'completed', history: [epoch(1)] });
    await vi.advanceTimersByTimeAsync(3000);
    // exactly one more (the final picture, even with a poll in flight), then no more polling
    expect(f.calls.filter((c) => c.method === 'decisionBoundary').length).toBe(before + 1);
    store.getState().dispose();
  });

  it('stops asking for a boundary when the data is not 2-D', async () => {
    vi.useFakeTimers();
    const f = fakeClient({
      trainStart: () => ({ runId: 'run-1', backend: 'ts', provider: 'typescript', note: null }),
      decisionBoundary: () => Promise.reject(Object.assign(new Error('a decision boundary needs a dataset with 2 features'), { code: 'bad-request' })),
    });
    const store = createTrainingStore({ client: f.client, getDocument: () => doc, boundaryIntervalMs: 500 });
    await store.getState().start({ boundary: true });
    f.train('run-1', startEvent);
    await vi.advanceTimersByTimeAsync(2600);
    expect(f.calls.filter((c) => c.method === 'decisionBoundary')).toHaveLength(1);
    expect(store.getState().wantsBoundary).toBe(false);
    store.getState().dispose();
  });
});

describe('the data store', () => {
  const preview = (name: string): Results['datasetPreview'] => ({
    name, task: 'classification', numSamples: 4, featureShape: [2], targetShape: [1], classNames: null, classCounts: [2, 2], featureNames: null, rows: [], images: [], points: [],
  });

  it('asks for a preview once per dataset reference, whatever the param order', async () => {
    const f = fakeClient({ datasetPreview: (p: Params<'datasetPreview'>) => preview(p.dataset.name) });
    const store = createDataStore(f.client);
    await store.getState().ensurePreview({ name: 'circle', params: { n: 100, noise: 0.1 } });
    await store.getState().ensurePreview({ name: 'circle', params: { noise: 0.1, n: 100 } });
    await store.getState().ensurePreview({ name: 'xor', params: {} });
    await store.getState().ensurePreview({ name: 'circle', params: { n: 100, noise: 0.1 } });
    expect(f.calls.map((c) => (c.params as Params<'datasetPreview'>).dataset.name)).toEqual(['circle', 'xor']);
    expect(store.getState().preview?.name).toBe('circle');
  });

  it('keeps the preview of the latest request when answers come out of order', async () => {
    const resolvers: Record<string, () => void> = {};
    const f = fakeClient({
      datasetPreview: (p: Params<'datasetPreview'>) => new Promise((r) => (resolvers[p.dataset.name] = () => r(preview(p.dataset.name)))),
    });
    const store = createDataStore(f.client);
    const a = store.getState().ensurePreview({ name: 'a', params: {} });
    const b = store.getState().ensurePreview({ name: 'b', params: {} });
    await flush();
    resolvers['b']!();
    await b;
    resolvers['a']!();
    await a;
    expect(store.getState().preview?.name).toBe('b');
  });

  it('imports a CSV and remembers it with its warnings; an import error is kept for the form', async () => {
    const f = fakeClient({
      importCsv: (p: Params<'importCsv'>) =>
        p.text === 'bad' ? Promise.reject(new Error('x.csv line 2: expected 3 columns')) : { dataset: { name: `upload:${p.name}`, params: {} }, preview: preview(p.name), warnings: ['one class only'] },
    });
    const store = createDataStore(f.client);
    const r = await store.getState().importCsv({ name: 'x.csv', text: 'a,b\n1,2', label: 1, task: 'auto' });
    expect(r?.ref.name).toBe('upload:x.csv');
    expect(f.calls[0]!.params).toEqual({ name: 'x.csv', text: 'a,b\n1,2', label: 1, task: 'auto' });
    expect(store.getState().imported).toHaveLength(1);
    expect(store.getState().imported[0]!.warnings).toEqual(['one class only']);
    expect(await store.getState().importCsv({ name: 'x.csv', text: 'bad', task: 'auto' })).toBeNull();
    expect(store.getState().importError).toMatch(/line 2/);
  });

  it('keeps Fashion-MNIST files in the user data folder and asks for the built-in preview again', async () => {
    let previews = 0;
    const f = fakeClient({
      datasetPreview: (p: Params<'datasetPreview'>) => (previews++, preview(p.dataset.name)),
      installFashionMnist: (p: Params<'installFashionMnist'>) =>
        p.testLabels === 'bad'
          ? Promise.reject(new Error('t10k-labels-idx1-ubyte: byte 3: this is a 3-dimensional IDX file'))
          : { dir: '/home/ada/.local/share/backprop-studio/datasets/fashion-mnist', train: 60000, test: 10000, files: [] },
    });
    const store = createDataStore(f.client);
    const ref = { name: 'fashion-mnist', params: { split: 'train' } };
    await store.getState().ensurePreview(ref);
    const files = { trainImages: 'AA==', trainLabels: 'AQ==', testImages: 'Ag==', testLabels: 'Aw==' };
    const r = await store.getState().installFashionMnist(files);
    expect(r).toEqual({ dir: '/home/ada/.local/share/backprop-studio/datasets/fashion-mnist', train: 60000, test: 10000, files: [] });
    expect(f.calls.at(-1)).toEqual({ method: 'installFashionMnist', params: files });
    expect(store.getState().installed?.train).toBe(60000);
    await store.getState().ensurePreview(ref);
    expect(previews).toBe(2);
    store.getState().clearInstalled();
    expect(store.getState().installed).toBeNull();
    expect(await store.getState().installFashionMnist({ ...files, testLabels: 'bad' })).toBeNull();
    expect(store.getState().importError).toBe('Could not keep the files as Fashion-MNIST: t10k-labels-idx1-ubyte: byte 3: this is a 3-dimensional IDX file');
    expect(store.getState().importing).toBe(false);
  });
});
