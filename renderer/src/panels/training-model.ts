/**
 * The training store, built by a factory over an EngineClient and a way to read the current
 * document, so tests drive it with a fake client and fake timers. It starts, pauses, resumes and
 * stops runs, reduces the engine's `train` events (training-reducer.ts), polls the decision
 * boundary of 2-D data at most every 500 ms while a run trains (and once at the end), and
 * evaluates the model when the run ends (loss, accuracy, confusion matrix).
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { BackendInfo, EngineClient, Results, TrainEvent } from '../../../engine/service/protocol';
import type { Diagnostic } from '../../../engine/graph/validate';
import type { GraphDocument } from '../../../engine/graph/document';
import { initialProgress, isActive, reduceTrainEvent, type RunProgress } from './training-reducer';
import { datasetKey } from './data-model';

export type BackendChoice = 'auto' | 'ts' | 'ort-cpu' | 'ort-webgpu' | 'ort-cuda' | 'ort-dml' | 'ort-coreml';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'ts', 'ort-cpu', 'ort-webgpu', 'ort-cuda', 'ort-dml', 'ort-coreml'];

export type Evaluation = Results['evaluate'] & { split: 'train' | 'test' };
export type DecisionBoundary = Results['decisionBoundary'];

export interface TrainingState extends RunProgress {
  /** The backend and execution provider the engine used for the run (from trainStart). */
  backend: string | null;
  provider: string | null;
  /** What `auto` decided, in the engine's words. */
  note: string | null;
  backendChoice: BackendChoice;
  backends: BackendInfo[];
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

export interface TrainingActions {
  start(options?: { boundary?: boolean }): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  setBackendChoice(choice: BackendChoice): void;
  loadBackends(): Promise<void>;
  /** Fetch the decision boundary now (no-op when one is in flight). */
  refreshBoundary(): Promise<void>;
  evaluate(): Promise<void>;
  clearError(): void;
  /** Feed one engine event (the store subscribes itself; exposed for tests). */
  handleEvent(runId: string, event: TrainEvent): void;
  /** Stop listening to the engine (tests). */
  dispose(): void;
}

export type TrainingStore = TrainingState & TrainingActions;

export interface TrainingDeps {
  client: EngineClient;
  getDocument(): GraphDocument | null | undefined;
  now?(): number;
  /** Minimum milliseconds between decision-boundary requests while training. */
  boundaryIntervalMs?: number;
  boundaryResolution?: number;
}

const initialState: TrainingState = {
  ...initialProgress,
  backend: null,
  provider: null,
  note: null,
  backendChoice: 'auto',
  backends: [],
  pending: null,
  error: null,
  errorDiagnostics: [],
  evaluation: null,
  evaluating: false,
  wantsBoundary: false,
  boundary: null,
  runDataset: null,
};

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
function diagnosticsOf(e: unknown): Diagnostic[] {
  const d = (e as { diagnostics?: unknown }).diagnostics;
  return Array.isArray(d) ? (d as Diagnostic[]) : [];
}

