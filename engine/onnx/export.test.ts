import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EngineError } from '../core/errors';
import { compileDocument } from '../graph/compile';
import type { GraphDocument } from '../graph/document';
import { TRAINED_MODEL_FORMAT, type TrainedModelFile } from '../graph/trained-model';
import { decodeModel, IR_VERSION, OPSET, type OnnxTypes } from './builder';

const graphOf = (m: OnnxTypes.ModelProto): OnnxTypes.GraphProto => m.graph as OnnxTypes.GraphProto;
import { exportOnnx, exportOnnxFromJson, OnnxExportError } from './export';
import { closeness, exampleDocuments, operatorsDocument, pythonCheckModels, randomFeeds, runEngine, runOrt } from './test-helpers';

const examples = exampleDocuments();
/** The examples and a test document that uses every other lowering. */
const documents = [...examples, { file: 'every-lowering (test document)', doc: operatorsDocument() }];
const tmp = mkdtempSync(join(tmpdir(), 'bpstudio-onnx-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ONNX export of every example', () => {
  it('finds the examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
    expect(examples.map((e) => e.file)).toContain('iris-mlp.json');
  });

  for (const { file, doc } of documents) {
    it(`${file}: onnxruntime-node loads it and its outputs equal the engine's on random batches`, async () => {
      const r = exportOnnx(doc);
      expect(r.size).toBe(r.bytes.length);
      expect(r.outputs.length).toBeGreaterThan(0);
      for (const [seed, batch] of [[1, 1], [2, 5], [3, 17]] as const) {
        const feeds = randomFeeds(r.inputs, seed, batch);
        const ours = runEngine(doc, r.inputs, r.outputs, feeds, doc.training?.seed ?? 0);
        const theirs = await runOrt(r.bytes, feeds);
        for (const o of r.outputs) {
          const c = closeness(theirs.get(o.name)!, ours.get(o.name)!);
          expect(c.ok, `${file} output "${o.name}" (seed ${seed}, batch ${batch}): ${c.message}`).toBe(true);
        }
      }
    });

    it(`${file}: the same document gives byte-identical files`, () => {
      const a = exportOnnx(doc).bytes;
      const b = exportOnnx(structuredClone(doc)).bytes;
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    });
  }

  it("every exported file passes python3-onnx's check_model(full_check=True)", () => {
    const paths: string[] = [];
    for (const { file, doc } of documents) {
      // without an appended activation, and with the one the Loss implies (sigmoid, softmax or none)
      for (const outputActivation of ['none', 'auto'] as const) {
        const p = join(tmp, `${file.replace(/\.json$/, '')}.${outputActivation}.onnx`);
        writeFileSync(p, exportOnnx(doc, { outputActivation }).bytes);
        paths.push(p);
      }
    }
    const { results } = pythonCheckModels(paths);
    for (const p of paths) expect(results[p], p).toBe('ok');
  });
});

