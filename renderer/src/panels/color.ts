/**
 * The panels' colour language (DESIGN.md "The face of it"): forward values and data in a cool
 * hue, gradients and loss in a warm one, magnitudes on a diverging scale centred at zero
 * (negative warm, positive cool — TensorFlow Playground's orange/blue), errors red, warnings
 * amber. The colours come from the theme's CSS variables where the canvas needs numbers.
 */

export type RGB = readonly [number, number, number];

/** Fallbacks when the theme does not define a variable (readable on dark and light). */
export const FALLBACK = {
  cool: '#3b8fd9',
  warm: '#f08c2e',
  error: '#e5484d',
  warning: '#e6a23c',
  mid: '#f2f2f2',
} as const;

/** `#rgb`, `#rrggbb`, `rgb(r, g, b)`, `rgba(r, g, b, a)` → [r, g, b]; null when not a colour. */
export function parseColor(text: string | null | undefined): RGB | null {
  if (!text) return null;
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3})$/.exec(s);
  if (m) {
    const h = m[1]!;
    return [parseInt(h[0]! + h[0]!, 16), parseInt(h[1]! + h[1]!, 16), parseInt(h[2]! + h[2]!, 16)];
  }
  m = /^#([0-9a-f]{6})([0-9a-f]{2})?$/.exec(s);
  if (m) {
    const h = m[1]!;
    return [parseInt(h.slice(0, 2), 16), parseInt(h.slice(2, 4), 16), parseInt(h.slice(4, 6), 16)];
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/.exec(s);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return null;
}

export function mix(a: RGB, b: RGB, t: number): RGB {
  const u = Math.min(1, Math.max(0, t));
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u];
}

export function toCss(c: RGB, alpha = 1): string {
  const [r, g, b] = c.map((v) => Math.round(v)) as [number, number, number];
  return alpha >= 1 ? `rgb(${r}, ${g}, ${b})` : `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/** Relative luminance 0..1 (sRGB, WCAG). */
export function luminance(c: RGB): number {
  const lin = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2]);
}

/**
 * A diverging scale: −1 → `negative`, 0 → `mid`, +1 → `positive`, clamped outside. The
 * magnitude is eased (sqrt) so small confidences are already visible, as Playground does.
 */
export function divergingScale(negative: RGB, mid: RGB, positive: RGB): (v: number) => RGB {
  return (v: number) => {
    if (!Number.isFinite(v)) return mid;
    const t = Math.min(1, Math.abs(v));
    const eased = Math.sqrt(t);
    return v < 0 ? mix(mid, negative, eased) : mix(mid, positive, eased);
  };
}

/** A probability of the positive class on the diverging scale: 0 → negative, ½ → mid, 1 → positive. */
export function probabilityToSigned(p: number): number {
  return 2 * p - 1;
}

/**
 * Categorical class colours: class 0 warm and class 1 cool (matching the diverging scale for
 * binary data), then hues that stay apart on dark and light backgrounds.
 */
const CLASS_HEX = ['#f08c2e', '#3b8fd9', '#3fb27f', '#b36ad9', '#d9c23b', '#e0609a', '#2cb5c0', '#8c9a3b', '#8c6d5a', '#7a86a8'];

export function classColor(k: number, warm: RGB = parseColor(FALLBACK.warm)!, cool: RGB = parseColor(FALLBACK.cool)!): RGB {
  if (k === 0) return warm;
  if (k === 1) return cool;
  return parseColor(CLASS_HEX[((k % CLASS_HEX.length) + CLASS_HEX.length) % CLASS_HEX.length]!)!;
}

/** Class index of a label as the engine stores it: −1/+1 (signed labels) → 0/1, others rounded. */
export function classIndexOf(label: number): number {
  if (label === -1) return 0;
  return Math.max(0, Math.round(label));
}

/** A CSS variable of `el` (or the document), parsed; `fallback` when absent or unparsable. */
export function themeColor(el: Element | null, name: string, fallback: string): RGB {
  if (typeof window !== 'undefined' && el) {
    const v = getComputedStyle(el).getPropertyValue(name);
    const c = parseColor(v);
    if (c) return c;
  }
  return parseColor(fallback)!;
}
