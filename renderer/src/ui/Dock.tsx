/**
 * The bottom dock: tabs for the panels (Data, Training, Inference from `./panels`) and the
 * Problems list. Resizable by its top edge (the height is remembered, one for editing and a lower
 * one for Backprop mode, where the canvas needs the room), collapsible to its tab strip by
 * clicking the open tab, its ▾ button or Toggle Bottom Panels.
 */
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { DataPanel, TrainingPanel, InferencePanel, useTrainingStore } from '../panels';
import { useUi, uiStore, type DockTab } from '../store/ui-store';
import { useAllDiagnostics } from '../store/use-diagnostics';
import { countBySeverity } from '../store/diagnostics';
import { ProblemsPanel } from './ProblemsPanel';
import { BackpropPanel } from '../backprop/BackpropPanel';
import { useBackprop } from '../backprop/backprop-store';
import { COMMANDS, keyLabel } from '../commands';

const TABS: { id: DockTab; label: string }[] = [
  { id: 'data', label: 'Data' },
  { id: 'training', label: 'Training' },
  { id: 'inference', label: 'Inference' },
  { id: 'problems', label: 'Problems' },
  { id: 'backprop', label: 'Backprop' },
];

type DockMode = 'edit' | 'backprop';
const HEIGHT_KEY: Record<DockMode, string> = { edit: 'bpstudio.dockHeight', backprop: 'bpstudio.dockHeight.backprop' };

function initialHeight(mode: DockMode): number {
  try {
    const v = Number(localStorage.getItem(HEIGHT_KEY[mode]));
    if (Number.isFinite(v) && v >= 120) return v;
  } catch {
    /* default */
  }
  // Backprop mode: the canvas keeps at least 70 % of the window
  if (mode === 'backprop') return Math.round(Math.max(150, Math.min(260, window.innerHeight * 0.19)));
  return Math.round(Math.min(420, Math.max(230, window.innerHeight * 0.36)));
}

export function Dock() {
  const tab = useUi((s) => s.dockTab);
  const open = useUi((s) => s.dockOpen);
  const counts = countBySeverity(useAllDiagnostics());
  const trainingStatus = useTrainingStore((s) => s.status);
  const mode: DockMode = useBackprop((s) => s.mode) === 'backprop' ? 'backprop' : 'edit';
  const [heights, setHeights] = useState(() => ({ edit: initialHeight('edit'), backprop: initialHeight('backprop') }));
  const height = heights[mode];
  const setHeight = useCallback((f: (h: number) => number) => setHeights((hs) => ({ ...hs, [mode]: f(hs[mode]) })), [mode]);
  const drag = useRef<{ y: number; h: number } | null>(null);
  const tabsRef = useRef<HTMLDivElement>(null);
  const toggleKeys = COMMANDS['toggle-dock'].keys?.[0];

  const stored = useRef(heights);
  useEffect(() => {
    try {
      for (const m of ['edit', 'backprop'] as const) if (heights[m] !== stored.current[m]) localStorage.setItem(HEIGHT_KEY[m], String(heights[m]));
    } catch {
      /* ignore */
    }
    stored.current = heights;
  }, [heights]);

  const onPointerDown = useCallback((e: PointerEvent<HTMLDivElement>) => {
    drag.current = { y: e.clientY, h: height };
    e.currentTarget.setPointerCapture(e.pointerId);
  }, [height]);
  const onPointerMove = useCallback((e: PointerEvent<HTMLDivElement>) => {
    if (!drag.current) return;
    const max = window.innerHeight - 220;
    const d = drag.current;
    setHeight(() => Math.round(Math.max(140, Math.min(max, d.h + d.y - e.clientY))));
  }, [setHeight]);
  const onPointerUp = useCallback(() => {
    drag.current = null;
  }, []);

  const choose = (id: DockTab) => {
    const ui = uiStore.getState();
    if (id === tab && open) ui.toggleDock();
    else ui.showDock(id);
  };
  const onTabKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    e.preventDefault();
    const i = TABS.findIndex((t) => t.id === tab);
    const next = TABS[(i + (e.key === 'ArrowRight' ? 1 : -1) + TABS.length) % TABS.length]!;
    uiStore.getState().showDock(next.id);
    tabsRef.current?.querySelector<HTMLButtonElement>(`[data-tab="${next.id}"]`)?.focus();
  };

  return (
    <section className={`bp-dock${open ? '' : ' is-collapsed'}`} style={open ? { height } : undefined} aria-label="Panels">
      {open && (
        <div
          className="bp-dock-resize"
          role="separator"
          aria-orientation="horizontal"
          aria-label="Resize panels"
          aria-valuenow={height}
          tabIndex={0}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onKeyDown={(e) => {
            if (e.key === 'ArrowUp') setHeight((h) => Math.min(window.innerHeight - 220, h + 20));
            if (e.key === 'ArrowDown') setHeight((h) => Math.max(140, h - 20));
          }}
        />
      )}
      <div className="bp-dock-tabs" role="tablist" aria-label="Panels" ref={tabsRef} onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`bp-tab-${t.id}`}
            data-tab={t.id}
            aria-selected={open && tab === t.id}
            aria-controls={`bp-tabpanel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={`bp-dock-tab${tab === t.id && open ? ' is-active' : ''}`}
            onClick={() => choose(t.id)}
          >
            {t.label}
            {t.id === 'problems' && counts.error + counts.warning > 0 && (
              <span className={`bp-tab-badge ${counts.error ? 'is-error' : 'is-warning'}`} aria-label={`${counts.error} errors, ${counts.warning} warnings`}>
                {counts.error + counts.warning}
              </span>
            )}
            {t.id === 'training' && (trainingStatus === 'running' || trainingStatus === 'paused') && (
              <span className={`bp-tab-live is-${trainingStatus}`} aria-label={trainingStatus} />
            )}
          </button>
        ))}
        <span className="bp-status-spacer" />
        <button
          type="button"
          className="bp-icon-btn"
          onClick={() => uiStore.getState().toggleDock()}
          aria-label={open ? 'Collapse panels' : 'Expand panels'}
          aria-expanded={open}
          title={`${open ? 'Collapse' : 'Expand'} the bottom panels${toggleKeys ? ` (${keyLabel(toggleKeys)})` : ''}`}
        >
          {open ? '▾' : '▴'}
        </button>
      </div>
      {open && (
        <div className="bp-dock-body" role="tabpanel" id={`bp-tabpanel-${tab}`} aria-labelledby={`bp-tab-${tab}`}>
          {tab === 'data' && <DataPanel />}
          {tab === 'training' && <TrainingPanel />}
          {tab === 'inference' && <InferencePanel />}
          {tab === 'problems' && <ProblemsPanel />}
          {tab === 'backprop' && <BackpropPanel />}
        </div>
      )}
    </section>
  );
}
