/**
 * PyTorch export (issue 15), checked with Debian's python3-torch: each exported example (XOR,
 * Iris with BatchNorm, the Fashion-MNIST MLP on a 1,000-image slice, a graph of primitive ops)
 * passes `py_compile`, imports nothing it does not use, and — loading the app's weights from the
 * sidecar — gives the first step's loss and every parameter gradient of `bpstudio grad` at 1e-5
 * relative; after 3 SGD, 3 Adam and 3 AdamW steps its parameters equal the engine's at 1e-5. The script's
 * own main() then runs an epoch and writes its ONNX file. One python process per example.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor } from '../core/creation';
import { loadBuiltinDataset } from '../data/builtin';
import { compileDocument } from '../graph/compile';
import { defaultOptimizer, parseDocument, type GraphDocument, type GraphDocumentInput, type OptimizerSettings } from '../graph/document';
import { gradients } from '../cli/grad';
import { runCli, type CliIo } from '../cli/main';
import { makeOptimizer } from '../train/trainer';
import { compareClose } from '../testing/allclose';
import { exportPyTorch, PyTorchExportError, pythonName } from './export';

const PYTHON = '/usr/bin/python3';
const ROOT = resolve(import.meta.dirname, '../..');
const STEPS = 3;

function requireTorch(): void {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`these tests need Debian's python3-torch in ${PYTHON} (apt-get install python3-torch; scripts/test-prereqs.mjs installs it): ${r.stderr || r.error?.message}`);
}

function quietIo(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, env: {}, stdout: (s) => void out.push(s), stderr: (s) => void err.push(s) };
}

function readDoc(name: string): GraphDocumentInput {
  return JSON.parse(readFileSync(join(ROOT, 'assets/examples', name), 'utf8')) as GraphDocumentInput;
}

/** A graph of primitive ops on XOR: x·W1 + b, softplus by Exp/Add/Log, Power, Sum, Mean, Max, Multiply, ·W2; BCE. */
function primitivesDoc(): GraphDocumentInput {
  const n = (id: string, type: string, label: string, params: Record<string, unknown> = {}) => ({ id, type, label, params, position: { x: 0, y: 0 } });
  const nodes = [
    n('x', 'Input', 'x', { shape: [2] }),
    n('w1', 'Parameter', 'W1', { shape: [2, 3], init: 'normal', value: 0.8 }),
    n('b1', 'Parameter', 'b1', { shape: [3], init: 'uniform', value: 0.5 }),
    n('h', 'MatMul', 'h = x·W1'),
    n('a', 'Add', 'a = h + b1'),
    n('e', 'Exp', 'e'),
    n('one', 'Constant', '1', { value: 1 }),
    n('s', 'Add', 's = e + 1'),
    n('sp', 'Log', 'softplus = log(s)'),
    n('sq', 'Power', 'sq', { exponent: 2 }),
    n('r', 'Sum', 'r', { dims: [1], keepDim: true }),
    n('m', 'Mean', 'm', { dims: [1], keepDim: true }),
    n('mx', 'Max', 'mx = max(softplus, m)'),
    n('half', 'Constant', 'half', { value: 0.5 }),
    n('p', 'Multiply', 'p = mx · 0.5'),
    n('w2', 'Parameter', 'W2', { shape: [3, 1], init: 'normal', value: 0.8 }),
    n('logit', 'MatMul', 'logit = p·W2'),
    n('score', 'Add', 'score = logit − r·0.1'),
    n('tenth', 'Constant', 'tenth', { value: -0.1 }),
    n('rs', 'Multiply', 'rs'),
    n('y', 'Target', 'y', { encoding: 'column' }),
    n('loss', 'Loss', 'BCE', { fn: 'bce' }),
  ];
  const e = (source: string, target: string, targetPort = 'in') => ({ id: `${source}->${target}:${targetPort}`, source, sourcePort: 'out', target, targetPort });
  const edges = [
    e('x', 'h', 'a'), e('w1', 'h', 'b'), e('h', 'a', 'a'), e('b1', 'a', 'b'), e('a', 'e'), e('e', 's', 'a'), e('one', 's', 'b'), e('s', 'sp'),
    e('sp', 'sq'), e('sq', 'r'), e('sp', 'm'), e('sp', 'mx', 'a'), e('m', 'mx', 'b'), e('mx', 'p', 'a'), e('half', 'p', 'b'),
    e('p', 'logit', 'a'), e('w2', 'logit', 'b'), e('r', 'rs', 'a'), e('tenth', 'rs', 'b'), e('logit', 'score', 'a'), e('rs', 'score', 'b'),
    e('score', 'loss', 'prediction'), e('y', 'loss', 'target'),
  ];
  return {
    formatVersion: 3, name: 'Primitive ops', nodes, edges,
    training: { dataset: { name: 'xor', params: {} }, optimizer: { type: 'adam', lr: 0.05 }, batchSize: 4, epochs: 50, seed: 3, split: { test: 0 } },
  } as unknown as GraphDocumentInput;
}

