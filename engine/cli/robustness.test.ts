/**
 * Issue 11: nothing a user feeds the CLI crashes it, loses data or gives a silently wrong answer —
 * non-finite weights, wrong problems, class sets that do not match, values beyond float32,
 * empty datasets, invalid documents, damaged trained-model files. One error line each, naming
 * what and where.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ex = (name: string): string => join(root, 'assets/examples', name);

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), cwd: root, env: {} };
  const code = await runCli(args, io);
  return { code, out, err };
}
const oneLine = (r: Run): string => {
  expect(r.err).not.toMatch(/\n\s+at /);
  return r.err.trim().split('\n')[0]!;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bpstudio-robust-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tmp = (name: string): string => join(dir, name);

describe('non-finite weights (item 2)', () => {
  it('--lr 1e39 is refused up front as an invalid optimizer setting, and nothing is written', async () => {
    const r = await run(['train', ex('xor-mlp.json'), '--epochs', '1', '--lr', '1e39', '--backend', 'ts', '--out', tmp('x.json')]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('error: invalid optimizer setting: adam lr 1e+39 overflows float32 (the largest float32 is 3.4028235e+38)');
    expect(existsSync(tmp('x.json'))).toBe(false);
  });
});

/** Three well-separated classes in two features, as CSV rows (setosa near (0,0), versicolor (3,0), virginica (0,3)). */
function threeClassRows(keep: (name: string) => boolean = () => true, rename: (name: string) => string = (n) => n): string {
  const centers: [string, number, number][] = [['setosa', 0, 0], ['versicolor', 3, 0], ['virginica', 0, 3]];
  const rows: string[] = ['a,b,species'];
  for (const [name, cx, cy] of centers) {
    if (!keep(name)) continue;
    for (let i = 0; i < 12; i++) rows.push(`${cx + ((i % 4) - 1.5) * 0.2},${cy + (Math.floor(i / 4) - 1) * 0.2},${rename(name)}`);
  }
  return `${rows.join('\n')}\n`;
}

const classifierDoc = (dataset: string, outputs = 3): unknown => ({
  formatVersion: 2,
  name: 'three classes',
  nodes: [
    { id: 'x', type: 'Input', params: { shape: [2] } },
    { id: 'lin', type: 'Linear', label: 'logits', params: { inFeatures: 2, outFeatures: outputs } },
    { id: 'y', type: 'Target', params: { encoding: 'index' } },
    { id: 'loss', type: 'Loss', label: 'CE', params: { fn: 'crossEntropy' } },
  ],
  edges: [
    { id: 'e1', source: 'x', target: 'lin' },
    { id: 'e2', source: 'lin', target: 'loss', targetPort: 'prediction' },
    { id: 'e3', source: 'y', target: 'loss', targetPort: 'target' },
  ],
  training: { dataset: { name: dataset }, split: { test: 0 }, epochs: 40, batchSize: 8, optimizer: { type: 'adam', lr: 0.05 }, seed: 1 },
});

