/**
 * Kernels specialised to one op application's shapes, writing into a preallocated output: what
 * a replayed step program runs. Each computes exactly what the op's `forward` computes — the
 * same expression per element, the same order of accumulation — so a replayed step is bitwise
 * equal to the eager one.
 *
 * NOTE: the elementwise loops are generated (`new Function`) once per op and broadcast pattern,
 * with the op's name in the source: each generated loop calls ONE element function, so V8 sees a
 * monomorphic call site and inlines it. A shared loop taking the function as an argument (the
 * eager kernels in elementwise.ts) calls a different function from the same site for every op
 * and cannot inline any of them.
 */
import type { TypedArray } from '../../core/dtype';
import type { Shape } from '../../core/shape';
import { sizeOf } from '../../core/shape';
import type { Kernel, KernelCall } from '../define-op';
import { broadcastStrides, isTrailingSuffix } from './elementwise';

type Loop = (...args: unknown[]) => void;
const loops = new Map<string, Loop>();

/**
 * A loop over `body`, compiled once per (op, pattern): `fn` is the element function, called as
 * `f(…)` — or, given its source `expr` (over x and y), written inline in its place.
 */
function loop(op: string, pattern: string, params: string, body: string, fn: unknown, expr?: string): Loop {
  const key = `${op}|${pattern}`;
  let l = loops.get(key);
  if (!l) {
    if (expr !== undefined) {
      // f(A, B) → the expression with x = A and y = B (A and B are simple operands: a[i], y, …)
      body = body.replace(/f\(([^,()]+(?:\[[^\]]*\])?)(?:, ([^()]+?))?\)/g, (_m, x: string, y: string | undefined) =>
        `(${expr.replace(/\bx\b/g, `(${x})`).replace(/\by\b/g, `(${y ?? ''})`)})`,
      );
    }
    const name = `${op}_${pattern}`.replace(/[^A-Za-z0-9_]/g, '_');
    const factory = new Function('f', `"use strict";\nreturn function ${name}(${params}) {\n${body}\n};`) as (f: unknown) => Loop;
    l = factory(fn);
    loops.set(key, l);
  }
  return l;
}

/** f(a, b) elementwise with NumPy broadcasting, as `mapBinary`: the same patterns, the same expression. */
export function binaryKernel(op: string, f: (x: number, y: number) => number, call: KernelCall, expr?: string): Kernel {
  const [aShape, bShape] = call.inputShapes as [Shape, Shape];
  const outShape = call.outShape;
  const n = sizeOf(outShape);
  const na = sizeOf(aShape);
  const nb = sizeOf(bShape);
  if (na === n && nb === n) {
    const l = loop(op, 'same', 'a, b, o, n', 'for (let i = 0; i < n; i++) o[i] = f(a[i], b[i]);', f, expr);
    return ([a, b], o) => l(a, b, o, n);
  }
  if (nb === 1 && na === n) {
    const l = loop(op, 'scalarB', 'a, b, o, n', 'const y = b[0];\nfor (let i = 0; i < n; i++) o[i] = f(a[i], y);', f, expr);
    return ([a, b], o) => l(a, b, o, n);
  }
  if (na === 1 && nb === n) {
    const l = loop(op, 'scalarA', 'a, b, o, n', 'const x = a[0];\nfor (let i = 0; i < n; i++) o[i] = f(x, b[i]);', f, expr);
    return ([a, b], o) => l(a, b, o, n);
  }
  if (na === n && isTrailingSuffix(bShape, outShape)) {
    const l = loop(op, 'rowB', 'a, b, o, n, nb', 'for (let i = 0, j = 0; i < n; i++, j++) {\n  if (j === nb) j = 0;\n  o[i] = f(a[i], b[j]);\n}', f, expr);
    return ([a, b], o) => l(a, b, o, n, nb);
  }
  if (nb === n && isTrailingSuffix(aShape, outShape)) {
    const l = loop(op, 'rowA', 'a, b, o, n, na', 'for (let i = 0, j = 0; i < n; i++, j++) {\n  if (j === na) j = 0;\n  o[i] = f(a[j], b[i]);\n}', f, expr);
    return ([a, b], o) => l(a, b, o, n, na);
  }
  // General broadcasting: precompute both inputs' element offsets once (a step has fixed shapes).
  const ia = broadcastOffsets(aShape, outShape);
  const ib = broadcastOffsets(bShape, outShape);
  const l = loop(op, 'indexed', 'a, b, o, n, ia, ib', 'for (let i = 0; i < n; i++) o[i] = f(a[ia[i]], b[ib[i]]);', f, expr);
  return ([a, b], o) => l(a, b, o, n, ia, ib);
}

