import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tensor } from '../core/creation';
import { EngineError } from '../core/errors';
import { Generator } from '../core/random';
import { compileDocument } from '../graph/compile';
import { parseDocument, type GraphDocument } from '../graph/document';
import { attr, OnnxGraphBuilder, type OnnxDim } from './builder';
import { exportOnnx } from './export';
import { importOnnx, importOnnxFile, summarizeOnnx } from './import';
import { closeness, exampleDocuments, operatorsDocument, randomFeeds, runEngine, runOrt, type Feed } from './test-helpers';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'bpstudio-onnx-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Run an imported document on the ts engine with feeds by ONNX input name; outputs by ONNX output name. */
function runImported(doc: GraphDocument, feeds: ReadonlyMap<string, Feed>): Map<string, Feed> {
  const model = compileDocument(doc, { requireLoss: false });
  const inputs: Record<string, ReturnType<typeof tensor>> = {};
  for (const n of doc.nodes) {
    if (n.type !== 'Input') continue;
    const f = feeds.get(n.label!)!;
    inputs[n.id] = tensor(f.data, { shape: f.shape });
  }
  const r = model.forward({ inputs }, { training: false });
  const out = new Map<string, Feed>();
  for (const [name, t] of Object.entries(r.outputs)) out.set(name, { shape: [...t.shape], data: Float32Array.from(t.data) });
  return out;
}

/** A small model written with the builder: one input `x`, the body, one output `y`. */
function model(inputShape: OnnxDim[], body: (b: OnnxGraphBuilder, x: string) => string, outShape: OnnxDim[] | null = null): Uint8Array {
  const b = new OnnxGraphBuilder();
  const x = b.addInput('x', 'float32', inputShape);
  b.reserve('y');
  const v = body(b, x);
  b.node('Identity', [v], { outputs: ['y'] });
  b.addOutput('y', 'float32', outShape);
  return b.build({ graphName: 'test', producerVersion: 'test' });
}

function randomValues(n: number, seed: number): number[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => Math.fround(g.normal(0, 1)));
}

/** ORT and the imported document agree on a seeded batch. */
async function expectSameAsOrt(bytes: Uint8Array, doc: GraphDocument, inputShape: number[], seed = 1): Promise<void> {
  const size = inputShape.reduce((a, b) => a * b, 1);
  const feeds = new Map<string, Feed>([['x', { shape: inputShape, data: Float32Array.from(randomValues(size, seed)) }]]);
  const theirs = await runOrt(bytes, feeds);
  const ours = runImported(doc, feeds);
  for (const [name, t] of theirs) expect(closeness(ours.get(name)!, t).message, name).toBe('close');
}

const types = (doc: GraphDocument): string[] => doc.nodes.map((n) => (n.type === 'Activation' ? `Activation:${String(n.params['fn'])}` : n.type));

describe('the PyTorch-made reference model', () => {
  const bytes = readFileSync(join(FIXTURES, 'mlp_4_8_3.onnx'));
  const io = JSON.parse(readFileSync(join(FIXTURES, 'mlp_4_8_3.io.json'), 'utf8')) as {
    input: number[][]; expected_output: number[][]; tolerance: { rtol: number; atol: number }; initializers: Record<string, number[] | number[][]>;
  };

  it('imports as Input → Linear → ReLU → Linear → Output with the stored weights', () => {
    const doc = importOnnx(bytes, { file: 'mlp_4_8_3.onnx' });
    expect(types(doc)).toEqual(['Input', 'Linear', 'Activation:relu', 'Linear', 'Output']);
    expect(doc.name).toBe('mlp_4_8_3');
    expect(doc.description).toMatch(/pytorch 1\.13\.0, IR 7, opset 13/);
    const l1 = doc.nodes[1]!;
    expect(l1.params).toEqual({ inFeatures: 4, outFeatures: 8, bias: true });
    expect(l1.weights!['weight']!.shape).toEqual([8, 4]);
    expect(l1.weights!['weight']!.data.map(Math.fround)).toEqual((io.initializers['0.weight'] as number[][]).flat().map(Math.fround));
    expect(l1.weights!['bias']!.data.map(Math.fround)).toEqual((io.initializers['0.bias'] as number[]).map(Math.fround));
    expect(doc.nodes[0]!.params).toEqual({ shape: [4], batched: true });
    expect(doc.nodes[4]!.params).toEqual({ name: 'output' });
    // a valid document file
    const reparsed = parseDocument(JSON.parse(JSON.stringify(doc)));
    expect(reparsed.ok).toBe(true);
  });

  it('reproduces the expected output within the given tolerance', () => {
    const doc = importOnnx(bytes, { file: 'mlp_4_8_3.onnx' });
    const out = compileDocument(doc, { requireLoss: false }).forward({ features: tensor(io.input) }, { training: false }).outputs['output']!;
    expect(out.shape).toEqual([5, 3]);
    const c = closeness({ shape: [...out.shape], data: Float32Array.from(out.data) }, { shape: [5, 3], data: Float32Array.from(io.expected_output.flat()) }, io.tolerance.rtol, io.tolerance.atol);
    expect(c.message).toBe('close');
  });

  it('summarizeOnnx tells what the file declares', () => {
    const s = summarizeOnnx(bytes);
    expect(s).toMatchObject({ irVersion: 7, opset: 13, producer: 'pytorch 1.13.0', graphName: 'torch_jit' });
    expect(s.inputs).toEqual([{ name: 'input', shape: ['batch', 4], type: 'float32' }]);
    expect(s.opTypes).toEqual({ Gemm: 2, Relu: 1 });
  });

  it('importOnnxFile writes the document', () => {
    const out = join(tmp, 'mlp.json');
    importOnnxFile(join(FIXTURES, 'mlp_4_8_3.onnx'), out);
    const parsed = parseDocument(readFileSync(out, 'utf8'));
    expect(parsed.ok).toBe(true);
  });
});

