/**
 * The canvas's viewport, for commands outside React (View ▸ Fit, zoom, where a palette click
 * puts a node, auto-layout's measured sizes). The canvas registers its React Flow instance here.
 */
import type { ReactFlowInstance, Node, Edge } from '@xyflow/react';
import type { XY } from '../store/graph-ops';
import type { Rect, ViewArea } from './placement';

let instance: ReactFlowInstance<Node, Edge> | null = null;
let container: HTMLElement | null = null;
/**
 * The container's size and what covers it (container coordinates), kept so that following the
 * steps in Backprop mode reads no layout: a ResizeObserver on the container, its parent and the
 * overlays says when they are stale.
 */
let frame: { width: number; height: number; blocked: Rect[]; overlays: Element[] } | null = null;
let resized: ResizeObserver | null = null;
/**
 * The viewport the last automatic fit left, and the container's size then: while the view is still
 * there (nobody panned or zoomed since) and the canvas changes size — the training timeline comes
 * up under it, a panel opens or closes — the graph is fitted again rather than left cut off at an
 * edge or under the minimap.
 */
let fitted: { x: number; y: number; zoom: number; width: number; height: number } | null = null;
let refitQueued = false;

export function registerFlow(rf: ReactFlowInstance<Node, Edge> | null, el: HTMLElement | null): void {
  instance = rf;
  container = el;
  frame = null;
  resized?.disconnect();
  resized = null;
  fitted = null;
  if (el && typeof ResizeObserver !== 'undefined') {
    resized = new ResizeObserver(() => {
      frame = null;
      refitIfStillFitted();
    });
    resized.observe(el);
    if (el.parentElement) resized.observe(el.parentElement);
  }
}

export function flowInstance(): ReactFlowInstance<Node, Edge> | null {
  return instance;
}

function refitIfStillFitted(): void {
  const rf = instance;
  const el = container;
  if (!rf || !el || !fitted || refitQueued) return;
  refitQueued = true;
  requestAnimationFrame(() => {
    refitQueued = false;
    if (!fitted || instance !== rf) return;
    const v = rf.getViewport();
    const moved = Math.abs(v.x - fitted.x) > 0.5 || Math.abs(v.y - fitted.y) > 0.5 || Math.abs(v.zoom - fitted.zoom) > 1e-3;
    if (moved) {
      fitted = null;
      return;
    }
    const { width, height } = el.getBoundingClientRect();
    if (Math.abs(width - fitted.width) < 1 && Math.abs(height - fitted.height) < 1) return;
    fitReadable(rf);
  });
}

/** Below this zoom node text is unreadable: a long graph is shown from its start (the input side) instead of whole. */
export const READABLE_ZOOM = 0.6;

export function fitView(): void {
  void instance?.fitView({ padding: 0.2, maxZoom: 1.25, duration: 200 });
}

/**
 * Fit the graph; when that would make it too small to read (a long chain of layers), show its
 * left end at a readable zoom, vertically centred — the minimap gives the overview.
 */
function fitReadable(rf: ReactFlowInstance<Node, Edge>): void {
  const nodes = rf.getNodes();
  if (nodes.length === 0 || !container) return;
  const r = container.getBoundingClientRect();
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of nodes) {
    const w = n.measured?.width ?? 160;
    const h = n.measured?.height ?? 60;
    minX = Math.min(minX, n.position.x);
    minY = Math.min(minY, n.position.y);
    maxX = Math.max(maxX, n.position.x + w);
    maxY = Math.max(maxY, n.position.y + h);
  }
  const pad = 0.2;
  const zoom = Math.min(r.width / ((maxX - minX) * (1 + pad)), r.height / ((maxY - minY) * (1 + pad)), 1.25);
  const remember = () => {
    const v = rf.getViewport();
    fitted = { ...v, width: r.width, height: r.height };
  };
  if (zoom >= READABLE_ZOOM) {
    void rf.fitView({ padding: pad, maxZoom: 1.25 }).then(remember);
    return;
  }
  // pan rather than shrink: the input side at a readable zoom (or the whole graph, if it fits there), the nodes there centred vertically
  const z = READABLE_ZOOM;
  const shown = nodes.filter((n) => n.position.x < minX + (r.width - 40) / z);
  let top = Infinity, bottom = -Infinity;
  for (const n of shown) {
    top = Math.min(top, n.position.y);
    bottom = Math.max(bottom, n.position.y + (n.measured?.height ?? 60));
  }
  const TOP = 56; // the mode switch over the canvas
  const y = (bottom - top) * z <= r.height - TOP - 24 ? TOP + (r.height - TOP - (bottom - top) * z) / 2 - top * z : TOP - top * z;
  // a graph only a little too wide for the padded fit is whole at the readable zoom: centred, not cut off at the right
  const wide = (maxX - minX) * z;
  const x = wide <= r.width - 16 ? (r.width - wide) / 2 - minX * z : 40 - minX * z;
  void rf.setViewport({ x, y, zoom: z }).then(remember);
}

