/**
 * The training store, built by a factory over an EngineClient and a way to read the current
 * document, so tests drive it with a fake client and fake timers. It starts, pauses, resumes and
 * stops runs, reduces the engine's `train` events (training-reducer.ts), polls the decision
 * boundary of 2-D data at most every 500 ms while a run trains (and once at the end), and
 * evaluates the model when the run ends (loss, accuracy, confusion matrix).
 *
 * Everything a run produces belongs to the document that started it: `byDoc[docId]` holds each
 * document's run, charts, boundary and evaluation; a run of a document that is not on screen
 * goes on updating its own entry. The top-level run fields are the entry of the document on
 * screen (`docId`), so `useTrainingStore((s) => s.status)` reads the current document's run;
 * `switchDocument` changes which one that is (the app store calls it when the document slice's
 * `docId` changes), and `runOf(state, docId)` (or the app's `selectRun(s, docId)`) reads any
 * document's.
 *
 * The `training` slice of the app store (app-store.ts), its current document read from the
 * `document` slice; `createTrainingStore(deps)` makes a store of this slice alone (tests).
 */
import { createStore, type StateCreator, type StoreApi } from 'zustand/vanilla';
import type { AppState } from '../store/app-store';
import { sliceApi } from '../store/slice';
import type { BackendInfo, EngineClient, Results, TrainEvent } from '../../../engine/service/protocol';
import type { Diagnostic } from '../../../engine/graph/validate';
import type { GraphDocument } from '../../../engine/graph/document';
import { initialProgress, isActive, reduceTrainEvent, type RunProgress } from './training-reducer';
import { datasetKey } from './data-model';

export type BackendChoice = 'auto' | 'ts' | 'ort-cpu' | 'ort-webgpu' | 'ort-cuda' | 'ort-dml' | 'ort-coreml';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'ts', 'ort-cpu', 'ort-webgpu', 'ort-cuda', 'ort-dml', 'ort-coreml'];

export type Evaluation = Results['evaluate'] & { split: 'train' | 'test' };
export type DecisionBoundary = Results['decisionBoundary'];

export interface TrainingRunState extends RunProgress {
  /** The backend and execution provider the engine used for the run (from trainStart). */
  backend: string | null;
  provider: string | null;
  /** What `auto` decided, in the engine's words. */
  note: string | null;
  /** A request in flight (the buttons wait for it). */
  pending: 'start' | 'pause' | 'resume' | 'stop' | null;
  /** Why the last request or run failed (not a NaN stop: that is `diagnostic`). */
  error: string | null;
  errorDiagnostics: Diagnostic[];
  evaluation: Evaluation | null;
  evaluating: boolean;
  /** Poll the decision boundary for this run (2-D data). */
  wantsBoundary: boolean;
  boundary: DecisionBoundary | null;
  /** `datasetKey` of the dataset the run trains on (a boundary belongs to its data). */
  runDataset: string | null;
}

/** The current document's run (top level), every document's run, and the session's backend choice. */
export interface TrainingState extends TrainingRunState {
  /** The document on screen: the top-level run fields are `byDoc[docId]`. */
  docId: string;
  byDoc: Readonly<Record<string, TrainingRunState>>;
  backendChoice: BackendChoice;
  backends: BackendInfo[];
  /** Slow motion: at most this many training steps per second (null: full speed), for this session. */
  stepsPerSecond: number | null;
}

export interface TrainingActions {
  /** Start a run of the current document. */
  start(options?: { boundary?: boolean }): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Stop the current document's run; always ends it here, also one that never started. */
  stop(): Promise<void>;
  setBackendChoice(choice: BackendChoice): void;
  /** Slow motion (null: full speed); a running or paused run of the document on screen follows at once. */
  setStepsPerSecond(sps: number | null): Promise<void>;
  loadBackends(): Promise<void>;
  /** Fetch the decision boundary of a document's run now (default: the current one; no-op when one is in flight). */
  refreshBoundary(docId?: string): Promise<void>;
  evaluate(docId?: string): Promise<void>;
  clearError(): void;
  /** Show another document's run (its own, or none yet). */
  switchDocument(docId: string): void;
  /** Feed one engine event (the store subscribes itself; exposed for tests). */
  handleEvent(runId: string, event: TrainEvent): void;
  /** Stop listening to the engine (tests). */
  dispose(): void;
}

export type TrainingStore = TrainingState & TrainingActions;

export interface TrainingDeps {
  client: EngineClient;
  getDocument(): GraphDocument | null | undefined;
  /** The document on screen at creation (default `doc-0`). */
  docId?: string;
  now?(): number;
  /** Minimum milliseconds between decision-boundary requests while training. */
  boundaryIntervalMs?: number;
  boundaryResolution?: number;
}

