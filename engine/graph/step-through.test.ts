/** The step events for the lecture's lessons carry the lecture's numbers. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDocument } from './compile';
import { parseDocument } from './document';
import { loadBuiltinDataset } from '../data/builtin';
import { bindingOf, datasetFeed } from '../train/data-source';
import { tensor } from '../core/creation';
import { gradientFlags, StepThrough, type BackwardStep } from './step-through';

function lesson(name: string, data: ReturnType<typeof bindingOf> | null = null) {
  const r = parseDocument(readFileSync(new URL(`../../assets/examples/${name}.json`, import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(name);
  return compileDocument(r.document, { requireLoss: false, data });
}
const back = (st: StepThrough, nodeId: string): BackwardStep => st.backwardSteps.find((s) => s.nodeId === nodeId)!;

describe('step-through: y = x + 2, z = y³, out = mean(z)', () => {
  const st = new StepThrough(lesson('autograd-lesson'), {});
  it('runs forward node by node with the values on the edges', () => {
    expect(st.forwardSteps.map((s) => s.nodeId)).toEqual(['x', 'two', 'y', 'z', 'out', 'result']);
    expect(st.forwardSteps.find((s) => s.nodeId === 'z')!.outputs[0]!.value.data).toEqual([27, 27, 27, 27]);
    expect(st.objective).toBe(27);
  });
  it('runs backward in reverse order and ends with 6.75 on x', () => {
    expect(st.backwardSteps.map((s) => s.nodeId)).toEqual(['out', 'z', 'y', 'x']);
    const mean = back(st, 'out');
    expect(mean.local[0]!.value.data).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(mean.downstream[0]!.value.data).toEqual([0.25, 0.25, 0.25, 0.25]);
    const pow = back(st, 'z');
    expect(pow.upstream[0]!.total.data).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(pow.local[0]!.value.data).toEqual([27, 27, 27, 27]); // 3·y² at y = 3
    expect(pow.downstream[0]!.value.data).toEqual([6.75, 6.75, 6.75, 6.75]);
    const add = back(st, 'y');
    expect(add.local[0]!.description).toMatch(/pass-through/);
    expect(add.downstream.find((d) => d.port === 'a')!.value.data).toEqual([6.75, 6.75, 6.75, 6.75]);
    const x = back(st, 'x');
    expect(x.upstream[0]!.total.data).toEqual([6.75, 6.75, 6.75, 6.75]);
    expect(st.backwardSteps[st.backwardSteps.length - 1]!.nodeId).toBe('x');
  });
  it('navigates forward, back, jumps and resets', () => {
    st.reset();
    expect(st.current).toBeNull();
    expect(st.next()!.phase).toBe('forward');
    expect(st.position).toBe(0);
    st.jump(st.steps.length - 1);
    expect(st.current).toMatchObject({ phase: 'backward', nodeId: 'x' });
    expect(st.next()).toBeNull();
    expect(st.previous()).toMatchObject({ nodeId: 'y' });
    expect(() => st.jump(99)).toThrow(/out of range/);
  });
});

describe('step-through: the lecture’s gates', () => {
  it('add passes through and multiply gives each input the upstream times the other input', () => {
    const st = new StepThrough(lesson('lesson-add-multiply'), {});
    const f = back(st, 'f');
    expect(f.upstream[0]!.total.data).toEqual([1]);
    expect(f.downstream.find((d) => d.port === 'a')!.value.data).toEqual([-4]); // upstream 1 × z
    expect(f.downstream.find((d) => d.port === 'b')!.value.data).toEqual([3]); // upstream 1 × q
    const q = back(st, 'q');
    expect(q.upstream[0]!.total.data).toEqual([-4]);
    expect(q.downstream.map((d) => d.value.data[0])).toEqual([-4, -4]);
  });

  it('sigmoid’s local gradient is σ(1−σ)', () => {
    const st = new StepThrough(lesson('lesson-sigmoid-neuron'), {}, { dtype: 'float64' });
    const s = 1 / (1 + Math.exp(-1));
    const sig = back(st, 'sig');
    expect(sig.local[0]!.value.data[0]).toBeCloseTo(s * (1 - s), 12);
    expect(sig.local[0]!.description).toBe('σ(x)(1 − σ(x))');
    expect(back(st, 'x0').upstream[0]!.total.data[0]).toBeCloseTo(2 * s * (1 - s), 12);
    expect(back(st, 'w0').upstream[0]!.total.data[0]).toBeCloseTo(-s * (1 - s), 12);
  });

  it('max routes the gradient to the larger input', () => {
    const st = new StepThrough(lesson('lesson-max-gate'), {});
    const m = back(st, 'm');
    expect(m.local.map((l) => l.value.data[0])).toEqual([1, 0]);
    expect(m.downstream.map((d) => [d.port, d.value.data[0]])).toEqual([['a', 3], ['b', 0]]);
    // the smaller input's exact 0 is routing, not a vanishing gradient; the mask is not "saturated"
    expect(m.downstream.map((d) => [d.port, d.flags])).toEqual([['a', []], ['b', ['not-routed']]]);
    expect(m.local.map((l) => l.flags)).toEqual([[], []]);
  });

  it('flags: exactly 0 is not routed, small but not 0 is vanishing, large is exploding', () => {
    const snap = (data: number[]) => ({ shape: [data.length], data, mean: 0, min: Math.min(...data), max: Math.max(...data), absMax: Math.max(...data.map(Math.abs)), norm: 0 });
    expect(gradientFlags(snap([0, 0]))).toEqual(['not-routed']);
    expect(gradientFlags(snap([0, 4.5e-7]))).toEqual(['vanishing']);
    expect(gradientFlags(snap([0.5, -2]))).toEqual([]);
    expect(gradientFlags(snap([2e3]))).toEqual(['exploding']);
  });

  it('fan-out: each branch’s part and their sum', () => {
    const st = new StepThrough(lesson('lesson-fan-out'), {});
    const x = back(st, 'x');
    expect(x.upstream[0]!.total.data).toEqual([8]);
    expect(x.upstream[0]!.branches.map((b) => [b.target, b.value.data[0]]).sort()).toEqual([['a:b', 2], ['b:a', 3], ['b:b', 3]]);
  });

  it('a sigmoid at ±10 has local ≈ 4.5e-5 and is flagged as saturated', () => {
    for (const v of [10, -10]) {
      const r = parseDocument(readFileSync(new URL('../../assets/examples/sigmoid-vanishing.json', import.meta.url), 'utf8'));
      if (!r.ok) throw new Error();
      const model = compileDocument(r.document, { requireLoss: false });
      const st = new StepThrough(model, { inputs: { x: tensor(v) } }, { dtype: 'float64' });
      const sig = back(st, 'sigma');
      expect(sig.local[0]!.value.data[0]).toBeCloseTo(4.5397868702e-5 * (1 - 4.5397868702e-5), 12);
      expect(sig.local[0]!.flags).toEqual(['saturated']);
    }
  });
});

describe('step-through on a trained-size network', () => {
  it('Linear shows Wᵀ and xᵀ as local gradients and parameter gradients for the XOR MLP', () => {
    const ds = loadBuiltinDataset('xor');
    const model = lesson('xor-mlp', bindingOf(ds));
    const st = new StepThrough(model, datasetFeed(ds));
    expect(st.backwardSteps[0]!.nodeId).toBe('loss');
    const hidden = back(st, 'hidden');
    expect(hidden.local.map((l) => l.of)).toEqual(['in', 'weight', 'bias']);
    expect(hidden.parameters.map((p) => p.name)).toEqual(['weight', 'bias']);
    expect(hidden.parameters[0]!.grad.shape).toEqual([4, 2]);
    // downstream on x = upstream · W
    const up = hidden.upstream[0]!.total;
    const w = hidden.local[0]!.value;
    const down = hidden.downstream[0]!.value;
    for (let n = 0; n < 4; n++) {
      for (let i = 0; i < 2; i++) {
        let s = 0;
        for (let o = 0; o < 4; o++) s += up.data[n * 4 + o]! * w.data[o * 2 + i]!;
        expect(down.data[n * 2 + i]).toBeCloseTo(s, 5);
      }
    }
  });
});

describe('numeric check per edge', () => {
  it('finite differences agree with the analytic gradient on every edge of the XOR MLP (float64)', () => {
    const ds = loadBuiltinDataset('xor');
    const model = lesson('xor-mlp', bindingOf(ds));
    const before = model.parameters().map((p) => Array.from(p.tensor.data));
    const st = new StepThrough(model, datasetFeed(ds), { dtype: 'float64' });
    const gradEdges = [...st.result.edges].filter(([, t]) => t.grad).map(([id]) => id);
    expect(gradEdges.length).toBe(4); // x→hidden, hidden→σ, σ→out, out→loss
    for (const id of gradEdges) expect(st.checkEdge(id).relativeError).toBeLessThan(1e-6);
    // element by element: the finite difference of each element is that element's gradient
    const first = gradEdges[0]!;
    const g = Array.from(st.result.edges.get(first)!.grad!.data);
    g.forEach((want, i) => {
      const c = st.checkEdge(first, { element: i });
      expect(c.element).toBe(i);
      expect(c.analytic).toBe(want);
      expect(c.numeric).toBeCloseTo(want, 8);
    });
    expect(model.parameters().map((p) => Array.from(p.tensor.data))).toEqual(before);
  });
  it('leaves BatchNorm running statistics untouched', () => {
    const ds = loadBuiltinDataset('iris');
    const model = lesson('iris-mlp', bindingOf(ds));
    const before = model.buffers().map((b) => Array.from(b.tensor.data));
    const feed = datasetFeed(ds);
    const st = new StepThrough(model, { features: feed.features.reshape(150, 4), targets: feed.targets });
    st.checkEdge([...st.result.edges].find(([, t]) => t.grad)![0]);
    expect(model.buffers().map((b) => Array.from(b.tensor.data))).toEqual(before);
  });
});
