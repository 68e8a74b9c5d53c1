/**
 * Small helpers shared by the ONNX exporter and importer: readable value names and the shortest
 * decimal that reads back as the same float32 (so imported weights and attributes are written
 * compactly in JSON without changing a single bit).
 */

/** `o (output)` → `o_output`; empty or all-symbol labels fall back to `fallback`. */
export function sanitizeName(raw: string, fallback: string): string {
  const s = raw
    .replace(/[^A-Za-z0-9_.-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[_.-]+|[_.-]+$/g, '');
  return s.length > 0 ? s : fallback;
}

/** A name not in `used` (`name`, `name_2`, `name_3`, …); it is added to `used`. */
export function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  for (let k = 2; used.has(candidate); k++) candidate = `${name}_${k}`;
  used.add(candidate);
  return candidate;
}

/** The shortest decimal (as a number) whose float32 rounding is the float32 rounding of `x`. */
export function shortestFloat32(x: number): number {
  if (!Number.isFinite(x) || x === 0) return Math.fround(x) === 0 ? 0 : Math.fround(x);
  const f = Math.fround(x);
  for (let p = 1; p <= 9; p++) {
    const v = Number(f.toPrecision(p));
    if (Math.fround(v) === f) return v;
  }
  return f;
}
