/**
 * Where a node added from the palette by click or keyboard goes: next to the selected node when
 * that spot can be seen, else near the middle of the view — always on a free spot inside the part
 * of the canvas nothing covers (the minimap, the zoom controls, the mode switch). Pure; flow
 * coordinates (a node's position is its top-left corner).
 */
import type { XY } from '../store/graph-ops';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The visible canvas in flow coordinates, and what covers parts of it. */
export interface ViewArea extends Rect {
  blocked: Rect[];
}

/** Room a new node takes (a node is 156–232 wide, 60–100 high), with some air. */
export const NODE_BOX = { width: 200, height: 100 } as const;
const STEP = { x: 220, y: 120 };

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function boxAt(p: XY): Rect {
  return { x: p.x, y: p.y, width: NODE_BOX.width, height: NODE_BOX.height };
}

/** Whether a node at `p` can be seen whole: inside the view and under nothing that covers it. */
export function inView(p: XY, view: ViewArea): boolean {
  const b = boxAt(p);
  if (b.x < view.x || b.y < view.y || b.x + b.width > view.x + view.width || b.y + b.height > view.y + view.height) return false;
  return !view.blocked.some((r) => overlaps(b, r));
}

function free(p: XY, nodes: readonly XY[]): boolean {
  return !nodes.some((n) => Math.abs(n.x - p.x) < NODE_BOX.width && Math.abs(n.y - p.y) < NODE_BOX.height);
}

export interface PlaceInput {
  /** Right of the selected node, when one is selected. */
  anchor: XY | null;
  /** The visible canvas (null before the canvas is there). */
  view: ViewArea | null;
  /** Positions of the nodes already there. */
  nodes: readonly XY[];
}

export function placeNode({ anchor, view, nodes }: PlaceInput): XY {
  if (!view) {
    // no canvas to look at: beside the anchor (or the origin), nudged down off other nodes
    let p = anchor ?? { x: 0, y: 0 };
    for (let i = 0; i < 30 && !free(p, nodes); i++) p = { x: p.x, y: p.y + 110 };
    return p;
  }
  const centre = { x: view.x + view.width / 2 - NODE_BOX.width / 2, y: view.y + view.height / 2 - NODE_BOX.height / 2 };
  const ok = (p: XY) => inView(p, view) && free(p, nodes);
  // beside the selected node, or a little below it
  if (anchor) {
    for (let i = 0; i < 4; i++) {
      const p = { x: anchor.x, y: anchor.y + i * 110 };
      if (ok(p)) return p;
    }
  }
  // the nearest free spot to where it was meant to go, on a grid over the view
  const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));
  const want = anchor
    ? { x: clamp(anchor.x, view.x, view.x + view.width - NODE_BOX.width), y: clamp(anchor.y, view.y, view.y + view.height - NODE_BOX.height) }
    : centre;
  const spots: XY[] = [];
  const nx = Math.ceil(view.width / STEP.x) + 1;
  const ny = Math.ceil(view.height / STEP.y) + 1;
  for (let i = -nx; i <= nx; i++) for (let j = -ny; j <= ny; j++) spots.push({ x: want.x + i * STEP.x, y: want.y + j * STEP.y });
  spots.sort((a, b) => Math.hypot(a.x - want.x, a.y - want.y) - Math.hypot(b.x - want.x, b.y - want.y));
  const spot = spots.find(ok);
  if (spot) return spot;
  // the view is full: somewhere it can still be seen, even on top of another node
  return spots.find((p) => inView(p, view)) ?? centre;
}
