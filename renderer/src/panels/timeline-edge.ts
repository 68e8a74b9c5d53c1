/**
 * The wires at a scrubbed training step: each edge's stroke by its gradient norm at that step,
 * relative to the step's largest on a log scale over six decades — thick and warm where the
 * gradient is large, thin and grey where it vanishes. Outside Backprop mode only; null when the
 * timeline is live (then the training overlay, if any, draws).
 */
import type { CSSProperties } from 'react';
import { useApp } from '../store/app-store';
import { mix, parseColor, toCss, FALLBACK } from './color';
import { wireStrength, type TimelineEdges } from './timeline-model';

const FAINT = parseColor('#8a919c')!;
const STRONG = parseColor(FALLBACK.warm)!;

let lastEdges: TimelineEdges | null = null;
let lastMax = 0;
function maxNorm(e: TimelineEdges): number {
  if (e === lastEdges) return lastMax;
  lastEdges = e;
  lastMax = Math.max(0, ...Object.values(e.edges).map((v) => (Number.isFinite(v.norm) ? v.norm : 0)));
  return lastMax;
}

/** The stroke of a wire at the timeline's step, from its gradient norm there. */
export function timelineWireStyle(norm: number, max: number): { cls: string; style: CSSProperties } {
  const t = wireStrength(norm, max);
  return { cls: ' is-timeline-grad', style: { stroke: toCss(mix(FAINT, STRONG, t)), strokeWidth: 1 + 5 * t, opacity: 0.35 + 0.65 * t } };
}

/** The edge's style at the scrubbed step, or null (live, not recorded, or no gradient on it). */
export function useTimelineWire(id: string): { cls: string; style: CSSProperties } | null {
  const norm = useApp((s) => (s.timeline.cursor !== null && s.timeline.edges ? (s.timeline.edges.edges[id]?.norm ?? null) : null));
  const max = useApp((s) => (s.timeline.cursor !== null && s.timeline.edges ? maxNorm(s.timeline.edges) : 0));
  return norm === null ? null : timelineWireStyle(norm, max);
}
