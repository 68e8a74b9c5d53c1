/**
 * The canvas's viewport, for commands outside React (View ▸ Fit, zoom, where a palette click
 * puts a node, auto-layout's measured sizes). The canvas registers its React Flow instance here.
 */
import type { ReactFlowInstance, Node, Edge } from '@xyflow/react';
import type { XY } from '../store/graph-ops';

let instance: ReactFlowInstance<Node, Edge> | null = null;
let container: HTMLElement | null = null;

export function registerFlow(rf: ReactFlowInstance<Node, Edge> | null, el: HTMLElement | null): void {
  instance = rf;
  container = el;
}

export function flowInstance(): ReactFlowInstance<Node, Edge> | null {
  return instance;
}

/** Below this zoom node text is unreadable: a long graph is shown from its start instead of whole. */
export const READABLE_ZOOM = 0.5;

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
  const z = Math.min(READABLE_ZOOM, r.height / ((maxY - minY) * (1 + pad)));
  void rf.setViewport({ x: 40 - minX * z, y: r.height / 2 - ((minY + maxY) / 2) * z, zoom: z });
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