interface Example {
  name: string;
  doc: GraphDocumentInput;
  /** The batch of the check: features as the model sees them and the dataset's labels. */
  batch(): { features: Float32Array; shape: number[]; labels: Float32Array };
  sgd: OptimizerSettings;
  adam: OptimizerSettings;
}

type Variant = 'sgd' | 'adam' | 'adamw';
const VARIANTS: readonly Variant[] = ['sgd', 'adam', 'adamw'];
/** AdamW at Adam's learning rate, with a decay large enough to show in 3 steps. */
const adamwOf = (ex: Example): OptimizerSettings => ({ ...defaultOptimizer('adamw', ex.adam.lr), weightDecay: 0.05 });
const settingsOf = (ex: Example, v: Variant): OptimizerSettings => (v === 'adamw' ? adamwOf(ex) : ex[v]);

function rows(ds: ReturnType<typeof loadBuiltinDataset>, idx: readonly number[], scale = 1): { features: Float32Array; shape: number[]; labels: Float32Array } {
  const f = ds.featureShape.reduce((a, b) => a * b, 1);
  const features = new Float32Array(idx.length * f);
  idx.forEach((r, i) => {
    for (let j = 0; j < f; j++) features[i * f + j] = ds.features[r * f + j]! / scale;
  });
  return { features, shape: [idx.length, ...ds.featureShape], labels: Float32Array.from(idx, (r) => ds.labels[r]!) };
}

const sgd = (lr: number, momentum = 0): OptimizerSettings => ({ ...(defaultOptimizer('sgd', lr) as Extract<OptimizerSettings, { type: 'sgd' }>), momentum });

const EXAMPLES: Example[] = [
  { name: 'xor', doc: readDoc('xor-mlp.json'), batch: () => rows(loadBuiltinDataset('xor'), [0, 1, 2, 3]), sgd: sgd(0.5), adam: defaultOptimizer('adam', 0.05) },
  { name: 'iris', doc: readDoc('iris-mlp.json'), batch: () => rows(loadBuiltinDataset('iris'), [0, 1, 50, 51, 100, 101, 2, 52]), sgd: sgd(0.01, 0.9), adam: defaultOptimizer('adam', 0.001) },
  {
    name: 'fashion',
    doc: (() => {
      const d = readDoc('fashion-mnist-mlp.json') as unknown as { training: Record<string, unknown> };
      d.training['dataset'] = { name: 'fashion-mnist', params: { split: 'train', limit: 1000 } };
      d.training['testDataset'] = { name: 'fashion-mnist', params: { split: 'test', limit: 200 } };
      return d as unknown as GraphDocumentInput;
    })(),
    batch: () => rows(loadBuiltinDataset('fashion-mnist', { limit: 1000 }), Array.from({ length: 32 }, (_, i) => i * 31), 255),
    sgd: sgd(0.1),
    adam: defaultOptimizer('adam', 0.001),
  },
  { name: 'primitives', doc: primitivesDoc(), batch: () => rows(loadBuiltinDataset('xor'), [0, 1, 2, 3]), sgd: sgd(0.5), adam: defaultOptimizer('adam', 0.05) },
];