describe('round trip: export → import → export', () => {
  for (const { file, doc } of [...exampleDocuments(), { file: 'every-lowering (test document)', doc: operatorsDocument() }]) {
    it(`${file}: gives the same outputs`, async () => {
      const first = exportOnnx(doc);
      const imported = importOnnx(first.bytes, { file: `${file}.onnx` });
      expect(imported.name).toBe(doc.name);
      // left-to-right layout: every edge goes right
      const pos = new Map(imported.nodes.map((n) => [n.id, n.position]));
      for (const e of imported.edges) expect(pos.get(e.source)!.x, `${e.source} → ${e.target}`).toBeLessThan(pos.get(e.target)!.x);
      const second = exportOnnx(imported);
      expect(second.inputs.map((i) => [i.name, i.shape])).toEqual(first.inputs.map((i) => [i.name, i.shape]));
      expect(second.outputs.map((i) => [i.name, i.shape])).toEqual(first.outputs.map((i) => [i.name, i.shape]));
      const feeds = randomFeeds(first.inputs, 7, 6);
      const a = await runOrt(first.bytes, feeds);
      const b = await runOrt(second.bytes, feeds);
      const engine = runEngine(doc, first.inputs, first.outputs, feeds, doc.training?.seed ?? 0);
      const engineImported = runImported(imported, feeds);
      for (const o of first.outputs) {
        expect(closeness(b.get(o.name)!, a.get(o.name)!).message, `${o.name}: second export vs first`).toBe('close');
        expect(closeness(engineImported.get(o.name)!, engine.get(o.name)!).message, `${o.name}: imported document vs original`).toBe('close');
      }
    });
  }
});