export const initialRun: TrainingRunState = {
  ...initialProgress,
  backend: null,
  provider: null,
  note: null,
  pending: null,
  error: null,
  errorDiagnostics: [],
  evaluation: null,
  evaluating: false,
  wantsBoundary: false,
  boundary: null,
  runDataset: null,
};
const RUN_KEYS = Object.keys(initialRun) as (keyof TrainingRunState)[];

/** A document's run (an empty one when it has none). */
export function runOf(s: Pick<TrainingState, 'byDoc'>, docId: string): TrainingRunState {
  return s.byDoc[docId] ?? initialRun;
}

/** The document whose run has this id, if any. */
export function docOfRun(s: Pick<TrainingState, 'byDoc'>, runId: string): string | null {
  for (const [docId, r] of Object.entries(s.byDoc)) if (r.runId === runId) return docId;
  return null;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
function diagnosticsOf(e: unknown): Diagnostic[] {
  const d = (e as { diagnostics?: unknown }).diagnostics;
  return Array.isArray(d) ? (d as Diagnostic[]) : [];
}

/** The training slice's state and actions over `store` (its slice of the app store, or a store of its own). */
function trainingState(deps: TrainingDeps, store: StoreApi<TrainingStore>): TrainingStore {
  const set = (partial: Partial<TrainingStore>): void => store.setState(partial);
  const get = store.getState;
  const now = deps.now ?? (() => Date.now());
  const interval = deps.boundaryIntervalMs ?? 500;
  const resolution = deps.boundaryResolution ?? 60;
  /** Starts in flight: document → the token of its latest start (Stop during a start deletes it). */
  const starts = new Map<string, number>();
  let startSeq = 0;
  /** Events and failures of runs whose trainStart has not answered yet (they can come first). */
  const early = new Map<string, TrainEvent[]>();
  const earlyFailures = new Map<string, string>();
  /** Decision-boundary requests per document: one in flight, older answers never replace newer. */
  const boundaries = new Map<string, { inFlight: boolean; seq: number; shown: number }>();
  const pollers = new Map<string, ReturnType<typeof setInterval>>();

  const boundaryState = (docId: string) => {
    let b = boundaries.get(docId);
    if (!b) boundaries.set(docId, (b = { inFlight: false, seq: 0, shown: 0 }));
    return b;
  };
  const stopPolling = (docId: string) => {
    const t = pollers.get(docId);
    if (t !== undefined) clearInterval(t);
    pollers.delete(docId);
  };
  const startPolling = (docId: string) => {
    stopPolling(docId);
    pollers.set(
      docId,
      setInterval(() => {
        const s = store.getState();
        // only the document on screen is drawn; another one gets its picture when it is shown again
        if (s.docId === docId && runOf(s, docId).status === 'running') void s.refreshBoundary(docId);
      }, interval),
    );
  };

  /** Change a document's run (and the top level when it is the document on screen). */
  const patch = (docId: string, partial: Partial<TrainingRunState>) => {
    const s = store.getState();
    const next = { ...runOf(s, docId), ...partial };
    store.setState({ byDoc: { ...s.byDoc, [docId]: next }, ...(s.docId === docId ? next : {}) });
  };

  const afterEnd = (docId: string) => {
    stopPolling(docId);
    const s = store.getState();
    const r = runOf(s, docId);
    if (r.wantsBoundary && r.status !== 'failed') {
      boundaryState(docId).inFlight = false; // the final picture must not be skipped because a poll is pending
      void s.refreshBoundary(docId);
    }
    if (r.status === 'done' || r.status === 'stopped') {
      if (r.history.length > 0 || r.step > 0) void s.evaluate(docId);
    }
  };

  /** A run failed without an `end` event (it threw): it is over, with its reason shown. */
  const fail = (docId: string, message: string) => {
    stopPolling(docId);
    patch(docId, { status: 'failed', error: message, pending: null, runningSince: null, etaSeconds: null });
  };

  const state: TrainingStore = {
    ...initialRun,
    docId: deps.docId ?? 'doc-0',
    byDoc: {},
    backendChoice: 'auto',
    backends: [],
    stepsPerSecond: null,

    async start(options = {}) {
      const docId = get().docId;
      const s = runOf(get(), docId);
      if (s.pending || isActive(s.status)) return;
      const document = deps.getDocument();
      if (!document) {
        patch(docId, { error: 'There is no document to train.', errorDiagnostics: [] });
        return;
      }
      if (!document.training?.dataset) {
        patch(docId, { error: 'Choose a dataset in the Data tab first.', errorDiagnostics: [] });
        return;
      }
      stopPolling(docId);
      const token = ++startSeq;
      starts.set(docId, token);
      patch(docId, {
        ...initialProgress,
        pending: 'start',
        error: null,
        errorDiagnostics: [],
        evaluation: null,
        evaluating: false,
        boundary: null,
        wantsBoundary: options.boundary ?? false,
        runDataset: datasetKey({ name: document.training.dataset.name, params: document.training.dataset.params ?? {} }),
        backend: null,
        provider: null,
        note: null,
      });
      const settle = () => {
        if (starts.get(docId) === token) starts.delete(docId);
        if (starts.size === 0) {
          early.clear();
          earlyFailures.clear();
        }
      };
      try {
        const r = await deps.client.request('trainStart', {
          document: document as unknown as Record<string, unknown>,
          backend: get().backendChoice,
          overrides: {},
          ...(get().stepsPerSecond !== null ? { stepsPerSecond: get().stepsPerSecond } : {}),
        });
        if (starts.get(docId) !== token) {
          // stopped (or started again) while it was starting: that run ends on the server too
          early.delete(r.runId);
          earlyFailures.delete(r.runId);
          settle();
          void deps.client.request('trainStop', { runId: r.runId }).catch(() => undefined);
          return;
        }
        const queued = early.get(r.runId) ?? [];
        const failure = earlyFailures.get(r.runId);
        early.delete(r.runId);
        earlyFailures.delete(r.runId);
        settle();
        patch(docId, { runId: r.runId, backend: r.backend, provider: r.provider, note: r.note, pending: null, status: 'running', runningSince: now() });
        for (const event of queued) get().handleEvent(r.runId, event);
        if (failure !== undefined && isActive(runOf(get(), docId).status)) fail(docId, failure);
        if (runOf(get(), docId).wantsBoundary && isActive(runOf(get(), docId).status)) startPolling(docId);
      } catch (e) {
        const mine = starts.get(docId) === token;
        settle();
        // a refused start never ran: the reason is shown, and Start is there again
        if (mine) patch(docId, { pending: null, status: 'idle', error: messageOf(e), errorDiagnostics: diagnosticsOf(e) });
      }
    },

    async pause() {
      const docId = get().docId;
      const { runId, status, pending } = runOf(get(), docId);
      if (!runId || status !== 'running' || pending) return;
      patch(docId, { pending: 'pause' });
      try {
        await deps.client.request('trainPause', { runId });
        // the `paused` event flips the status; a run that ended meanwhile stays ended
      } catch (e) {
        patch(docId, { error: messageOf(e) });
      } finally {
        patch(docId, { pending: null });
      }
      if (runOf(get(), docId).wantsBoundary) void get().refreshBoundary(docId);
    },

    async resume() {
      const docId = get().docId;
      const { runId, status, pending } = runOf(get(), docId);
      if (!runId || status !== 'paused' || pending) return;
      patch(docId, { pending: 'resume' });
      try {
        await deps.client.request('trainResume', { runId });
      } catch (e) {
        patch(docId, { error: messageOf(e) });
      } finally {
        patch(docId, { pending: null });
      }
    },

    async stop() {
      const docId = get().docId;
      const { runId, status, pending } = runOf(get(), docId);
      if (pending === 'start') {
        // it never started: end it here; the run, if the engine answers with one, is stopped then
        starts.delete(docId);
        stopPolling(docId);
        patch(docId, { pending: null, status: 'stopped', endReason: 'cancelled', runningSince: null, etaSeconds: null });
        return;
      }
      if (!runId || !isActive(status) || pending === 'stop') return;
      patch(docId, { pending: 'stop' });
      try {
        await deps.client.request('trainStop', { runId });
        // the `end` event follows
      } catch (e) {
        // the engine has no such run, or it already ended: it is over here too
        if (isActive(runOf(get(), docId).status)) {
          stopPolling(docId);
          patch(docId, { status: 'stopped', endReason: 'cancelled', runningSince: null, etaSeconds: null, error: `Stopped here; the engine said: ${messageOf(e)}` });
        }
      } finally {
        patch(docId, { pending: null });
      }
    },

    setBackendChoice(choice) {
      set({ backendChoice: choice });
    },

    async setStepsPerSecond(sps) {
      set({ stepsPerSecond: sps });
      const { runId, status } = runOf(get(), get().docId);
      if (!runId || !isActive(status)) return;
      try {
        await deps.client.request('trainSpeed', { runId, stepsPerSecond: sps });
      } catch (e) {
        patch(get().docId, { error: messageOf(e) });
      }
    },

    async loadBackends() {
      try {
        set({ backends: await deps.client.request('listBackends', {}) });
      } catch (e) {
        patch(get().docId, { error: messageOf(e) });
      }
    },

    async refreshBoundary(docId = get().docId) {
      const { runId, wantsBoundary } = runOf(get(), docId);
      const b = boundaryState(docId);
      if (!runId || !wantsBoundary || b.inFlight) return;
      b.inFlight = true;
      const seq = ++b.seq;
      try {
        const r = await deps.client.request('decisionBoundary', { runId, resolution });
        // an older answer must not replace a newer picture (the final one is asked while a poll may be out)
        if (runOf(get(), docId).runId === runId && seq > b.shown) {
          b.shown = seq;
          patch(docId, { boundary: r });
        }
      } catch (e) {
        const code = (e as { code?: string }).code;
        // data that is not 2-D: stop asking; a run that has not started yet: ask again later
        if (code === 'bad-request') patch(docId, { wantsBoundary: false });
      } finally {
        if (seq === b.seq) b.inFlight = false;
      }
    },

    async evaluate(docId = get().docId) {
      const { runId, testSamples } = runOf(get(), docId);
      if (!runId) return;
      patch(docId, { evaluating: true });
      const split: 'train' | 'test' = testSamples > 0 ? 'test' : 'train';
      const mine = () => runOf(get(), docId).runId === runId;
      try {
        const r = await deps.client.request('evaluate', { runId, split });
        if (mine()) patch(docId, { evaluation: { ...r, split } });
      } catch (e) {
        if (mine()) patch(docId, { error: `evaluation failed: ${messageOf(e)}` });
      } finally {
        if (mine()) patch(docId, { evaluating: false });
      }
    },

    clearError() {
      patch(get().docId, { error: null, errorDiagnostics: [] });
    },

    switchDocument(docId) {
      if (docId === get().docId) return;
      const r = runOf(get(), docId);
      const next: Partial<TrainingRunState> = {};
      for (const k of RUN_KEYS) (next as Record<string, unknown>)[k] = r[k];
      set({ docId, ...next });
      // a run that went on while another document was shown: its picture now
      if (r.wantsBoundary && r.runId && r.status !== 'failed') void get().refreshBoundary(docId);
    },

    handleEvent(runId, event) {
      const docId = docOfRun(get(), runId);
      if (docId === null) {
        // trainStart has not answered yet: keep it for the run it will name
        if (starts.size > 0) early.set(runId, [...(early.get(runId) ?? []), event].slice(-10_000));
        return;
      }
      const s = runOf(get(), docId);
      const wasActive = isActive(s.status);
      if (!wasActive) return; // it ended (or was stopped here) already
      const next = reduceTrainEvent(s, runId, event, now());
      if (next === s) return;
      patch(docId, next);
      // the engine may say at the start which backend and provider really run the steps
      if (event.type === 'start' && event.backend) {
        const r = runOf(get(), docId);
        patch(docId, { backend: event.backend, provider: event.provider ?? r.provider, note: event.backendNote ?? r.note });
      }
      if (event.type === 'end') afterEnd(docId);
    },

    dispose() {
      for (const docId of [...pollers.keys()]) stopPolling(docId);
      offTrain();
      offLog();
    },
  };

  const offTrain = deps.client.on('train', ({ runId, event }) => store.getState().handleEvent(runId, event));
  // A run that throws (rather than ending with an `end` event) is reported as a log line.
  const offLog = deps.client.on('log', ({ level, message }) => {
    const m = level === 'error' ? /^training (\S+) failed: ([\s\S]*)$/.exec(message) : null;
    if (!m) return;
    const [, runId, reason] = m as unknown as [string, string, string];
    const docId = docOfRun(store.getState(), runId);
    if (docId === null) {
      if (starts.size > 0) earlyFailures.set(runId, reason);
      return;
    }
    if (isActive(runOf(store.getState(), docId).status)) fail(docId, reason);
  });

  return state;
}

export interface TrainingSlice {
  training: TrainingStore;
}

/** The app store's `training` slice: it trains the `document` slice's document. */
export function trainingSlice(deps: Omit<TrainingDeps, 'getDocument'>): StateCreator<AppState, [], [], TrainingSlice> {
  return (_set, get, api) => ({ training: trainingState({ ...deps, getDocument: () => get().document.document }, sliceApi(api, 'training')) });
}

/** A store of the training slice alone (tests). */
export function createTrainingStore(deps: TrainingDeps): StoreApi<TrainingStore> {
  return createStore<TrainingStore>()((_set, _get, api) => trainingState(deps, api));
}
