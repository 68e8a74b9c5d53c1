/**
 * Backprop mode's wires as the lecture draws them, the pure part: how a tensor becomes a compact
 * summary for a wire label (a scalar, a 2×2 in full, a larger one as a sparkline or heatmap with
 * mean and norm), where a point of an edge's curve is, how labels are placed in screen space so
 * that none overlaps a node, an overlay or another label (collapsing to a chip where nothing
 * fits), and the names of nodes and edges as the user wrote them. No DOM, no stores.
 */
import type { GraphDocument } from '../../../engine/graph/document';
import { formatCompact } from '../panels/format';
import type { TensorSnapshot } from './backprop-model';

// ---------------------------------------------------------------------------------------------
// tensor summaries

export type TensorSummary =
  | { kind: 'scalar'; text: string }
  /** Every element in full (up to 2×2 = 4), row-major; `rows` × `cols`. */
  | { kind: 'grid'; rows: number; cols: number; cells: string[] }
  /** A vector as a sparkline, a matrix as a heatmap (`rows` × `cols` after a leading batch of 1), with mean and norm. */
  | { kind: 'spark' | 'heat'; rows: number; cols: number; mean: string; norm: string; shape: string };

/** The dims that matter: a leading batch of one dropped (1×4 is a vector of 4). */
export function effectiveShape(shape: readonly number[]): number[] {
  const s = [...shape];
  while (s.length > 1 && s[0] === 1) s.shift();
  return s;
}

export function summarize(s: TensorSnapshot): TensorSummary {
  const n = s.data.length || s.shape.reduce((a, b) => a * b, 1);
  if (n === 1 && s.data.length === 1) return { kind: 'scalar', text: formatCompact(s.data[0]!) };
  const shape = effectiveShape(s.shape);
  const shapeText = s.shape.join('×');
  if (n <= 4 && s.data.length === n) {
    const cols = shape.length >= 2 ? shape[shape.length - 1]! : n;
    return { kind: 'grid', rows: Math.ceil(n / cols), cols, cells: s.data.map((v) => formatCompact(v)) };
  }
  const stats = { mean: formatCompact(s.mean), norm: formatCompact(s.norm), shape: shapeText };
  if (shape.length <= 1) return { kind: 'spark', rows: 1, cols: n, ...stats };
  const cols = shape[shape.length - 1]!;
  return { kind: 'heat', rows: Math.max(1, Math.round(n / cols)), cols, ...stats };
}

/** Up to `max` points of a sparkline (the mean of each bucket), scaled to 0..1 over [min, max]. */
export function sparkPoints(data: readonly number[], max = 48): number[] {
  if (data.length === 0) return [];
  const k = Math.ceil(data.length / max);
  const out: number[] = [];
  for (let i = 0; i < data.length; i += k) {
    let sum = 0;
    const end = Math.min(data.length, i + k);
    for (let j = i; j < end; j++) sum += data[j]!;
    out.push(sum / (end - i));
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo;
  return out.map((v) => (span > 0 ? (v - lo) / span : 0.5));
}

// ---------------------------------------------------------------------------------------------
// edge curves (React Flow's default bezier)

export type Side = 'left' | 'right' | 'top' | 'bottom';

export interface EdgeGeometry {
  sourceX: number;
  sourceY: number;
  targetX: number;
  targetY: number;
  sourcePosition: Side;
  targetPosition: Side;
}

function controlOffset(distance: number, curvature: number): number {
  return distance >= 0 ? 0.5 * distance : curvature * 25 * Math.sqrt(-distance);
}

function control(pos: Side, x1: number, y1: number, x2: number, y2: number, c: number): [number, number] {
  switch (pos) {
    case 'left':
      return [x1 - controlOffset(x1 - x2, c), y1];
    case 'right':
      return [x1 + controlOffset(x2 - x1, c), y1];
    case 'top':
      return [x1, y1 - controlOffset(y1 - y2, c)];
    case 'bottom':
      return [x1, y1 + controlOffset(y2 - y1, c)];
  }
}

/** The point at `t` (0..1) of the curve React Flow's getBezierPath draws for `g` (curvature 0.25). */
export function bezierPoint(g: EdgeGeometry, t: number): { x: number; y: number } {
  const [c1x, c1y] = control(g.sourcePosition, g.sourceX, g.sourceY, g.targetX, g.targetY, 0.25);
  const [c2x, c2y] = control(g.targetPosition, g.targetX, g.targetY, g.sourceX, g.sourceY, 0.25);
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * g.sourceX + b * c1x + c * c2x + d * g.targetX, y: a * g.sourceY + b * c1y + c * c2y + d * g.targetY };
}

