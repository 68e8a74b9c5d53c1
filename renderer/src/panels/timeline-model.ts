/**
 * The training timeline ("time travel"), the `timeline` slice of the app store: the recorded
 * steps of the document on screen's run (loss, parameter and gradient norms per step, which
 * steps kept their weights: engine/train/recorder.ts), the step the user scrubbed to, each
 * edge's gradient norm at that step (the wires are coloured by it), and whether Backprop mode
 * is open at that step's checkpoint (then the backprop slice steps through that training step:
 * its weights and its batch, `selectTimelineCheckpoint`).
 *
 * `cursor` null is "live": the wires show what the training overlay shows. Answers that come
 * back for an older request (a newer scrub, another run) are dropped.
 */
import type { StateCreator, StoreApi } from 'zustand';
import type { AppState } from '../store/app-store';
import { sliceApi } from '../store/slice';
import type { EngineClient, Results, TimelineResult } from '../../../engine/service/protocol';

export type TimelineEdges = Results['timelineEdges'];

export interface TimelineState {
  /** The run the timeline is of (null: none yet). */
  runId: string | null;
  data: TimelineResult | null;
  error: string | null;
  /** The scrubbed step (a recorded one), or null: live. */
  cursor: number | null;
  /** Edge gradient norms at the cursor (of the checkpoint at or before it). */
  edges: TimelineEdges | null;
  edgesLoading: boolean;
  /** Backprop mode is open at this step's checkpoint (its weights and batch). */
  backpropAt: number | null;
}

export interface TimelineActions {
  /** Fetch the run's timeline now (a different run clears the cursor). */
  refresh(runId: string): Promise<void>;
  /** Scrub to a recorded step (null: live); fetches the wires' gradient norms there. */
  scrub(step: number | null): void;
  /** Open Backprop mode at the cursor's checkpoint (the step's weights and batch). */
  openBackprop(): void;
  /** Backprop mode no longer follows a checkpoint (it steps the run's current weights again). */
  leaveBackprop(): void;
  /** Another document is on screen: its run's timeline is fetched when shown. */
  clear(): void;
}

export type TimelineStore = TimelineState & TimelineActions;

export interface TimelineSlice {
  timeline: TimelineStore;
}

const EMPTY: TimelineState = { runId: null, data: null, error: null, cursor: null, edges: null, edgesLoading: false, backpropAt: null };

/** The checkpoint Backprop mode should step through for a document, or null (its usual weights). */
export function selectTimelineCheckpoint(s: AppState, docId: string): { runId: string; step: number } | null {
  const t = s.timeline;
  if (t.backpropAt === null || !t.runId || docId !== s.document.docId) return null;
  return { runId: t.runId, step: t.backpropAt };
}

/** The recorded step nearest to `step` (records are sorted by step). */
export function nearestRecorded(data: TimelineResult, step: number): number | null {
  const r = data.records;
  if (r.length === 0) return null;
  let best = r[0]!.step;
  for (const x of r) if (Math.abs(x.step - step) < Math.abs(best - step)) best = x.step;
  return best;
}

/** The gradient-norm wire style at the cursor: thickness and colour from the norm relative to the step's largest, on a log scale (six decades). */
export function wireStrength(norm: number, max: number): number {
  if (!(norm > 0) || !(max > 0)) return 0;
  return Math.max(0, Math.min(1, 1 + Math.log10(norm / max) / 6));
}

export function timelineSlice(client: EngineClient): StateCreator<AppState, [], [], TimelineSlice> {
  return (_set, app, api) => ({ timeline: timelineState(client, app, sliceApi(api, 'timeline')) });
}

function timelineState(engine: EngineClient, app: () => AppState, store: StoreApi<TimelineStore>): TimelineStore {
  const set = (p: Partial<TimelineStore>): void => store.setState(p);
  const get = store.getState;
  let fetchSeq = 0;
  let edgeSeq = 0;
  let edgeTimer: ReturnType<typeof setTimeout> | null = null;

  const reloadBackprop = () => {
    const bp = app().backprop;
    if (bp.mode === 'backprop') void bp.load();
    else bp.setMode('backprop');
  };

  return {
    ...EMPTY,

    async refresh(runId) {
      const seq = ++fetchSeq;
      if (runId !== get().runId) set({ ...EMPTY, runId });
      try {
        const data = await engine.request('timeline', { runId });
        if (seq !== fetchSeq || get().runId !== runId) return;
        set({ data, error: null });
      } catch (e) {
        if (seq !== fetchSeq || get().runId !== runId) return;
        set({ error: e instanceof Error ? e.message : String(e) });
      }
    },

    scrub(step) {
      const { runId, data } = get();
      if (edgeTimer) clearTimeout(edgeTimer);
      edgeTimer = null;
      const seq = ++edgeSeq;
      if (step === null || !runId || !data) {
        set({ cursor: null, edges: null, edgesLoading: false });
        get().leaveBackprop();
        return;
      }
      set({ cursor: step, edgesLoading: true });
      // dragging the slider asks for the step it rests on, not for every step it passes
      edgeTimer = setTimeout(() => {
        edgeTimer = null;
        // Backprop mode open at a checkpoint follows the scrub to another checkpointed step
        if (get().backpropAt !== null && get().backpropAt !== step && data.checkpointSteps.includes(step)) {
          set({ backpropAt: step });
          reloadBackprop();
        }
        engine.request('timelineEdges', { runId, step }).then(
          (edges) => {
            if (seq === edgeSeq) set({ edges, edgesLoading: false, error: null });
          },
          (e: unknown) => {
            if (seq === edgeSeq) set({ edges: null, edgesLoading: false, error: e instanceof Error ? e.message : String(e) });
          },
        );
      }, 80);
    },

    openBackprop() {
      const { cursor, data } = get();
      if (cursor === null || !data?.checkpointSteps.includes(cursor)) return;
      set({ backpropAt: cursor });
      reloadBackprop();
    },

    leaveBackprop() {
      if (get().backpropAt === null) return;
      set({ backpropAt: null });
      const bp = app().backprop;
      if (bp.mode === 'backprop') void bp.load();
    },

    clear() {
      fetchSeq++;
      edgeSeq++;
      if (edgeTimer) clearTimeout(edgeTimer);
      edgeTimer = null;
      set({ ...EMPTY });
    },
  };
}
