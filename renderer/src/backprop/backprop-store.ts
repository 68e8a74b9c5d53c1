/**
 * Backprop mode's state: Edit or Backprop, the step-through session the engine computed (every
 * forward and backward step), the cursor over it, playback, the sample and dtype, the label
 * scale, and what the edges show at the cursor (recomputed only when the cursor or scale moves).
 *
 * A session belongs to the document it was computed for (`docId`): it steps that document's
 * model — the weights of its own finished or paused run when it has one, else its own (trained
 * file or initial) weights, never another document's run. Switching documents keeps each
 * document's session in `byDoc` and shows the new document's own (computing it in Backprop mode).
 *
 * The `backprop` slice of the app store (app-store.ts): it reads the `document` slice's document,
 * the `training` slice's run (`selectSessionRun`) and opens the `ui` slice's dock through the
 * app's `get()`; `backpropStore` and `useBackprop` are views of it.
 */
import { useStore, type StateCreator, type StoreApi } from 'zustand';
import { appStore, selectSessionRun, type AppState } from '../store/app-store';
import { sliceApi } from '../store/slice';
import { selectTimelineCheckpoint } from '../panels/timeline-model';
import type { EngineClient, Results } from '../../../engine/service/protocol';
import { edgeViewsAt, scaleOf, type EdgeView, type Scale, type Step } from './backprop-model';
import { guessIsRight, pendingAt } from './callout-model';

export type Mode = 'edit' | 'backprop';

export type CheckResult = Results['checkEdge'];

/** A gradient Predict first has revealed: the guess for the element (null: shown without one) and whether it was right. */
export interface Prediction {
  guess: number | null;
  element: number;
  actual: number;
  right: boolean | null;
}

/** What a document's step-through session is, kept while another document is shown. */
export type BackpropSession = Pick<
  BackpropState,
  'sessionId' | 'steps' | 'objective' | 'samples' | 'splitSize' | 'cursor' | 'split' | 'sample' | 'dtype' | 'fromRun' | 'trainingMode' | 'scale' | 'checks'
>;

export interface BackpropState {
  mode: Mode;
  /** The document the session belongs to (the document store's `docId`). */
  docId: string;
  /** Other documents' sessions, by document id. */
  byDoc: Readonly<Record<string, BackpropSession>>;
  loading: boolean;
  error: string | null;
  sessionId: string | null;
  steps: Step[];
  objective: number | null;
  samples: number[];
  splitSize: number;
  /** Layers ran as in training; false: as in evaluation (one sample through BatchNorm's running statistics). */
  trainingMode: boolean;
  /** −1: before the first step. */
  cursor: number;
  playing: boolean;
  /** Steps per second. */
  speed: number;
  split: 'train' | 'test';
  sample: number;
  dtype: 'float32' | 'float64';
  logScale: boolean;
  /** Whether the session came from the training run's model. */
  fromRun: boolean;
  scale: Scale;
  edgeViews: Record<string, EdgeView>;
  checks: Record<string, CheckResult | { error: string } | 'pending'>;
  /** The "during training" overlay: gradient norm per edge, while a run trains. */
  overlay: boolean;
  trainGrads: Record<string, { norm: number; mean: number; absMax: number }>;
  /** The chosen element (0-based flat index; shown one-based): the wires highlight it, the callout and the panel use it. */
  element: number;
  /** Predict first: each gradient stays hidden until the student guesses its chosen element. */
  predict: boolean;
  /** Revealed gradients by key (`e:<edge>`, `p:<node>:<param>`), with the guess. */
  predictions: Readonly<Record<string, Prediction>>;
  /** Bumped when a step forward waits for a prediction (the callout asks again). */
  nudge: number;
}

export interface BackpropActions {
  setMode(m: Mode): void;
  toggleMode(): void;
  load(): Promise<void>;
  go(cursor: number): void;
  stepBy(delta: number): void;
  toStart(): void;
  toEnd(): void;
  reset(): void;
  togglePlay(): void;
  setSpeed(s: number): void;
  setSample(split: 'train' | 'test', sample: number): void;
  setDtype(d: 'float32' | 'float64'): void;
  setLogScale(b: boolean): void;
  setOverlay(b: boolean): void;
  /** Finite differences for the chosen element (0-based) of an edge's gradient. */
  checkEdge(edgeId: string, element: number): Promise<void>;
  /** Show another document: its own session (or none yet; computed in Backprop mode). */
  switchDocument(docId: string): void;
  setElement(element: number): void;
  setPredict(on: boolean): void;
  /** A guess for gradient `key` at `element` whose value is `actual`; null: show it without a guess. */
  predictGuess(key: string, guess: number | null, element: number, actual: number): void;
}