// ---------------------------------------------------------------------------------------------
// placement

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function overlaps(a: Rect, b: Rect, gap = 0): boolean {
  return a.x < b.x + b.width + gap && b.x < a.x + a.width + gap && a.y < b.y + b.height + gap && b.y < a.y + a.height + gap;
}

/**
 * Boxes filed by the cells of a uniform grid over `area` that they reach (grown by the gap they
 * keep): `hits` tests a box only against those filed in the cells it covers, which are all that
 * can come within `gap` of it. Boxes reaching past `area` are filed in its border cells.
 */
class RectGrid {
  private readonly cols: number;
  private readonly rows: number;
  private readonly cells: Rect[][];
  private stamp = new Map<Rect, number>();
  private query = 0;

  constructor(
    private readonly area: Rect,
    private readonly cell: number,
  ) {
    this.cols = Math.max(1, Math.ceil(area.width / cell));
    this.rows = Math.max(1, Math.ceil(area.height / cell));
    this.cells = Array.from({ length: this.cols * this.rows }, () => []);
  }

  private span(lo: number, hi: number, origin: number, n: number): [number, number] {
    const a = Math.floor((lo - origin) / this.cell);
    const b = Math.floor((hi - origin) / this.cell);
    return [Math.min(n - 1, Math.max(0, a)), Math.min(n - 1, Math.max(0, b))];
  }

  add(r: Rect, gap: number): void {
    const [c0, c1] = this.span(r.x - gap, r.x + r.width + gap, this.area.x, this.cols);
    const [r0, r1] = this.span(r.y - gap, r.y + r.height + gap, this.area.y, this.rows);
    for (let y = r0; y <= r1; y++) for (let x = c0; x <= c1; x++) this.cells[y * this.cols + x]!.push(r);
  }

  /** Whether `r` comes within `gap` of a filed box. */
  hits(r: Rect, gap: number): boolean {
    const q = ++this.query;
    const [c0, c1] = this.span(r.x, r.x + r.width, this.area.x, this.cols);
    const [r0, r1] = this.span(r.y, r.y + r.height, this.area.y, this.rows);
    for (let y = r0; y <= r1; y++) {
      for (let x = c0; x <= c1; x++) {
        for (const o of this.cells[y * this.cols + x]!) {
          if (this.stamp.get(o) === q) continue;
          this.stamp.set(o, q);
          if (overlaps(r, o, gap)) return true;
        }
      }
    }
    return false;
  }
}

export interface LabelRequest {
  id: string;
  /** Screen size of the full label and of its chip. */
  width: number;
  height: number;
  chip: { width: number; height: number };
  /** Points along the wire in screen coordinates, best first (the middle, then outwards). */
  anchors: { x: number; y: number }[];
}

export interface LabelPlacement {
  id: string;
  /** Top-left of the box in screen coordinates. */
  x: number;
  y: number;
  width: number;
  height: number;
  /** Shown as a chip (nothing else fitted); the full label opens on hover or focus. */
  collapsed: boolean;
  /** The point on the wire it belongs to (a leader line joins them when the box is beside it). */
  anchor: { x: number; y: number };
}

/** Where along a wire to try a label: the middle first, then outwards. */
export const ANCHOR_TS = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82];

/**
 * Place labels in screen space, in the order given (the first wins a contested spot): each at the
 * first anchor where the box — centred on the wire, or just above or below it — overlaps no
 * obstacle (nodes, the canvas' own overlays) and no label already placed; with `collapse` (far
 * out) or where no spot fits, as a chip placed the same way (or at the middle when even a chip
 * does not fit). Boxes stay inside `bounds`.
 */
