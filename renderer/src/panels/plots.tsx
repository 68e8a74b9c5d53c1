/**
 * Canvas pictures: image thumbnails (28×28 grey), and the 2-D plot — the data as a scatter,
 * with the model's decision boundary under it as a diverging colour field (TensorFlow
 * Playground's picture: negative warm, positive cool, undecided neutral).
 */
import { useEffect, useRef } from 'react';
import type { DecisionBoundary } from './training-model';
import { useThemeVersion } from './hooks';
import { classColor, classIndexOf, divergingScale, FALLBACK, probabilityToSigned, themeColor, toCss, type RGB } from './color';

/** Grey values (0..255, or any range: scaled to the image's min..max) → RGBA. */
export function greyToRgba(pixels: readonly number[]): Uint8ClampedArray {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of pixels) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // 0..255 data keeps its own scale so a faint image stays faint
  if (lo >= 0 && hi <= 255 && hi > 1) {
    lo = 0;
    hi = 255;
  }
  const span = hi - lo > 1e-12 ? hi - lo : 1;
  const out = new Uint8ClampedArray(pixels.length * 4);
  for (let i = 0; i < pixels.length; i++) {
    const g = Math.round((255 * (pixels[i]! - lo)) / span);
    out[4 * i] = g;
    out[4 * i + 1] = g;
    out[4 * i + 2] = g;
    out[4 * i + 3] = 255;
  }
  return out;
}

export function ImageThumb({ pixels, width, height, size = 42, title }: { pixels: readonly number[]; width: number; height: number; size?: number; title?: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx || pixels.length !== width * height) return;
    const img = new ImageData(width, height);
    img.data.set(greyToRgba(pixels));
    ctx.putImageData(img, 0, 0);
  }, [pixels, width, height]);
  return <canvas ref={ref} className="bpp-thumb" width={width} height={height} style={{ width: size, height: size }} role="img" aria-label={title} title={title} />;
}

export interface Point {
  x: number;
  y: number;
  label: number;
}

interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function extentOf(points: readonly Point[], boundary: DecisionBoundary | null): Extent {
  if (boundary && boundary.xs.length > 1) {
    return { x0: boundary.xs[0]!, x1: boundary.xs[boundary.xs.length - 1]!, y0: boundary.ys[0]!, y1: boundary.ys[boundary.ys.length - 1]! };
  }
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const p of points) {
    x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y);
  }
  if (!Number.isFinite(x0)) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  const px = (x1 - x0) * 0.1 || 1;
  const py = (y1 - y0) * 0.1 || 1;
  return { x0: x0 - px, x1: x1 + px, y0: y0 - py, y1: y1 + py };
}

/**
 * The 2-D plot: boundary field (when given) and points. `numClasses` > 2 colours the field by
 * the predicted class (the engine sends argmax/(k−1)); 2 classes use the diverging scale.
 */
export function ScatterPlot({ points, boundary, numClasses, size = 200, label, regression = false }: {
  points: readonly Point[];
  boundary: DecisionBoundary | null;
  numClasses: number;
  size?: number;
  label: string;
  /** Colour the points by their (continuous) target on the diverging scale instead of by class. */
  regression?: boolean;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const theme = useThemeVersion();
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const px = Math.round(size * dpr);
    if (c.width !== px) {
      c.width = px;
      c.height = px;
    }
    const warm = themeColor(c, '--warm', FALLBACK.warm);
    const cool = themeColor(c, '--cool', FALLBACK.cool);
    const mid = themeColor(c, '--panel', FALLBACK.mid);
    const fg = themeColor(c, '--fg', '#222');
    const ext = extentOf(points, boundary);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, px, px);
    ctx.fillStyle = toCss(mid);
    ctx.fillRect(0, 0, px, px);

    if (boundary && boundary.probabilities.length === boundary.resolution * boundary.resolution) {
      const r = boundary.resolution;
      const field = document.createElement('canvas');
      field.width = r;
      field.height = r;
      const fctx = field.getContext('2d')!;
      const img = fctx.createImageData(r, r);
      const scale = divergingScale(warm, mid, cool);
      for (let row = 0; row < r; row++) {
        for (let col = 0; col < r; col++) {
          const p = boundary.probabilities[row * r + col]!;
          let rgb: RGB;
          if (numClasses > 2) {
            const k = Math.round(p * (numClasses - 1));
            rgb = [...classColor(k, warm, cool)] as unknown as RGB;
            rgb = [mid[0] + (rgb[0] - mid[0]) * 0.55, mid[1] + (rgb[1] - mid[1]) * 0.55, mid[2] + (rgb[2] - mid[2]) * 0.55];
          } else rgb = scale(probabilityToSigned(p) * 0.7);
          // row 0 is the lowest y: draw it at the bottom
          const o = 4 * ((r - 1 - row) * r + col);
          img.data[o] = rgb[0];
          img.data[o + 1] = rgb[1];
          img.data[o + 2] = rgb[2];
          img.data[o + 3] = 255;
        }
      }
      fctx.putImageData(img, 0, 0);
      ctx.imageSmoothingEnabled = true;
      // grid cell centres sit at xs/ys: stretch by half a cell on each side
      const cell = px / (r - 1);
      ctx.drawImage(field, -cell / 2, -cell / 2, px + cell, px + cell);
    }

    // axes through 0 when in view
    ctx.strokeStyle = toCss(fg, 0.18);
    ctx.lineWidth = 1;
    const sx = (x: number) => ((x - ext.x0) / (ext.x1 - ext.x0)) * px;
    const sy = (y: number) => px - ((y - ext.y0) / (ext.y1 - ext.y0)) * px;
    if (ext.x0 < 0 && ext.x1 > 0) {
      ctx.beginPath();
      ctx.moveTo(Math.round(sx(0)) + 0.5, 0);
      ctx.lineTo(Math.round(sx(0)) + 0.5, px);
      ctx.stroke();
    }
    if (ext.y0 < 0 && ext.y1 > 0) {
      ctx.beginPath();
      ctx.moveTo(0, Math.round(sy(0)) + 0.5);
      ctx.lineTo(px, Math.round(sy(0)) + 0.5);
      ctx.stroke();
    }

    const many = points.length > 200;
    const radius = (points.length > 600 ? 2.2 : many ? 2.8 : points.length > 50 ? 3.5 : 5) * dpr;
    const ring = toCss(fg, many ? 0.45 : 0.85);
    let lo = Infinity;
    let hi = -Infinity;
    if (regression) for (const p of points) (lo = Math.min(lo, p.label)), (hi = Math.max(hi, p.label));
    const valueScale = divergingScale(warm, mid, cool);
    const centre = (lo + hi) / 2;
    const half = (hi - lo) / 2 || 1;
    for (const p of points) {
      ctx.beginPath();
      ctx.arc(sx(p.x), sy(p.y), radius, 0, Math.PI * 2);
      ctx.fillStyle = toCss(regression ? valueScale((p.label - centre) / half) : classColor(classIndexOf(p.label), warm, cool));
      ctx.fill();
      ctx.lineWidth = many ? 0.75 * dpr : Math.max(1, dpr);
      ctx.strokeStyle = ring;
      ctx.stroke();
    }
  }, [points, boundary, numClasses, size, theme, regression]);
  return <canvas ref={ref} className="bpp-scatter" style={{ width: size, height: size }} role="img" aria-label={label} />;
}
