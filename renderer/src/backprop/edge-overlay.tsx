/**
 * What Backprop mode adds to an edge's path on the canvas: its colour on the diverging scale (dim
 * until reached, emphasised while its node is processed), and during training a stroke width and
 * colour by gradient norm. The wire labels are WireOverlay's.
 */
import type { CSSProperties } from 'react';
import { divergingScale, FALLBACK, parseColor, toCss } from '../panels/color';
import { useBackprop } from './backprop-store';
import type { EdgeView } from './backprop-model';

const scale = divergingScale(parseColor(FALLBACK.warm)!, parseColor('#8a919c')!, parseColor(FALLBACK.cool)!);

export function toneColor(tone: number): string {
  return toCss(scale(tone));
}

export interface EdgeOverlay {
  view: EdgeView | undefined;
  train: { norm: number; mean: number; absMax: number } | undefined;
  trainMax: number;
  backprop: boolean;
}

export function useEdgeOverlay(id: string): EdgeOverlay {
  const backprop = useBackprop((s) => s.mode === 'backprop');
  const view = useBackprop((s) => (s.mode === 'backprop' ? s.edgeViews[id] : undefined));
  const train = useBackprop((s) => (s.overlay ? s.trainGrads[id] : undefined));
  const trainMax = useBackprop((s) => (s.overlay && s.trainGrads[id] ? maxNorm(s.trainGrads) : 0));
  return { view, train, trainMax, backprop };
}

let lastGrads: object | null = null;
let lastMax = 0;
function maxNorm(g: Record<string, { norm: number }>): number {
  if (g === lastGrads) return lastMax;
  lastGrads = g;
  lastMax = Math.max(1e-12, ...Object.values(g).map((v) => (Number.isFinite(v.norm) ? v.norm : 0)));
  return lastMax;
}

/** The path's class suffix and style in backprop mode or under the training overlay. */
export function edgePathStyle(o: EdgeOverlay): { cls: string; style?: CSSProperties } {
  if (o.backprop) {
    const v = o.view;
    if (!v) return { cls: ' is-bp is-unreached' };
    const cls = ` is-bp${v.reached ? '' : ' is-unreached'}${v.active ? ' is-active' : ''}${v.phase === 'grad' ? ' is-grad' : ''}`;
    return v.reached && v.phase !== 'none' ? { cls, style: { stroke: toneColor(v.tone) } } : { cls };
  }
  if (o.train) {
    const rel = o.train.norm / o.trainMax;
    const t = Math.max(0, 1 + Math.log10(Math.max(rel, 1e-6)) / 6);
    return { cls: ' is-train-grad', style: { stroke: toneColor(-t), strokeWidth: 1 + 5 * t } };
  }
  return { cls: '' };
}