/** Fit once the nodes now in the document have been measured (after open, example, layout). */
export function fitViewSoon(): void {
  let tries = 0;
  const attempt = () => {
    const rf = instance;
    if (!rf) return;
    const nodes = rf.getNodes();
    if (nodes.length > 0 && nodes.some((n) => !n.measured?.width) && tries++ < 20) {
      requestAnimationFrame(attempt);
      return;
    }
    fitReadable(rf);
  };
  requestAnimationFrame(() => requestAnimationFrame(attempt));
}

export function zoomIn(): void {
  void instance?.zoomIn({ duration: 150 });
}
export function zoomOut(): void {
  void instance?.zoomOut({ duration: 150 });
}

/** The flow position at the centre of the visible canvas (where a palette click adds a node). */
export function viewportCentre(): XY {
  if (!instance || !container) return { x: 0, y: 0 };
  const r = container.getBoundingClientRect();
  return instance.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
}

/** What covers the canvas (minimap, zoom controls, the mode switch and the backprop bar), on the screen. */
const OVERLAYS = '.react-flow__minimap, .react-flow__controls, .bp-mode-switch, .bp-bp-bar';

function overlayElements(el: HTMLElement): Element[] {
  const inner = [...el.querySelectorAll(OVERLAYS)];
  const outer = [...(el.parentElement?.querySelectorAll('.bp-mode-switch, .bp-bp-bar') ?? [])].filter((o) => !inner.includes(o));
  return [...inner, ...outer];
}

/** The container's size: read from the layout only after it resized. */
function canvasSize(el: HTMLElement): { width: number; height: number } {
  if (frame) return frame;
  const r = el.getBoundingClientRect();
  frame = { width: r.width, height: r.height, blocked: [], overlays: [] };
  overlaysRead = false;
  return frame;
}
let overlaysRead = false;

/**
 * The container's size and the overlays' boxes in container coordinates: read from the layout
 * only when one of them resized or an overlay came or went (finding them reads no layout).
 */
function canvasFrame(el: HTMLElement): { width: number; height: number; blocked: Rect[] } {
  const overlays = overlayElements(el);
  if (frame && overlaysRead && overlays.length === frame.overlays.length && overlays.every((o, i) => o === frame!.overlays[i])) return frame;
  const r = el.getBoundingClientRect();
  const blocked = overlays
    .map((o) => o.getBoundingClientRect())
    .filter((b) => b.width > 0 && b.height > 0)
    .map((b) => ({ x: b.left - r.left, y: b.top - r.top, width: b.width, height: b.height }));
  for (const o of overlays) resized?.observe(o);
  frame = { width: r.width, height: r.height, blocked, overlays };
  overlaysRead = true;
  return frame;
}

/** The visible canvas in flow coordinates, less a margin, with what covers parts of it (null without a canvas). */
export function visibleArea(): ViewArea | null {
  return viewArea(true);
}