/** f(x) elementwise, as `mapUnary`. */
export function unaryKernel<A>(op: string, f: (x: number, attrs: A) => number, attrs: A, call: KernelCall, expr?: string): Kernel {
  const n = sizeOf(call.outShape);
  const l = loop(op, 'unary', 'a, o, n, attrs', 'for (let i = 0; i < n; i++) o[i] = f(a[i], attrs);', f, expr);
  return ([a], o) => l(a, o, n, attrs);
}

/** For each output element, the offset of the input element it reads when `shape` is broadcast to `outShape`. */
export function broadcastOffsets(shape: Shape, outShape: Shape): Int32Array {
  const n = sizeOf(outShape);
  const rank = outShape.length;
  const strides = broadcastStrides(shape, outShape);
  const out = new Int32Array(n);
  const index = new Array<number>(rank).fill(0);
  let o = 0;
  for (let i = 0; i < n; i++) {
    out[i] = o;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      o += strides[d]!;
      if (index[d]! < outShape[d]!) break;
      o -= strides[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

/** `expand`: a copy through precomputed offsets (a scalar is a fill). */
export function expandKernel(call: KernelCall): Kernel {
  const [shape] = call.inputShapes as [Shape];
  if (sizeOf(shape) === 1) return ([a], o) => o.fill(a![0]!);
  const offsets = broadcastOffsets(shape, call.outShape);
  const n = offsets.length;
  return ([a], o) => {
    for (let i = 0; i < n; i++) o[i] = a![offsets[i]!]!;
  };
}

/** A plain copy (reshape, identity). */
export const copyKernel: Kernel = ([a], o) => o.set(a!);

/**
 * Σ over `dims`, as `reduce` with `combine = a + v` and init 0: the same three fast paths and the
 * same order of additions; `divisor` (mean) divides each result afterwards, as `mean` does.
 */
export function sumKernel(call: KernelCall<{ dims: readonly number[] }>, divisor: number | null): Kernel {
  const [shape] = call.inputShapes as [Shape];
  const dims = call.attrs.dims;
  const rank = shape.length;
  const n = sizeOf(shape);
  const finish = (o: TypedArray): void => {
    if (divisor !== null) for (let i = 0; i < o.length; i++) o[i] = o[i]! / divisor;
  };
  if (dims.length === rank) {
    return ([a], o) => {
      let acc = 0;
      for (let i = 0; i < n; i++) acc = acc + a![i]!;
      o[0] = acc;
      finish(o);
    };
  }
  if (dims.length === 1 && dims[0] === rank - 1) {
    const inner = shape[rank - 1]!;
    const rows = n / inner;
    return ([a], o) => {
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        const base = r * inner;
        for (let j = 0; j < inner; j++) acc = acc + a![base + j]!;
        o[r] = acc;
      }
      finish(o);
    };
  }
  if (dims.length === 1 && dims[0] === 0) {
    const rows = shape[0]!;
    const inner = n / rows;
    return ([a], o) => {
      o.fill(0);
      for (let r = 0; r < rows; r++) {
        const base = r * inner;
        for (let j = 0; j < inner; j++) o[j] = o[j]! + a![base + j]!;
      }
      finish(o);
    };
  }
  // Any other dims: each input element's output slot, precomputed (same visiting order as `reduce`).
  const outShape = shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const slot = broadcastOffsets(outShape, shape);
  return ([a], o) => {
    o.fill(0);
    for (let i = 0; i < n; i++) o[slot[i]!] = o[slot[i]!]! + a![i]!;
    finish(o);
  };
}
