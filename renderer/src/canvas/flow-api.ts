/**
 * The canvas's viewport, for commands outside React (View ▸ Fit, zoom, where a palette click
 * puts a node, auto-layout's measured sizes). The canvas registers its React Flow instance here.
 */
import type { ReactFlowInstance, Node, Edge } from '@xyflow/react';
import type { XY } from '../store/graph-ops';
import type { Rect, ViewArea } from './placement';

let instance: ReactFlowInstance<Node, Edge> | null = null;
let container: HTMLElement | null = null;

export function registerFlow(rf: ReactFlowInstance<Node, Edge> | null, el: HTMLElement | null): void {
  instance = rf;
  container = el;
}

export function flowInstance(): ReactFlowInstance<Node, Edge> | null {
  return instance;
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
  if (zoom >= READABLE_ZOOM) {
    void rf.fitView({ padding: pad, maxZoom: 1.25 });
    return;
  }
  // pan rather than shrink: the input side at a readable zoom, the nodes there centred vertically
  const z = READABLE_ZOOM;
  const shown = nodes.filter((n) => n.position.x < minX + (r.width - 40) / z);
  let top = Infinity, bottom = -Infinity;
  for (const n of shown) {
    top = Math.min(top, n.position.y);
    bottom = Math.max(bottom, n.position.y + (n.measured?.height ?? 60));
  }
  const TOP = 56; // the mode switch over the canvas
  const y = (bottom - top) * z <= r.height - TOP - 24 ? TOP + (r.height - TOP - (bottom - top) * z) / 2 - top * z : TOP - top * z;
  void rf.setViewport({ x: 40 - minX * z, y, zoom: z });
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

/** The visible canvas in flow coordinates, less a margin, with what covers parts of it (null without a canvas). */
export function visibleArea(): ViewArea | null {
  if (!instance || !container) return null;
  const r = container.getBoundingClientRect();
  if (r.width < 50 || r.height < 50) return null;
  const toFlow = (x: number, y: number) => instance!.screenToFlowPosition({ x, y }, { snapToGrid: false });
  const rect = (left: number, top: number, right: number, bottom: number): Rect => {
    const a = toFlow(left, top);
    const b = toFlow(right, bottom);
    return { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y };
  };
  const m = 12;
  const blocked = [...container.querySelectorAll<HTMLElement>(OVERLAYS), ...(container.parentElement?.querySelectorAll<HTMLElement>('.bp-mode-switch, .bp-bp-bar') ?? [])]
    .map((el) => el.getBoundingClientRect())
    .filter((b) => b.width > 0 && b.height > 0)
    .map((b) => rect(b.left - m, b.top - m, b.right + m, b.bottom + m));
  return { ...rect(r.left + m, r.top + m, r.right - m, r.bottom - m), blocked };
}

/** Pan (keeping the zoom) so a node can be seen when it is not (a node just added). */
/**
 * Pan node `id` into view when it is not inside it, at the same zoom. `animate: false` jumps: a
 * pan that starts before the last one ended would start from its zoomed-out midpoint (d3's zoom
 * flight), so the stepping in Backprop mode, which may pan several times a second, does not animate.
 */
export function revealNode(id: string, options: { animate?: boolean } = {}): void {
  const rf = instance;
  if (!rf) return;
  requestAnimationFrame(() => {
    const n = rf.getNode(id);
    const area = visibleArea();
    if (!n || !area) return;
    const w = n.measured?.width ?? 160;
    const h = n.measured?.height ?? 70;
    const inside = n.position.x >= area.x && n.position.y >= area.y && n.position.x + w <= area.x + area.width && n.position.y + h <= area.y + area.height;
    if (!inside) void rf.setCenter(n.position.x + w / 2, n.position.y + h / 2, { zoom: rf.getZoom(), duration: options.animate === false ? 0 : 200 });
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