const DRIVER = String.raw`
import importlib.util, json, sys, io, contextlib
import torch
cfg = json.load(open(sys.argv[1]))
def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m
def model_of(m):
    cls = [v for v in vars(m).values() if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == m.__name__][0]
    model = cls()
    m.load_weights(model)
    model.train()
    return model
def first(out):
    return out[0] if isinstance(out, tuple) else out
x = torch.tensor(cfg["features"], dtype=torch.float32).reshape(cfg["shape"])
y = torch.tensor(cfg["labels"], dtype=torch.float32)
result = {}
for variant in cfg["variants"]:
    m = load(cfg[variant], variant)
    model = model_of(m)
    optimizer = m.make_optimizer(model)
    for step in range(cfg["steps"]):
        loss = m.criterion(first(model(x)), m.encode_targets(y))
        optimizer.zero_grad()
        loss.backward()
        if step == 0 and variant == "sgd":
            result["loss"] = loss.item()
            result["grads"] = {n: p.grad.flatten().tolist() for n, p in model.named_parameters()}
        optimizer.step()
    result[variant] = {n: p.detach().flatten().tolist() for n, p in model.named_parameters()}
m = load(cfg["sgd"], "run")
m.EPOCHS = 1
out = io.StringIO()
with contextlib.redirect_stdout(out):
    m.main()
result["printed"] = out.getvalue()
print(json.dumps(result))
`;

interface DriverResult {
  loss: number;
  grads: Record<string, number[]>;
  sgd: Record<string, number[]>;
  adam: Record<string, number[]>;
  adamw: Record<string, number[]>;
  printed: string;
}

const maxAbs = (xs: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < xs.length; i++) m = Math.max(m, Math.abs(xs[i]!));
  return m;
};

/**
 * Close at 1e-5 relative, with an absolute floor of 1e-5 of the tensor's largest value (float32
 * sums of opposite signs), or of `floor` where given (a gradient that is zero but for rounding).
 */
function expectClose(actual: readonly number[] | undefined, expected: ArrayLike<number>, what: string, floor = 0): void {
  expect(actual, `${what} is missing`).toBeDefined();
  const r = compareClose(actual!, expected, { rtol: 1e-5, atol: Math.max(1e-5 * maxAbs(expected), floor) + 1e-12 });
  expect(r.ok, `${what}: ${r.message}`).toBe(true);
}