function viewArea(withOverlays: boolean): ViewArea | null {
  if (!instance || !container) return null;
  const f = withOverlays ? canvasFrame(container) : { ...canvasSize(container), blocked: [] };
  if (f.width < 50 || f.height < 50) return null;
  const { x: tx, y: ty, zoom } = instance.getViewport();
  // container coordinates → flow coordinates (what screenToFlowPosition computes, without reading the container's box)
  const rect = (left: number, top: number, right: number, bottom: number): Rect => ({ x: (left - tx) / zoom, y: (top - ty) / zoom, width: (right - left) / zoom, height: (bottom - top) / zoom });
  const m = 12;
  const blocked = f.blocked.map((b) => rect(b.x - m, b.y - m, b.x + b.width + m, b.y + b.height + m));
  return { ...rect(m, m, f.width - m, f.height - m), blocked };
}

function boxOf(rf: ReactFlowInstance<Node, Edge>, id: string): Rect | null {
  const n = rf.getInternalNode(id);
  if (!n) return null;
  const p = n.internals.positionAbsolute;
  return { x: p.x, y: p.y, width: n.measured?.width ?? 160, height: n.measured?.height ?? 70 };
}

const within = (b: Rect, a: Rect) => b.x >= a.x && b.y >= a.y && b.x + b.width <= a.x + a.width && b.y + b.height <= a.y + a.height;
const overlapping = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Pan node `id` into view when it is not inside it, at the same zoom. `animate: false` jumps: a
 * pan that starts before the last one ended would start from its zoomed-out midpoint (d3's zoom
 * flight), so the stepping in Backprop mode, which may pan several times a second, does not animate.
 * `ahead`: the nodes that come next (the following steps); the pan shows as many of them as fit
 * beside the node, clear of the overlays, so the view moves again only after them.
 * It reads no layout: node boxes from React Flow's store, the canvas's size and overlays cached.
 */
export function revealNode(id: string, options: { animate?: boolean; ahead?: readonly string[] } = {}): void {
  const rf = instance;
  if (!rf) return;
  requestAnimationFrame(() => {
    const n = boxOf(rf, id);
    const view = viewArea(false);
    if (!n || !view || within(n, view)) return;
    const area = visibleArea()!;
    const clear = (b: Rect) => within(b, area) && !area.blocked.some((o) => overlapping(b, o));
    const later = (options.ahead ?? []).map((a) => boxOf(rf, a)).filter((b): b is Rect => !!b);
    // the most of the next nodes that fit with it, all clear of the overlays once panned; else the node centred
    let dx = n.x + n.width / 2 - (area.x + area.width / 2);
    let dy = n.y + n.height / 2 - (area.y + area.height / 2);
    for (let k = later.length; k > 0; k--) {
      const group = [n, ...later.slice(0, k)];
      const x0 = Math.min(...group.map((b) => b.x));
      const y0 = Math.min(...group.map((b) => b.y));
      const x1 = Math.max(...group.map((b) => b.x + b.width));
      const y1 = Math.max(...group.map((b) => b.y + b.height));
      if (x1 - x0 > area.width || y1 - y0 > area.height) continue;
      const ddx = (x0 + x1) / 2 - (area.x + area.width / 2);
      const ddy = (y0 + y1) / 2 - (area.y + area.height / 2);
      if (group.every((b) => clear({ ...b, x: b.x - ddx, y: b.y - ddy }))) {
        dx = ddx;
        dy = ddy;
        break;
      }
    }
    const { x, y, zoom } = rf.getViewport();
    void rf.setViewport({ x: x - dx * zoom, y: y - dy * zoom, zoom }, { duration: options.animate === false ? 0 : 200 });
  });
}

/** Measured node sizes (auto-layout), falling back to a typical node. */
export function nodeSizes(): Map<string, { width: number; height: number }> {
  const out = new Map<string, { width: number; height: number }>();
  for (const n of instance?.getNodes() ?? []) out.set(n.id, { width: n.measured?.width ?? 170, height: n.measured?.height ?? 80 });
  return out;
}

/** The flow position under a screen point (a drop from the palette). */
export function screenToFlow(x: number, y: number): XY | null {
  return instance ? instance.screenToFlowPosition({ x, y }) : null;
}