const EMPTY_SESSION: BackpropSession = {
  sessionId: null, steps: [], objective: null, samples: [], splitSize: 0, cursor: -1,
  split: 'train', sample: 0, dtype: 'float32', fromRun: false, trainingMode: true, scale: { value: 1, grad: 1 }, checks: {},
};

function sessionOf(s: BackpropState): BackpropSession {
  const { sessionId, steps, objective, samples, splitSize, cursor, split, sample, dtype, fromRun, trainingMode, scale, checks } = s;
  return { sessionId, steps, objective, samples, splitSize, cursor, split, sample, dtype, fromRun, trainingMode, scale, checks };
}

/** The run whose weights a document's session steps with (see `selectSessionRun`). */
export function runForSession(docId: string): string | null {
  return selectSessionRun(appStore().getState(), docId);
}

export type BackpropStore = BackpropState & BackpropActions;

export interface BackpropSlice {
  backprop: BackpropStore;
}

export interface BackpropDeps {
  client: EngineClient;
  /** The document on screen at creation. */
  docId: string;
}

/** The app store's `backprop` slice. */
export function backpropSlice(deps: BackpropDeps): StateCreator<AppState, [], [], BackpropSlice> {
  return (_set, app, api) => ({ backprop: backpropState(deps, app, sliceApi(api, 'backprop')) });
}