describe('PyTorch export, run with python3-torch', () => {
  requireTorch();
  const dir = mkdtempSync(join(tmpdir(), 'bp-pytorch-'));

  for (const ex of EXAMPLES) {
    it(`${ex.name}: first step = bpstudio grad, 3 SGD, Adam and AdamW steps = the engine's, and main() trains and writes ONNX`, async () => {
      const parsed = parseDocument(ex.doc);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
      const doc = parsed.document;
      const paths: Record<Variant, string> = { sgd: '', adam: '', adamw: '' };
      for (const variant of VARIANTS) {
        const d: GraphDocument = { ...doc, training: { ...doc.training!, optimizer: settingsOf(ex, variant) } };
        const docPath = join(dir, `${ex.name}-${variant}.json`);
        writeFileSync(docPath, JSON.stringify(d));
        paths[variant] = join(dir, `${ex.name}_${variant}.py`);
        const io = quietIo(dir);
        const code = await runCli(['export', docPath, '--format', 'pytorch', '--weights', '-o', paths[variant]], io);
        expect(code, io.err.join('')).toBe(0);
        expect(existsSync(paths[variant].replace(/\.py$/, '.safetensors'))).toBe(true);
      }
      const script = readFileSync(paths.sgd, 'utf8');
      // Reads like hand-written code: every import is used.
      for (const m of script.matchAll(/^(?:import (\S+)(?: as (\S+))?|from \S+ import (.+))$/gm)) {
        const names = m[3] ? m[3].split(',').map((s) => s.trim()) : [m[2] ?? m[1]!.split('.')[0]!];
        for (const name of names) expect(script.split(new RegExp(`\\b${name.replace('.', '\\.')}\\b`)).length - 1, `import ${name} is used`).toBeGreaterThan(1);
      }
      const compiled = spawnSync(PYTHON, ['-m', 'py_compile', paths.sgd], { encoding: 'utf8' });
      expect(compiled.status, compiled.stderr).toBe(0);

      // The engine: bpstudio grad on the batch, then 3 steps of each optimizer.
      const b = ex.batch();
      const nested = (data: Float32Array, shape: number[]): unknown => {
        if (shape.length <= 1) return Array.from(data);
        const inner = shape.slice(1).reduce((x, y) => x * y, 1);
        return Array.from({ length: shape[0]! }, (_, i) => nested(data.subarray(i * inner, (i + 1) * inner), shape.slice(1)));
      };
      const batchPath = join(dir, `${ex.name}-batch.json`);
      writeFileSync(batchPath, JSON.stringify({ features: nested(b.features, b.shape), targets: Array.from(b.labels) }));
      const rep = gradients(join(dir, `${ex.name}-sgd.json`), { batch: batchPath }, dir, () => {});
      const engine = (settings: OptimizerSettings): Map<string, Float32Array> => {
        const d: GraphDocument = { ...doc, training: { ...doc.training!, optimizer: settings } };
        const data = { featureShape: b.shape.slice(1), targetShape: [], task: 'classification' as const, numClasses: ex.name === 'iris' ? 3 : ex.name === 'fashion' ? 10 : 2 };
        const model = compileDocument(d, { seed: d.training!.seed, data, purpose: 'run' });
        const opt = makeOptimizer(model.parameterTensors(), settings);
        for (let s = 0; s < STEPS; s++) {
          const r = model.forward({ features: tensor(b.features, { shape: b.shape }), targets: tensor(b.labels, { shape: [b.labels.length] }) }, { training: true });
          opt.zeroGrad();
          r.loss!.backward();
          opt.step();
        }
        return new Map(model.parameters().map((p) => [`${p.nodeId}\u0000${p.name}`, Float32Array.from(p.tensor.data)]));
      };
      const afterSgd = engine(ex.sgd);
      const afterAdam = engine(ex.adam);
      const afterAdamW = engine(adamwOf(ex));
      expect(readFileSync(paths.adamw, 'utf8')).toContain(`torch.optim.AdamW(model.parameters(), lr=`);

      const cfgPath = join(dir, `${ex.name}-cfg.json`);
      writeFileSync(cfgPath, JSON.stringify({ ...paths, variants: VARIANTS, features: Array.from(b.features), shape: b.shape, labels: Array.from(b.labels), steps: STEPS }));
      const driverPath = join(dir, 'driver.py');
      writeFileSync(driverPath, DRIVER);
      const run = spawnSync(PYTHON, [driverPath, cfgPath], { encoding: 'utf8', cwd: dir, maxBuffer: 1 << 28, env: { ...process.env, OMP_NUM_THREADS: '1' } });
      expect(run.status, run.stderr).toBe(0);
      const py = JSON.parse(run.stdout.trim().split('\n').pop()!) as DriverResult;

      const ref = doc.training!.dataset!;
      const names = exportPyTorch(doc, { dataset: ref.name === 'fashion-mnist' ? null : loadBuiltinDataset(ref.name), weights: false, plan: { epochs: 1, test: 0 } }).tensors;
      const torchName = (nodeId: string, name: string): string => names.find((t) => t.nodeId === nodeId && t.name === name)!.torchName;
      expectClose([py.loss], [rep.objective.value], 'first-step loss');
      expect(rep.parameters.length).toBeGreaterThan(0);
      // A Linear's bias before a BatchNorm has gradient 0 in exact arithmetic: both sides hold float32
      // rounding noise there, compared at 1e-5 of the largest gradient; Adam, which normalises that
      // noise to steps of ±lr, within STEPS·lr (as engine/nn/torch-fixtures.test.ts does).
      const gmax = Math.max(...rep.parameters.map((p) => maxAbs(p.grad!.data)));
      for (const p of rep.parameters) {
        const noise = maxAbs(p.grad!.data) < 1e-5 * gmax;
        const adamLr = ex.adam.lr;
        expectClose(py.grads[torchName(p.nodeId, p.name)], p.grad!.data, `∂L/∂${p.nodeId}.${p.name}`, 1e-5 * gmax);
        expectClose(py.sgd[torchName(p.nodeId, p.name)], afterSgd.get(`${p.nodeId}\u0000${p.name}`)!, `${p.nodeId}.${p.name} after ${STEPS} SGD steps`);
        expectClose(py.adam[torchName(p.nodeId, p.name)], afterAdam.get(`${p.nodeId}\u0000${p.name}`)!, `${p.nodeId}.${p.name} after ${STEPS} Adam steps`, noise ? STEPS * adamLr * 1.001 : 0);
        expectClose(py.adamw[torchName(p.nodeId, p.name)], afterAdamW.get(`${p.nodeId}\u0000${p.name}`)!, `${p.nodeId}.${p.name} after ${STEPS} AdamW steps`, noise ? STEPS * adamLr * 1.001 : 0);
      }
      expect(rep.parameters.filter((p) => maxAbs(p.grad!.data) < 1e-5 * gmax).length, 'only biases before a BatchNorm have no gradient').toBe(ex.name === 'iris' ? 3 : 0);
      expect(py.printed).toMatch(/^epoch 1\/1: loss \d+\.\d{4}/m);
      expect(existsSync(paths.sgd.replace(/\.py$/, '.onnx'))).toBe(true);
    }, 120_000);
  }
});

