import { ShapeError } from './errors';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `2×3×4` — how shapes read in messages and on the canvas. */
export function formatShape(shape: Shape): string {
  return shape.length === 0 ? 'scalar' : `[${shape.join(', ')}]`;
}

/** NumPy/PyTorch broadcasting of two shapes; throws naming the op and both shapes. */
export function broadcastShapes(a: Shape, b: Shape, op = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together ` +
          `(dimension ${i - n} is ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Normalise a possibly negative dim against a rank; throws naming the op. */
export function normalizeDim(dim: number, rank: number, op: string): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new ShapeError(`${op}: dimension ${dim} is out of range for a tensor of rank ${rank} (expected in [${-r}, ${r - 1}])`);
  }
  return dim < 0 ? dim + r : dim;
}

/** Normalise an optional dim list (undefined = all dims), sorted and unique. */
export function normalizeDims(dims: number | readonly number[] | undefined, rank: number, op: string): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = [...new Set(list.map((d) => normalizeDim(d, rank, op)))];
  return out.sort((x, y) => x - y);
}

/** The shape after reducing `dims`. */
export function reducedShape(shape: Shape, dims: readonly number[], keepDim: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (dims.includes(i)) {
      if (keepDim) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}
