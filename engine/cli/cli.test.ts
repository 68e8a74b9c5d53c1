/**
 * The bpstudio CLI on the example documents: every command, its text and JSON output, and the
 * errors (one line, the right exit code, never a stack trace).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_FORMAT_VERSION } from '../graph/document';
import { writeSmallFashionMnist } from '../testing/idx-files';
import { fmt } from './format';
import { runCli, type CliIo } from './main';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ex = (name: string): string => join(root, 'assets/examples', name);
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: string[], extra: Partial<CliIo> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: root, env: {}, ...extra };
  const code = await runCli(args, io);
  return { code, out, err };
}

const lines = (s: string): string[] => s.split('\n').filter((l) => l !== '');
const noStack = (r: Run): void => expect(r.err).not.toMatch(/\n\s+at /);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string): string => join(dir, name);

describe('global options', () => {
  it('--version prints the package version', async () => {
    const r = await run(['--version']);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(version);
  });
  it('--help lists every command', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['train', 'eval', 'predict', 'info', 'grad', 'serve']) expect(r.out).toContain(c);
  });
  it('runs as a real process: node bin/bpstudio.mjs --version', async () => {
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, [join(root, 'bin/bpstudio.mjs'), '--version'], { cwd: root, timeout: 30_000 }, (e, stdout) => (e ? rej(e) : res(stdout))),
    );
    expect(out.trim()).toBe(version);
  });
});

describe('bpstudio train', () => {
  it('--json: exactly one JSON line per epoch on stdout; XOR reaches accuracy 1', async () => {
    const r = await run(['train', ex('xor-mlp.json'), '--json']);
    expect(r.code).toBe(0);
    const records = lines(r.out).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(300);
    for (const rec of records) expect(Object.keys(rec)).toEqual(['epoch', 'loss', 'accuracy', 'testLoss', 'testAccuracy', 'seconds']);
    expect(records.map((x) => x['epoch'])).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(records[299]!['accuracy']).toBe(1);
    expect(records[299]!['testAccuracy']).toBeNull();
    expect(r.err).toContain('completed 300 epochs');
    expect(r.err).toContain('final train: loss');
  });

  it('without a terminal: a line per epoch and a summary; --epochs, --lr, --optimizer, --seed, --batch override', async () => {
    const r = await run(['train', ex('iris-mlp.json'), '--epochs', '2', '--batch', '16', '--lr', '0.001', '--optimizer', 'adam', '--seed', '3']);
    expect(r.code).toBe(0);
    const l = lines(r.out);
    // auto picks onnxruntime's first provider that starts: on a machine without a GPU, the CPU one
    expect(l[0]).toMatch(/112 training \/ 38 test samples; 2 epochs × 7 batches of 16; adam lr 0.001; seed 3; backend ort-\w+ \(\w+\)$/);
    expect(l[1]).toMatch(/^epoch 1\/2 {2}loss \S+ {2}accuracy \d\.\d{4} {2}test loss \S+ {2}test accuracy \d\.\d{4}/);
    expect(l[2]).toMatch(/^epoch 2\/2/);
    expect(r.out).toContain('completed 2 epochs');
    expect(r.out).toMatch(/final test: {2}loss \S+, accuracy \d\.\d{4}/);
  });

  it('on a terminal: a progress bar on stderr', async () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
    let drawn = '';
    stream.on('data', (d: Buffer) => (drawn += d.toString()));
    const r = await run(['train', ex('xor-mlp.json'), '--epochs', '20'], { stderrIsTTY: true, stderrStream: stream });
    expect(r.code).toBe(0);
    expect(drawn).toMatch(/epoch \d+\/20 \|.*\| \d+%/);
    expect(r.out).not.toMatch(/^epoch /m);
    expect(r.out).toContain('completed 20 epochs');
  });

  it('--out writes a trained-model file; training a trained file resumes it', async () => {
    const r = await run(['train', ex('xor-mlp.json'), '--out', tmp('xor.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`saved the trained model to ${tmp('xor.json')}`);
    const saved = JSON.parse(readFileSync(tmp('xor.json'), 'utf8'));
    expect(saved.format).toBe('bpstudio-trained-model');
    expect(saved.history).toHaveLength(300);

    const more = await run(['train', tmp('xor.json'), '--epochs', '2', '--json', '--out', tmp('xor2.json')]);
    expect(more.code).toBe(0);
    expect(lines(more.out).map((l) => JSON.parse(l).epoch)).toEqual([301, 302]);
    expect(JSON.parse(readFileSync(tmp('xor2.json'), 'utf8')).history).toHaveLength(302);

    const resumed = await run(['train', ex('xor-mlp.json'), '--resume', tmp('xor.json'), '--epochs', '1', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out).epoch).toBe(301);
  });

  it('--optimizer adamw trains with decoupled weight decay, saves its state and resumes from it', async () => {
    const r = await run(['train', ex('xor-mlp.json'), '--backend', 'ts', '--optimizer', 'adamw', '--lr', '0.05', '--epochs', '150', '--json', '--out', tmp('xor-adamw.json')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/; adamw lr 0\.05; seed /);
    const records = lines(r.out).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { epoch: number; loss: number; accuracy: number });
    expect(records).toHaveLength(150);
    expect(records[149]!.accuracy).toBe(1);
    const saved = JSON.parse(readFileSync(tmp('xor-adamw.json'), 'utf8'));
    expect(saved.document.training.optimizer).toMatchObject({ type: 'adamw', lr: 0.05, weightDecay: 0.01 });
    expect(saved.optimizer).toMatchObject({ type: 'adamw', step: 150 });
    const more = await run(['train', tmp('xor-adamw.json'), '--backend', 'ts', '--epochs', '1', '--json']);
    expect(more.code, more.err).toBe(0);
    expect(JSON.parse(more.out).epoch).toBe(151);
    const bad = await run(['train', ex('xor-mlp.json'), '--optimizer', 'adamx']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('sgd, adam, adamw');
  });

  it('a NaN/Inf stop prints the diagnostic and exits 3', async () => {
    // The largest learning rate that is still a float32 (1e300 is refused up front).
    const r = await run(['train', ex('xor-mlp.json'), '--backend', 'ts', '--optimizer', 'sgd', '--lr', '3e38', '--epochs', '3', '--out', tmp('nan.json')]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/error: training stopped: NaN\/Inf first appeared in the output "out" of Linear "out"/);
    expect(r.err).toContain('was not written');
    noStack(r);
  });

  it('--backend: ts and ort-cpu train to the same outcome; a provider that cannot start says which and why', async () => {
    expect((await run(['train', ex('xor-mlp.json'), '--backend', 'ts', '--epochs', '1'])).code).toBe(0);
    const cpu = await run(['train', ex('xor-mlp.json'), '--backend', 'ort-cpu', '--json']);
    expect(cpu.code).toBe(0);
    const last = JSON.parse(lines(cpu.out).at(-1)!) as { accuracy: number };
    expect(last.accuracy).toBe(1);
    expect(cpu.err).toMatch(/backend ort-cpu \(cpu\)/);
    const cuda = await run(['train', ex('xor-mlp.json'), '--backend', 'ort-cuda']);
    expect(cuda.code).toBe(1);
    expect(lines(cuda.err)[0]).toBe('error: ort-cuda: the CUDA execution provider failed to start: not installed: run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install (npm ci skips that download)');
    const bad = await run(['train', ex('xor-mlp.json'), '--backend', 'gpu']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("argument 'gpu' is invalid");
  });
});

describe('bpstudio train: what training needs', () => {
  it('a graph without a Loss runs but is not trained: exit 1, the training diagnostics', async () => {
    for (const f of ['and-perceptron.json', 'or-perceptron.json', 'nand-perceptron.json']) {
      const r = await run(['train', ex(f)]);
      expect(r.code, f).toBe(1);
      expect(lines(r.err), f).toEqual([`error: ${ex(f)} cannot be trained:`, '  error: training needs a Loss node: connect the prediction and the Target to a Loss']);
      noStack(r);
    }
  });
  it('a graph without a dataset: the same, unless --dataset gives one', async () => {
    const r = await run(['train', ex('lesson-fan-out.json')]);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual([
      `error: ${ex('lesson-fan-out.json')} cannot be trained:`,
      '  error: training needs a Loss node: connect the prediction and the Target to a Loss',
      '  error: training needs a dataset: choose one in the Data tab (training.dataset), or give one with --dataset',
    ]);
    const withData = await run(['train', ex('perceptron-learning-or.json'), '--dataset', 'and', '--epochs', '1', '--json']);
    expect(withData.code).toBe(0);
    expect(lines(withData.out)).toHaveLength(1);
  });
});

describe('bpstudio eval and predict on a trained model', () => {
  let xor: string;
  let iris: string;
  beforeAll(async () => {
    xor = tmp('eval-xor.json');
    iris = tmp('eval-iris.json');
    expect((await run(['train', ex('xor-mlp.json'), '--json', '--out', xor])).code).toBe(0);
    expect((await run(['train', ex('iris-mlp.json'), '--epochs', '3', '--json', '--out', iris])).code).toBe(0);
  });

  it('eval: loss, accuracy and confusion matrix (the whole dataset when there is no test split)', async () => {
    const r = await run(['eval', xor]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('the whole dataset (the document has no test split), 4 samples');
    expect(r.out).toContain('accuracy  1.0000 (4 of 4)');
    expect(r.out).toContain('confusion matrix');
    const j = JSON.parse((await run(['eval', xor, '--json'])).out);
    expect(j).toMatchObject({ split: 'all', samples: 4, accuracy: 1, confusion: [[2, 0], [0, 2]], classNames: ['0', '1'] });
  });

  it('eval: the test split is recreated from the saved seed and split, and matches the last epoch', async () => {
    const saved = JSON.parse(readFileSync(iris, 'utf8'));
    const last = saved.history[saved.history.length - 1];
    const j = JSON.parse((await run(['eval', iris, '--json'])).out);
    expect(j.split).toBe('test');
    expect(j.samples).toBe(38);
    expect(j.accuracy).toBeCloseTo(last.testAccuracy, 10);
    expect(j.loss).toBeCloseTo(last.testLoss, 5);
    expect(j.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    const all = JSON.parse((await run(['eval', iris, '--dataset', 'iris', '--json'])).out);
    expect(all).toMatchObject({ split: 'dataset', samples: 150 });
    expect(all.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(150);
  });

  it('eval of a graph document uses its fixed weights (the AND perceptron is always right)', async () => {
    const j = JSON.parse((await run(['eval', ex('and-perceptron.json'), '--dataset', 'and', '--json'])).out);
    expect(j.accuracy).toBe(1);
  });

  it('predict: JSON in, classes and probabilities out (text, --json, --csv)', async () => {
    writeFileSync(tmp('xor-in.json'), JSON.stringify({ inputs: [[0, 0], [0, 1], [1, 0], [1, 1]] }));
    const j = JSON.parse((await run(['predict', xor, '--input', tmp('xor-in.json'), '--json'])).out);
    expect(j.task).toBe('classification');
    expect(j.predictions.map((p: { class: number }) => p.class)).toEqual([0, 1, 1, 0]);
    for (const p of j.predictions) {
      expect(p.output).toHaveLength(1);
      expect(p.probabilities[0] + p.probabilities[1]).toBeCloseTo(1, 6);
      expect(p.probabilities[p.class]).toBeGreaterThan(0.9);
    }
    const text = await run(['predict', xor, '--input', tmp('xor-in.json')]);
    expect(text.code).toBe(0);
    expect(lines(text.out)[0]).toMatch(/^# +output +class +probabilities \(0, 1\)/);
    const csv = lines((await run(['predict', xor, '--input', tmp('xor-in.json'), '--csv'])).out);
    expect(csv[0]).toBe('output_0,class,label,p_0,p_1');
    expect(csv.slice(1).map((l) => l.split(',')[1])).toEqual(['0', '1', '1', '0']);
  });

  it("predict: a perceptron's score gives its class and no probabilities, as the service does", async () => {
    writeFileSync(tmp('or-in.json'), JSON.stringify({ inputs: [[0, 0], [0, 1], [1, 0], [1, 1]] }));
    const j = JSON.parse((await run(['predict', ex('perceptron-learning-or.json'), '--input', tmp('or-in.json'), '--json'])).out);
    expect(j.task).toBe('classification');
    for (const p of j.predictions) {
      expect(p.probabilities).toBeNull();
      expect(p.class).toBe(p.output[0] > 0 ? 1 : 0);
    }
  });

  it('predict: CSV with a header, the saved normalisation, class names and softmax probabilities', async () => {
    writeFileSync(tmp('iris-in.csv'), 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n');
    const j = JSON.parse((await run(['predict', iris, '--input', tmp('iris-in.csv'), '--json'])).out);
    expect(j.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(j.predictions).toHaveLength(2);
    for (const p of j.predictions) {
      expect(p.output).toHaveLength(3);
      expect(p.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 6);
      expect(['setosa', 'versicolor', 'virginica']).toContain(p.label);
    }
    // logits, so the probabilities are their softmax
    const o = j.predictions[0].output as number[];
    const e = o.map((v) => Math.exp(v));
    expect(j.predictions[0].probabilities[0]).toBeCloseTo(e[0]! / (e[0]! + e[1]! + e[2]!), 6);
  });

  it('predict: bad input files get one line naming the problem', async () => {
    writeFileSync(tmp('bad-cols.csv'), '1,2,3\n4,5,6\n');
    let r = await run(['predict', xor, '--input', tmp('bad-cols.csv')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('rows have 3 columns, the model takes 2 features');
    writeFileSync(tmp('bad-cell.csv'), 'a,b\n0,1\n1,x\n');
    r = await run(['predict', xor, '--input', tmp('bad-cell.csv')]);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual(['error: bad-cell.csv row 3, column "b": "x" is not a number']);
    writeFileSync(tmp('flat.json'), '[0, 1]');
    r = await run(['predict', xor, '--input', tmp('flat.json')]);
    expect(r.err).toContain('to predict one sample write [[0,1]]');
    noStack(r);
  });
});

describe('bpstudio info', () => {
  it('every shipped example is a valid graph: exit 0, no errors, its real parameter counts', async () => {
    const files = readdirSync(join(root, 'assets/examples')).filter((f) => f.endsWith('.json') && !f.endsWith('.batch.json')).sort();
    expect(files.length).toBeGreaterThanOrEqual(16);
    // Trainable parameters: the perceptrons 2 weights + 1 bias; the XOR MLP 2·4+4 + 4·1+1.
    const expected: Record<string, number> = {
      'and-perceptron.json': 3, 'nand-perceptron.json': 3, 'or-perceptron.json': 3,
      'perceptron-learning-or.json': 3, 'perceptron-learning-xor.json': 3,
      'xor-mlp.json': 17, 'iris-mlp.json': 12003, 'fashion-mnist-mlp.json': 101770, 'keras-sequential.json': 33,
      'autograd-lesson.json': 0, 'lesson-add-multiply.json': 0, 'lesson-fan-out.json': 0, 'lesson-max-gate.json': 0,
      'lesson-sigmoid-neuron.json': 0, 'sigmoid-vanishing.json': 0, 'mse-lesson.json': 0,
    };
    for (const f of files) {
      const r = await run(['info', ex(f), '--json']);
      expect(r.code, `${f}: ${r.err}`).toBe(0);
      const j = JSON.parse(r.out) as { errors: number; trainableParams: number | null; diagnostics: { severity: string; level?: string }[] };
      expect(j.errors, f).toBe(0);
      expect(j.trainableParams, f).not.toBeNull();
      if (f in expected) expect(j.trainableParams, f).toBe(expected[f]);
      // whatever is not an error or warning is a note on training
      for (const d of j.diagnostics) if (d.severity === 'info') expect(d.level, f).toBe('train');
    }
  });

  it('a forward-only graph (the AND perceptron): its parameter counts, and "needs a Loss" as a note on training', async () => {
    const r = await run(['info', ex('and-perceptron.json')]);
    expect(r.code).toBe(0);
    const l = lines(r.out);
    expect(l.find((x) => x.startsWith('perceptron '))).toMatch(/Linear +N×1 +3$/);
    expect(r.out).toContain('Total params: 3');
    expect(l.slice(-2)).toEqual([
      '0 errors, 0 warnings; 1 note on training',
      'note: training needs a Loss node: connect the prediction and the Target to a Loss',
    ]);
    const j = JSON.parse((await run(['info', ex('and-perceptron.json'), '--json'])).out);
    expect(j).toMatchObject({ errors: 0, warnings: 0, notes: 1, totalParams: 3 });
    expect(j.diagnostics).toEqual([{ severity: 'info', code: 'no-loss', message: 'training needs a Loss node: connect the prediction and the Target to a Loss', level: 'train' }]);
  });

  it('a Keras-like table: symbolic output shapes and parameter counts (the Iris MLP)', async () => {
    const r = await run(['info', ex('iris-mlp.json')]);
    expect(r.code).toBe(0);
    const l = lines(r.out);
    expect(l[0]).toBe('Model: "Iris MLP with BatchNorm"  (dataset: iris)');
    expect(l[1]).toMatch(/^Node \(id\) +Type +Output shape +Param #$/);
    expect(l.find((x) => x.startsWith('x '))).toMatch(/Input +N×4 +0$/);
    expect(l.find((x) => x.startsWith('l1 '))).toMatch(/Linear +N×128 +640$/);
    expect(l.find((x) => x.startsWith('bn1 '))).toMatch(/BatchNorm1d +N×128 +256 \(\+256\)$/);
    expect(l.find((x) => x.startsWith('l5 '))).toMatch(/Linear +N×3 +51$/);
    expect(r.out).toContain('Total params: 12,451');
    expect(r.out).toContain('Trainable params: 12,003');
    expect(r.out).toContain('Non-trainable params: 448');
    expect(r.out).toContain('0 errors, 0 warnings');
    const j = JSON.parse((await run(['info', ex('iris-mlp.json'), '--json'])).out);
    expect(j.trainableParams).toBe(12003);
    expect(j.nodes.find((n: { id: string }) => n.id === 'l2')).toMatchObject({ type: 'Linear', outputShapes: { out: 'N×64' }, params: 8256 });
  });

  it('lesson graphs: concrete shapes and no parameters', async () => {
    const r = await run(['info', ex('autograd-lesson.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/z = y³ \(z\) +Power \(\^3\) +2×2 +0/);
    expect(r.out).toContain('Total params: 0');
    expect(r.out).toContain('0 errors, 0 warnings; 2 notes on training');
    expect(r.out).toContain('note: training needs a dataset: choose one in the Data tab (training.dataset), or give one with --dataset');
  });

  it('a graph with errors: the table, the diagnostics, exit 1', async () => {
    const doc = JSON.parse(readFileSync(ex('xor-mlp.json'), 'utf8'));
    doc.nodes.find((n: { id: string }) => n.id === 'hidden').params.inFeatures = 3;
    writeFileSync(tmp('shape-error.json'), JSON.stringify(doc));
    const r = await run(['info', tmp('shape-error.json')]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('Total params: unknown (the graph has errors)');
    expect(r.out).toContain('1 error, 0 warnings');
    expect(r.out).toContain('error: Linear "hidden": input has 2 features but in_features is 3');
    const t = await run(['train', tmp('shape-error.json')]);
    expect(t.code).toBe(1);
    expect(lines(t.err)).toEqual(['error: the graph has 1 error:', '  error: Linear "hidden": input has 2 features but in_features is 3']);
  });
});

describe('--data-dir and BPSTUDIO_DATA_DIR: where dataset files are', () => {
  it('train, eval and info read Fashion-MNIST from the folder given (relative to the working directory)', async () => {
    // A tiny Fashion-MNIST-shaped dataset: 3 training and 2 test images.
    writeSmallFashionMnist(join(dir, 'my-data', 'fashion-mnist'), [0, 1, 2], [3, 4], { gzip: true });
    const empty = { BPSTUDIO_USER_DATA_DIR: tmp('no-user-data') };
    const t = await run(['train', ex('fashion-mnist-mlp.json'), '--data-dir', 'my-data', '--epochs', '1', '--backend', 'ts', '--out', tmp('fm.json')], { cwd: dir, env: empty });
    expect(t.code).toBe(0);
    expect(lines(t.out)[0]).toMatch(/^training "Fashion-MNIST MLP.*" on fashion-mnist: 3 training \/ 2 test samples; 1 epochs × 1 batch of 32;/);
    const e = JSON.parse((await run(['eval', tmp('fm.json'), '--json'], { env: { ...empty, BPSTUDIO_DATA_DIR: join(dir, 'my-data') } })).out);
    expect(e).toMatchObject({ split: 'test', samples: 2 });
    const i = JSON.parse((await run(['info', ex('fashion-mnist-mlp.json'), '--data-dir', join(dir, 'my-data', 'fashion-mnist'), '--json'], { env: empty })).out);
    expect(i).toMatchObject({ dataset: 'fashion-mnist-train', trainableParams: 101770, errors: 0 });
  });

  it('every command that reads data takes --data-dir', async () => {
    for (const c of ['train', 'eval', 'predict', 'info', 'grad']) {
      const r = await run([c, '--help']);
      expect(r.out, c).toContain('--data-dir <dir>');
    }
  });
});

describe('bpstudio grad', () => {
  it('the autograd lesson: 6.75 on the edge leaving x, 0.25 on the edge leaving z', async () => {
    const r = await run(['grad', ex('autograd-lesson.json'), '--batch', ex('autograd-lesson.batch.json')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('objective = 27');
    const l = lines(r.out);
    expect(l.find((x) => x.startsWith('x-out->y-a '))).toMatch(/x:out → y:a +2×2 +\[\[1, 1\], \[1, 1\]\] +\[\[6\.75, 6\.75\], \[6\.75, 6\.75\]\]$/);
    expect(l.find((x) => x.startsWith('two-out->y-b '))).toContain('— (no gradient)');
    expect(l.find((x) => x.startsWith('z-out->out-in '))).toMatch(/\[\[0\.25, 0\.25\], \[0\.25, 0\.25\]\]$/);
    expect(r.out).toContain('parameters: none');

    const j = JSON.parse((await run(['grad', ex('autograd-lesson.json'), '--batch', ex('autograd-lesson.batch.json'), '--json'])).out);
    expect(j.objective).toEqual({ value: 27, nodeId: 'result', kind: 'output' });
    expect(j.edges.map((e: { id: string }) => e.id)).toEqual(['x-out->y-a', 'two-out->y-b', 'y-out->z-in', 'z-out->out-in', 'out-out->result-in']);
    expect(j.edges[0]).toMatchObject({ source: 'x', sourcePort: 'out', target: 'y', targetPort: 'a', value: { shape: [2, 2], data: [1, 1, 1, 1] }, grad: { shape: [2, 2], data: [6.75, 6.75, 6.75, 6.75] } });
    expect(j.edges[1].grad).toBeNull();
    expect(j.edges[4].grad.data).toEqual([1]);
    expect(j.inputs).toEqual([{ nodeId: 'x', value: { shape: [2, 2], data: [1, 1, 1, 1] }, grad: { shape: [2, 2], data: [6.75, 6.75, 6.75, 6.75] } }]);
  });

  it('without --batch: the values the document gives its Inputs (every lesson graph)', async () => {
    const withBatch = JSON.parse((await run(['grad', ex('autograd-lesson.json'), '--batch', ex('autograd-lesson.batch.json'), '--json'])).out);
    const r = await run(['grad', ex('autograd-lesson.json'), '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toEqual(withBatch);
    expect(j.edges[0].grad.data).toEqual([6.75, 6.75, 6.75, 6.75]);
    const objectives: Record<string, number> = {};
    for (const f of ['lesson-add-multiply.json', 'lesson-fan-out.json', 'lesson-max-gate.json', 'lesson-sigmoid-neuron.json', 'sigmoid-vanishing.json']) {
      const g = await run(['grad', ex(f), '--json']);
      expect(g.code, `${f}: ${g.err}`).toBe(0);
      objectives[f] = JSON.parse(g.out).objective.value;
    }
    expect(objectives['lesson-fan-out.json']).toBe(15);
    expect(objectives['lesson-add-multiply.json']).toBe(-12);
    expect(objectives['lesson-max-gate.json']).toBe(12);
    expect(objectives['lesson-sigmoid-neuron.json']).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(objectives['sigmoid-vanishing.json']).toBeCloseTo(1 / (1 + Math.exp(-10)), 6);
  });

  it('without --batch, Inputs without a value are named, with the batch that would feed them (exit 2)', async () => {
    const r = await run(['grad', ex('mse-lesson.json')]);
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([
      'error: give --batch BATCH.json: Input "o (output)" (id o), Input "y (target)" (id y) have no value in the document; BATCH.json: { "inputs": { "o": …, "y": … } } (or "features" for every Input)',
    ]);
    const p = await run(['grad', ex('and-perceptron.json')]);
    expect(p.code).toBe(2);
    expect(lines(p.err)).toEqual(['error: give --batch BATCH.json: Input "x" has no value in the document; BATCH.json: { "inputs": { "x": … } } (or "features" for every Input)']);
  });

  it('the sigmoid at x = 10: the vanishing gradient ≈ 4.54e-5', async () => {
    const j = JSON.parse((await run(['grad', ex('sigmoid-vanishing.json'), '--batch', ex('sigmoid-vanishing.batch.json'), '--json'])).out);
    const g = j.edges.find((e: { source: string }) => e.source === 'x').grad.data[0];
    expect(g).toBeCloseTo(4.5396e-5, 7);
    const r = await run(['grad', ex('sigmoid-vanishing.json'), '--batch', ex('sigmoid-vanishing.batch.json')]);
    expect(r.out).toMatch(/x-out->sigma-in +x:out → sigma:in +scalar +10 +4\.54\de-5/);
  });

  it('fan-out: each edge carries its own branch of the gradient; the input sums them', async () => {
    writeFileSync(tmp('empty-batch.json'), '{"inputs": {}}');
    const j = JSON.parse((await run(['grad', ex('lesson-fan-out.json'), '--batch', tmp('empty-batch.json'), '--json'])).out);
    const fromX = j.edges.filter((e: { source: string }) => e.source === 'x').map((e: { grad: { data: number[] } }) => e.grad.data[0]).sort();
    expect(fromX).toEqual([2, 3, 3]);
    expect(j.inputs[0].grad.data).toEqual([8]);
  });

  it('a network with a loss: features and targets; every parameter gets a gradient', async () => {
    writeFileSync(tmp('xor-batch.json'), JSON.stringify({ features: [[0, 0], [0, 1], [1, 0], [1, 1]], targets: [0, 1, 1, 0] }));
    const j = JSON.parse((await run(['grad', ex('xor-mlp.json'), '--batch', tmp('xor-batch.json'), '--json'])).out);
    expect(j.objective.kind).toBe('loss');
    expect(j.parameters.map((p: { nodeId: string; name: string }) => `${p.nodeId}.${p.name}`)).toEqual(['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']);
    for (const p of j.parameters) expect(p.grad.shape).toEqual(p.value.shape);
    expect(j.edges.find((e: { id: string }) => e.id === 'x-out->hidden-in').grad.shape).toEqual([4, 2]);
    const text = await run(['grad', ex('xor-mlp.json'), '--batch', tmp('xor-batch.json')]);
    expect(text.out).toMatch(/hidden\.weight +4×2 /);
  });

  it('batch problems: missing targets, unknown input, wrong shape', async () => {
    writeFileSync(tmp('no-targets.json'), JSON.stringify({ features: [[0, 0]] }));
    let r = await run(['grad', ex('xor-mlp.json'), '--batch', tmp('no-targets.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the Loss needs targets');
    writeFileSync(tmp('unknown-input.json'), JSON.stringify({ inputs: { q: 1 } }));
    r = await run(['grad', ex('autograd-lesson.json'), '--batch', tmp('unknown-input.json')]);
    expect(r.err).toContain('inputs.q: the graph has no Input or Target node "q"; it has x');
    writeFileSync(tmp('wrong-shape.json'), JSON.stringify({ inputs: { x: [[1, 2, 3]] } }));
    r = await run(['grad', ex('autograd-lesson.json'), '--batch', tmp('wrong-shape.json')]);
    expect(lines(r.err)).toEqual([`error: ${tmp('wrong-shape.json')}: inputs.x: has shape [1, 3], Input "x" expects 2×2`]);
    writeFileSync(tmp('ragged.json'), JSON.stringify({ inputs: { x: [[1, 1], [1]] } }));
    r = await run(['grad', ex('autograd-lesson.json'), '--batch', tmp('ragged.json')]);
    expect(r.err).toContain('inputs.x[1]: has 1 elements, expected 2');
    noStack(r);
  });
});

describe('errors: one line, a non-zero exit, never a stack trace', () => {
  it('a missing file', async () => {
    const r = await run(['info', 'no-such-graph.json']);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toEqual(['error: no-such-graph.json: file not found']);
  });
  it('invalid JSON', async () => {
    writeFileSync(tmp('broken.json'), '{ "formatVersion": 2, ');
    const r = await run(['train', tmp('broken.json')]);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(/^error: .*broken\.json: not valid JSON: /);
  });
  it('an invalid document: every problem with its JSON path', async () => {
    writeFileSync(tmp('invalid-doc.json'), JSON.stringify({ formatVersion: 2, nodes: [{ id: 'a' }], edges: [{ id: 'e', source: 'a' }] }));
    const r = await run(['info', tmp('invalid-doc.json')]);
    expect(r.code).toBe(1);
    const l = lines(r.err);
    expect(l[0]).toBe(`error: ${tmp('invalid-doc.json')}: not a valid graph document (2 problems)`);
    expect(l.slice(1)).toEqual([expect.stringMatching(/^ {2}nodes\[0\]\.type: /), expect.stringMatching(/^ {2}edges\[0\]\.target: /)]);
  });
  it('a newer format version', async () => {
    writeFileSync(tmp('future.json'), JSON.stringify({ formatVersion: 99, nodes: [] }));
    const r = await run(['info', tmp('future.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('formatVersion: this document has formatVersion 99, newer than this version');
  });
  it('an unknown option, an unknown command, a bad value, a missing option: usage errors (exit 2)', async () => {
    let r = await run(['train', ex('xor-mlp.json'), '--bogus']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: unknown option '--bogus'");
    r = await run(['fly']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("error: unknown command 'fly'");
    r = await run(['train', ex('xor-mlp.json'), '--epochs', '0']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--epochs must be a positive integer');
    r = await run(['grad', ex('xor-mlp.json')]);
    expect(r.code).toBe(2);
    expect(lines(r.err)).toEqual([
      'error: give --batch BATCH.json: Input "x" has no value in the document and Target "y" needs targets; BATCH.json: { "inputs": { "x": … }, "targets": … } (or "features" for every Input)',
    ]);
    r = await run([]);
    expect(r.code).toBe(2);
  });
  it('an unknown dataset', async () => {
    const r = await run(['train', ex('xor-mlp.json'), '--dataset', 'no-such-data']);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toContain('dataset "no-such-data" is neither a built-in dataset');
  });
  it('a bad CSV dataset names the row and column', async () => {
    writeFileSync(tmp('bad-data.csv'), 'a,b,label\n0,1,x\n1,oops,y\n');
    const r = await run(['train', ex('xor-mlp.json'), '--dataset', tmp('bad-data.csv')]);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toMatch(/bad-data\.csv row 3, column "b"/);
  });
  it('eval without a dataset to evaluate on', async () => {
    const r = await run(['eval', ex('autograd-lesson.json')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('no dataset');
  });
  it('serve without a built app', async () => {
    const r = await run(['serve', '--renderer', tmp('nowhere')]);
    expect(r.code).toBe(1);
    expect(lines(r.err)).toHaveLength(1);
    expect(r.err).toContain('the app is not built');
  });
  it('BPSTUDIO_DEBUG=1 adds the stack', async () => {
    const r = await run(['info', 'no-such-graph.json'], { env: { BPSTUDIO_DEBUG: '1' } });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\n\s+at /);
  });
});

describe('number formatting', () => {
  it('4 significant digits', () => {
    expect([6.75, 27, 0.25, 4.5396e-5, 0.012345, 1234567, -0.5, 0, NaN, Infinity].map((v) => fmt(v))).toEqual([
      '6.75', '27', '0.25', '4.54e-5', '0.01235', '1.235e+6', '-0.5', '0', 'NaN', 'Inf',
    ]);
  });
});

describe('bpstudio export / import', () => {
  it('exports an example to ONNX and imports it back', async () => {
    const { mkdtempSync, existsSync, readFileSync: rf } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { runCli } = await import('./main');
    const dir = mkdtempSync(join(tmpdir(), 'bpstudio-onnx-'));
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: (s: string) => void out.push(s), stderr: (s: string) => void err.push(s), cwd: dir };
    const example = new URL('../../assets/examples/xor-mlp.json', import.meta.url).pathname;
    expect(await runCli(['export', example, '-o', 'xor.onnx'], io)).toBe(0);
    expect(out.join('')).toMatch(/^wrote xor\.onnx \(\d+ bytes, ONNX opset 17\): inputs x \[N×2\]/);
    expect(await runCli(['import', 'xor.onnx', '-o', 'xor.graph.json'], io)).toBe(0);
    expect(existsSync(join(dir, 'xor.graph.json'))).toBe(true);
    expect(JSON.parse(rf(join(dir, 'xor.graph.json'), 'utf8')).formatVersion).toBe(CURRENT_FORMAT_VERSION);
    err.length = 0;
    expect(await runCli(['import', example, '-o', 'bad.json'], io)).toBe(1);
    expect(err.join('')).toMatch(/^error: .*not .*ONNX/i);
  });
});
