/**
 * Linear's `init`: the bounds and spreads of each scheme (PyTorch's and Keras' numbers), zero
 * biases where Keras starts them at zero, determinism by seed, and the Linear node's param —
 * its default for documents that predate it, validation, a document round trip, and the
 * Keras-style examples starting as Keras does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zeros } from '../core/creation';
import { Generator } from '../core/random';
import { compileDocument } from '../graph/compile';
import { parseDocument, type GraphDocument } from '../graph/document';
import { getNodeDef } from '../graph/node-registry';
import { validateDocument } from '../graph/validate';
import { initLinear_, kaimingUniform_, LINEAR_INITS, uniform_, type LinearInit } from './init';
import { Linear } from './layers';

const IN = 784;
const OUT = 128;

function stats(d: ArrayLike<number>): { mean: number; std: number; maxAbs: number } {
  let s = 0;
  let m = 0;
  for (let i = 0; i < d.length; i++) {
    s += d[i]!;
    m = Math.max(m, Math.abs(d[i]!));
  }
  const mean = s / d.length;
  let v = 0;
  for (let i = 0; i < d.length; i++) v += (d[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(v / d.length), maxAbs: m };
}

const layer = (init: LinearInit, seed = 1) => new Linear(IN, OUT, { init, generator: new Generator(seed) });

describe('Linear init schemes (784 → 128: fan_in 784, fan_out 128)', () => {
  it('lists the schemes the inspector offers, PyTorch\'s first', () => {
    expect([...LINEAR_INITS]).toEqual(['kaiming-uniform', 'kaiming-normal', 'he-uniform', 'glorot-uniform', 'glorot-normal', 'zeros']);
  });

  // Uniform U(±b): every |w| ≤ b, the largest of 100,352 draws within 0.1% of b, std b/√3.
  it.each([
    ['kaiming-uniform', 1 / 28, 0.0357143], // PyTorch nn.Linear: kaiming_uniform_(a=√5) → 1/√fan_in
    ['he-uniform', Math.sqrt(6 / 784), 0.0874818], // Keras he_uniform: √(6/fan_in)
    ['glorot-uniform', Math.sqrt(6 / (784 + 128)), 0.0811107], // Keras Dense: √(6/(fan_in+fan_out))
  ] as const)('%s: W ~ U(±%f)', (init, bound, printed) => {
    expect(bound).toBeCloseTo(printed, 6);
    const w = stats(layer(init).weight.data);
    expect(w.maxAbs).toBeLessThanOrEqual(bound);
    expect(w.maxAbs).toBeGreaterThan(bound * 0.999);
    expect(w.std / (bound / Math.sqrt(3))).toBeCloseTo(1, 1);
    expect(Math.abs(w.mean)).toBeLessThan(bound * 0.01);
  });

  it.each([
    ['kaiming-normal', Math.sqrt(2 / 784), 0.0505076], // He: √(2/fan_in)
    ['glorot-normal', Math.sqrt(2 / (784 + 128)), 0.0468293], // √(2/(fan_in+fan_out))
  ] as const)('%s: W ~ N(0, %f²), not truncated', (init, std, printed) => {
    expect(std).toBeCloseTo(printed, 6);
    const w = stats(layer(init).weight.data);
    expect(Math.abs(w.std / std - 1)).toBeLessThan(0.01);
    expect(Math.abs(w.mean)).toBeLessThan(std * 0.01);
    expect(w.maxAbs).toBeGreaterThan(3.5 * std); // 100,352 normal draws reach past 2σ (Keras would cut there)
  });

  it('kaiming-uniform draws the bias from U(±1/√fan_in); every other scheme starts it at zero', () => {
    const b = stats(layer('kaiming-uniform').bias!.data);
    expect(b.maxAbs).toBeLessThanOrEqual(1 / 28);
    expect(b.maxAbs).toBeGreaterThan(0.9 / 28);
    for (const init of LINEAR_INITS.filter((i) => i !== 'kaiming-uniform')) {
      expect(Array.from(layer(init).bias!.data).every((v) => v === 0), init).toBe(true);
    }
  });

  it('zeros: W = 0 and b = 0', () => {
    const l = layer('zeros');
    expect(stats(l.weight.data).maxAbs).toBe(0);
    expect(stats(l.bias!.data).maxAbs).toBe(0);
  });

  it('the default is kaiming-uniform and draws exactly what it drew before init existed (weight, then bias)', () => {
    const l = new Linear(IN, OUT, { generator: new Generator(7) });
    expect(l.init).toBe('kaiming-uniform');
    const g = new Generator(7);
    const w = kaimingUniform_(zeros([OUT, IN]), Math.sqrt(5), g);
    const b = uniform_(zeros([OUT]), -1 / 28, 1 / 28, g);
    expect(Array.from(l.weight.data)).toEqual(Array.from(w.data));
    expect(Array.from(l.bias!.data)).toEqual(Array.from(b.data));
  });

  it('is deterministic by seed, and a layer without bias is fine', () => {
    const small = (init: LinearInit, seed: number) => Array.from(new Linear(64, 32, { init, generator: new Generator(seed) }).weight.data);
    for (const init of LINEAR_INITS) {
      expect(small(init, 3)).toEqual(small(init, 3));
      const nb = new Linear(4, 2, { init, bias: false, generator: new Generator(3) });
      expect(nb.bias).toBeNull();
    }
    expect(small('glorot-uniform', 3)).not.toEqual(small('glorot-uniform', 4));
  });

  it('refuses an unknown scheme', () => {
    expect(() => initLinear_(zeros([2, 2]), null, 'lecun' as LinearInit)).toThrow('unknown Linear init "lecun"');
  });
});

function mlp(init?: string): GraphDocument {
  const r = parseDocument({
    formatVersion: 2,
    nodes: [
      { id: 'x', type: 'Input', params: { shape: [IN] } },
      { id: 'fc', type: 'Linear', params: { inFeatures: IN, outFeatures: OUT, ...(init !== undefined ? { init } : {}) } },
      { id: 'y', type: 'Output', params: { name: 'y' } },
    ],
    edges: [{ id: 'e1', source: 'x', target: 'fc' }, { id: 'e2', source: 'fc', target: 'y' }],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.document;
}

const weightsOf = (doc: GraphDocument, seed = 0) => compileDocument(doc, { seed, requireLoss: false }).exportWeights()['fc']!;

describe('the Linear node\'s init param', () => {
  it('is an enum of the schemes with kaiming-uniform as its default', () => {
    const spec = getNodeDef('Linear')!.params['init']!;
    expect(spec.kind).toBe('enum');
    expect(spec.default).toBe('kaiming-uniform');
    expect(spec.kind === 'enum' && spec.options).toEqual([...LINEAR_INITS]);
    expect(spec.kind === 'enum' && spec.optionLabels).toEqual([
      'Kaiming uniform (PyTorch)', 'Kaiming normal (He)', 'He uniform', 'Glorot uniform (Keras)', 'Glorot normal', 'Zeros',
    ]);
  });

  it('a document without it (written before it existed) starts as kaiming-uniform', () => {
    expect(weightsOf(mlp())).toEqual(weightsOf(mlp('kaiming-uniform')));
  });

  it('glorot-uniform in a document gives Keras\' bound and a zero bias, from the node\'s seeded stream', () => {
    const w = weightsOf(mlp('glorot-uniform'), 5);
    expect(stats(w['weight']!.data).maxAbs).toBeLessThanOrEqual(Math.sqrt(6 / 912));
    expect(stats(w['weight']!.data).maxAbs).toBeGreaterThan(0.999 * Math.sqrt(6 / 912));
    expect(w['bias']!.data.every((v) => v === 0)).toBe(true);
    expect(weightsOf(mlp('glorot-uniform'), 5)).toEqual(w);
    expect(weightsOf(mlp('glorot-uniform'), 6)).not.toEqual(w);
  });

  it('an unknown value is a diagnostic on the node', () => {
    const v = validateDocument(mlp('lecun'));
    expect(v.diagnostics.map((d) => d.message).join('\n')).toContain(
      'init must be one of kaiming-uniform, kaiming-normal, he-uniform, glorot-uniform, glorot-normal, zeros; got "lecun"',
    );
  });

  it('survives a round trip through the document file', () => {
    const doc = mlp('glorot-normal');
    const again = parseDocument(JSON.stringify(doc));
    expect(again.ok && again.document.nodes[1]!.params['init']).toBe('glorot-normal');
    expect(again.ok && weightsOf(again.document, 2)).toEqual(weightsOf(doc, 2));
  });

  it('the Keras-style examples start every Linear as Keras\' Dense does (glorot-uniform)', () => {
    for (const file of ['fashion-mnist-mlp.json', 'keras-sequential.json']) {
      const r = parseDocument(readFileSync(new URL(`../../assets/examples/${file}`, import.meta.url), 'utf8'));
      if (!r.ok) throw new Error(file);
      const linears = r.document.nodes.filter((n) => n.type === 'Linear');
      expect(linears.length, file).toBeGreaterThan(0);
      for (const n of linears) expect(n.params['init'], `${file} ${n.id}`).toBe('glorot-uniform');
    }
  });
});