describe('what the exported file holds', () => {
  const iris = examples.find((e) => e.file === 'iris-mlp.json')!.doc;
  const fashion = examples.find((e) => e.file === 'fashion-mnist-mlp.json')!.doc;

  it('IR 8, opset 17, named inputs/outputs with a dynamic batch dimension, parameters as initializers', () => {
    const r = exportOnnx(iris);
    const m = decodeModel(r.bytes);
    expect(m.irVersion).toBe(IR_VERSION);
    expect(IR_VERSION).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, o.version])).toEqual([['', OPSET]]);
    expect(OPSET).toBe(17);
    expect(r.inputs).toEqual([{ name: 'x', shape: ['N', 4], nodeId: 'x' }]);
    expect(r.outputs).toEqual([{ name: 'logits', shape: ['N', 3], nodeId: 'pred' }]);
    const dim = graphOf(m).input[0]!.type!.tensorType!.shape!.dim!;
    expect(dim[0]!.dimParam).toBe('N');
    expect(Number(dim[1]!.dimValue)).toBe(4);
    const ops = graphOf(m).node.map((n) => n.opType);
    expect(ops.filter((o) => o === 'Gemm')).toHaveLength(5);
    expect(ops.filter((o) => o === 'BatchNormalization')).toHaveLength(3);
    expect(ops).not.toContain('Softmax');
    // Seed's example 14: 16 parameter tensors, plus the running statistics of 3 BatchNorms.
    const names = graphOf(m).initializer.map((t) => t.name);
    expect(names).toContain('l1.weight');
    expect(names).toContain('bn1.running_var');
    expect(names).toHaveLength(16 + 6);
    const l1 = graphOf(m).initializer.find((t) => t.name === 'l1.weight')!;
    expect(l1.dims!.map(Number)).toEqual([128, 4]);
    const gemm = graphOf(m).node.find((n) => n.opType === 'Gemm')!;
    expect(gemm.attribute!.find((a) => a.name === 'transB')!.i).toBe(1);
  });

  it('writes metadata_props: producer, app version, source document, normalisation', () => {
    const m = decodeModel(exportOnnx(iris).bytes);
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(meta['producer']).toBe('Backprop Studio');
    expect(meta['app_version']).toMatch(/^\d+\.\d+\.\d+/);
    expect(meta['source_document']).toBe(iris.name);
    expect(meta['source_kind']).toBe('document');
    expect(m.producerName).toBe('Backprop Studio');
  });

  it('leaves out Target and Loss; with nothing but the Loss consuming it, the prediction is the output', () => {
    const xor = examples.find((e) => e.file === 'xor-mlp.json')!.doc;
    const r = exportOnnx(xor);
    expect(r.outputs.map((o) => o.name)).toEqual(['prediction']);
    expect(r.inputs.map((o) => o.name)).toEqual(['x']);
  });

  it('softmax: true appends a Softmax to a logits output and says so in the metadata; an output already ending in one is left alone', async () => {
    const r = exportOnnx(iris, { softmax: true });
    const m = decodeModel(r.bytes);
    const last = graphOf(m).node[graphOf(m).node.length - 1]!;
    expect(last.opType).toBe('Softmax');
    expect(last.output).toEqual(['logits']);
    expect(Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]))['softmax_appended']).toBe('["logits"]');
    const feeds = randomFeeds(r.inputs, 9, 6);
    const probs = (await runOrt(r.bytes, feeds)).get('logits')!;
    for (let i = 0; i < 6; i++) expect(probs.data.slice(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const f = exportOnnx(fashion, { softmax: true });
    expect(graphOf(decodeModel(f.bytes)).node.filter((n) => n.opType === 'Softmax')).toHaveLength(1);
    expect(f.warnings.join()).toMatch(/already ends in Softmax/);
  });

  it('lowers GELU as x·½(1+erf(x/√2)) and Step as Cast(Greater) by their ops\' own rules, Sign, LeakyReLU, Dropout → Identity, Reshape keeping the batch', async () => {
    const doc: GraphDocument = {
      formatVersion: 3,
      name: 'activations',
      nodes: [
        { id: 'x', type: 'Input', params: { shape: [2, 3] }, position: { x: 0, y: 0 } },
        { id: 'r', type: 'Reshape', params: { shape: [6] }, position: { x: 0, y: 0 } },
        { id: 'l', type: 'Linear', params: { inFeatures: 6, outFeatures: 8 }, position: { x: 0, y: 0 } },
        { id: 'g', type: 'Activation', params: { fn: 'gelu' }, position: { x: 0, y: 0 } },
        { id: 'd', type: 'Dropout', params: { p: 0.3 }, position: { x: 0, y: 0 } },
        { id: 'lr', type: 'Activation', params: { fn: 'leakyRelu', negativeSlope: 0.2 }, position: { x: 0, y: 0 } },
        { id: 's', type: 'Activation', params: { fn: 'step' }, position: { x: 0, y: 0 } },
        { id: 'sg', type: 'Activation', params: { fn: 'sign' }, position: { x: 0, y: 0 } },
        { id: 'o1', type: 'Output', params: { name: 'gelu out' }, position: { x: 0, y: 0 } },
        { id: 'o2', type: 'Output', params: { name: 'step' }, position: { x: 0, y: 0 } },
        { id: 'o3', type: 'Output', params: { name: 'sign' }, position: { x: 0, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'x', sourcePort: 'out', target: 'r', targetPort: 'in' },
        { id: 'e2', source: 'r', sourcePort: 'out', target: 'l', targetPort: 'in' },
        { id: 'e3', source: 'l', sourcePort: 'out', target: 'g', targetPort: 'in' },
        { id: 'e4', source: 'g', sourcePort: 'out', target: 'd', targetPort: 'in' },
        { id: 'e5', source: 'd', sourcePort: 'out', target: 'lr', targetPort: 'in' },
        { id: 'e6', source: 'lr', sourcePort: 'out', target: 'o1', targetPort: 'in' },
        { id: 'e7', source: 'l', sourcePort: 'out', target: 's', targetPort: 'in' },
        { id: 'e8', source: 's', sourcePort: 'out', target: 'o2', targetPort: 'in' },
        { id: 'e9', source: 'l', sourcePort: 'out', target: 'sg', targetPort: 'in' },
        { id: 'e10', source: 'sg', sourcePort: 'out', target: 'o3', targetPort: 'in' },
      ],
    };
    const r = exportOnnx(doc);
    expect(r.outputs.map((o) => o.name)).toEqual(['gelu_out', 'step', 'sign']);
    const ops = graphOf(decodeModel(r.bytes)).node.map((n) => n.opType);
    for (const op of ['Reshape', 'Gemm', 'Erf', 'Add', 'Mul', 'Identity', 'LeakyRelu', 'Greater', 'Cast', 'Sign']) expect(ops).toContain(op);
    const feeds = randomFeeds(r.inputs, 4, 7);
    const ours = runEngine(doc, r.inputs, r.outputs, feeds);
    const theirs = await runOrt(r.bytes, feeds);
    for (const o of r.outputs) expect(closeness(theirs.get(o.name)!, ours.get(o.name)!).message).toBe('close');
    const p = join(tmp, 'activations.onnx');
    writeFileSync(p, r.bytes);
    expect(pythonCheckModels([p]).results[p]).toBe('ok');
  });

  it('a trained-model file exports its weights, class names and normalisation', async () => {
    const doc = examples.find((e) => e.file === 'iris-mlp.json')!.doc;
    const model = compileDocument(doc, { seed: 5, requireLoss: false });
    // "Train": move every parameter and running statistic away from its initial value.
    for (const p of [...model.parameters(), ...model.buffers()]) p.tensor.data.forEach((v, i, a) => (a[i] = v * 1.5 + 0.01 * (i % 7) + (p.name === 'running_var' ? 0.5 : 0)));
    const trained: TrainedModelFile = {
      format: TRAINED_MODEL_FORMAT,
      formatVersion: 1,
      savedAt: '2024-01-01T00:00:00.000Z',
      appVersion: '0.1.0',
      document: doc,
      seed: 5,
      weights: model.exportWeights(),
      optimizer: null,
      history: [],
      normalization: { kind: 'standardize', mean: [5.8, 3, 3.7, 1.2], std: [0.8, 0.4, 1.7, 0.7] },
      dataset: { name: 'iris', task: 'classification', featureShape: [4], targetShape: [], numClasses: 3, classNames: ['setosa', 'versicolor', 'virginica'] },
    };
    const r = exportOnnx(trained);
    const m = decodeModel(r.bytes);
    const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta['class_names']!)).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(JSON.parse(meta['input_normalization']!)).toEqual(trained.normalization);
    expect(meta['source_kind']).toBe('trained-model');
    expect(meta['task']).toBe('classification');
    const trainedDoc = { ...doc, nodes: doc.nodes.map((n) => (trained.weights[n.id] ? { ...n, weights: trained.weights[n.id] } : n)) };
    const feeds = randomFeeds(r.inputs, 11, 8);
    const ours = runEngine(trainedDoc, r.inputs, r.outputs, feeds);
    const theirs = await runOrt(r.bytes, feeds);
    expect(closeness(theirs.get('logits')!, ours.get('logits')!).message).toBe('close');
    // and not the untrained numbers
    expect(closeness(theirs.get('logits')!, runEngine(doc, r.inputs, r.outputs, feeds, 5).get('logits')!).ok).toBe(false);
    // the JSON form (as the CLI reads it) gives the same bytes
    expect(Buffer.from(exportOnnxFromJson(JSON.parse(JSON.stringify(trained))).bytes).equals(Buffer.from(r.bytes))).toBe(true);
  });

  it('takes the feature shape from `data` when the Input leaves it to the dataset', () => {
    const doc: GraphDocument = structuredClone(iris);
    doc.nodes.find((n) => n.id === 'x')!.params['shape'] = [];
    expect(() => exportOnnx(doc)).toThrow(/no dataset is chosen and no shape is given for input "x"/);
    const r = exportOnnx(doc, { data: { featureShape: [4], targetShape: [], task: 'classification', numClasses: 3 }, classNames: ['a', 'b', 'c'] });
    expect(r.inputs[0]!.shape).toEqual(['N', 4]);
    expect(Object.fromEntries(decodeModel(r.bytes).metadataProps.map((p) => [p.key, p.value]))['class_names']).toBe('["a","b","c"]');
  });

  it('a document that fails validation gives one error listing the diagnostics', () => {
    const bad: GraphDocument = structuredClone(iris);
    bad.nodes.find((n) => n.id === 'l2')!.params['inFeatures'] = 99;
    bad.nodes.find((n) => n.id === 'bn3')!.params['eps'] = -1;
    let err: unknown;
    try {
      exportOnnx(bad);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OnnxExportError);
    expect(err).toBeInstanceOf(EngineError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/cannot export "Iris MLP with BatchNorm" to ONNX: the graph has 2 errors/);
    expect(msg).toMatch(/Linear "l2": input has 128 features but in_features is 99/);
    expect(msg).toMatch(/BatchNorm1d "bn3": eps must be ≥ 0/);
    expect((err as OnnxExportError).diagnostics.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses other opsets, graphs without an output, and outputs that need training data', () => {
    expect(() => exportOnnx(iris, { opset: 13 })).toThrow(/opset 17 only/);
    const noOut: GraphDocument = { formatVersion: 3, name: 'x', nodes: [{ id: 'x', type: 'Input', params: { shape: [2] }, position: { x: 0, y: 0 } }], edges: [] };
    expect(() => exportOnnx(noOut)).toThrow(/no Output node/);
    const fromTarget: GraphDocument = {
      formatVersion: 3,
      name: 't',
      nodes: [
        { id: 't', type: 'Target', params: { encoding: 'column' }, position: { x: 0, y: 0 } },
        { id: 'o', type: 'Output', params: { name: 'y' }, position: { x: 0, y: 0 } },
      ],
      edges: [{ id: 'e', source: 't', sourcePort: 'out', target: 'o', targetPort: 'in' }],
    };
    // Refused by the validation of the whole document, which runs first (as `bpstudio info` reports it).
    expect(() => exportOnnx(fromTarget)).toThrow(/^cannot export "t" to ONNX: the graph has 1 error:\n.*Output "o": input "in" expects a tensor, but Target "t" gives labels$/);
    expect(() => exportOnnxFromJson({ formatVersion: 3, nodes: 'no' })).toThrow(/not a valid graph document/);
  });
});
