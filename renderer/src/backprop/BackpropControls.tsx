/**
 * Backprop mode's controls: the Edit / Backprop switch over the canvas, and while in backprop
 * mode the step bar (start, back, play/pause with speed, forward, end, reset, the sample picker,
 * dtype, log scale) with the step counter. ← and → step while the mode is on. Also the hooks
 * that reload the session when the document changes and poll gradient norms while a run trains.
 */
import { useEffect, useRef } from 'react';
import { useBackprop, backpropStore } from './backprop-store';
import { stepCounter } from './backprop-model';
import { useDocumentStore } from '../store/document-store';
import { useTrainingStore } from '../panels/training-store';
import { engine } from '../engine-client';
import { formatNumber } from '../panels/format';
import { revealNode } from '../canvas/flow-api';
import { hasRole } from '../../../engine/graph/nodes/specs';

/** How many of the next steps' nodes a pan that follows the stepping tries to show too. */
const AHEAD = 8;

function isEditable(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/** The Edit / Backprop switch (a toggle button named "Backprop mode"). */
export function BackpropModeToggle() {
  const mode = useBackprop((s) => s.mode);
  const on = mode === 'backprop';
  return (
    <div className="bp-mode-switch" role="group" aria-label="Canvas mode">
      <button type="button" className={`bp-mode-btn${on ? '' : ' is-active'}`} aria-pressed={!on} onClick={() => backpropStore.getState().setMode('edit')} title="Edit the graph">
        Edit
      </button>
      <button
        type="button"
        className={`bp-mode-btn${on ? ' is-active' : ''}`}
        aria-pressed={on}
        aria-label="Backprop mode"
        onClick={() => backpropStore.getState().toggleMode()}
        title="Step through forward and backward, edge by edge (← →)"
      >
        Backprop
      </button>
    </div>
  );
}

function Icon({ d, stroke }: { d: string; stroke?: boolean }) {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
      <path d={d} fill={stroke ? 'none' : 'currentColor'} stroke="currentColor" strokeWidth={stroke ? 1.6 : 1} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

const SPEEDS = [0.5, 1, 2, 4, 8];

export function BackpropControls() {
  const mode = useBackprop((s) => s.mode);
  const steps = useBackprop((s) => s.steps);
  const cursor = useBackprop((s) => s.cursor);
  const playing = useBackprop((s) => s.playing);
  const speed = useBackprop((s) => s.speed);
  const loading = useBackprop((s) => s.loading);
  const error = useBackprop((s) => s.error);
  const split = useBackprop((s) => s.split);
  const sample = useBackprop((s) => s.sample);
  const splitSize = useBackprop((s) => s.splitSize);
  const dtype = useBackprop((s) => s.dtype);
  const logScale = useBackprop((s) => s.logScale);
  const objective = useBackprop((s) => s.objective);
  const fromRun = useBackprop((s) => s.fromRun);
  const trainingMode = useBackprop((s) => s.trainingMode);
  const predict = useBackprop((s) => s.predict);
  const nodes = useDocumentStore((s) => s.document.nodes);
  if (mode !== 'backprop') return null;
  // Where backward starts: a Loss, or — in a graph without one (an imported model) — the value of
  // its one Output when that is a scalar (engine/graph/compile.ts), which L then stands for.
  const start = steps.find((s) => s.phase === 'backward');
  const startNode = start ? nodes.find((nd) => nd.id === start.nodeId) : undefined;
  const output = nodes.find((nd) => hasRole(nd, 'output'));
  const fromOutput = startNode !== undefined && !hasRole(startNode, 'loss') && output ? (output.label ?? output.id) : null;
  const st = backpropStore.getState();
  const n = steps.length;
  const atStart = cursor < 0;
  const atEnd = cursor >= n - 1;
  const phase = cursor >= 0 ? steps[cursor]?.phase : undefined;
  return (
    <div className="bp-bp-bar" role="toolbar" aria-label="Backprop controls">
      <div className="bp-bp-buttons">
        <button type="button" className="bp-icon-btn" aria-label="Jump to start" title="Jump to start (Home)" disabled={atStart || !n} onClick={() => st.toStart()}>
          <Icon d="M8 3 2 8l6 5zM14 3 8 8l6 5z" />
        </button>
        <button type="button" className="bp-icon-btn" aria-label="Step back" title="Step back (←)" disabled={atStart || !n} onClick={() => st.stepBy(-1)}>
          <Icon d="M4 3v10M13 3 6 8l7 5z" />
        </button>
        <button type="button" className="bp-icon-btn bp-bp-play" aria-label={playing ? 'Pause' : 'Play'} title={playing ? 'Pause (space)' : 'Play (space)'} disabled={!n} onClick={() => st.togglePlay()}>
          {playing ? <Icon d="M4 3h3v10H4zM9 3h3v10H9z" /> : <Icon d="M4 2.5 13 8l-9 5.5z" />}
        </button>
        <button type="button" className="bp-icon-btn" aria-label="Step forward" title="Step forward (→)" disabled={atEnd || !n} onClick={() => st.stepBy(1)}>
          <Icon d="M3 3l7 5-7 5zM12 3v10" />
        </button>
        <button type="button" className="bp-icon-btn" aria-label="Jump to end" title="Jump to end (End)" disabled={atEnd || !n} onClick={() => st.toEnd()}>
          <Icon d="M2 3l6 5-6 5zM8 3l6 5-6 5z" />
        </button>
        <button type="button" className="bp-icon-btn" aria-label="Reset" title="Reset to the start" disabled={!n} onClick={() => st.reset()}>
          <Icon d="M3.5 8a4.5 4.5 0 1 0 1.4-3.3M3 2.5v3h3" stroke />
        </button>
        <select aria-label="Playback speed" value={speed} onChange={(e) => st.setSpeed(Number(e.target.value))} title="Steps per second">
          {SPEEDS.map((v) => (
            <option key={v} value={v}>
              {v}×/s
            </option>
          ))}
        </select>
      </div>
      <div className={`bp-bp-counter${phase ? ` is-${phase}` : ''}`} role="status" aria-live="polite" aria-label="Step">
        {loading ? 'computing…' : error ? <span className="bp-bp-error">{error}</span> : stepCounter(steps, cursor)}
        {objective === null && n > 0 && !loading && !error && (
          <span className="bp-bp-objective" title="The graph has no Loss (or scalar Output) to differentiate: its forward steps only">
            forward only — add a Loss to step backward
          </span>
        )}
        {objective !== null && !loading && !error && (
          <span
            className="bp-bp-objective"
            title={
              fromOutput === null
                ? `the objective backward starts from: ${objective}`
                : `No Loss in the graph: backward starts from the scalar output "${fromOutput}" (L is its value, ${objective}; ∂L/∂${fromOutput} = 1)`
            }
          >
            L = {fromOutput === null ? '' : `${fromOutput} = `}
            {formatNumber(objective)}
          </span>
        )}
      </div>
      <div className="bp-bp-options">
        <label className="bp-bp-field" title={fromRun ? 'Using the training run’s current model' : 'Using the document’s initial weights'}>
          <select aria-label="Split" value={split} onChange={(e) => st.setSample(e.target.value as 'train' | 'test', sample)}>
            <option value="train">train</option>
            <option value="test">test</option>
          </select>
          <input
            type="number"
            aria-label="Sample index"
            min={0}
            max={splitSize > 0 ? splitSize - 1 : undefined}
            value={sample}
            onChange={(e) => st.setSample(split, Number(e.target.value))}
          />
          {splitSize > 0 && <span className="bp-muted">/{splitSize}</span>}
        </label>
        {!trainingMode && !loading && !error && (
          <span className="bp-bp-eval" title="One sample has no batch variance: BatchNorm normalises with its running statistics, as PyTorch's model.eval() does">
            eval mode
          </span>
        )}
        <select aria-label="Precision" value={dtype} onChange={(e) => st.setDtype(e.target.value as 'float32' | 'float64')}>
          <option value="float32">float32</option>
          <option value="float64">float64</option>
        </select>
        <label className="bp-bp-check" title="Each gradient stays hidden until you type a guess for the chosen element (a lesson can turn this on)">
          <input type="checkbox" checked={predict} onChange={(e) => st.setPredict(e.target.checked)} aria-label="Predict first" /> predict first
        </label>
        <label className="bp-bp-check">
          <input type="checkbox" checked={logScale} onChange={(e) => st.setLogScale(e.target.checked)} aria-label="Log colour scale" /> log
        </label>
      </div>
    </div>
  );
}

/** Keyboard (← → Home End space), reloading when the document changes, and the training overlay's polling. */
export function useBackpropEffects(): void {
  const mode = useBackprop((s) => s.mode);
  const revision = useDocumentStore((s) => s.revision);
  const status = useTrainingStore((s) => s.status);
  const runId = useTrainingStore((s) => s.runId as string | null);
  const overlay = useBackprop((s) => s.overlay);
  const stepNode = useBackprop((s) => (s.mode === 'backprop' && s.cursor >= 0 ? (s.steps[s.cursor]?.nodeId ?? null) : null));

  // the view follows the step: the node being stepped is panned into view when it is off screen,
  // with the nodes of the next steps (in the direction of stepping) beside it where they fit, so
  // that a held arrow key moves the view every few steps rather than at each
  const lastCursor = useRef(-1);
  useEffect(() => {
    const { steps, cursor } = backpropStore.getState();
    const dir = cursor >= lastCursor.current ? 1 : -1;
    lastCursor.current = cursor;
    if (!stepNode) return;
    const ahead: string[] = [];
    for (let i = cursor + dir; i >= 0 && i < steps.length && ahead.length < AHEAD; i += dir) {
      const id = steps[i]!.nodeId;
      if (id !== stepNode && !ahead.includes(id)) ahead.push(id);
    }
    revealNode(stepNode, { animate: false, ahead });
  }, [stepNode]);

  useEffect(() => {
    if (mode !== 'backprop') return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || isEditable(e.target)) return;
      const s = backpropStore.getState();
      if (e.key === 'ArrowRight') s.stepBy(1);
      else if (e.key === 'ArrowLeft') s.stepBy(-1);
      else if (e.key === 'Home') s.toStart();
      else if (e.key === 'End') s.toEnd();
      else if (e.key === 'Escape') s.setMode('edit');
      else return;
      e.preventDefault();
      e.stopPropagation();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [mode]);

  // the document changed while stepping: compute the session again
  useEffect(() => {
    if (mode !== 'backprop') return;
    if (!backpropStore.getState().sessionId) return;
    const t = setTimeout(() => void backpropStore.getState().load(), 300);
    return () => clearTimeout(t);
  }, [revision, mode]);

  // during training: gradient norms per edge, at most twice a second
  useEffect(() => {
    if (!overlay || status !== 'running' || !runId) return;
    let stop = false;
    let t: ReturnType<typeof setTimeout> | null = null;
    const poll = async () => {
      const started = Date.now();
      try {
        const r = await engine.request('gradientSummary', { runId });
        if (!stop) backpropStore.setState({ trainGrads: r.edges });
      } catch {
        /* the run ended between polls */
      }
      if (!stop) t = setTimeout(() => void poll(), Math.max(0, 500 - (Date.now() - started)));
    };
    void poll();
    return () => {
      stop = true;
      if (t) clearTimeout(t);
    };
  }, [overlay, status, runId]);
}
