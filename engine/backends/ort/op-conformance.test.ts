/**
 * Every op of the registry lowers to ONNX, and onnxruntime computes what the ts kernel computes:
 * each op's samples (the gradient-check ones, plus a few for the ops without gradients) run
 * through both in float32.
 */
import { describe, expect, it } from 'vitest';
import { tensor } from '../../core/creation';
import type { Tensor } from '../../core/tensor';
import { apply, type Attrs, type OpDef, type OpSample } from '../../ops/define-op';
import { opRegistry } from '../../ops/registry';
import { sampleInputs } from '../../testing/gradcheck';
import { openSession, ortTensor } from './runtime';
import { buildOpGraph } from './step-graph';

const ops = [...opRegistry.values()];

/** Samples for the ops that have none (no gradient: comparisons, argmax, oneHot, assign). */
const extraSamples: Record<string, OpSample<Attrs>[]> = {
  gt: comparisonSamples(),
  lt: comparisonSamples(),
  ge: comparisonSamples(),
  le: comparisonSamples(),
  eq: comparisonSamples(),
  argmax: [
    { label: 'rows', shapes: [[3, 4]], attrs: { dim: 1, keepDim: false } },
    { label: 'columns keepDim', shapes: [[3, 4]], attrs: { dim: 0, keepDim: true } },
    { label: '3-D middle', shapes: [[2, 3, 4]], attrs: { dim: 1, keepDim: false } },
  ],
  oneHot: [{ shapes: [[5]], values: [[0, 2, 1, 3, 0]], intInputs: [0], attrs: { numClasses: 4 } }],
  assign: [
    { label: 'same shape', shapes: [[2, 3], [2, 3]], attrs: {} },
    { label: 'a row into a vector (running statistics)', shapes: [[4], [1, 4]], attrs: {} },
  ],
};

function comparisonSamples(): OpSample<Attrs>[] {
  return [
    { label: 'with ties', shapes: [[2, 3], [2, 3]], values: [[1, 2, 3, -1, 0, 5], [1, 3, 2, -1, 1, 4]], attrs: {} },
    { label: 'broadcast', shapes: [[3, 4], [4]], attrs: {} },
  ];
}

/** float32 copies of the sample's inputs (int32 stays int32). */
function inputs32(sample: OpSample<Attrs>): Tensor[] {
  return sampleInputs(sample).map((t) => (t.dtype === 'int32' ? t : tensor(Float32Array.from(t.data), { shape: t.shape })));
}

async function runOnOrt(op: OpDef, sample: OpSample<Attrs>): Promise<{ ours: Tensor; theirs: ArrayLike<number> }> {
  const xs = inputs32(sample);
  const { bytes, outputs } = buildOpGraph(xs, () => [apply(op, xs, sample.attrs)]);
  const session = await openSession(bytes, { provider: 'cpu', threads: 1 });
  const feeds = Object.fromEntries(xs.map((t, i) => [`data_${i}`, ortTensor(t.data, t.shape)]));
  const r = await session.run(feeds, { y0: null });
  return { ours: outputs[0]!, theirs: r['y0']!.data as ArrayLike<number> };
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return Math.abs(a - b) <= 1e-6 + 1e-5 * Math.abs(b);
}

describe('ONNX lowering', () => {
  it('exists for every op of the registry', () => {
    expect(ops.filter((op) => typeof op.toOnnx !== 'function').map((op) => op.name)).toEqual([]);
  });

  it('every op has conformance samples', () => {
    expect(ops.filter((op) => (op.samples?.length ?? 0) + (extraSamples[op.name]?.length ?? 0) === 0).map((op) => op.name)).toEqual([]);
  });
});

const cases = ops.flatMap((op) =>
  [...(op.samples ?? []), ...(extraSamples[op.name] ?? [])].map((s, i) => [`${op.name}: ${s.label ?? `sample ${i}`}`, op, s] as const),
);

describe('onnxruntime agrees with the ts kernels (float32)', () => {
  it.each(cases)('%s', async (_label, op, sample) => {
    const { ours, theirs } = await runOnOrt(op, sample as OpSample<Attrs>);
    expect(theirs.length).toBe(ours.size);
    const bad: string[] = [];
    for (let i = 0; i < ours.size; i++) {
      if (!close(Number(theirs[i]), ours.data[i]!)) bad.push(`[${i}] ort ${theirs[i]} ts ${ours.data[i]}`);
    }
    expect(bad).toEqual([]);
  });
});
