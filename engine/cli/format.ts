/**
 * How the CLI sets numbers, tensors and tables for people: 4 significant digits, shapes as
 * `N×128`, small tensors in full and large ones as their statistics.
 */
import { formatSymShape, type SymShape } from '../graph/symbolic';

/** A number to 4 significant digits: `6.75`, `27`, `0.0123`, `4.54e-5`, `1.235e+6`, `NaN`, `Inf`. */
export function fmt(v: number, digits = 4): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(digits)));
  const [mantissa, exponent] = v.toExponential(digits - 1).split('e');
  return `${String(Number(mantissa))}e${exponent}`;
}

/** A fraction as a fixed 4-decimal number (accuracies): `1.0000`, `0.9737`. */
export const fmtFixed = (v: number | null | undefined, decimals = 4): string => (v === null || v === undefined ? '—' : v.toFixed(decimals));

/** A concrete or symbolic shape as the canvas writes it: `2×2`, `N×128`, `scalar`. */
export const fmtShape = (shape: SymShape): string => formatSymShape(shape);

/** Tensors with at most this many elements are printed in full. */
export const FULL_PRINT_LIMIT = 16;

export interface TensorStats {
  mean: number;
  min: number;
  max: number;
}

export function stats(data: ArrayLike<number>): TensorStats {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { mean: data.length > 0 ? sum / data.length : NaN, min, max };
}

/** Nested brackets of 4-digit numbers: `[[1, 1], [1, 1]]`, or `27` for a scalar. */
export function fmtNested(data: ArrayLike<number>, shape: readonly number[]): string {
  if (shape.length === 0) return fmt(data[0]!);
  const strides: number[] = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  const build = (dim: number, offset: number): string => {
    const parts: string[] = [];
    for (let i = 0; i < shape[dim]!; i++) {
      parts.push(dim === shape.length - 1 ? fmt(data[offset + i]!) : build(dim + 1, offset + i * strides[dim]!));
    }
    return `[${parts.join(', ')}]`;
  };
  return build(0, 0);
}

/** A tensor for a table cell: in full when small, else `mean … min … max …`. */
export function fmtTensor(t: { readonly data: ArrayLike<number>; readonly shape: readonly number[] }): string {
  if (t.data.length <= FULL_PRINT_LIMIT) return fmtNested(t.data, t.shape);
  const s = stats(t.data);
  return `mean ${fmt(s.mean)}  min ${fmt(s.min)}  max ${fmt(s.max)}`;
}

/** Visible width (code points), so that `×`, `→` and `∂` line up. */
const width = (s: string): number => [...s].length;

/**
 * A plain-text table: columns padded to their widest cell, two spaces apart; `right` lists the
 * columns aligned to the right (numbers). A rule under the header.
 */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string[] {
  const widths = header.map((h, j) => Math.max(width(h), ...rows.map((r) => width(r[j] ?? ''))));
  const pad = (cells: readonly string[]): string =>
    cells
      .map((c, j) => {
        const gap = ' '.repeat(widths[j]! - width(c));
        return right.includes(j) ? gap + c : j === cells.length - 1 ? c : c + gap;
      })
      .join('  ')
      .trimEnd();
  const total = widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1);
  return [pad(header), '─'.repeat(total), ...rows.map(pad)];
}

/** `1,234,567`. */
export const fmtCount = (n: number): string => n.toLocaleString('en-US');

/** `0.41 s`, `2 min 3 s`. */
export function fmtSeconds(s: number): string {
  if (s < 1) return `${Math.round(s * 1000)} ms`;
  if (s < 60) return `${s < 10 ? s.toFixed(2) : s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}
