/**
 * How the panels write numbers, durations, rates and sizes: 4 significant digits in a
 * monospaced font, the full value on hover (see `fullNumber`). Pure, no DOM.
 */

const MINUS = '\u2212';

function sign(s: string): string {
  return s.startsWith('-') ? MINUS + s.slice(1) : s;
}

/**
 * A number rounded to 4 significant digits: integers under a million as they are, very large
 * or very small magnitudes in exponent form (`1.235e6`, `4.540e−5`), NaN/∞ spelled out, and
 * null/undefined as an em dash.
 */
export function formatNumber(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return `${MINUS}∞`;
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (Number.isInteger(v) && a < 1e6) return sign(String(v));
  if (a >= 1e5 || a < 1e-3) {
    const [m, e] = v.toExponential(digits - 1).split('e');
    const exp = Number(e);
    return `${sign(m!)}e${exp < 0 ? MINUS + String(-exp) : String(exp)}`;
  }
  return sign(v.toPrecision(digits));
}

/**
 * Like `formatNumber` but without trailing zeros (`5.1`, `0.2`, `3`): for tables of data,
 * where fixed width matters less than reading the value as it was written.
 */
export function formatCompact(v: number | null | undefined, digits = 4): string {
  const s = formatNumber(v, digits);
  return s.replace(/(\.\d*?)0+(?=$|e)/, '$1').replace(/\.(?=$|e)/, '');
}

/** The full value, for the hover title. */
export function fullNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return 'no value';
  return String(v);
}

/** A fraction as a percentage with 4 significant digits (`0.873456` → `87.35%`, `1` → `100%`). */
export function formatPercent(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return formatNumber(v);
  const p = Math.round(v * 100 * 1e9) / 1e9; // 0.05·100 is 5.000000000000001
  if (Number.isInteger(p)) return `${sign(String(p))}%`;
  if (Math.abs(p) < 1e-3) return `${formatNumber(p)}%`;
  return `${sign(p.toPrecision(4))}%`;
}

/**
 * A share or probability for bars, readable at a glance: `98.6%`, `1.02%`, `0.08%`, `<0.01%`
 * (the full value goes in the hover title).
 */
export function formatShare(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const p = v * 100;
  if (p <= 0) return '0%';
  if (p >= 99.95 && p < 100) return '>99.9%';
  if (p >= 10) return `${Number(p.toFixed(1))}%`;
  if (p >= 0.01) return `${Number(p.toFixed(2))}%`;
  return '<0.01%';
}

/** Seconds as `45 s`, `3 min 05 s`, `1 h 02 min`; `<1 s` under a second; `—` when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '<1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A rate with a k/M suffix and 3–4 significant digits: `812`, `12.35k`, `1.204M`. */
export function formatRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v) || v <= 0) return '—';
  if (v < 1000) return v >= 100 ? String(Math.round(v)) : v.toPrecision(3);
  if (v < 1e6) return `${(v / 1000).toPrecision(4)}k`;
  return `${(v / 1e6).toPrecision(4)}M`;
}

/** A byte count as `812 B`, `12.3 KiB`, `4.21 MiB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toPrecision(3)} KiB`;
  return `${(n / (1024 * 1024)).toPrecision(3)} MiB`;
}

/** A tensor shape the way the editor writes it: `N×128`, `28×28`, `scalar` for []. */
export function formatShape(shape: readonly (number | string)[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}