export function placeLabels(requests: readonly LabelRequest[], obstacles: readonly Rect[], bounds: Rect, options: { collapse?: boolean; gap?: number } = {}): LabelPlacement[] {
  const gap = options.gap ?? 3;
  // A box inside `bounds` can only touch what reaches into `bounds` (grown by the gap): what lies
  // further out (off-screen nodes, labels parked off-screen) is never tested, so a large graph
  // costs what its visible part does.
  const near = { x: bounds.x - gap, y: bounds.y - gap, width: bounds.width + 2 * gap, height: bounds.height + 2 * gap };
  // what a box may touch, by grid cell: a candidate box is tested against the few boxes in the
  // cells it covers, not against every node and label on screen (a dense view tries ~50 boxes for
  // each of ~100 labels against ~150 others: a few ms a frame while panning)
  const taken = new RectGrid(near, 64);
  for (const o of obstacles) if (overlaps(o, near)) taken.add(o, gap);
  const out: LabelPlacement[] = [];
  const inside = (r: Rect) => r.x >= bounds.x && r.y >= bounds.y && r.x + r.width <= bounds.x + bounds.width && r.y + r.height <= bounds.y + bounds.height;
  const free = (r: Rect) => inside(r) && !taken.hits(r, gap);
  const find = (req: LabelRequest, w: number, h: number): { r: Rect; anchor: { x: number; y: number } } | null => {
    for (const a of req.anchors) {
      // the box is centred on the anchor horizontally: an anchor outside the bounds' columns never fits
      if (a.x - w / 2 < bounds.x || a.x + w / 2 > bounds.x + bounds.width) continue;
      for (const dy of [0, -(h / 2 + 5), h / 2 + 5]) {
        const r = { x: a.x - w / 2, y: a.y - h / 2 + dy, width: w, height: h };
        if (free(r)) return { r, anchor: a };
      }
    }
    return null;
  };
  for (const req of requests) {
    const mid = req.anchors[0] ?? { x: 0, y: 0 };
    const full = options.collapse ? null : find(req, req.width, req.height);
    const spot = full ?? find(req, req.chip.width, req.chip.height);
    const r = spot?.r ?? { x: mid.x - req.chip.width / 2, y: mid.y - req.chip.height / 2, width: req.chip.width, height: req.chip.height };
    if (overlaps(r, near)) taken.add(r, gap);
    out.push({ id: req.id, ...r, collapsed: !full, anchor: spot?.anchor ?? mid });
  }
  return out;
}

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Where a callout of size `w`×`h` goes beside the node box `node`: above, below, right or left
 * (centred on the node or flush with one of its ends), the one inside `bounds` that covers the
 * least of `avoid` (ties: in that order, so above and centred when nothing is in the way).
 */
export function placeCallout(node: Rect, w: number, h: number, avoid: readonly Rect[], bounds: Rect, gap = 10): Rect {
  const xs = [node.x + node.width / 2 - w / 2, node.x, node.x + node.width - w];
  const ys = [node.y + node.height / 2 - h / 2, node.y, node.y + node.height - h];
  const candidates: Rect[] = [
    ...xs.map((x) => ({ x, y: node.y - gap - h, width: w, height: h })),
    ...xs.map((x) => ({ x, y: node.y + node.height + gap, width: w, height: h })),
    ...ys.map((y) => ({ x: node.x + node.width + gap, y, width: w, height: h })),
    ...ys.map((y) => ({ x: node.x - gap - w, y, width: w, height: h })),
  ].map((c) => ({
    ...c,
    x: Math.max(bounds.x + 4, Math.min(c.x, bounds.x + bounds.width - w - 4)),
    y: Math.max(bounds.y + 4, Math.min(c.y, bounds.y + bounds.height - h - 4)),
  }));
  let best = candidates[0]!;
  let bestCost = Infinity;
  for (const c of candidates) {
    const cost = overlapArea(c, node) * 4 + avoid.reduce((sum, a) => sum + overlapArea(c, a), 0);
    if (cost < bestCost) {
      best = c;
      bestCost = cost;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// names as the user wrote them

/** A node's variable name: the left side of its label (`y = x + 2` → `y`), else its label or id. */
export function nodeName(doc: GraphDocument, nodeId: string): string {
  return variableOf(doc.nodes.find((x) => x.id === nodeId), nodeId);
}

function variableOf(n: GraphDocument['nodes'][number] | undefined, nodeId: string): string {
  const label = (n?.label ?? '').trim() || n?.id || nodeId;
  const i = label.indexOf('=');
  const head = i > 0 ? label.slice(0, i).trim() : '';
  return head || label;
}

/** `y → z (in)`; a source with several outputs names its port (`split.a → f (in)`). */
export function edgeName(doc: GraphDocument, edgeId: string): string {
  const e = doc.edges.find((x) => x.id === edgeId);
  if (!e) return edgeId;
  const multiOut = new Set(doc.edges.filter((x) => x.source === e.source).map((x) => x.sourcePort)).size > 1;
  return `${nodeName(doc, e.source)}${multiOut ? `.${e.sourcePort}` : ''} → ${nodeName(doc, e.target)} (${e.targetPort})`;
}

/** Every edge's `edgeName`, by id, in one pass over the document (not one search per edge). */
export function edgeNames(doc: GraphDocument): Map<string, string> {
  const nodeById = new Map(doc.nodes.map((n) => [n.id, n]));
  const name = (id: string): string => variableOf(nodeById.get(id), id);
  const ports = new Map<string, Set<string>>();
  for (const e of doc.edges) {
    let s = ports.get(e.source);
    if (!s) ports.set(e.source, (s = new Set()));
    s.add(e.sourcePort);
  }
  const out = new Map<string, string>();
  for (const e of doc.edges) {
    const multiOut = (ports.get(e.source)?.size ?? 0) > 1;
    out.set(e.id, `${name(e.source)}${multiOut ? `.${e.sourcePort}` : ''} → ${name(e.target)} (${e.targetPort})`);
  }
  return out;
}
