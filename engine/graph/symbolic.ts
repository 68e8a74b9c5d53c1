/** Shapes with a symbolic batch dimension `N`, as shape inference and the canvas show them. */
export type Dim = number | 'N';
export type SymShape = readonly Dim[];

/** `N×128`, `4`, `scalar` — how the canvas labels an edge. */
export function formatSymShape(shape: SymShape): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

export function symShapesEqual(a: SymShape, b: SymShape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Broadcast two symbolic shapes; null when they cannot be broadcast. `N` only matches `N` or 1. */
export function broadcastSym(a: SymShape, b: SymShape): Dim[] | null {
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da === db) out.push(da);
    else if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else return null;
  }
  return out;
}

/** Product of the concrete dims, or null if any is symbolic. */
export function symSize(shape: SymShape): number | null {
  let n = 1;
  for (const d of shape) {
    if (d === 'N') return null;
    n *= d;
  }
  return n;
}

/** Replace `N` with a concrete batch size. */
export function concretize(shape: SymShape, batch: number): number[] {
  return shape.map((d) => (d === 'N' ? batch : d));
}