function backpropState(deps: BackpropDeps, app: () => AppState, store: StoreApi<BackpropStore>): BackpropStore {
  const set = (partial: Partial<BackpropStore>): void => store.setState(partial);
  const get = store.getState;
  const engine = deps.client;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let request = 0;

  const recompute = (cursor: number, extra: Partial<BackpropState> = {}) => {
    const s = { ...get(), ...extra };
    set({ ...extra, cursor, edgeViews: edgeViewsAt(s.steps, cursor, { log: s.logScale, scale: s.scale }, get().edgeViews) });
  };
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const tick = () => {
    const s = get();
    if (!s.playing) return;
    if (s.cursor >= s.steps.length - 1) {
      set({ playing: false });
      return;
    }
    if (s.predict && pendingAt(s.steps[s.cursor], s.predictions).length > 0) {
      set({ playing: false, nudge: s.nudge + 1 });
      return;
    }
    recompute(s.cursor + 1);
    timer = setTimeout(tick, 1000 / get().speed);
  };
  return {
    mode: 'edit',
    docId: deps.docId,
    byDoc: {},
    loading: false,
    error: null,
    sessionId: null,
    steps: [],
    objective: null,
    samples: [],
    splitSize: 0,
    trainingMode: true,
    cursor: -1,
    playing: false,
    speed: 2,
    split: 'train',
    sample: 0,
    dtype: 'float32',
    logScale: false,
    fromRun: false,
    scale: { value: 1, grad: 1 },
    edgeViews: {},
    checks: {},
    overlay: true,
    trainGrads: {},
    element: 0,
    predict: false,
    predictions: {},
    nudge: 0,

    setMode(mode) {
      if (mode === get().mode) return;
      stopTimer();
      set({ mode, playing: false });
      if (mode === 'backprop') {
        set({ predict: predictFirstOf(app()), predictions: {} });
        app().ui.showDock('backprop');
        void get().load();
      } else {
        set({ edgeViews: {}, steps: [], sessionId: null, cursor: -1, error: null, checks: {} });
      }
    },
    toggleMode() {
      get().setMode(get().mode === 'edit' ? 'backprop' : 'edit');
    },
    async load() {
      const id = ++request;
      const { split, sample, dtype, docId } = get();
      // the document on screen, with its own run's weights when it has trained
      const runId = selectSessionRun(app(), docId);
      // or, from the training timeline, a step's checkpoint: the weights that step ran on, and its batch
      const at = selectTimelineCheckpoint(app(), docId);
      stopTimer();
      set({ loading: true, error: null, playing: false });
      try {
        const params = {
          document: app().document.document as unknown as Record<string, unknown>,
          ...(at ? { runId: at.runId, checkpoint: { step: at.step } } : runId ? { runId } : {}),
          split, samples: [sample], dtype,
        };
        const r: Results['stepThrough'] = await engine.request('stepThrough', params);
        if (id !== request || get().mode !== 'backprop' || get().docId !== docId) return;
        const prevCursor = get().sessionId ? get().cursor : -1;
        const cursor = Math.min(prevCursor, r.steps.length - 1);
        const scale = scaleOf(r.steps);
        set({ loading: false, sessionId: r.sessionId, steps: r.steps, objective: r.objective, samples: r.samples, splitSize: r.splitSize, scale, fromRun: r.fromRun ?? false, trainingMode: r.trainingMode, checks: {}, predictions: {} });
        recompute(cursor);
      } catch (e) {
        if (id !== request) return;
        set({ loading: false, error: e instanceof Error ? e.message : String(e) });
      }
    },
    go(cursor) {
      const n = get().steps.length;
      recompute(Math.max(-1, Math.min(n - 1, cursor)));
    },
    stepBy(delta) {
      const s = get();
      // Predict first: the step's gradients wait for a guess before the next step
      if (delta > 0 && s.predict && pendingAt(s.steps[s.cursor], s.predictions).length > 0) {
        set({ nudge: s.nudge + 1 });
        return;
      }
      get().go(s.cursor + delta);
    },
    toStart() {
      get().go(-1);
    },
    toEnd() {
      get().go(get().steps.length - 1);
    },
    reset() {
      stopTimer();
      set({ playing: false, checks: {}, predictions: {} });
      get().go(-1);
    },
    togglePlay() {
      stopTimer();
      if (get().playing) {
        set({ playing: false });
        return;
      }
      if (get().cursor >= get().steps.length - 1) get().go(-1);
      set({ playing: true });
      timer = setTimeout(tick, 1000 / get().speed);
    },
    setSpeed(speed) {
      set({ speed });
    },
    setSample(split, sample) {
      set({ split, sample: Math.max(0, Math.floor(sample) || 0) });
      if (get().mode === 'backprop') void get().load();
    },
    setDtype(dtype) {
      set({ dtype });
      if (get().mode === 'backprop') void get().load();
    },
    setLogScale(logScale) {
      recompute(get().cursor, { logScale, edgeViews: {} });
    },
    setOverlay(overlay) {
      set({ overlay, ...(overlay ? {} : { trainGrads: {} }) });
    },
    switchDocument(docId) {
      const s = get();
      if (docId === s.docId) return;
      request++; // a session being computed for the old document is dropped
      stopTimer();
      const byDoc = { ...s.byDoc };
      if (s.sessionId) byDoc[s.docId] = sessionOf(s);
      // a kept session is shown again in Backprop mode (Edit mode computes one when entering it)
      const mine = (s.mode === 'backprop' ? byDoc[docId] : undefined) ?? EMPTY_SESSION;
      if (s.mode === 'backprop') delete byDoc[docId];
      set({ docId, byDoc, ...mine, loading: false, error: null, playing: false, trainGrads: {}, edgeViews: {}, predictions: {}, predict: predictFirstOf(app()) });
      if (s.mode !== 'backprop') return;
      if (mine.sessionId) recompute(mine.cursor);
      else void get().load();
    },
    setElement(element) {
      const e = Math.max(0, Math.floor(element) || 0);
      if (e !== get().element) set({ element: e });
    },
    setPredict(predict) {
      set({ predict });
    },
    predictGuess(key, guess, element, actual) {
      const right = guess === null ? null : guessIsRight(guess, actual);
      set({ predictions: { ...get().predictions, [key]: { guess, element, actual, right } } });
    },
    async checkEdge(edgeId, element) {
      const sessionId = get().sessionId;
      if (!sessionId) return;
      set({ checks: { ...get().checks, [edgeId]: 'pending' } });
      try {
        const r = await engine.request('checkEdge', { sessionId, edgeId, element });
        if (get().sessionId === sessionId) set({ checks: { ...get().checks, [edgeId]: r } });
      } catch (e) {
        set({ checks: { ...get().checks, [edgeId]: { error: e instanceof Error ? e.message : String(e) } } });
      }
    },
  };
}

/** Whether the document on screen asks for Predict first (a lesson's setting). */
function predictFirstOf(app: AppState): boolean {
  return app.document.document.lesson?.predictFirst === true;
}

/** The app's backprop slice, as a store of its own. */
export const backpropStore: StoreApi<BackpropStore> = sliceApi(appStore, 'backprop');

export function useBackprop<T>(selector: (s: BackpropStore) => T): T {
  return useStore(backpropStore, selector);
}
