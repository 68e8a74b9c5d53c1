/**
 * Reading graph documents: JSON paths for schema problems, invalid JSON, version checks,
 * migration from formatVersion 1, defaults, unique ids. parseDocument never throws.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CURRENT_FORMAT_VERSION, formatPath, parseDocument, type ParseResult } from './document';

function issuesOf(r: ParseResult): { path: string; message: string }[] {
  expect(r.ok).toBe(false);
  return r.ok ? [] : r.issues;
}

describe('parseDocument', () => {
  it('the current format version is 3', () => {
    expect(CURRENT_FORMAT_VERSION).toBe(3);
  });

  it('reads a minimal document and fills in defaults', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [{ id: 'x', type: 'Input' }], edges: [{ id: 'e', source: 'x', target: 'y' }] });
    expect(r).toEqual({
      ok: true,
      document: {
        formatVersion: 3,
        name: 'Untitled',
        nodes: [{ id: 'x', type: 'Input', params: {}, position: { x: 0, y: 0 } }],
        edges: [{ id: 'e', source: 'x', sourcePort: 'out', target: 'y', targetPort: 'in' }],
      },
    });
  });

  it('accepts JSON text as well as a value', () => {
    const text = JSON.stringify({ formatVersion: 3, name: 'n', nodes: [] });
    const r = parseDocument(text);
    expect(r.ok && r.document.name).toBe('n');
    expect(r.ok && r.document.edges).toEqual([]);
  });

  it('keeps a lesson\'s Predict first setting, and refuses one that is not a boolean', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [], lesson: { predictFirst: true } });
    expect(r.ok && r.document.lesson).toEqual({ predictFirst: true });
    expect(issuesOf(parseDocument({ formatVersion: 3, nodes: [], lesson: { predictFirst: 'yes' } }))[0]!.path).toBe('lesson.predictFirst');
  });

    it('fills every training default', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [], training: {} });
    expect(r.ok && r.document.training).toEqual({
      optimizer: { type: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
      batchSize: 32,
      // epochs and split.test are left to follow the data (engine/train/defaults.ts)
      seed: 0,
      split: { validation: 0, stratify: true },
      normalize: 'none',
      shuffle: true,
      dropLast: false,
    });
  });

  it('fills the optimizer defaults of each type', () => {
    const adam = parseDocument({ formatVersion: 3, nodes: [], training: { optimizer: { type: 'adam' } } });
    expect(adam.ok && adam.document.training?.optimizer).toEqual({ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
    const sgd = parseDocument({ formatVersion: 3, nodes: [], training: { optimizer: { type: 'sgd', lr: 0.1 } } });
    expect(sgd.ok && sgd.document.training?.optimizer).toEqual({ type: 'sgd', lr: 0.1, momentum: 0, weightDecay: 0, nesterov: false });
    const ds = parseDocument({ formatVersion: 3, nodes: [], training: { dataset: { name: 'xor' } } });
    expect(ds.ok && ds.document.training?.dataset).toEqual({ name: 'xor', params: {} });
  });

  it('reports the JSON path of a problem: nodes[1].position.x', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [{ id: 'a', type: 'Input' }, { id: 'b', type: 'Linear', position: { x: 'left', y: 0 } }] });
    expect(issuesOf(r)).toEqual([{ path: 'nodes[1].position.x', message: 'Invalid input: expected number, received string' }]);
  });

  it('reports every problem, each with its path', () => {
    const r = parseDocument({
      formatVersion: 3,
      nodes: [{ id: '', type: 'Input' }, { type: 'Output' }, { id: 'c', type: 'Constant', position: { x: Infinity, y: 0 } }],
      edges: [{ id: 'e', source: 'a' }],
      training: { optimizer: { type: 'rmsprop', lr: 1 }, batchSize: 0, epochs: 2.5, split: { test: 1 }, normalize: 'zscore' },
    });
    expect(issuesOf(r)).toEqual([
      { path: 'nodes[0].id', message: 'node id must not be empty' },
      { path: 'nodes[1].id', message: 'Invalid input: expected string, received undefined' },
      { path: 'nodes[2].position.x', message: 'Invalid input: expected number, received Infinity' },
      { path: 'edges[0].target', message: 'Invalid input: expected string, received undefined' },
      { path: 'training.optimizer.type', message: "Invalid discriminator value. Expected 'sgd' | 'adam' | 'adamw'" },
      { path: 'training.batchSize', message: 'Too small: expected number to be >0' },
      { path: 'training.epochs', message: 'Invalid input: expected int, received number' },
      { path: 'training.split.test', message: 'Too big: expected number to be <1' },
      { path: 'training.normalize', message: 'Invalid option: expected one of "none"|"standardize"|"minmax"|"scale255"' },
    ]);
  });

  it('checks stored weights', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [{ id: 'h', type: 'Linear', weights: { weight: { shape: [2, -1], data: [1, 'x'] } } }] });
    expect(issuesOf(r).map((i) => i.path)).toEqual(['nodes[0].weights.weight.shape[1]', 'nodes[0].weights.weight.data[1]']);
  });

  it('invalid JSON', () => {
    const r = parseDocument('{"formatVersion": 2, "nodes": [');
    const issues = issuesOf(r);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('');
    expect(issues[0]!.message).toMatch(/^not valid JSON: /);
  });

  it('not an object', () => {
    for (const v of ['[]', '42', 'null', '"doc"', [], null, 3]) {
      expect(issuesOf(parseDocument(v))).toEqual([{ path: '', message: 'a graph document must be a JSON object with formatVersion, nodes and edges' }]);
    }
  });

  it('a missing or malformed formatVersion', () => {
    expect(issuesOf(parseDocument({ nodes: [] }))).toEqual([{ path: 'formatVersion', message: 'formatVersion must be a positive integer, got undefined' }]);
    expect(issuesOf(parseDocument({ formatVersion: '2', nodes: [] }))).toEqual([{ path: 'formatVersion', message: 'formatVersion must be a positive integer, got "2"' }]);
    expect(issuesOf(parseDocument({ formatVersion: 1.5, nodes: [] }))).toEqual([{ path: 'formatVersion', message: 'formatVersion must be a positive integer, got 1.5' }]);
    expect(issuesOf(parseDocument({ formatVersion: 0, nodes: [] }))).toEqual([{ path: 'formatVersion', message: 'formatVersion must be a positive integer, got 0' }]);
  });

  it('refuses a newer formatVersion with a clear message', () => {
    expect(issuesOf(parseDocument({ formatVersion: 4, nodes: [] }))).toEqual([
      {
        path: 'formatVersion',
        message: 'this document has formatVersion 4, newer than this version of Backprop Studio understands (3); update the app to open it',
      },
    ]);
  });

  it('duplicate node ids, with the path of the second and the index of the first', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [{ id: 'a', type: 'Input' }, { id: 'b', type: 'Output' }, { id: 'a', type: 'Output' }] });
    expect(issuesOf(r)).toEqual([{ path: 'nodes[2].id', message: 'duplicate node id "a" (also nodes[0])' }]);
  });

  it('duplicate edge ids', () => {
    const r = parseDocument({
      formatVersion: 3,
      nodes: [],
      edges: [
        { id: 'e', source: 'a', target: 'b' },
        { id: 'e', source: 'b', target: 'c' },
      ],
    });
    expect(issuesOf(r)).toEqual([{ path: 'edges[1].id', message: 'duplicate edge id "e"' }]);
  });

  it('never throws', () => {
    const inputs: unknown[] = [undefined, '', '{', '{}', { formatVersion: 3 }, { formatVersion: 3, nodes: {} }, { formatVersion: 3, nodes: [null] }, { formatVersion: 1, edges: 'x', nodes: [] }, { formatVersion: 1, nodes: [], edges: [null, 3, {}] }, Symbol('x'), () => 1];
    for (const input of inputs) expect(() => parseDocument(input)).not.toThrow();
  });
});

describe('migration from formatVersion 2: the old defaults are written in', () => {
  it('Linear, BatchNorm1d and Target get the values format 2 meant by leaving them out; given values stay', () => {
    const r = parseDocument({
      formatVersion: 2,
      nodes: [
        { id: 'h', type: 'Linear', params: { outFeatures: 4 } },
        { id: 'o', type: 'Linear' },
        { id: 'bn', type: 'BatchNorm1d', params: {} },
        { id: 't', type: 'Target' },
        { id: 'u', type: 'Target', params: { encoding: 'column' } },
        { id: 'x', type: 'Input' },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migratedFrom).toBe(2);
    expect(r.document.formatVersion).toBe(3);
    expect(r.document.nodes.map((n) => [n.id, n.params])).toEqual([
      ['h', { inFeatures: 1, outFeatures: 4 }],
      ['o', { inFeatures: 1, outFeatures: 1 }],
      ['bn', { numFeatures: 1 }],
      ['t', { encoding: 'index' }],
      ['u', { encoding: 'column' }],
      ['x', {}],
    ]);
  });

  it('training keeps SGD lr 0.01, 10 epochs and a 0.2 test fraction where it left them out', () => {
    const r = parseDocument({ formatVersion: 2, nodes: [], training: { dataset: { name: 'xor' }, split: { validation: 0.1 } } });
    expect(r.ok && r.document.training).toMatchObject({
      optimizer: { type: 'sgd', lr: 0.01, momentum: 0 },
      epochs: 10,
      split: { test: 0.2, validation: 0.1 },
    });
    const given = parseDocument({ formatVersion: 2, nodes: [], training: { optimizer: { type: 'adam', lr: 0.05 }, epochs: 300, split: { test: 0 } } });
    expect(given.ok && given.document.training).toMatchObject({ optimizer: { type: 'adam', lr: 0.05 }, epochs: 300, split: { test: 0 } });
    const none = parseDocument({ formatVersion: 2, nodes: [] });
    expect(none.ok && none.document.training).toBeUndefined();
  });
});

describe('migration from formatVersion 1', () => {
  const v1 = {
    formatVersion: 1,
    name: 'old',
    nodes: [
      { id: 'x', type: 'Input', params: { shape: [2] } },
      { id: 'h', type: 'Linear', params: { inFeatures: 2, outFeatures: 1 } },
      { id: 'out', type: 'Output' },
    ],
    edges: [
      { id: 'a', from: { node: 'x', port: 'out' }, to: { node: 'h', port: 'in' } },
      { from: { node: 'h' }, to: { node: 'out' } },
    ],
  };

  it('rewrites {from:{node,port},to:{node,port}} edges as source/sourcePort/target/targetPort', () => {
    const r = parseDocument(v1);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.migratedFrom).toBe(1);
    expect(r.document.formatVersion).toBe(3);
    expect(r.document.name).toBe('old');
    expect(r.document.edges).toEqual([
      { id: 'a', source: 'x', sourcePort: 'out', target: 'h', targetPort: 'in' },
      // No id: `e<index>`; no ports: `out` → `in`.
      { id: 'e1', source: 'h', sourcePort: 'out', target: 'out', targetPort: 'in' },
    ]);
  });

  it('a current document is not marked as migrated', () => {
    const r = parseDocument({ formatVersion: 3, nodes: [] });
    expect(r.ok && 'migratedFrom' in r).toBe(false);
  });

  it('generated edge ids do not collide with ids the document already uses', () => {
    const r = parseDocument({
      formatVersion: 1,
      nodes: [],
      edges: [
        { id: 'e1', from: { node: 'a' }, to: { node: 'b' } },
        { from: { node: 'b' }, to: { node: 'c' } },
      ],
    });
    expect(r.ok).toBe(true);
    expect(r.ok && r.document.edges.map((e) => e.id)).toEqual(['e1', 'e1_']);
  });

  it('a broken version-1 edge is reported at its path after migration', () => {
    const r = parseDocument({ formatVersion: 1, nodes: [], edges: [{ to: { node: 'b' } }] });
    expect(issuesOf(r)).toEqual([{ path: 'edges[0].source', message: 'Invalid input: expected string, received undefined' }]);
  });
});

describe('formatPath', () => {
  it('writes JSON paths', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['nodes', 2, 'params', 'outFeatures'])).toBe('nodes[2].params.outFeatures');
    expect(formatPath(['training', 'split', 'test'])).toBe('training.split.test');
    expect(formatPath([3, 'x'])).toBe('[3].x');
  });
});

describe('shipped examples', () => {
  const dir = new URL('../../assets/examples/', import.meta.url);
  // `*.batch.json` files are batches for `bpstudio grad`, not graph documents.
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.batch.json'));

  it.each(files)('%s parses as a current document', (file) => {
    const r = parseDocument(readFileSync(new URL(file, dir), 'utf8'));
    if (!r.ok) throw new Error(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
    expect(r.migratedFrom).toBeUndefined();
  });
});
