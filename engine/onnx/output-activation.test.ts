/**
 * The activation appended to exported outputs (`outputActivation`, `--output-activation`):
 * sigmoid turns a BCE model's logit into its probability, softmax a cross-entropy model's logits
 * into class probabilities, `auto` follows the Loss, and a softmax over one column is refused.
 */
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { decodeModel } from './builder';
import { exportOnnx, lossOutputActivation, OnnxExportError } from './export';
import { exampleDocuments, randomFeeds, runOrt } from './test-helpers';
import { trainDocument } from '../train/train-document';

const examples = exampleDocuments();
const xor = examples.find((e) => e.file === 'xor-mlp.json')!.doc;
const iris = examples.find((e) => e.file === 'iris-mlp.json')!.doc;
/** XOR trained with MSE instead of BCE. */
const mse = { ...xor, nodes: xor.nodes.map((n) => (n.type === 'Loss' ? { ...n, params: { ...n.params, fn: 'mse' } } : n)) };

const meta = (bytes: Uint8Array): Record<string, string> => Object.fromEntries(decodeModel(bytes).metadataProps.map((p) => [p.key, p.value]));
const lastOp = (bytes: Uint8Array): string => {
  const nodes = decodeModel(bytes).graph!.node!;
  return nodes[nodes.length - 1]!.opType!;
};

describe('ONNX export: the output activation', () => {
  it('follows the Loss: sigmoid for BCE, softmax for cross-entropy, none for MSE', () => {
    expect(lossOutputActivation(xor)).toBe('sigmoid');
    expect(lossOutputActivation(iris)).toBe('softmax');
    expect(lossOutputActivation(mse)).toBe('none');
    expect(lossOutputActivation({ nodes: [] })).toBe('none');
    expect(exportOnnx(xor, { outputActivation: 'auto' }).outputActivation).toBe('sigmoid');
    expect(exportOnnx(iris, { outputActivation: 'auto' }).outputActivation).toBe('softmax');
    expect(exportOnnx(mse, { outputActivation: 'auto' }).outputActivation).toBe('none');
    // the default stays what it was: the logits
    expect(exportOnnx(xor).outputActivation).toBe('none');
    expect(lastOp(exportOnnx(xor).bytes)).toBe('Gemm');
  });

  it('sigmoid export of the trained XOR network gives probabilities ≈ [0, 1, 1, 0] in onnxruntime-node', async () => {
    const { trained } = await trainDocument(xor);
    const r = exportOnnx(trained, { outputActivation: 'sigmoid' });
    expect(lastOp(r.bytes)).toBe('Sigmoid');
    expect(meta(r.bytes)['sigmoid_appended']).toBe('["prediction"]');
    expect(meta(r.bytes)['output_activation']).toBe('sigmoid');
    const session = await ort.InferenceSession.create(r.bytes);
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]) });
    const p = Array.from(out['prediction']!.data as Float32Array);
    expect(p).toHaveLength(4);
    for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
    p.forEach((v, i) => expect(Math.abs(v - [0, 1, 1, 0][i]!), `sample ${i}: ${v}`).toBeLessThan(0.2));
    // the same as the sigmoid of the logits the plain export gives
    const logits = Array.from((await (await ort.InferenceSession.create(exportOnnx(trained).bytes)).run({ x: new ort.Tensor('float32', Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]), [4, 2]) }))['prediction']!.data as Float32Array);
    logits.forEach((z, i) => expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-z)), 5));
  });

  it('refuses a softmax over a BCE model\'s one output column (it would always be 1), pointing to sigmoid', () => {
    expect(() => exportOnnx(xor, { outputActivation: 'softmax' })).toThrow(OnnxExportError);
    expect(() => exportOnnx(xor, { softmax: true })).toThrow(/one column, so its softmax is always 1; a sigmoid gives its probability/);
  });

  it('softmax export of a cross-entropy model gives rows that sum to 1; softmax: true is the same file', async () => {
    const r = exportOnnx(iris, { outputActivation: 'softmax' });
    expect(Buffer.from(r.bytes).equals(Buffer.from(exportOnnx(iris, { softmax: true }).bytes))).toBe(true);
    const probs = (await runOrt(r.bytes, randomFeeds(r.inputs, 4, 5))).get(r.outputs[0]!.name)!;
    for (let i = 0; i < 5; i++) expect(probs.data.slice(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('refuses contradictory or unknown options', () => {
    expect(() => exportOnnx(iris, { softmax: true, outputActivation: 'sigmoid' })).toThrow(/contradict/);
    expect(() => exportOnnx(iris, { outputActivation: 'relu' as never })).toThrow(/unknown output activation "relu"/);
  });
});
