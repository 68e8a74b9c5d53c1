/**
 * The training timeline under the canvas ("time travel"): the run's recorded steps as a loss
 * line over a strip per parameter coloured by its gradient norm (a vanishing layer is a row
 * going grey), a slider that scrubs through them — the wires then take their gradient norms at
 * that step — and a button that opens Backprop mode at the step's checkpoint (the weights that
 * step ran on, and its batch). Shown once the document on screen has a run.
 */
import { useEffect, useLayoutEffect, useRef, type ReactNode } from 'react';
import { selectCurrentRun, useApp, appStore } from '../store/app-store';
import { isActive } from './training-reducer';
import { formatNumber } from './format';
import { FALLBACK, mix, parseColor, toCss } from './color';
import type { TimelineResult } from '../../../engine/service/protocol';
import './timeline.css';

const timeline = () => appStore().getState().timeline;

/** Steps whose gradient norms are still being computed again from their checkpoints (a backend that keeps no gradients). */
const unfilled = (d: TimelineResult | null): number => (d ? d.records.filter((r) => r.gradNorms.every((g) => g === null)).length : 0);

/**
 * Keeps the timeline of the document on screen's run fresh: once a second while it trains, once
 * when it stops — and then again while the engine is still filling in gradient norms.
 */
function useTimelinePolling(): void {
  const runId = useApp((s) => selectCurrentRun(s).runId as string | null);
  const status = useApp((s) => selectCurrentRun(s).status);
  const running = isActive(status) && status === 'running';
  useEffect(() => {
    if (!runId) return;
    let stop = false;
    let t: ReturnType<typeof setTimeout> | null = null;
    let last = Infinity;
    const poll = async () => {
      await timeline().refresh(runId);
      if (stop) return;
      const left = unfilled(appStore().getState().timeline.data);
      // while training: every second; after: while the gaps still shrink
      if (running) t = setTimeout(() => void poll(), 1000);
      else if (left > 0 && left < last) t = setTimeout(() => void poll(), 300);
      last = left;
    };
    void poll();
    return () => {
      stop = true;
      if (t) clearTimeout(t);
    };
  }, [runId, running, status]);
}

