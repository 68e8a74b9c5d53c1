/**
 * Helpers for the ONNX tests: the example documents, seeded random feeds, running a model in
 * onnxruntime-node and on the ts engine, and Debian's python3-onnx checker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { tensor, zeros } from '../core/creation';
import { Generator } from '../core/random';
import type { Tensor } from '../core/tensor';
import { compileDocument } from '../graph/compile';
import { parseDocument, type GraphDocument } from '../graph/document';
import { concretize } from '../graph/symbolic';
import type { OnnxIo } from './export';

export const EXAMPLES_DIR = join(import.meta.dirname, '../../assets/examples');

/** Every graph document in assets/examples (files that are not documents, e.g. batches, are left out). */
export function exampleDocuments(): { file: string; doc: GraphDocument }[] {
  const out: { file: string; doc: GraphDocument }[] = [];
  for (const file of readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const value = JSON.parse(readFileSync(join(EXAMPLES_DIR, file), 'utf8')) as Record<string, unknown>;
    if (!('formatVersion' in value) || !('nodes' in value)) continue;
    const parsed = parseDocument(value);
    if (!parsed.ok) throw new Error(`${file}: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    out.push({ file, doc: parsed.document });
  }
  return out;
}

export interface Feed {
  shape: number[];
  data: Float32Array;
}

/** Seeded normal values for each input, with the batch dimension N set to `batch`. */
export function randomFeeds(inputs: readonly OnnxIo[], seed: number, batch: number): Map<string, Feed> {
  const g = new Generator(seed);
  const feeds = new Map<string, Feed>();
  for (const io of inputs) {
    const shape = io.shape.map((d) => (typeof d === 'number' ? d : batch));
    const size = shape.reduce((a, b) => a * b, 1);
    feeds.set(io.name, { shape, data: Float32Array.from({ length: size }, () => g.normal(0, 1.5)) });
  }
  return feeds;
}

/** Run ONNX bytes in onnxruntime-node (CPU). */
export async function runOrt(bytes: Uint8Array, feeds: ReadonlyMap<string, Feed>): Promise<Map<string, Feed>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input: Record<string, ort.Tensor> = {};
    for (const [name, f] of feeds) input[name] = new ort.Tensor('float32', f.data, f.shape);
    const result = await session.run(input);
    const out = new Map<string, Feed>();
    for (const name of session.outputNames) {
      const t = result[name]!;
      out.set(name, { shape: [...t.dims], data: Float32Array.from(t.data as Float32Array) });
    }
    return out;
  } finally {
    await session.release();
  }
}

/** Run a document on the ts engine (inference) and read the values the exported outputs carry. */
export function runEngine(doc: GraphDocument, inputs: readonly OnnxIo[], outputs: readonly OnnxIo[], feeds: ReadonlyMap<string, Feed>, seed?: number): Map<string, Feed> {
  const model = compileDocument(doc, { requireLoss: false, ...(seed !== undefined ? { seed } : {}) });
  const byNode: Record<string, Tensor> = {};
  for (const io of inputs) {
    const f = feeds.get(io.name)!;
    byNode[io.nodeId] = tensor(f.data, { shape: f.shape });
  }
  // Inputs the export left out (only a Loss reads them) still need a value to run the whole graph.
  const batch = inputs.flatMap((io) => io.shape.map((d, i) => (d === 'N' ? feeds.get(io.name)!.shape[i]! : -1))).find((d) => d > 0) ?? 1;
  for (const n of doc.nodes) {
    if (n.type !== 'Input' || byNode[n.id]) continue;
    byNode[n.id] = zeros(concretize(model.validation.portShapes.get(`${n.id}:out`)!, batch));
  }
  const result = model.forward({ inputs: byNode }, { training: false });
  const out = new Map<string, Feed>();
  for (const io of outputs) {
    const node = doc.nodes.find((n) => n.id === io.nodeId)!;
    let key = `${io.nodeId}:out`;
    if (node.type === 'Output') {
      const e = doc.edges.find((x) => x.target === node.id)!;
      key = `${e.source}:${e.sourcePort}`;
    }
    const t = result.values.get(key)!;
    out.set(io.name, { shape: [...t.shape], data: Float32Array.from(t.data) });
  }
  return out;
}

/** Largest excess over |a − e| ≤ atol + rtol·|e| (≤ 0 means close), with a message. */
export function closeness(actual: Feed, expected: Feed, rtol = 1e-5, atol = 1e-5): { ok: boolean; message: string } {
  if (actual.shape.join() !== expected.shape.join()) return { ok: false, message: `shape [${actual.shape}] vs expected [${expected.shape}]` };
  let worst = -Infinity;
  let at = -1;
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]!;
    const e = expected.data[i]!;
    if (Number.isNaN(a) && Number.isNaN(e)) continue;
    if (a === e) continue;
    const excess = Math.abs(a - e) - (atol + rtol * Math.abs(e));
    const ex = Number.isNaN(excess) ? Infinity : excess;
    if (ex > worst) {
      worst = ex;
      at = i;
    }
  }
  return worst > 0
    ? { ok: false, message: `element ${at}: ${actual.data[at]} vs expected ${expected.data[at]} (excess ${worst})` }
    : { ok: true, message: 'close' };
}

export const DEBIAN_PYTHON = '/usr/bin/python3';

const CHECKER = `
import json, sys
try:
    import onnx
except Exception as e:
    print(json.dumps({"error": "cannot import onnx: %s" % e}))
    sys.exit(3)
results = {}
for path in sys.argv[1:]:
    try:
        m = onnx.load(path)
        onnx.checker.check_model(m, full_check=True)
        results[path] = "ok"
    except Exception as e:
        results[path] = "%s: %s" % (type(e).__name__, e)
print(json.dumps({"version": onnx.__version__, "results": results}))
`;

/**
 * Run \`onnx.checker.check_model(m, full_check=True)\` with Debian's python3-onnx on each file.
 * Throws (the test fails) when /usr/bin/python3 or its onnx module is missing.
 */
export function pythonCheckModels(paths: readonly string[]): { version: string; results: Record<string, string> } {
  const hint = 'install Debian\'s python3-onnx (apt-get install -y python3-onnx); the ONNX export tests check every file with /usr/bin/python3 -c "import onnx"';
  if (!existsSync(DEBIAN_PYTHON)) throw new Error(`${DEBIAN_PYTHON} is missing: ${hint}`);
  const r = spawnSync(DEBIAN_PYTHON, ['-c', CHECKER, ...paths], { encoding: 'utf8', timeout: 120_000 });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let parsed: { error?: string; version?: string; results?: Record<string, string> };
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`the ONNX checker did not run (status ${r.status}): ${r.stderr || r.stdout || r.error?.message}\n${hint}`);
  }
  if (parsed.error) throw new Error(`${parsed.error}: ${hint}`);
  return { version: parsed.version!, results: parsed.results! };
}

/** A document that uses every lowering the exporter has (beyond the examples), for export and round-trip tests. */
export function operatorsDocument(): GraphDocument {
  const node = (id: string, type: string, params: Record<string, unknown> = {}): GraphDocument['nodes'][number] => ({ id, type, label: id, params, position: { x: 0, y: 0 } });
  let k = 0;
  const edge = (source: string, target: string, targetPort = 'in'): GraphDocument['edges'][number] => ({ id: `e${++k}`, source, sourcePort: 'out', target, targetPort });
  return {
    formatVersion: 3,
    name: 'Every lowering',
    training: { optimizer: { type: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false }, batchSize: 4, epochs: 1, seed: 3, split: { test: 0.2, validation: 0, stratify: true }, normalize: 'none', shuffle: true, dropLast: false },
    nodes: [
      node('x', 'Input', { shape: [2, 3] }),
      node('lin3', 'Linear', { inFeatures: 3, outFeatures: 4 }),
      node('g', 'Activation', { fn: 'gelu' }),
      node('s', 'Sum', { dims: [1] }),
      node('m', 'Mean', { dims: [-1], keepDim: true }),
      node('p', 'Parameter', { shape: [4], init: 'normal', value: 1 }),
      node('mx', 'Max'),
      node('ex', 'Exp'),
      node('lg', 'Log'),
      node('pw', 'Power', { exponent: 2 }),
      node('w', 'Parameter', { shape: [4, 3], init: 'uniform', value: 0.5 }),
      node('mm', 'MatMul'),
      node('c', 'Constant', { value: [[1, 2, 3]] }),
      node('add', 'Add'),
      node('mul', 'Multiply'),
      node('lr', 'Activation', { fn: 'leakyRelu', negativeSlope: 0.2 }),
      node('st', 'Activation', { fn: 'step' }),
      node('sg', 'Activation', { fn: 'sign' }),
      node('r', 'Reshape', { shape: [8] }),
      node('d', 'Dropout', { p: 0.4 }),
      node('id', 'Activation', { fn: 'identity' }),
      node('th', 'Activation', { fn: 'tanh' }),
      node('fl', 'Flatten'),
      node('bn', 'BatchNorm1d', { numFeatures: 6 }),
      node('sm', 'Activation', { fn: 'softmax' }),
      node('lin', 'Linear', { inFeatures: 6, outFeatures: 1, bias: false }),
      node('sig', 'Activation', { fn: 'sigmoid' }),
      node('rl', 'Activation', { fn: 'relu' }),
      node('oa', 'Output', { name: 'a' }),
      node('ob', 'Output', { name: 'b' }),
      node('oc', 'Output', { name: 'c' }),
      node('od', 'Output', { name: 'd' }),
      node('oe', 'Output', { name: 'e' }),
      node('of', 'Output', { name: 'f' }),
      node('og', 'Output', { name: 'g' }),
      node('y', 'Target', { encoding: 'column' }),
      node('loss', 'Loss', { fn: 'bce' }),
    ],
    edges: [
      edge('x', 'lin3'), edge('lin3', 'g'), edge('g', 's'), edge('g', 'm'),
      edge('s', 'mx', 'a'), edge('p', 'mx', 'b'), edge('mx', 'ex'), edge('ex', 'lg'), edge('lg', 'pw'),
      edge('pw', 'mm', 'a'), edge('w', 'mm', 'b'), edge('mm', 'add', 'a'), edge('c', 'add', 'b'),
      edge('add', 'mul', 'a'), edge('c', 'mul', 'b'),
      edge('mul', 'lr'), edge('lr', 'oa'), edge('add', 'st'), edge('st', 'ob'), edge('add', 'sg'), edge('sg', 'oc'),
      edge('g', 'r'), edge('r', 'd'), edge('d', 'id'), edge('id', 'th'), edge('th', 'od'),
      edge('m', 'oe'),
      edge('x', 'fl'), edge('fl', 'bn'), edge('bn', 'sm'), edge('sm', 'of'),
      edge('bn', 'lin'), edge('lin', 'sig'), edge('sig', 'rl'), edge('rl', 'og'),
      edge('lin', 'loss', 'prediction'), edge('y', 'loss', 'target'),
    ],
  };
}