describe('operators', () => {
  it('Gemm: alpha and beta fold into the weights and bias; transB=0 transposes B', async () => {
    const B = randomValues(4 * 3, 2);
    const C = randomValues(3, 3);
    const bytes = model(['N', 4], (b, x) =>
      b.op('Gemm', [x, b.addInitializer('B', 'float32', [4, 3], B), b.addInitializer('C', 'float32', [3], C)], { alpha: attr.float(0.5), beta: attr.float(2) }));
    const doc = importOnnx(bytes);
    expect(types(doc)).toEqual(['Input', 'Linear', 'Output']);
    await expectSameAsOrt(bytes, doc, [5, 4]);
  });

  it('Gemm: a full-matrix C becomes an Add of a Constant; a scalar C a bias', async () => {
    const matrix = model([3, 4], (b, x) =>
      b.op('Gemm', [x, b.addInitializer('B', 'float32', [2, 4], randomValues(8, 4)), b.addInitializer('C', 'float32', [3, 2], randomValues(6, 5))], { transB: attr.int(1) }));
    const doc = importOnnx(matrix);
    expect(types(doc)).toEqual(['Input', 'Linear', 'Constant', 'Add', 'Output']);
    await expectSameAsOrt(matrix, doc, [3, 4]);
    const scalar = model(['N', 4], (b, x) =>
      b.op('Gemm', [x, b.addInitializer('B', 'float32', [4, 2], randomValues(8, 6)), b.addInitializer('C', 'float32', [], [0.25])], {}));
    const d2 = importOnnx(scalar);
    expect(d2.nodes[1]!.weights!['bias']!.data).toEqual([0.25, 0.25]);
    await expectSameAsOrt(scalar, d2, [2, 4]);
  });

  it('Gemm: transA=1 and a transposed non-constant B are clear errors', () => {
    const ta = model([4, 3], (b, x) => b.op('Gemm', [x, b.addInitializer('B', 'float32', [4, 2], randomValues(8, 1))], { transA: attr.int(1) }));
    expect(() => importOnnx(ta, { file: 'ta.onnx' })).toThrow(/ta\.onnx: Gemm "Gemm_node": transA=1 is not supported/);
    const b2 = new OnnxGraphBuilder();
    b2.addInput('x', 'float32', [3, 4]);
    b2.addInput('w', 'float32', [2, 4]);
    b2.node('Gemm', ['x', 'w'], { outputs: ['y'], attrs: { transB: attr.int(1) }, name: 'g' });
    b2.addOutput('y', 'float32', null);
    expect(() => importOnnx(b2.build({ graphName: 't', producerVersion: 't' }))).toThrow(/Gemm "g": transB=1 with a B that is not a constant/);
  });

  it('MatMul followed by Add of a 1-D initializer is one Linear; MatMul alone a Linear without bias', async () => {
    const fused = model(['N', 3, 4], (b, x) =>
      b.op('Add', [b.op('MatMul', [x, b.addInitializer('W', 'float32', [4, 5], randomValues(20, 7))]), b.addInitializer('bias', 'float32', [5], randomValues(5, 8))]));
    const doc = importOnnx(fused);
    expect(types(doc)).toEqual(['Input', 'Linear', 'Output']);
    expect(doc.nodes[1]!.params).toEqual({ inFeatures: 4, outFeatures: 5, bias: true });
    await expectSameAsOrt(fused, doc, [2, 3, 4]);
    const alone = model(['N', 4], (b, x) => b.op('MatMul', [x, b.addInitializer('W', 'float32', [4, 5], randomValues(20, 9))]));
    const d2 = importOnnx(alone);
    expect(d2.nodes[1]!.params).toEqual({ inFeatures: 4, outFeatures: 5, bias: false });
    await expectSameAsOrt(alone, d2, [3, 4]);
  });

  it('Sub and Div by constants become Add and Multiply with negated / reciprocal Constants; between tensors too', async () => {
    const bytes = model(['N', 3], (b, x) => {
      const s = b.op('Sub', [x, b.addInitializer('c', 'float32', [3], [1, 2, 3])]);
      const d = b.op('Div', [s, b.addInitializer('k', 'float32', [], [4])]);
      const t = b.op('Sub', [d, x]);
      const q = b.op('Div', [t, b.op('Add', [b.op('Mul', [x, x]), b.addInitializer('one', 'float32', [], [1])])]);
      return b.op('Sub', [b.addInitializer('ten', 'float32', [], [10]), q]);
    });
    const doc = importOnnx(bytes);
    expect(new Set(types(doc))).toEqual(new Set(['Input', 'Constant', 'Add', 'Multiply', 'Power', 'Output']));
    const c = doc.nodes.find((n) => n.type === 'Constant' && Array.isArray(n.params['value']))!;
    expect(c.params['value']).toEqual([-1, -2, -3]);
    expect(doc.nodes.some((n) => n.type === 'Constant' && n.params['value'] === 0.25)).toBe(true);
    await expectSameAsOrt(bytes, doc, [4, 3]);
  });

  it('LogSoftmax becomes Softmax then Log; LeakyRelu, Tanh, Sigmoid, BatchNormalization, Flatten, Reshape, Dropout', async () => {
    const bytes = model(['N', 2, 3], (b, x) => {
      const f = b.op('Flatten', [x], { axis: attr.int(1) });
      const bn = b.op('BatchNormalization', [f, ...['s', 'b', 'm', 'v'].map((n, i) => b.addInitializer(n, 'float32', [6], i === 3 ? [1, 2, 0.5, 1.5, 3, 0.25] : randomValues(6, 20 + i)))], { epsilon: attr.float(1e-3) });
      const l = b.op('LeakyRelu', [bn], { alpha: attr.float(0.1) });
      const r = b.op('Reshape', [l, b.constant('int64', [3], [0, 3, -1])]);
      const t = b.op('Tanh', [r]);
      const d = b.node('Dropout', [t, b.addInitializer('ratio', 'float32', [], [0.25])], { outputs: 1 })[0]!;
      const s = b.op('Sigmoid', [d]);
      return b.op('LogSoftmax', [s], { axis: attr.int(-1) });
    });
    const doc = importOnnx(bytes);
    expect(types(doc)).toEqual(['Input', 'Flatten', 'BatchNorm1d', 'Activation:leakyRelu', 'Reshape', 'Activation:tanh', 'Dropout', 'Activation:sigmoid', 'Activation:softmax', 'Log', 'Output']);
    const bn = doc.nodes.find((n) => n.type === 'BatchNorm1d')!;
    expect(bn.params).toEqual({ numFeatures: 6, eps: 0.001, momentum: 0.1 });
    expect(Object.keys(bn.weights!)).toEqual(['weight', 'bias', 'running_mean', 'running_var']);
    expect(doc.nodes.find((n) => n.type === 'Reshape')!.params).toEqual({ shape: [3, 2] });
    expect(doc.nodes.find((n) => n.type === 'Dropout')!.params).toEqual({ p: 0.25 });
    await expectSameAsOrt(bytes, doc, [5, 2, 3]);
  });

  it("the GELU erf pattern (PyTorch's) becomes one GELU activation; Cast(Greater(x, 0)) a step", async () => {
    const bytes = model(['N', 4], (b, x) => {
      const half = b.op('Mul', [x, b.addInitializer('half', 'float32', [], [0.5])]);
      const d = b.op('Div', [x, b.addInitializer('sqrt2', 'float32', [], [1.4142135381698608])]);
      const e = b.op('Erf', [d]);
      const a = b.op('Add', [e, b.addInitializer('one', 'float32', [], [1])]);
      const g = b.op('Mul', [half, a]);
      return b.op('Cast', [b.op('Greater', [g, b.addInitializer('zero', 'float32', [], [0.1])])], { to: attr.int(1) });
    });
    // a threshold that is not 0 is not a step
    expect(() => importOnnx(bytes)).toThrow(/Greater ".*": a bare Greater \(booleans\) is not supported, only Cast\(Greater\(x, 0\)\)/);
    const ok = model(['N', 4], (b, x) => {
      const half = b.op('Mul', [x, b.addInitializer('half', 'float32', [], [0.5])]);
      const d = b.op('Div', [x, b.addInitializer('sqrt2', 'float32', [], [1.4142135381698608])]);
      const e = b.op('Erf', [d]);
      const a = b.op('Add', [e, b.addInitializer('one', 'float32', [], [1])]);
      const g = b.op('Mul', [half, a]);
      return b.op('Cast', [b.op('Greater', [g, b.addInitializer('zero', 'float32', [], [0])])], { to: attr.int(1) });
    });
    const doc = importOnnx(ok);
    expect(types(doc)).toEqual(['Input', 'Activation:gelu', 'Activation:step', 'Output']);
    await expectSameAsOrt(ok, doc, [6, 4]);
  });

  it('a Gelu node (opset 20) becomes the GELU activation', () => {
    const bytes = model(['N', 4], (b, x) => b.op('Gelu', [x]));
    expect(types(importOnnx(bytes))).toEqual(['Input', 'Activation:gelu', 'Output']);
    const tanh = model(['N', 4], (b, x) => b.op('Gelu', [x], { approximate: attr.string('tanh') }));
    expect(() => importOnnx(tanh)).toThrow(/approximate="tanh" is not supported/);
  });

  it('Softmax over another axis than the last is a clear error', () => {
    const bytes = model(['N', 4, 5], (b, x) => b.op('Softmax', [x], { axis: attr.int(1) }));
    expect(() => importOnnx(bytes)).toThrow(/normalises over axis 1 of a rank-3 input; the Softmax activation normalises the last axis only/);
  });
});