describe('PyTorch export, the script', () => {
  it('names values after labels and takes a dead name again instead of numbering', () => {
    expect(pythonName('dense 128')).toBe('dense_128');
    expect(pythonName('y = x + 2')).toBe('y');
    expect(pythonName('σ')).toBeNull();
    expect(pythonName('class')).toBe('class_');
    const parsed = parseDocument(readDoc('iris-mlp.json'));
    if (!parsed.ok) throw new Error('iris');
    const r = exportPyTorch(parsed.document, { dataset: loadBuiltinDataset('iris'), weights: false, plan: { epochs: 20, test: 0.25 } });
    expect(r.script).toContain('        relu = torch.relu(bn2)  # N×64\n');
    expect(r.script).not.toMatch(/relu_2|WEIGHTS_FILE|import json/);
    expect(r.weights).toBeNull();
  });

  it('refuses a node it cannot export in one line naming the node and why', () => {
    const doc = parseDocument(readDoc('xor-mlp.json'));
    if (!doc.ok) throw new Error('xor');
    const bad: GraphDocument = { ...doc.document, nodes: doc.document.nodes.map((n) => (n.id === 'x' ? { ...n, params: { ...n.params, dataset: 'other.csv' } } : n)) };
    expect(() => exportPyTorch(bad, { dataset: loadBuiltinDataset('xor') })).toThrow(PyTorchExportError);
    expect(() => exportPyTorch(bad, { dataset: loadBuiltinDataset('xor') })).toThrow(/^cannot export "XOR[^\n]*" to PyTorch:\n {2}"x" \(Input\): reads dataset "other\.csv"/);
  });
});
