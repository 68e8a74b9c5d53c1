/**
 * Backprop mode on the canvas, drawn in screen space over React Flow (so type stays ≥ 12 px at
 * any zoom): every wire's forward value and — once backward reached it — its gradient, in two
 * colours with a legend; the labels are placed together so that none overlaps a node, an overlay
 * or another label, and collapse to a colour chip (opened on hover or focus) where nothing fits or
 * far out. The node being stepped (or the one selected) carries the chain-rule callout, where
 * Predict first asks for a guess before a gradient shows.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode, type RefObject } from 'react';
import { useStore as useFlowStore } from '@xyflow/react';
import { backpropStore, useBackprop } from './backprop-store';
import type { EdgeView, Step, BackwardStep, TensorSnapshot } from './backprop-model';
import { toneOf } from './backprop-model';
import { toneColor } from './edge-overlay';
import { calloutRows, edgeKey, guessIsRight, hiddenKeys, rowNumbers, type CalloutRow } from './callout-model';
import { ANCHOR_TS, bezierPoint, edgeNames, nodeName, placeCallout, placeLabels, sparkPoints, summarize, type EdgeGeometry, type LabelRequest, type Rect } from './wire-model';
import { useEdgeGeometries } from './wire-geometry';
import { documentStore, useDocumentStore } from '../store/document-store';
import { uiStore } from '../store/ui-store';
import { formatCompact } from '../panels/format';
import type { GraphDocument } from '../../../engine/graph/document';

/** Below this zoom every label is a chip (hover or focus opens it). */
export const CHIP_ZOOM = 0.42;
const CHIP = { width: 22, height: 14 };
const OVERLAYS = '.react-flow__minimap, .react-flow__controls, .bp-wire-legend';
const OUTER_OVERLAYS = '.bp-mode-switch, .bp-bp-bar';

// ---------------------------------------------------------------------------------------------
// tensors in a label