export function createTrainingStore(deps: TrainingDeps): StoreApi<TrainingStore> {
  const now = deps.now ?? (() => Date.now());
  const interval = deps.boundaryIntervalMs ?? 500;
  const resolution = deps.boundaryResolution ?? 60;
  /** Events that arrived before trainStart answered with their run id. */
  let early: { runId: string; event: TrainEvent }[] = [];
  let starting = false;
  let boundaryInFlight = false;
  let boundarySeq = 0;
  let boundaryShown = 0;
  let boundaryTimer: ReturnType<typeof setInterval> | null = null;

  const stopPolling = () => {
    if (boundaryTimer !== null) clearInterval(boundaryTimer);
    boundaryTimer = null;
  };
  const startPolling = () => {
    stopPolling();
    boundaryTimer = setInterval(() => {
      const s = store.getState();
      if (s.status === 'running') void s.refreshBoundary();
    }, interval);
  };

  const afterEnd = (runId: string) => {
    stopPolling();
    const s = store.getState();
    if (s.wantsBoundary && s.status !== 'failed') {
      boundaryInFlight = false; // the final picture must not be skipped because a poll is pending
      void s.refreshBoundary();
    }
    if (s.status === 'done' || s.status === 'stopped') {
      if (s.history.length > 0 || s.step > 0) void s.evaluate();
    }
    void runId;
  };

  const store = createStore<TrainingStore>()((set, get) => ({
    ...initialState,

    async start(options = {}) {
      const s = get();
      if (s.pending || isActive(s.status)) return;
      const document = deps.getDocument();
      if (!document) {
        set({ error: 'There is no document to train.', errorDiagnostics: [] });
        return;
      }
      if (!document.training?.dataset) {
        set({ error: 'Choose a dataset in the Data tab first.', errorDiagnostics: [] });
        return;
      }
      stopPolling();
      starting = true;
      early = [];
      set({
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
      try {
        const r = await deps.client.request('trainStart', {
          document: document as unknown as Record<string, unknown>,
          backend: get().backendChoice,
          overrides: {},
        });
        starting = false;
        set({ runId: r.runId, backend: r.backend, provider: r.provider, note: r.note, pending: null, status: 'running', runningSince: now() });
        const queued = early.filter((q) => q.runId === r.runId);
        early = [];
        for (const q of queued) get().handleEvent(q.runId, q.event);
        if (get().wantsBoundary && isActive(get().status)) startPolling();
      } catch (e) {
        starting = false;
        early = [];
        set({ pending: null, status: 'idle', error: messageOf(e), errorDiagnostics: diagnosticsOf(e) });
      }
    },

    async pause() {
      const { runId, status, pending } = get();
      if (!runId || status !== 'running' || pending) return;
      set({ pending: 'pause' });
      try {
        await deps.client.request('trainPause', { runId });
        // the `paused` event flips the status; a run that ended meanwhile stays ended
      } catch (e) {
        set({ error: messageOf(e) });
      } finally {
        set({ pending: null });
      }
      if (get().wantsBoundary) void get().refreshBoundary();
    },

    async resume() {
      const { runId, status, pending } = get();
      if (!runId || status !== 'paused' || pending) return;
      set({ pending: 'resume' });
      try {
        await deps.client.request('trainResume', { runId });
      } catch (e) {
        set({ error: messageOf(e) });
      } finally {
        set({ pending: null });
      }
    },

    async stop() {
      const { runId, status, pending } = get();
      if (!runId || !isActive(status) || (pending && pending !== 'pause' && pending !== 'resume')) return;
      set({ pending: 'stop' });
      try {
        await deps.client.request('trainStop', { runId });
      } catch (e) {
        set({ error: messageOf(e) });
      } finally {
        set({ pending: null });
      }
    },

    setBackendChoice(choice) {
      set({ backendChoice: choice });
    },

    async loadBackends() {
      try {
        set({ backends: await deps.client.request('listBackends', {}) });
      } catch (e) {
        set({ error: messageOf(e) });
      }
    },

    async refreshBoundary() {
      const { runId, wantsBoundary } = get();
      if (!runId || !wantsBoundary || boundaryInFlight) return;
      boundaryInFlight = true;
      const seq = ++boundarySeq;
      try {
        const b = await deps.client.request('decisionBoundary', { runId, resolution });
        // an older answer must not replace a newer picture (the final one is asked while a poll may be out)
        if (get().runId === runId && seq > boundaryShown) {
          boundaryShown = seq;
          set({ boundary: b });
        }
      } catch (e) {
        const code = (e as { code?: string }).code;
        // data that is not 2-D: stop asking; a run that has not started yet: ask again later
        if (code === 'bad-request') set({ wantsBoundary: false });
      } finally {
        if (seq === boundarySeq) boundaryInFlight = false;
      }
    },

    async evaluate() {
      const { runId } = get();
      if (!runId) return;
      set({ evaluating: true });
      const split: 'train' | 'test' = get().testSamples > 0 ? 'test' : 'train';
      try {
        const r = await deps.client.request('evaluate', { runId, split });
        if (get().runId === runId) set({ evaluation: { ...r, split } });
      } catch (e) {
        if (get().runId === runId) set({ error: `evaluation failed: ${messageOf(e)}` });
      } finally {
        if (get().runId === runId) set({ evaluating: false });
      }
    },

    clearError() {
      set({ error: null, errorDiagnostics: [] });
    },

    handleEvent(runId, event) {
      const s = get();
      if (s.runId === null) {
        if (starting) early.push({ runId, event });
        return;
      }
      if (runId !== s.runId) return;
      const wasActive = isActive(s.status);
      const next = reduceTrainEvent(s, runId, event, now());
      if (next === s) return;
      set(next);
      // the engine may say at the start which backend and provider really run the steps
      if (event.type === 'start' && event.backend) {
        set({ backend: event.backend, provider: event.provider ?? get().provider, note: event.backendNote ?? get().note });
      }
      if (event.type === 'end' && wasActive) afterEnd(runId);
    },

    dispose() {
      stopPolling();
      offTrain();
      offLog();
    },
  }));

  const offTrain = deps.client.on('train', ({ runId, event }) => store.getState().handleEvent(runId, event));
  // A run that throws (rather than ending with an `end` event) is reported as a log line.
  const offLog = deps.client.on('log', ({ level, message }) => {
    const s = store.getState();
    if (level === 'error' && s.runId && isActive(s.status) && message.startsWith(`training ${s.runId} failed`)) {
      stopPolling();
      store.setState({ status: 'failed', error: message.replace(`training ${s.runId} failed: `, ''), runningSince: null, etaSeconds: null });
    }
  });

  return store;
}