describe('wrong problems are refused (item 3)', () => {
  it('the XOR graph (BCE, one output) on a 4-class CSV: the Loss, the dataset and its classes named', async () => {
    writeFileSync(tmp('four.csv'), 'a,b,label\n0,0,0\n0,1,1\n1,0,2\n1,1,3\n0.5,0.5,1\n0.2,0.9,2\n0.9,0.1,3\n0.1,0.1,0\n');
    const r = await run(['train', ex('xor-mlp.json'), '--dataset', tmp('four.csv'), '--epochs', '3', '--backend', 'ts', '--out', tmp('four.json')]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe(
      'error: Loss "BCE" (binary cross-entropy) needs targets 0 and 1 (two classes, or one output per class with one-hot targets), ' +
        'but dataset "four" has 4 classes (0, 1, 2, 3); for 4 classes give the model 4 outputs and use cross-entropy',
    );
    expect(existsSync(tmp('four.json'))).toBe(false);
  });

  it('BCE on regression targets outside [0, 1] names the value and the sample', async () => {
    writeFileSync(tmp('reg.csv'), 'a,b,y\n0,0,0.5\n0,1,0.25\n1,0,3.5\n1,1,0.125\n0.5,0.5,0.3\n');
    const r = await run(['train', ex('xor-mlp.json'), '--dataset', tmp('reg.csv'), '--epochs', '1', '--backend', 'ts']);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('error: Loss "BCE" (binary cross-entropy) needs targets in [0, 1], but dataset "reg" has 3.5 (sample 3)');
  });

  it('a 0-sample IDX dataset is refused before training (not loss NaN, exit 0)', async () => {
    const images = Buffer.alloc(16);
    images.writeUInt32BE(0x803, 0);
    images.writeUInt32BE(0, 4);
    images.writeUInt32BE(2, 8);
    images.writeUInt32BE(1, 12);
    const labels = Buffer.alloc(8);
    labels.writeUInt32BE(0x801, 0);
    writeFileSync(tmp('e-images.idx'), images);
    writeFileSync(tmp('e-labels.idx'), labels);
    const doc = {
      formatVersion: 2, name: 'empty',
      nodes: [
        { id: 'x', type: 'Input', params: { shape: [2, 1] } }, { id: 'f', type: 'Flatten', params: {} },
        { id: 'lin', type: 'Linear', params: { inFeatures: 2, outFeatures: 10 } },
        { id: 'y', type: 'Target', params: { encoding: 'index' } }, { id: 'loss', type: 'Loss', params: { fn: 'crossEntropy' } },
      ],
      edges: [
        { id: 'e0', source: 'x', target: 'f' }, { id: 'e1', source: 'f', target: 'lin' },
        { id: 'e2', source: 'lin', target: 'loss', targetPort: 'prediction' }, { id: 'e3', source: 'y', target: 'loss', targetPort: 'target' },
      ],
      training: { dataset: { name: 'e-images.idx', params: { labels: 'e-labels.idx' } }, split: { test: 0 }, epochs: 1, batchSize: 8 },
    };
    writeFileSync(tmp('empty.json'), JSON.stringify(doc));
    const r = await run(['train', tmp('empty.json'), '--backend', 'ts', '--out', tmp('e.json')]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('error: dataset "e-images.idx" has no samples');
    expect(existsSync(tmp('e.json'))).toBe(false);
  });
});

describe('eval maps classes by name (item 3)', () => {
  beforeAll(async () => {
    writeFileSync(tmp('three.csv'), threeClassRows());
    writeFileSync(tmp('cls3.json'), JSON.stringify(classifierDoc('three.csv')));
    const r = await run(['train', tmp('cls3.json'), '--backend', 'ts', '--out', tmp('cls3.trained.json')]);
    expect(r.code).toBe(0);
  });

  it('a CSV without one of the classes keeps the model\'s numbering and class names', async () => {
    writeFileSync(tmp('two.csv'), threeClassRows((n) => n !== 'setosa'));
    const r = await run(['eval', tmp('cls3.trained.json'), '--dataset', tmp('two.csv'), '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out) as { accuracy: number; classNames: string[]; confusion: number[][] };
    expect(rep.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(rep.accuracy).toBe(1);
    expect(rep.confusion).toEqual([[0, 0, 0], [0, 12, 0], [0, 0, 12]]);
  });

  it('a class the model was not trained on is refused by name', async () => {
    writeFileSync(tmp('alien.csv'), threeClassRows(() => true, (n) => (n === 'setosa' ? 'dog' : n)));
    const r = await run(['eval', tmp('cls3.trained.json'), '--dataset', tmp('alien.csv')]);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('error: dataset "alien" has class "dog" that the model was not trained on (its 3 classes, from three: setosa, versicolor, virginica)');
  });

  it('predict refuses values beyond float32, naming the sample/row and the feature/column', async () => {
    writeFileSync(tmp('p.json'), '[[1e39, 0], [-1e39, 0]]');
    const j = await run(['predict', tmp('cls3.trained.json'), '--input', tmp('p.json')]);
    expect(j.code).toBe(1);
    expect(oneLine(j)).toMatch(/^error: .*p\.json: sample 0, feature 0: 1e\+39 is not a finite 32-bit float \(the model computes in float32\)$/);
    writeFileSync(tmp('p.csv'), 'a,b\n0,1\n3,-1e39\n');
    const c = await run(['predict', tmp('cls3.trained.json'), '--input', tmp('p.csv')]);
    expect(c.code).toBe(1);
    expect(oneLine(c)).toBe('error: p.csv row 3, column "b": -1e39 is too large for a 32-bit float');
    writeFileSync(tmp('ok.json'), '[[3.4e38, 0]]');
    expect((await run(['predict', tmp('cls3.trained.json'), '--input', tmp('ok.json')])).code).toBe(0);
  });

  it('trained-model files whose metadata contradicts itself are refused, naming the field', async () => {
    const good = JSON.parse(readFileSync(tmp('cls3.trained.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    const cases: [string, (m: typeof good) => void, string][] = [
      ['numClasses 0', (m) => void (m['dataset']!['numClasses'] = 0), 'dataset.numClasses: a classification model has at least 1 class, got 0'],
      ['numClasses -2', (m) => void (m['dataset']!['numClasses'] = -2), 'dataset.numClasses: a classification model has at least 1 class, got -2'],
      ['too few class names', (m) => void (m['dataset']!['classNames'] = ['setosa']), 'dataset.classNames: 1 name for 3 classes'],
      ['Adam step -5', (m) => void (m['optimizer']!['step'] = -5), 'optimizer.step: must be a non-negative integer, got -5'],
      ['Adam step 1.5', (m) => void (m['optimizer']!['step'] = 1.5), 'optimizer.step: must be a non-negative integer, got 1.5'],
      ['a weight short of its shape', (m) => void ((m['weights']!['lin'] as Record<string, { data: number[] }>)['weight']!.data.pop()), 'weights.lin.weight: shape [3, 2] needs 6 values, got 5'],
      ['epochs out of order', (m) => void ((m['history'] as unknown as { epoch: number }[])[1]!.epoch = 7), 'history[1].epoch: expected 2 (epochs are numbered from 1 in order), got 7'],
    ];
    for (const [name, damage, message] of cases) {
      const m = JSON.parse(JSON.stringify(good)) as typeof good;
      damage(m);
      writeFileSync(tmp('bad.json'), JSON.stringify(m));
      const r = await run(['eval', tmp('bad.json')]);
      expect(r.code, name).toBe(1);
      expect(oneLine(r), name).toBe(`error: not a valid trained-model file: ${tmp('bad.json')}: ${message}`);
    }
  });
});

describe('CSV values and labels beyond float32 (item 3)', () => {
  it('a label of 1e39 is refused with its row and column, not read as Infinity', async () => {
    writeFileSync(tmp('big.csv'), 'a,b,label\n0,0,0\n0,1,1e39\n');
    const r = await run(['train', ex('xor-mlp.json'), '--dataset', tmp('big.csv'), '--epochs', '1', '--backend', 'ts']);
    expect(r.code).toBe(1);
    expect(oneLine(r)).toBe('error: big.csv row 3, column "label": 1e39 is too large for a 32-bit float');
    writeFileSync(tmp('bigr.csv'), 'a,b,y\n0,0,0.5\n0,1,-1e39\n1,1,0.25\n1,0,0.125\n0,0,0.3\n');
    const g = await run(['train', ex('xor-mlp.json'), '--dataset', tmp('bigr.csv'), '--epochs', '1', '--backend', 'ts']);
    expect(oneLine(g)).toBe('error: bigr.csv row 3, column "y": -1e39 is too large for a 32-bit float');
  });
});

describe('export validates the whole document first (item 3)', () => {
  it('a dangling edge that info reports is refused with the diagnostics, and nothing is written', async () => {
    const doc = JSON.parse(readFileSync(ex('xor-mlp.json'), 'utf8')) as { edges: unknown[] };
    doc.edges.push({ id: 'ghost', source: 'nowhere', sourcePort: 'out', target: 'hidden', targetPort: 'in' });
    writeFileSync(tmp('dangling.json'), JSON.stringify(doc));
    const info = await run(['info', tmp('dangling.json')]);
    expect(info.code).toBe(1);
    const r = await run(['export', tmp('dangling.json'), '-o', tmp('d.onnx')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: cannot export "XOR with a hidden layer" to ONNX: the graph has 1 error:\n  error: edge "ghost" connects missing node "nowhere" to "hidden"\n');
    expect(existsSync(tmp('d.onnx'))).toBe(false);
    expect((await run(['export', ex('xor-mlp.json'), '-o', tmp('xor.onnx')])).code).toBe(0);
  });
});