function Sparkline({ data, element }: { data: readonly number[]; element: number }) {
  const pts = useMemo(() => sparkPoints(data), [data]);
  if (pts.length === 0) return null;
  const w = 48;
  const h = 14;
  const step = pts.length > 1 ? w / (pts.length - 1) : 0;
  const d = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${(i * step).toFixed(1)},${(h - 1 - p * (h - 2)).toFixed(1)}`).join(' ');
  const k = Math.ceil(data.length / 48);
  const ei = element < data.length ? Math.floor(element / k) : -1;
  return (
    <svg className="bp-wire-spark" width={w} height={h} viewBox={`0 0 ${w} ${h}`} aria-hidden="true">
      <path d={d} fill="none" stroke="currentColor" strokeWidth={1.2} />
      {ei >= 0 && ei < pts.length && <circle cx={ei * step} cy={h - 1 - pts[ei]! * (h - 2)} r={2.2} className="bp-wire-pick" />}
    </svg>
  );
}

function MiniHeat({ s, rows, cols, element }: { s: TensorSnapshot; rows: number; cols: number; element: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const r = Math.min(rows, 24);
  const c = Math.min(cols, 24);
  useEffect(() => {
    const el = ref.current;
    const ctx = el?.getContext('2d');
    if (!el || !ctx || s.data.length === 0) return;
    el.width = c;
    el.height = r;
    const max = s.absMax || 1;
    for (let y = 0; y < r; y++) {
      for (let x = 0; x < c; x++) {
        // each cell: the element at its top-left corner of the bucket
        const i = Math.floor((y * rows) / r) * cols + Math.floor((x * cols) / c);
        ctx.fillStyle = toneColor(toneOf(s.data[i] ?? 0, max));
        ctx.fillRect(x, y, 1, 1);
      }
    }
  }, [s, r, c, rows, cols]);
  const px = Math.max(1, Math.floor(40 / Math.max(r, c)));
  const er = element < s.data.length ? Math.floor(Math.floor(element / cols) * (r / rows)) : -1;
  const ec = element < s.data.length ? Math.floor((element % cols) * (c / cols)) : -1;
  return (
    <span className="bp-wire-heat" style={{ width: c * px, height: r * px }}>
      <canvas ref={ref} style={{ width: c * px, height: r * px }} aria-hidden="true" />
      {er >= 0 && <span className="bp-wire-heat-pick" style={{ left: ec * px - 1, top: er * px - 1, width: px + 2, height: px + 2 }} />}
    </span>
  );
}

function Summary({ s, element }: { s: TensorSnapshot; element: number }) {
  const sum = useMemo(() => summarize(s), [s]);
  switch (sum.kind) {
    case 'scalar':
      return <span className="bp-wire-num">{sum.text}</span>;
    case 'grid':
      return (
        <span className="bp-wire-grid" style={{ gridTemplateColumns: `repeat(${sum.cols}, auto)` }}>
          {sum.cells.map((c, i) => (
            <span key={i} className={i === element ? 'is-picked' : undefined}>
              {c}
            </span>
          ))}
        </span>
      );
    default:
      return (
        <span className="bp-wire-big">
          {sum.kind === 'spark' ? <Sparkline data={s.data} element={element} /> : <MiniHeat s={s} rows={sum.rows} cols={sum.cols} element={element} />}
          <span className="bp-wire-stat">
            μ {sum.mean} ‖·‖ {sum.norm}
          </span>
        </span>
      );
  }
}

const FLAG_TEXT = { 'not-routed': '⊘ not routed', vanishing: '↓ vanishing', exploding: '⚠ exploding' } as const;

function labelTitle(view: EdgeView, hidden: boolean): string {
  if (!hidden) return view.title;
  const value = view.title.split('\n\n').find((p) => p.startsWith('value')) ?? '';
  return `${value ? `${value}\n\n` : ''}∂L/∂edge: hidden until you predict it (Predict first)`;
}

interface WireLabelProps {
  id: string;
  name: string;
  view: EdgeView | undefined;
  hidden: boolean;
  element: number;
  selected: boolean;
}

const WireLabel = memo(function WireLabel({ id, name, view, hidden, element, selected }: WireLabelProps) {
  const v = view;
  const open = () => {
    documentStore.getState().select({ nodes: [], edges: [id] });
    uiStore.getState().showDock('backprop');
  };
  const reached = !!v && v.reached;
  const flag = v?.flags[0];
  const gradText = !v?.grad ? 'not reached yet' : hidden ? 'hidden' : v.grad.data.length === 1 ? formatCompact(v.grad.data[0]!) : `mean ${formatCompact(v.grad.mean)}`;
  const valueText = !v?.value ? 'not computed yet' : v.value.data.length === 1 ? formatCompact(v.value.data[0]!) : `mean ${formatCompact(v.value.mean)}`;
  return (
    <div
      className={`bp-wire-label bp-bp-label${selected ? ' is-selected' : ''}${reached ? '' : ' is-unreached'}${v?.active ? ' is-active' : ''}${v?.grad ? ' has-grad' : ''}`}
      data-edge-id={id}
      title={v ? labelTitle(v, hidden) : 'not computed yet'}
      role="button"
      tabIndex={0}
      aria-label={`${name}: value ${valueText}, gradient ${gradText}${flag ? `, ${FLAG_TEXT[flag]}` : ''}`}
      onClick={open}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          open();
        }
      }}
    >
      <span className="bp-wire-chip" aria-hidden="true">
        <i className="is-value" />
        <i className={`is-grad${v?.grad ? '' : ' is-empty'}`} />
      </span>
      <span className="bp-wire-full">
        <span className="bp-wire-row is-value">{v?.value ? <Summary s={v.value} element={element} /> : <span className="bp-wire-num">·</span>}</span>
        <span className="bp-wire-row is-grad">
          <span className="bp-wire-nabla" aria-hidden="true">∂</span>
          {v?.grad ? hidden ? <span className="bp-wire-num bp-wire-hidden">?</span> : <Summary s={v.grad} element={element} /> : <span className="bp-wire-num">·</span>}
          {flag && !hidden && <span className={`bp-wire-flag is-${flag}`}>{FLAG_TEXT[flag]}</span>}
        </span>
      </span>
    </div>
  );
});

// ---------------------------------------------------------------------------------------------
// the chain rule at the node

function namesOf(doc: GraphDocument, step: BackwardStep) {
  const ports = new Map<string, string>();
  for (const d of step.downstream) {
    const e = doc.edges.find((x) => x.id === d.edgeId);
    ports.set(d.port, e ? nodeName(doc, e.source) : d.port);
  }
  // two inputs from the same variable (x·x) are told apart by their port
  const counts = new Map<string, number>();
  for (const n of ports.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
  return {
    out: nodeName(doc, step.nodeId),
    input(port: string) {
      const n = ports.get(port);
      if (n === undefined) return port;
      return (counts.get(n) ?? 0) > 1 ? `${n} (${port})` : n;
    },
  };
}

function Sub({ text }: { text: string }) {
  return text ? <sub>{text}</sub> : null;
}

function PredictBox({ row }: { row: CalloutRow }) {
  const [text, setText] = useState('');
  const nudge = useBackprop((s) => s.nudge);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (nudge > 0) input.current?.focus();
  }, [nudge]);
  const submit = () => {
    const g = Number(text.replace('−', '-').replace(',', '.'));
    if (text.trim() === '' || !Number.isFinite(g)) return;
    backpropStore.getState().predictGuess(row.key, g, row.element, row.down.value);
  };
  return (
    <form
      className="bp-callout-predict"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label>
        Your prediction for {row.down.symbol}
        <Sub text={row.sub} />
        <input ref={input} type="text" inputMode="decimal" value={text} onChange={(e) => setText(e.target.value)} aria-label={`Prediction for ${row.down.symbol}${row.sub ? `[${row.sub}]` : ''}`} autoComplete="off" />
      </label>
      <button type="submit" className="bp-btn bp-btn-primary" disabled={text.trim() === ''}>
        Check
      </button>
      <button type="button" className="bp-btn" onClick={() => backpropStore.getState().predictGuess(row.key, null, row.element, row.down.value)}>
        Show
      </button>
    </form>
  );
}

function Verdict({ row }: { row: CalloutRow }) {
  const p = useBackprop((s) => s.predictions[row.key]);
  if (!p || p.guess === null) return null;
  const right = p.element === row.element ? p.right : guessIsRight(p.guess, row.down.value);
  return (
    <div className={`bp-callout-verdict ${right ? 'is-right' : 'is-wrong'}`} role="status">
      {right ? `✓ Right: ${formatCompact(p.guess)}` : `✗ Not quite: you said ${formatCompact(p.guess)}, it is ${formatCompact(p.actual)}`}
    </div>
  );
}

interface CalloutProps {
  doc: GraphDocument;
  step: BackwardStep;
  element: number;
  hiddenKeys: ReadonlySet<string>;
  nodeId: string;
}

const Callout = memo(function Callout({ doc, step, element, hiddenKeys: hidden, nodeId }: CalloutProps) {
  const rows = calloutRows(step, namesOf(doc, step), element, (k) => hidden.has(k));
  const nudge = useBackprop((s) => s.nudge);
  const name = nodeName(doc, nodeId);
  return (
    <div className="bp-callout nodrag nopan nowheel" data-node-id={nodeId} data-nudge={nudge === 0 ? 'none' : nudge % 2} role="region" aria-label={`Chain rule at ${name}`}>
      <div className="bp-callout-head">
        <strong>{name}</strong> · backward {step.index}/{step.total}
        <span className="bp-muted"> · upstream × local = downstream</span>
      </div>
      {rows.length === 0 && <div className="bp-muted">No gradient flows here.</div>}
      {rows.map((r) => (
        <div key={r.key} className="bp-callout-row">
          {r.op === 'leaf' ? (
            <div className="bp-callout-sym">
              {r.up.symbol}
              <Sub text={r.sub} /> {r.up.branches.length > 1 ? `— the sum of its ${r.up.branches.length} branches` : '— what arrived'}
            </div>
          ) : (
            <div className="bp-callout-sym">
              {r.up.symbol}
              <Sub text={r.up.sub} /> {r.op === 'times' ? '×' : '⊗'} {r.local.symbol}
              {r.op === 'times' ? <Sub text={r.sub} /> : null} = {r.down.symbol}
              <Sub text={r.sub} />
              {r.local.description && <span className="bp-muted"> · local: {r.local.description}</span>}
            </div>
          )}
          {r.down.hidden && !r.key.startsWith('u:') ? (
            <PredictBox key={`${r.key}:${r.element}`} row={r} />
          ) : (
            <>
              <Verdict row={r} />
              <div className="bp-callout-nums">{rowNumbers(r)}</div>
            </>
          )}
        </div>
      ))}
    </div>
  );
});

/** The backward step to explain: the selected node's (once reached), else the step being processed. */
function calloutStep(steps: readonly Step[], cursor: number, selected: string | undefined): BackwardStep | null {
  const upto = steps.slice(0, cursor + 1);
  if (selected) {
    const s = [...upto].reverse().find((x): x is BackwardStep => x.phase === 'backward' && x.nodeId === selected);
    if (s) return s;
  }
  const cur = steps[cursor];
  return cur && cur.phase === 'backward' ? cur : null;
}

// ---------------------------------------------------------------------------------------------
// the layer

function Legend() {
  return (
    <div className="bp-wire-legend" role="note" aria-label="Legend">
      <span className="is-value">
        <i /> value (forward)
      </span>
      <span className="is-grad">
        <i /> ∂ gradient ∂L/∂· (backward)
      </span>
      <span className="bp-muted">⊘ not routed · ↓ vanishing · ⚠ exploding</span>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// placement: what it reads, when, and what it writes

type Point = { x: number; y: number };
type Transform = readonly [number, number, number];
type FlowNodes = ReturnType<typeof useFlowNodes>;

function useFlowNodes() {
  return useFlowStore((s) => s.nodes);
}

interface Content {
  ids: readonly string[];
  views: Readonly<Record<string, EdgeView>>;
  geometries: ReadonlyMap<string, EdgeGeometry>;
}

interface Written {
  transform: string;
  width: string;
  height: string;
  collapsed: boolean;
}

/** The anchors along a wire in flow coordinates; an edge's geometry object is replaced when its wire moves. */
const flowAnchors = new WeakMap<EdgeGeometry, Point[]>();
function anchorsOf(g: EdgeGeometry): Point[] {
  let a = flowAnchors.get(g);
  if (!a) flowAnchors.set(g, (a = ANCHOR_TS.map((t) => bezierPoint(g, t))));
  return a;
}

/**
 * Places the wire labels and the callout of one layer. It reads the DOM only for what changed —
 * a label's size after its content changed, the layer's box and the overlays' after they resized
 * (or with a content change, when layout is due anyway) — and never between its writes; it
 * places at most once per commit, and a view that moves several times within one frame is placed
 * again once, in that frame's animation callback; it writes only the styles that changed. A pan or
 * zoom therefore costs the placement arithmetic and the moved labels' transforms: no forced layout.
 */
class Placer {
  root: HTMLDivElement | null = null;
  private content: Content = { ids: [], views: {}, geometries: new Map() };
  private transform: Transform = [0, 0, 1];
  private viewSet = false;
  private moving = false;
  /** The labels' and the callout's box (moved as one while the view pans) and the view they were placed for. */
  private pan: HTMLElement | null = null;
  private placedView: Transform | null = null;
  /** A placement was put off until the view rests. */
  private deferred = false;
  private restTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly motionListeners = new Set<() => void>();
  private nodes: FlowNodes = [];
  /**
   * Each label's size, as a ResizeObserver reported it: after the frame's layout, so measuring
   * never forces one (a step's or a pan's), and again only when it changed. Kept while the label
   * is off-screen; one that scrolls back in is placed with it at once.
   */
  private sizes = new Map<string, { width: number; height: number }>();
  private sizeObserver: ResizeObserver | null = null;
  private sized = new WeakSet<Element>();
  /** What was last written to each label element (a label mounted again starts afresh). */
  private written = new WeakMap<HTMLElement, Written>();
  private calloutSize: { width: number; height: number } | null = null;
  private calloutDirty = true;
  private calloutEl: HTMLElement | null = null;
  private box: { left: number; top: number; width: number; height: number } | null = null;
  private overlays: Rect[] = [];
  private frameDirty = true;
  private microtask = false;
  private placedThisFrame = false;
  private waitingForFrame = false;
  private observer: ResizeObserver | null = null;
  private observed = new Set<Element>();
  private fontsDone = () => this.invalidateAll();

  attach(root: HTMLDivElement, pan: HTMLElement): () => void {
    this.root = root;
    this.pan = pan;
    if (typeof ResizeObserver !== 'undefined') {
      // layout is done when these run, and what they schedule runs before the frame is painted
      this.observer = new ResizeObserver(() => {
        this.frameDirty = true;
        this.calloutDirty = true;
        this.request(true);
      });
      this.observe(root);
      this.sizeObserver = new ResizeObserver((entries) => {
        for (const e of entries) {
          const full = e.target as HTMLElement;
          // a label that left the DOM (its wire scrolled out) reports 0×0 once: let it go
          if (!full.isConnected) {
            this.sizeObserver?.unobserve(full);
            continue;
          }
          const id = full.parentElement?.dataset.edgeId;
          if (id !== undefined) this.sizes.set(id, sizeOf(full));
        }
        this.request(true);
      });
    }
    document.fonts?.addEventListener?.('loadingdone', this.fontsDone);
    return () => {
      this.observer?.disconnect();
      this.observer = null;
      this.sizeObserver?.disconnect();
      this.sizeObserver = null;
      this.observed.clear();
      document.fonts?.removeEventListener?.('loadingdone', this.fontsDone);
      if (this.restTimer) clearTimeout(this.restTimer);
      this.restTimer = null;
      this.moving = false;
      this.root = null;
      this.pan = null;
    };
  }

  private observe(el: Element): void {
    if (!this.observer || this.observed.has(el)) return;
    this.observed.add(el);
    this.observer.observe(el);
  }

  /** The labels (ids, their views, their wires) after a commit of the layer. */
  setContent(c: Content): void {
    // a step (new values and gradients, a new callout) is placed at once, even mid-pan; wires
    // scrolling into view wait for the view to rest
    const stepped = c.views !== this.content.views;
    this.content = c;
    this.request(true, stepped);
  }

  invalidateAll(): void {
    this.frameDirty = true;
    this.calloutDirty = true;
    this.request(true);
  }

  /** Whether the view is moving (see VIEW_REST_MS). */
  readonly isMoving = (): boolean => this.moving;

  readonly subscribeMotion = (listener: () => void): (() => void) => {
    this.motionListeners.add(listener);
    return () => this.motionListeners.delete(listener);
  };

  private setMoving(moving: boolean): void {
    if (this.moving === moving) return;
    this.moving = moving;
    // said on the layer too: what reads the labels' boxes (the e2e checks) waits for the view to rest
    if (this.root) {
      if (moving) this.root.dataset.viewMoving = '';
      else delete this.root.dataset.viewMoving;
    }
    for (const l of this.motionListeners) l();
    if (!moving && this.deferred) {
      this.deferred = false;
      this.request(true);
    }
  }

  /**
   * The view is moving (a pan or a zoom): the labels and the callout move and scale with it as one
   * box — a compositor transform, nothing laid out or painted again — and are placed anew, in
   * screen-size type, once it rests. Placing them in every frame of a pan or zoom moved each label
   * on its own (and opened or closed it as the zoom changed), which laid out and repainted them all.
   */
  private panning(): boolean {
    return this.moving && this.placedView !== null;
  }

  /** The viewport or the nodes moved. */
  setView(transform: Transform, nodes: FlowNodes): void {
    if (transform === this.transform && nodes === this.nodes) return;
    if (this.viewSet && transform !== this.transform) {
      this.setMoving(true);
      if (this.restTimer) clearTimeout(this.restTimer);
      this.restTimer = setTimeout(() => {
        this.restTimer = null;
        this.setMoving(false);
      }, VIEW_REST_MS);
    }
    this.viewSet = true;
    this.transform = transform;
    this.nodes = nodes;
    if (this.panning() && this.pan) {
      // a point placed at P for the view (t0, z0) is at P·s + (t1 − t0·s) in the view (t1, z1), s = z1/z0
      const [px, py, pz] = this.placedView!;
      const k = transform[2] / pz;
      this.pan.style.transform = k === 1 ? `translate(${transform[0] - px}px, ${transform[1] - py}px)` : `translate(${transform[0] - px * k}px, ${transform[1] - py * k}px) scale(${k})`;
      this.deferred = true;
      return;
    }
    this.request();
  }

  /**
   * Place after this commit (a microtask: before the browser renders, whatever scheduled the
   * commit); a second view change in the same frame waits for the frame's animation callback.
   */
  private request(now = false, urgent = false): void {
    if (!urgent && this.panning()) {
      // new labels (wires that scrolled in) and changed ones wait for the view to rest
      this.deferred = true;
      return;
    }
    if (!now && this.placedThisFrame) {
      this.waitingForFrame = true;
      return;
    }
    if (this.microtask) return;
    this.microtask = true;
    queueMicrotask(() => {
      this.microtask = false;
      this.flush();
    });
  }

  private flush(): void {
    this.waitingForFrame = false;
    this.place();
    if (this.placedThisFrame) return;
    this.placedThisFrame = true;
    requestAnimationFrame(() => {
      this.placedThisFrame = false;
      if (this.waitingForFrame) this.flush();
    });
  }

  private place(): void {
    const el = this.root;
    if (!el) return;
    const { ids, views, geometries } = this.content;
    const labelEls = new Map<string, HTMLElement>();
    for (const child of (this.pan ?? el).children) {
      const id = (child as HTMLElement).dataset.edgeId;
      if (id !== undefined) labelEls.set(id, child as HTMLElement);
    }
    const callout = el.querySelector<HTMLElement>('.bp-callout');

    // sizes: each label's full content is watched (its size arrives after layout, see sizeObserver)
    for (const [id, l] of labelEls) {
      const full = fullOf(l);
      if (full && !this.sized.has(full)) {
        this.sized.add(full);
        if (this.sizeObserver) this.sizeObserver.observe(full);
        else this.sizes.set(id, sizeOf(full)); // no ResizeObserver: measured here (a forced layout)
      }
    }
    // the layer's, the overlays' and the callout's boxes: read only when an observer said they
    // changed, which it says after layout (or the first time)
    // the layer's and the overlays' boxes: again when one of them resized (the observer says so)
    if (this.frameDirty || !this.box) {
      const r = el.getBoundingClientRect();
      this.box = { left: r.left, top: r.top, width: r.width, height: r.height };
      const canvas = el.closest('.bp-canvas');
      const overlayEls = [...(el.parentElement?.querySelectorAll<HTMLElement>(OVERLAYS) ?? []), ...(canvas?.parentElement?.querySelectorAll<HTMLElement>(OUTER_OVERLAYS) ?? [])];
      for (const o of overlayEls) this.observe(o);
      this.overlays = overlayEls
        .map((o) => o.getBoundingClientRect())
        .filter((b) => b.width > 0 && b.height > 0)
        .map((b) => ({ x: b.left - r.left, y: b.top - r.top, width: b.width, height: b.height }));
      this.frameDirty = false;
    }
    if (callout && callout !== this.calloutEl) {
      // a new callout: placed once the observer has its size (before this frame is painted)
      this.calloutEl = callout;
      this.calloutSize = null;
      this.calloutDirty = false;
      this.observe(callout);
    } else if (callout && this.calloutDirty) {
      this.calloutSize = { width: callout.offsetWidth, height: callout.offsetHeight };
      this.calloutDirty = false;
    }

    // arithmetic
    const box = this.box;
    const [tx, ty, zoom] = this.transform;
    const toScreen = (p: Point) => ({ x: p.x * zoom + tx, y: p.y * zoom + ty });
    const nodeRects = new Map<string, Rect>();
    for (const n of this.nodes) {
      const w = n.measured?.width ?? n.width ?? 0;
      const h = n.measured?.height ?? n.height ?? 0;
      if (!w || !h) continue;
      const p = toScreen(n.position);
      nodeRects.set(n.id, { x: p.x, y: p.y, width: w * zoom, height: h * zoom });
    }
    const obstacles = [...nodeRects.values(), ...this.overlays];
    const bounds = { x: 4, y: 4, width: box.width - 8, height: box.height - 8 };
    const active = (id: string) => (views[id]?.active ? 0 : 1);
    const order = [...ids].sort((a, b) => active(a) - active(b));
    const requests: LabelRequest[] = [];
    for (const id of order) {
      const g = geometries.get(id);
      const size = this.sizes.get(id);
      if (!g || !size || !labelEls.has(id)) continue;
      requests.push({ id, width: size.width, height: size.height, chip: CHIP, anchors: anchorsOf(g).map(toScreen) });
    }
    // the callout first, beside its node (it has few places to go), then the labels around it (each
    // has many along its wire): a label under the callout would hide its numbers
    let calloutAt: Rect | null = null;
    const calloutNode = callout ? nodeRects.get(callout.dataset.nodeId ?? '') : undefined;
    if (callout && calloutNode && this.calloutSize) {
      calloutAt = placeCallout(calloutNode, this.calloutSize.width, this.calloutSize.height, obstacles, bounds);
    }
    const placed = placeLabels(requests, calloutAt ? [...obstacles, calloutAt] : obstacles, bounds, { collapse: zoom < CHIP_ZOOM });

    // writes: only what changed
    for (const p of placed) {
      const l = labelEls.get(p.id)!;
      const next: Written = { transform: `translate(${Math.round(p.x)}px, ${Math.round(p.y)}px)`, width: `${p.width}px`, height: `${p.height}px`, collapsed: p.collapsed };
      const was = this.written.get(l);
      if (!was || was.transform !== next.transform) l.style.transform = next.transform;
      if (!was || was.width !== next.width) l.style.width = next.width;
      if (!was || was.height !== next.height) l.style.height = next.height;
      if (!was || was.collapsed !== next.collapsed) {
        if (p.collapsed) l.dataset.collapsed = '1';
        else delete l.dataset.collapsed;
      }
      if (!was) l.style.visibility = 'visible';
      this.written.set(l, next);
    }
    if (callout) {
      if (!calloutAt) callout.style.visibility = 'hidden';
      else {
        const t = `translate(${Math.round(calloutAt.x)}px, ${Math.round(calloutAt.y)}px)`;
        if (callout.style.transform !== t) callout.style.transform = t;
        if (callout.style.visibility !== 'visible') callout.style.visibility = 'visible';
      }
    }
    this.placedView = this.transform;
    if (this.pan && this.pan.style.transform) this.pan.style.transform = '';
  }
}

/** A label's box: its full content and a pixel of border each side. */
const sizeOf = (full: HTMLElement): { width: number; height: number } => ({ width: full.offsetWidth + 2, height: full.offsetHeight + 2 });

/** A wire label's full content (shown beside the wire, or over its chip on hover). */
function fullOf(label: HTMLElement): HTMLElement | null {
  const last = label.lastElementChild;
  return last instanceof HTMLElement && last.classList.contains('bp-wire-full') ? last : null;
}

/**
 * The view rests once it has not moved for this long. Meanwhile (a pan, a zoom, a step's pan to
 * its node) the labels ride along with it as one box and no label is mounted: mounting, measuring
 * and placing labels in the frames of a pan cost more than a frame has.
 */
export const VIEW_REST_MS = 150;

/**
 * Steps closer together than this (a held arrow key, fast play) are shown without the canvas's
 * 160 ms fades (the wires' colour, the nodes' glow, the labels' emphasis): one step's fade would
 * still run when the next arrives, only smearing it, and every frame of it is rendered again in
 * full — most of what stepping cost (styles.css: .bp-canvas[data-bp-quick]). A single step fades.
 */
export const QUICK_STEP_MS = 300;

/**
 * Marks the canvas while steps come quickly (see QUICK_STEP_MS). The mark is set once and stays
 * while the steps keep coming (only its timer is renewed): each change of it restyles every node,
 * wire and label on the canvas (its rules are descendant selectors), which a step must not pay.
 */
function useQuickSteps(root: RefObject<HTMLDivElement | null>, cursor: number): void {
  const last = useRef(-Infinity);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const marked = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    const canvas = root.current?.closest<HTMLElement>('.bp-canvas');
    if (!canvas) return;
    marked.current = canvas;
    const now = performance.now();
    const quick = now - last.current < QUICK_STEP_MS;
    last.current = now;
    if (!quick) return;
    if (canvas.dataset.bpQuick === undefined) canvas.dataset.bpQuick = '';
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      timer.current = null;
      delete canvas.dataset.bpQuick;
    }, QUICK_STEP_MS);
  }, [root, cursor]);
  // leaving Backprop mode: no mark left behind
  useLayoutEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
      if (marked.current) delete marked.current.dataset.bpQuick;
    },
    [root],
  );
}

/** Follows the viewport and the nodes (its own component: a pan re-renders this, not the labels). */
function ViewWatcher({ placer }: { placer: Placer }): null {
  const transform = useFlowStore((s) => s.transform);
  const nodes = useFlowNodes();
  useLayoutEffect(() => placer.setView(transform, nodes), [placer, transform, nodes]);
  return null;
}

function WireLayer() {
  const { version, geometries } = useEdgeGeometries();
  const views = useBackprop((s) => s.edgeViews);
  const element = useBackprop((s) => s.element);
  const predict = useBackprop((s) => s.predict);
  const predictions = useBackprop((s) => s.predictions);
  const steps = useBackprop((s) => s.steps);
  const cursor = useBackprop((s) => s.cursor);
  const doc = useDocumentStore((s) => s.document);
  const selection = useDocumentStore((s) => s.selection);
  const root = useRef<HTMLDivElement>(null);
  const [placer] = useState(() => new Placer());
  const moving = useSyncExternalStore(placer.subscribeMotion, placer.isMoving);

  const hidden_ = useMemo(() => hiddenKeys(predict, steps, cursor, predictions), [predict, steps, cursor, predictions]);
  const selectedNode = selection.nodes.length === 1 && selection.edges.length === 0 ? selection.nodes[0] : undefined;
  const step = useMemo(() => calloutStep(steps, cursor, selectedNode), [steps, cursor, selectedNode]);
  const names = useMemo(() => edgeNames(doc), [doc]);
  const current = useMemo(() => {
    void version;
    return doc.edges.map((e) => e.id).filter((id) => geometries.has(id));
  }, [doc, version, geometries]);
  // while the view moves, the labels are those it started with, riding along with it (Placer):
  // the wires that scroll in meanwhile get theirs once it rests, so a pan mounts no labels
  const frozen = useRef<string[] | null>(null);
  if (!moving) frozen.current = null;
  else frozen.current ??= current;
  const ids = frozen.current ?? current;

  const pan = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => (root.current && pan.current ? placer.attach(root.current, pan.current) : undefined), [placer]);
  useQuickSteps(root, cursor);
  // after every commit of the layer (a step, the element, a selection, wires added or moved)
  useLayoutEffect(() => placer.setContent({ ids, views, geometries }));

  return (
    <div className="bp-wire-layer" ref={root}>
      <ViewWatcher placer={placer} />
      <div className="bp-wire-pan" ref={pan}>
        {ids.map((id) => (
          <WireLabel key={id} id={id} name={names.get(id) ?? id} view={views[id]} hidden={hidden_.has(edgeKey(id))} element={element} selected={selection.edges.includes(id)} />
        ))}
        {step && <Callout doc={doc} step={step} element={element} hiddenKeys={hidden_} nodeId={step.nodeId} />}
      </div>
      <Legend />
    </div>
  );
}

/** Backprop mode's layer over the canvas (a child of <ReactFlow>). */
export function BackpropOverlay(): ReactNode {
  const on = useBackprop((s) => s.mode === 'backprop');
  return on ? <WireLayer /> : null;
}