export function Timeline() {
  useTimelinePolling();
  const runId = useApp((s) => selectCurrentRun(s).runId as string | null);
  const data = useApp((s) => (s.timeline.runId === runId ? s.timeline.data : null));
  const cursor = useApp((s) => s.timeline.cursor);
  const edges = useApp((s) => s.timeline.edges);
  const edgesLoading = useApp((s) => s.timeline.edgesLoading);
  const backpropAt = useApp((s) => s.timeline.backpropAt);
  const error = useApp((s) => s.timeline.error);
  if (!runId || !data || data.records.length === 0) return null;

  const records = data.records;
  const index = cursor === null ? records.length - 1 : Math.max(0, records.findIndex((r) => r.step === cursor));
  const at = records[index]!;
  const hasCheckpoint = cursor !== null && data.checkpointSteps.includes(cursor);
  const wiresAt = edges && cursor !== null ? (edges.step === cursor ? ` · wires: gradient norms at step ${edges.step}` : ` · wires: step ${edges.step} (the nearest kept weights)`) : '';
  const thinned = records.length > 1 && records[records.length - 1]!.step - records[0]!.step + 1 > records.length;

  return (
    <section className="bp-timeline" aria-label="Training timeline">
      <div className="bp-tl-head">
        <strong className="bp-tl-title">Timeline</strong>
        <span className="bp-tl-status" role="status" aria-label="Timeline position">
          {cursor === null
            ? `live · step ${data.step} · ${records.length} steps recorded${thinned ? ` (every step to ${data.denseSteps}, then thinned)` : ''}`
            : `step ${at.step} · epoch ${at.epoch + 1}, batch ${at.batch + 1} · loss ${formatNumber(at.loss)}${edgesLoading ? ' · …' : wiresAt}`}
        </span>
        {data.stepsPerSecond !== null && <span className="bp-tl-chip" title="The Training tab’s Speed">slow motion: {data.stepsPerSecond} steps/s</span>}
        <span className="bp-tl-spacer" />
        {backpropAt !== null && (
          <span className="bp-tl-chip is-bp" role="note">
            Backprop mode: training step {backpropAt} (its weights and batch)
            <button type="button" className="bp-tl-link" onClick={() => timeline().leaveBackprop()}>
              use current weights
            </button>
          </span>
        )}
        <button
          type="button"
          className="bp-tl-btn"
          disabled={!hasCheckpoint || backpropAt === cursor}
          title={cursor === null ? 'Scrub to a step first' : hasCheckpoint ? `Step through training step ${cursor} as it ran: the weights it ran on and its batch` : `The weights of step ${cursor} were not kept (thinned); the nearest kept steps can be opened`}
          aria-label="Open Backprop mode at this step"
          onClick={() => timeline().openBackprop()}
        >
          Backprop at step {cursor ?? '…'}
        </button>
        <button type="button" className="bp-tl-btn" disabled={cursor === null} aria-label="Back to live" onClick={() => timeline().scrub(null)}>
          Live
        </button>
      </div>
      <TimelineChart data={data} index={index} live={cursor === null}>
        <input
          className="bp-tl-slider"
          type="range"
          min={0}
          max={records.length - 1}
          step={1}
          value={index}
          aria-label="Training step"
          aria-valuetext={`step ${at.step}`}
          onChange={(e) => timeline().scrub(records[Number(e.target.value)]!.step)}
        />
      </TimelineChart>
      {error && (
        <p className="bp-tl-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

const COOL = parseColor(FALLBACK.cool)!;
const WARM = parseColor(FALLBACK.warm)!;
const GREY = parseColor('#5b6270')!;

/** Rows of the heat strip: the weights first (a layer each), at most 8. */
function rowsOf(data: TimelineResult): number[] {
  const ks = data.parameters.map((_, k) => k);
  const weight = (k: number) => (data.parameters[k]!.name === 'weight' ? 0 : 1);
  return ks.sort((a, b) => weight(a) - weight(b) || a - b).slice(0, 8);
}

/** The plot's height (timeline.css), the loss line's, and the heat strip's rows in it. */
const PLOT_H = 84;
const LOSS_H = 24;
const rowHeight = (rows: number): number => (rows ? Math.max(3, Math.min(14, Math.floor((PLOT_H - LOSS_H - 2) / rows))) : 0);

function TimelineChart({ data, index, live, children }: { data: TimelineResult; index: number; live: boolean; children: ReactNode }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const rows = rowsOf(data);
  const labels = rows.map((k) => `${data.parameters[k]!.nodeId}.${data.parameters[k]!.name}`);
  const recomputed = data.records.some((r) => r.recomputed);
  useLayoutEffect(() => {
    const c = ref.current;
    if (!c) return;
    const w = c.clientWidth;
    const h = c.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.max(1, Math.round(w * dpr));
    c.height = Math.max(1, Math.round(h * dpr));
    const g = c.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const rec = data.records;
    const n = rec.length;
    const x = (i: number) => (n <= 1 ? w / 2 : (i / (n - 1)) * (w - 1));
    const lossH = LOSS_H;
    const rowH = rowHeight(rows.length);
    // gradient norms: log scale over all recorded ones
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of rec) for (const k of rows) {
      const v = r.gradNorms[k];
      if (v !== null && v !== undefined && v > 0) {
        lo = Math.min(lo, Math.log10(v));
        hi = Math.max(hi, Math.log10(v));
      }
    }
    const span = Math.max(hi - lo, 1e-9);
    const colW = Math.max(1, (w - 1) / Math.max(n - 1, 1) + 0.5);
    rows.forEach((k, j) => {
      const y = lossH + 2 + j * rowH;
      for (let i = 0; i < n; i++) {
        const v = rec[i]!.gradNorms[k];
        if (v === null || v === undefined) continue; // not known (yet): left empty
        g.fillStyle = v > 0 ? toCss(mix(GREY, WARM, (Math.log10(v) - lo) / span)) : toCss(GREY);
        g.fillRect(x(i) - colW / 2, y, colW, rowH - 1);
      }
    });
    // the loss line (log scale)
    let llo = Infinity;
    let lhi = -Infinity;
    for (const r of rec) if (r.loss > 0) {
      llo = Math.min(llo, Math.log10(r.loss));
      lhi = Math.max(lhi, Math.log10(r.loss));
    }
    const lspan = Math.max(lhi - llo, 1e-9);
    g.strokeStyle = toCss(COOL);
    g.lineWidth = 1.5;
    g.beginPath();
    rec.forEach((r, i) => {
      const yy = r.loss > 0 ? 2 + (1 - (Math.log10(r.loss) - llo) / lspan) * (lossH - 4) : lossH - 2;
      if (i === 0) g.moveTo(x(i), yy);
      else g.lineTo(x(i), yy);
    });
    g.stroke();
    // the cursor
    if (!live) {
      g.fillStyle = 'rgba(255,255,255,0.85)';
      g.fillRect(Math.round(x(index)) - 1, 0, 2, h);
    }
  }, [data, index, live, rows.length]);
  return (
    <div className="bp-tl-chart">
      <div className="bp-tl-rows" aria-hidden="true">
        <span className="bp-tl-row-label is-loss" style={{ height: LOSS_H + 2, lineHeight: `${LOSS_H}px` }}>
          loss
        </span>
        {labels.map((l) => (
          <span
            key={l}
            className="bp-tl-row-label"
            style={{ height: rowHeight(labels.length), lineHeight: `${rowHeight(labels.length)}px`, ...(rowHeight(labels.length) < 10 ? { fontSize: 0 } : {}) }}
            title={`‖∂L/∂${l}‖ per step (grey: small, warm: large; log scale over the recorded steps)${recomputed ? '; computed again from the checkpoints (this backend keeps no gradients)' : ''}`}
          >
            {l}
          </span>
        ))}
      </div>
      <div className="bp-tl-plot">
        <canvas ref={ref} className="bp-tl-canvas" role="img" aria-label={`Loss and gradient norms of ${labels.join(', ')} over ${data.records.length} recorded steps`} />
        {children}
      </div>
    </div>
  );
}
