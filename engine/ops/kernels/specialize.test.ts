/**
 * Every op's specialised kernel (what a replayed step program runs) computes bitwise what its
 * `forward` computes, on the op's own samples plus the broadcast patterns of a training step,
 * in float32 and float64; and an op's `elementExpr` is its `elementwise` function.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../core/creation';
import type { Tensor } from '../../core/tensor';
import { promoteTypes } from '../../core/dtype';
import type { Attrs, OpDef, OpSample } from '../define-op';
import { opRegistry } from '../registry';
import { sampleInputs } from '../../testing/gradcheck';

const patterns: OpSample<Attrs>[] = [
  { label: 'same', shapes: [[4, 5], [4, 5]], attrs: {} },
  { label: 'scalar right', shapes: [[4, 5], []], attrs: {} },
  { label: 'scalar left', shapes: [[1], [4, 5]], attrs: {} },
  { label: 'row right', shapes: [[4, 5], [5]], attrs: {} },
  { label: 'row left (keepDim)', shapes: [[1, 5], [4, 5]], attrs: {} },
  { label: 'column (general)', shapes: [[4, 1], [4, 5]], attrs: {} },
];

const assignSamples: OpSample<Attrs>[] = [
  { label: 'same shape', shapes: [[2, 3], [2, 3]], attrs: {} },
  { label: 'a row into a vector', shapes: [[4], [1, 4]], attrs: {} },
];

function copy(t: Tensor): Tensor {
  return tensor(t.data.slice(), { shape: t.shape });
}

function asDType(ts: readonly Tensor[], dtype: 'float32' | 'float64'): Tensor[] {
  return ts.map((t) => (t.dtype === 'int32' ? t : tensor(dtype === 'float32' ? Float32Array.from(t.data) : Float64Array.from(t.data), { shape: t.shape })));
}

function cases(): [string, OpDef, OpSample<Attrs>, 'float32' | 'float64'][] {
  const out: [string, OpDef, OpSample<Attrs>, 'float32' | 'float64'][] = [];
  for (const op of opRegistry.values()) {
    if (!op.specialize) continue;
    const samples = op.name === 'assign' ? assignSamples : [...(op.samples ?? []), ...(op.arity === 2 && op.elementwise ? patterns : [])];
    for (const s of samples) for (const d of ['float32', 'float64'] as const) out.push([`${op.name}: ${s.label ?? s.shapes.map((x) => `[${x.join(',')}]`).join(' ')} (${d})`, op, s, d]);
  }
  return out;
}

describe('specialised kernels are the forward kernels, bitwise', () => {
  it.each(cases())('%s', (_label, op, sample, dtype) => {
    const xs = asDType(sampleInputs(sample), dtype);
    const shapes = xs.map((t) => t.shape);
    const dtypes = xs.map((t) => t.dtype);
    const outShape = op.inferShape(shapes, sample.attrs);
    const outDType = op.inferDType ? op.inferDType(dtypes, sample.attrs) : promoteTypes(...dtypes);
    const call = { attrs: sample.attrs, inputShapes: shapes, inputDTypes: dtypes, outShape, outDType };
    const kernel = op.specialize!(call);
    if (kernel === null) return; // this op keeps `forward` for these shapes (the program copies)
    const expected = op.forward(xs.map(copy), sample.attrs, outShape, outDType).slice();
    const out = expected.slice().fill(Number.NaN);
    kernel(xs.map((t) => t.data.slice()), out);
    expect(Array.from(out).map((v, i) => Object.is(v, expected[i]))).not.toContain(false);
  });

  it('covers the ops a training step runs', () => {
    const names = new Set(cases().map(([, op]) => op.name));
    for (const n of ['add', 'sub', 'mul', 'div', 'relu', 'sqrt', 'exp', 'sum', 'mean', 'reshape', 'expand', 'matmul', 'assign']) expect(names).toContain(n);
  });
});

describe('an op\'s element source is its element function', () => {
  const values = [-2.5, -1, -0, 0, 0.5, 1, 3, Number.NaN, Number.POSITIVE_INFINITY];
  const ops = [...opRegistry.values()].filter((op) => op.elementExpr !== undefined);
  it.each(ops.map((op) => [op.name, op] as const))('%s', (_name, op) => {
    const fromSource = new Function('x', 'y', `return ${op.elementExpr!};`) as (x: number, y: number) => number;
    const f = op.elementwise as unknown as (x: number, y: number) => number;
    for (const x of values) for (const y of values) {
      const a = op.arity === 1 ? f(x, {} as never) : f(x, y);
      expect(Object.is(fromSource(x, y), a), `${op.name}(${x}, ${y})`).toBe(true);
    }
  });
});
