/** The forward step of a node with parameters carries their values (the neuron view shows weights before backward). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDocument } from './compile';
import { parseDocument } from './document';
import { loadBuiltinDataset } from '../data/builtin';
import { bindingOf, datasetFeed } from '../train/data-source';
import { StepThrough, type BackwardStep, type ForwardStep } from './step-through';

function lesson(name: string, data: ReturnType<typeof bindingOf> | null = null) {
  const r = parseDocument(readFileSync(new URL(`../../assets/examples/${name}.json`, import.meta.url), 'utf8'));
  if (!r.ok) throw new Error(name);
  return compileDocument(r.document, { requireLoss: false, data });
}
const fwd = (st: StepThrough, id: string): ForwardStep => st.forwardSteps.find((s) => s.nodeId === id)!;
const back = (st: StepThrough, id: string): BackwardStep => st.backwardSteps.find((s) => s.nodeId === id)!;

describe('step-through: parameter values on forward steps', () => {
  it('the AND perceptron’s forward step carries its fixed weights w = (0.5, 0.5), b = −0.7', () => {
    const ds = loadBuiltinDataset('and');
    const st = new StepThrough(lesson('and-perceptron', bindingOf(ds)), datasetFeed(ds), { forwardOnlyWithoutObjective: true });
    const p = fwd(st, 'perceptron').parameters!;
    expect(p.map((q) => q.name)).toEqual(['weight', 'bias']);
    expect(p[0]!.value.shape).toEqual([1, 2]);
    expect(p[0]!.value.data).toEqual([0.5, 0.5]);
    expect(p[1]!.value.data[0]).toBeCloseTo(-0.7, 6);
    // nodes without parameters carry none
    expect(fwd(st, 'step').parameters).toBeUndefined();
  });

  it('on the XOR MLP the forward weight is the W that backward multiplies by, and ∂L/∂W = Σₙ δₙᵢ·xₙⱼ', () => {
    const ds = loadBuiltinDataset('xor');
    const st = new StepThrough(lesson('xor-mlp', bindingOf(ds)), datasetFeed(ds), { dtype: 'float64' });
    const w = fwd(st, 'hidden').parameters!.find((p) => p.name === 'weight')!.value;
    const b = back(st, 'hidden');
    expect(w.data).toEqual(b.local.find((l) => l.of === 'in')!.value.data);
    const delta = b.upstream[0]!.total;
    const x = b.local.find((l) => l.of === 'weight')!.value;
    const g = b.parameters.find((p) => p.name === 'weight')!.grad;
    const [outF, inF] = g.shape as [number, number];
    const rows = x.data.length / inF;
    for (let i = 0; i < outF; i++) {
      for (let j = 0; j < inF; j++) {
        let s = 0;
        for (let n = 0; n < rows; n++) s += delta.data[n * outF + i]! * x.data[n * inF + j]!;
        expect(g.data[i * inF + j]).toBeCloseTo(s, 10);
      }
    }
  });

  it('float64 steps snapshot the weights while they are float64 and leave the model’s float32 storage as it was', () => {
    const ds = loadBuiltinDataset('xor');
    const model = lesson('xor-mlp', bindingOf(ds));
    const before = Array.from(model.parameters().find((p) => p.nodeId === 'hidden' && p.name === 'weight')!.tensor.data);
    const st = new StepThrough(model, datasetFeed(ds), { dtype: 'float64' });
    const shown = fwd(st, 'hidden').parameters![0]!.value.data;
    expect(shown).toEqual(before);
    expect(Array.from(model.parameters().find((p) => p.nodeId === 'hidden' && p.name === 'weight')!.tensor.data)).toEqual(before);
    expect(model.parameters().find((p) => p.nodeId === 'hidden')!.tensor.data).toBeInstanceOf(Float32Array);
  });
});