describe('what the importer refuses', () => {
  it('unsupported operators: ONE error listing each op type and node name', () => {
    const b = new OnnxGraphBuilder();
    b.addInput('x', 'float32', ['N', 1, 8, 8]);
    const w = b.addInitializer('w', 'float32', [2, 1, 3, 3], randomValues(18, 1));
    const c1 = b.node('Conv', ['x', w], { name: 'conv1' })[0]!;
    const p = b.node('MaxPool', [c1], { name: 'pool1', attrs: { kernel_shape: attr.ints([2, 2]) } })[0]!;
    const r = b.node('Relu', [p], { name: 'relu1' })[0]!;
    const c2 = b.node('Conv', [r, b.addInitializer('w2', 'float32', [2, 2, 1, 1], randomValues(4, 2))], { name: 'conv2' })[0]!;
    b.node('Flatten', [c2], { outputs: ['y'], name: 'flat' });
    b.addOutput('y', 'float32', null);
    let msg = '';
    try {
      importOnnx(b.build({ graphName: 'cnn', producerVersion: '1' }), { file: 'cnn.onnx' });
    } catch (e) {
      expect(e).toBeInstanceOf(EngineError);
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/^cnn\.onnx: 3 nodes use operators the importer does not support \(Conv, MaxPool\):/);
    expect(msg).toContain('Conv (node "conv1")');
    expect(msg).toContain('MaxPool (node "pool1")');
    expect(msg).toContain('Conv (node "conv2")');
    expect(msg).not.toContain('relu1');
  });

  it('empty, non-ONNX and truncated bytes: a clear error', () => {
    expect(() => importOnnx(new Uint8Array(), { file: 'e.onnx' })).toThrow(/e\.onnx: the file is empty, not an ONNX model/);
    expect(() => importOnnx(new TextEncoder().encode('{"formatVersion": 2, "nodes": []}'), { file: 'g.json' })).toThrow(EngineError);
    expect(() => importOnnx(new TextEncoder().encode('{"formatVersion": 2, "nodes": []}'), { file: 'g.json' })).toThrow(/g\.json: not (a valid )?(an )?ONNX model/);
    const good = readFileSync(join(FIXTURES, 'mlp_4_8_3.onnx'));
    for (const cut of [1, 10, 100, 300, good.length - 1]) {
      expect(() => importOnnx(good.subarray(0, cut), { file: 'cut.onnx' }), `cut at ${cut}`).toThrow(EngineError);
    }
  });

  it('inputs that are not float32 or are dynamic past the batch dimension', () => {
    const b = new OnnxGraphBuilder();
    b.addInput('ids', 'int64', ['N', 4]);
    b.node('Identity', ['ids'], { outputs: ['y'] });
    b.addOutput('y', 'int64', null);
    expect(() => importOnnx(b.build({ graphName: 't', producerVersion: 't' }))).toThrow(/graph input "ids" is int64; only float32 inputs are supported/);
    const d = model(['N', 'T'], (bb, x) => bb.op('Relu', [x]));
    expect(() => importOnnx(d)).toThrow(/only the first \(batch\) dimension may be dynamic/);
  });

  it('fuzz: a few hundred seeded mutations of valid files give a document or an EngineError, never another error', () => {
    const keras = exportOnnx(exampleDocuments().find((e) => e.file === 'keras-sequential.json')!.doc).bytes;
    const mixed = model(['N', 2, 3], (b, x) => {
      const f = b.op('Flatten', [x], { axis: attr.int(1) });
      const l = b.op('Gemm', [f, b.addInitializer('w', 'float32', [4, 6], randomValues(24, 3)), b.addInitializer('c', 'float32', [4], randomValues(4, 4))], { transB: attr.int(1) });
      const bn = b.op('BatchNormalization', [l, ...['s', 'b', 'm', 'v'].map((n, i) => b.addInitializer(n, 'float32', [4], i === 3 ? [1, 2, 3, 4] : randomValues(4, 5 + i)))]);
      const r = b.op('Reshape', [bn, b.constant('int64', [3], [0, 2, 2])]);
      const s = b.op('Sub', [r, b.addInitializer('k', 'float32', [], [0.5])]);
      return b.op('Softmax', [b.op('Relu', [s])], { axis: attr.int(-1) });
    });
    const g = new Generator(2024);
    let documents = 0;
    let errors = 0;
    for (let k = 0; k < 400; k++) {
      const base = k % 2 === 0 ? keras : mixed;
      const bytes = Uint8Array.from(base);
      let mutated: Uint8Array = bytes;
      const kind = k % 4;
      const count = 1 + g.randint(4);
      if (kind === 0 || kind === 1) {
        for (let j = 0; j < count; j++) mutated[g.randint(mutated.length)] = g.randint(256); // overwrite bytes
      } else if (kind === 2) {
        mutated = bytes.subarray(0, g.randint(bytes.length)); // truncate
      } else {
        const at = g.randint(bytes.length);
        const ins = Uint8Array.from({ length: count }, () => g.randint(256));
        mutated = new Uint8Array([...bytes.subarray(0, at), ...ins, ...bytes.subarray(at)]); // insert
      }
      try {
        const doc = importOnnx(mutated, { file: `mutant-${k}.onnx` });
        expect(parseDocument(JSON.parse(JSON.stringify(doc))).ok).toBe(true);
        compileDocument(doc, { requireLoss: false });
        documents++;
      } catch (e) {
        if (!(e instanceof EngineError)) throw new Error(`mutation ${k} (kind ${kind}) escaped as ${(e as Error).name}: ${(e as Error).message}\n${(e as Error).stack}`);
        expect((e as Error).message.length).toBeGreaterThan(10);
        errors++;
      }
    }
    expect(documents + errors).toBe(400);
    expect(documents).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0);
  });
});
