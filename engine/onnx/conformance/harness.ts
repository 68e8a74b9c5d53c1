/**
 * Runs an ONNX backend test case from Debian's libonnx-testdata (a model.onnx with
 * test_data_set_N/input_K.pb and output_K.pb) through the importer and the ts engine.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensor } from '../../core/creation';
import type { Tensor } from '../../core/tensor';
import { compileDocument } from '../../graph/compile';
import type { GraphDocument } from '../../graph/document';
import { onnx, tensorValues, type OnnxTypes } from '../builder';
import { importOnnx } from '../import';

/** Where Debian's libonnx-testdata puts the corpus (the python3-onnx path is a symlink to the first). */
export const TESTDATA_ROOTS = ['/usr/share/libonnx-testdata/data', '/usr/lib/python3/dist-packages/onnx/backend/test/data'];
export const TESTDATA_HINT = "install Debian's libonnx-testdata (apt-get install -y libonnx-testdata): the ONNX import conformance tests read its models";

export function testdataRoot(): string | null {
  return TESTDATA_ROOTS.find((r) => existsSync(join(r, 'node'))) ?? null;
}

/** The test case directories (`node/test_relu`, `pytorch-converted/test_Linear`, …). */
export function listCases(root: string): string[] {
  const out: string[] = [];
  for (const group of ['node', 'pytorch-converted', 'pytorch-operator', 'simple']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) if (existsSync(join(dir, name, 'model.onnx'))) out.push(`${group}/${name}`);
  }
  return out;
}

export function opTypesOf(root: string, testCase: string): string[] {
  const m = onnx.ModelProto.decode(readFileSync(join(root, testCase, 'model.onnx')));
  return [...new Set((m.graph?.node ?? []).map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType ?? '')))];
}

export interface CaseRun {
  document: GraphDocument;
  /** Output name → [ours, expected]. */
  outputs: { name: string; actual: { shape: number[]; data: Float32Array }; expected: { shape: number[]; data: Float32Array } }[];
}

const floats = (t: OnnxTypes.ITensorProto): { shape: number[]; data: Float32Array } => {
  const v = tensorValues(t);
  return { shape: v.dims, data: Float32Array.from(v.data) };
};

/**
 * Import the case's model and run test_data_set_0 on the ts engine. Graph inputs not in `keep`
 * become initializers holding their test data (in a real model, weights are initializers;
 * the operator tests feed them as inputs). `keep` defaults to the first input.
 */
export function runCase(root: string, testCase: string, keep?: readonly string[]): CaseRun {
  const dir = join(root, testCase);
  const model = onnx.ModelProto.decode(readFileSync(join(dir, 'model.onnx')));
  const graph = model.graph!;
  const initNames = new Set((graph.initializer ?? []).map((t) => t.name));
  const inputs = (graph.input ?? []).filter((i) => !initNames.has(i.name));
  const set = join(dir, 'test_data_set_0');
  const kept = new Set(keep ?? (inputs[0] ? [inputs[0].name!] : []));
  const feeds = new Map<string, OnnxTypes.ITensorProto>();
  inputs.forEach((vi, k) => {
    const file = join(set, `input_${k}.pb`);
    if (!existsSync(file)) return; // an optional input left out
    const t = onnx.TensorProto.decode(readFileSync(file));
    if (kept.has(vi.name!)) feeds.set(vi.name!, t);
    else {
      t.name = vi.name!;
      graph.initializer = [...(graph.initializer ?? []), t];
    }
  });
  const bytes = onnx.ModelProto.encode(model).finish();
  const document = importOnnx(bytes, { file: testCase });
  const compiled = compileDocument(document, { requireLoss: false });
  const byNode: Record<string, Tensor> = {};
  for (const n of document.nodes) {
    if (n.type !== 'Input') continue;
    const f = floats(feeds.get(n.label!)!);
    byNode[n.id] = tensor(f.data, { shape: f.shape });
  }
  const result = compiled.forward({ inputs: byNode }, { training: false });
  const outputs = (graph.output ?? []).map((o, k) => {
    const expected = floats(onnx.TensorProto.decode(readFileSync(join(set, `output_${k}.pb`))));
    const t = result.outputs[o.name!]!;
    return { name: o.name!, actual: { shape: [...t.shape], data: Float32Array.from(t.data) }, expected };
  });
  return { document, outputs };
}
