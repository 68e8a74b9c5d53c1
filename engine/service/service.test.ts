import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseRequest } from './protocol';
import { EngineService } from './service';
import { startServer, type RunningServer } from './serve';
import type { TrainEvent } from '../train/trainer';
import { withDataLocations } from '../data/user-data';
import { smallFashionMnist } from '../testing/idx-files';
import { compileDocument } from '../graph/compile';
import { tensor } from '../core/creation';
import { StepThrough } from '../graph/step-through';

describe('protocol', () => {
  it('rejects what is not a request, naming the problem', () => {
    expect(parseRequest('{nope')).toMatchObject({ ok: false, id: null, error: { code: 'bad-request', message: 'the message is not valid JSON' } });
    expect(parseRequest({ method: 'hello' })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(parseRequest({ id: 1, method: 'rm -rf' })).toMatchObject({ ok: false, id: 1, error: { code: 'unknown-method', message: 'unknown method "rm -rf"' } });
    expect(parseRequest({ id: 2, method: 'getExample', params: { name: '../../etc/passwd' } })).toMatchObject({
      ok: false, id: 2, error: { code: 'bad-request', message: 'getExample: name: an example name is lowercase letters, digits and dashes' },
    });
    expect(parseRequest({ id: 3, method: 'trainStart', params: { document: {}, backend: 'gpu' } })).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(parseRequest({ id: 4, method: '__proto__' })).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
  });
  it('accepts a good one and fills defaults', () => {
    const r = parseRequest({ id: 5, method: 'datasetPreview', params: { dataset: { name: 'xor' } } });
    expect(r).toMatchObject({ ok: true, id: 5, method: 'datasetPreview', params: { dataset: { name: 'xor', params: {} }, rows: 20, images: 0 } });
  });
});

describe('EngineService', () => {
  const service = new EngineService();

  it('lists node types, examples and datasets', async () => {
    const types = await service.handle('listNodeTypes', {});
    expect(types.map((t) => t.type)).toContain('Linear');
    const linear = types.find((t) => t.type === 'Linear')!;
    expect(linear.params['inFeatures']).toMatchObject({ kind: 'int', min: 1 });
    const examples = await service.handle('listExamples', {});
    expect(examples.map((e) => e.name)).toContain('xor-mlp');
    expect(examples.every((e) => e.description.length > 0)).toBe(true);
    expect((await service.handle('listDatasets', {})).map((d) => d.name)).toContain('iris');
  });

  it('validates a document: diagnostics, edge shapes, parameter counts', async () => {
    const doc = await service.handle('getExample', { name: 'xor-mlp' });
    const v = await service.handle('validate', { document: doc as unknown as Record<string, unknown> });
    expect(v.ok).toBe(true);
    expect(Object.values(v.edgeShapes)).toContain('N×4');
    expect(v.parameterCounts['hidden']).toBe(12);
    const broken = { ...doc, nodes: doc.nodes.map((n) => (n.id === 'out' ? { ...n, params: { ...n.params, inFeatures: 3 } } : n)) };
    const bad = await service.handle('validate', { document: broken as unknown as Record<string, unknown> });
    expect(bad.ok).toBe(false);
    expect(bad.diagnostics.find((d) => d.nodeId === 'out')!.message).toBe('Linear "out": input has 4 features but in_features is 3');
  });

  it('a forward-only graph is valid (parameter counts, "needs a Loss" a note on training); Start refuses it at once', async () => {
    const doc = await service.handle('getExample', { name: 'and-perceptron' });
    const v = await service.handle('validate', { document: doc as unknown as Record<string, unknown> });
    expect(v.ok).toBe(true);
    expect(v.parameterCounts['perceptron']).toBe(3);
    const noLoss = { code: 'no-loss', message: 'training needs a Loss node: connect the prediction and the Target to a Loss', level: 'train' };
    expect(v.diagnostics).toEqual([{ severity: 'info', ...noLoss }]);
    const reply = await service.dispatch({ id: 7, method: 'trainStart', params: { document: doc } });
    expect(reply.error).toEqual({
      code: 'invalid-document',
      message: 'the graph cannot be trained: training needs a Loss node: connect the prediction and the Target to a Loss',
      diagnostics: [{ severity: 'error', ...noLoss }],
    });
  });

  it('answers an invalid document with its JSON-path issues', async () => {
    const reply = await service.dispatch({ id: 9, method: 'validate', params: { document: { formatVersion: 2, nodes: [{ id: 'a' }] } } });
    expect(reply.error!.code).toBe('invalid-document');
    expect(reply.error!.message).toMatch(/nodes\[0\]\.type/);
  });

  it('trains with progress events, then evaluates and predicts', async () => {
    const doc = await service.handle('getExample', { name: 'xor-mlp' });
    const events: TrainEvent[] = [];
    const off = service.onEvent((e, d) => {
      if (e === 'train') events.push((d as { event: TrainEvent }).event);
    });
    const { runId } = await service.handle('trainStart', { document: doc as unknown as Record<string, unknown>, backend: 'auto', overrides: {} });
    const trained = await service.handle('trainedModel', { runId });
    off();
    expect(trained.history.length).toBe(300);
    expect(events[0]!.type).toBe('start');
    expect(events.filter((e) => e.type === 'epoch').length).toBe(300);
    expect(events[events.length - 1]).toMatchObject({ type: 'end', reason: 'completed' });
    const ev = await service.handle('evaluate', { runId, split: 'train' });
    expect(ev.accuracy).toBe(1);
    expect(ev.confusion).toEqual([[2, 0], [0, 2]]);
    const p = await service.handle('predict', { runId, split: 'train', index: 3 });
    expect(p.probabilities).toHaveLength(2);
    expect(p.probabilities![0]! + p.probabilities![1]!).toBeCloseTo(1, 6);
    expect(p.probabilities![p.predicted]).toBeGreaterThan(0.5);
    expect(p.predicted).toBe(p.label);
    const db = await service.handle('decisionBoundary', { runId, resolution: 10 });
    expect(db.probabilities.length).toBe(100);
  });

  it("predicts a perceptron's class without probabilities (its score is none), as the CLI does", async () => {
    const doc = await service.handle('getExample', { name: 'perceptron-learning-or' });
    const { runId } = await service.handle('trainStart', { document: doc as unknown as Record<string, unknown>, backend: 'ts', overrides: {} });
    const ev = await service.handle('evaluate', { runId, split: 'train' });
    expect(ev.accuracy).toBe(1);
    for (let index = 0; index < 4; index++) {
      const p = await service.handle('predict', { runId, split: 'train', index });
      expect(p.probabilities).toBeNull();
      expect(p.predicted).toBe(index === 0 ? 0 : 1); // OR of (0,0) (0,1) (1,0) (1,1)
    }
    const db = await service.handle('decisionBoundary', { runId, resolution: 4 });
    expect(new Set(db.probabilities)).toEqual(new Set([0, 1])); // the predicted class where there is no probability
  });

  it('imports a CSV as a dataset documents can use', async () => {
    const r = await service.handle('importCsv', { name: 'tiny.csv', text: 'a,b,label\n0,0,no\n1,1,yes\n0,1,yes\n1,0,no\n', task: 'auto' });
    expect(r.dataset.name).toBe('upload:tiny.csv');
    expect(r.preview.classNames).toEqual(['no', 'yes']);
    const again = await service.handle('datasetPreview', { dataset: { name: 'upload:tiny.csv', params: {} }, rows: 2, images: 0 });
    expect(again.rows).toEqual([{ features: [0, 0], label: 0 }, { features: [1, 1], label: 1 }]);
  });

  it('reports a bad CSV with its row and column', async () => {
    const reply = await service.dispatch({ id: 1, method: 'importCsv', params: { name: 'bad.csv', text: 'a,b\n1,2\n3\n' } });
    expect(reply.error!.code).toBe('data');
    expect(reply.error!.message).toMatch(/bad\.csv row 3/);
  });

  it('keeps imported Fashion-MNIST files in the user data folder for the built-in dataset', async () => {
    const user = mkdtempSync(join(tmpdir(), 'bpstudio-userdata-'));
    const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
    const f = smallFashionMnist([2, 0, 9], [8], 3);
    const params = { trainImages: b64(f.trainImages), trainLabels: b64(f.trainLabels), testImages: b64(f.testImages), testLabels: b64(f.testLabels) };
    const logs: string[] = [];
    const off = service.onEvent((event, data) => void (event === 'log' && logs.push((data as { message: string }).message)));
    const scoped = <T>(fn: () => Promise<T>): Promise<T> => withDataLocations({ env: { BPSTUDIO_USER_DATA_DIR: user } }, fn);
    const reply = await scoped(() => service.dispatch({ id: 1, method: 'installFashionMnist', params }));
    off();
    const dir = join(user, 'datasets', 'fashion-mnist');
    expect(reply).toEqual({
      id: 1,
      result: { dir, train: 3, test: 1, files: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] },
    });
    expect(logs).toEqual([`Fashion-MNIST (3 training and 1 test images) is kept in ${dir}`]);
    const preview = await scoped(async () => service.handle('datasetPreview', { dataset: { name: 'fashion-mnist', params: { split: 'test' } }, rows: 0, images: 1 }));
    expect(preview).toMatchObject({ name: 'fashion-mnist-test', numSamples: 1, featureShape: [28, 28], classCounts: [0, 0, 0, 0, 0, 0, 0, 0, 1, 0] });
    expect(preview.images[0]!.pixels.slice(0, 2)).toEqual([103, 103]);

    // Checked with the IDX reader; the protocol refuses what is not four base64 files.
    const bad = await scoped(() => service.dispatch({ id: 2, method: 'installFashionMnist', params: { ...params, trainLabels: params.trainImages } }));
    expect(bad.error).toEqual({ code: 'data', message: 'train-labels-idx1-ubyte: byte 3: this is a 3-dimensional IDX file (an images file?); expected labels, magic number 0x00000801 (count)' });
    expect(parseRequest({ id: 3, method: 'installFashionMnist', params: { trainImages: 'AAAA' } })).toMatchObject({
      ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^installFashionMnist: trainLabels: .*; testImages: .*; testLabels: /) },
    });
    expect(parseRequest({ id: 4, method: 'installFashionMnist', params: { ...params, testLabels: 'not base64!' } })).toMatchObject({
      ok: false, error: { code: 'bad-request', message: 'installFashionMnist: testLabels: must be base64' },
    });
    rmSync(user, { recursive: true, force: true });
  });
});

describe('bpstudio serve', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bpstudio-renderer-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Backprop Studio</title>');
    srv = await startServer({ rendererDir: dir });
  });
  afterAll(async () => {
    await srv.close();
  });

  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    expect((srv.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('serves the page with the CSP, and nothing outside the renderer folder', async () => {
    const page = await fetch(`http://127.0.0.1:${srv.port}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await fetch(`http://127.0.0.1:${srv.port}/../../package.json`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${srv.port}/%2e%2e/package.json`)).status).toBe(404);
  });

  const connect = (query: string, origin?: string): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/ws${query}`, origin ? { origin } : {});
      ws.once('open', () => resolve(ws));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });

  it('refuses a WebSocket without the token, with a wrong one, or from another origin', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 403');
    await expect(connect('?token=0000')).rejects.toThrow('HTTP 403');
    await expect(connect(`?token=${srv.token}`, 'http://evil.example')).rejects.toThrow('HTTP 403');
  });

  it('answers requests and rejects bad messages over the WebSocket', async () => {
    const ws = await connect(`?token=${srv.token}`, `http://127.0.0.1:${srv.port}`);
    const ask = (msg: string): Promise<{ id: number | null; result?: { protocolVersion: number }; error?: { code: string } }> =>
      new Promise((resolve) => {
        ws.once('message', (data) => resolve(JSON.parse(String(data))));
        ws.send(msg);
      });
    expect((await ask(JSON.stringify({ id: 1, method: 'hello', params: {} }))).result!.protocolVersion).toBe(1);
    expect((await ask('garbage')).error!.code).toBe('bad-request');
    expect((await ask(JSON.stringify({ id: 2, method: 'nope' }))).error!.code).toBe('unknown-method');
    ws.close();
  });
});

describe('EngineService: step-through', () => {
  const service = new EngineService();
  it('returns every forward and backward step of the 6.75 lesson in order', async () => {
    const doc = await service.handle('getExample', { name: 'autograd-lesson' });
    const r = await service.handle('stepThrough', { document: doc as unknown as Record<string, unknown>, split: 'train', samples: [0], dtype: 'float32' });
    expect(r.objective).toBe(27);
    expect(r.steps.map((s) => `${s.phase}:${s.nodeId}`)).toEqual([
      'forward:x', 'forward:two', 'forward:y', 'forward:z', 'forward:out', 'forward:result',
      'backward:out', 'backward:z', 'backward:y', 'backward:x',
    ]);
    const last = r.steps[r.steps.length - 1]!;
    expect(last.phase === 'backward' && last.upstream[0]!.total.data).toEqual([6.75, 6.75, 6.75, 6.75]);
    const check = await service.handle('checkEdge', { sessionId: r.sessionId, edgeId: 'x-out->y-a' });
    expect(check.element).toBeNull();
    expect(check.relativeError).toBeLessThan(1e-3);
    // one element: the number on screen, 6.75, by finite differences
    const one = await service.handle('checkEdge', { sessionId: r.sessionId, edgeId: 'x-out->y-a', element: 2 });
    expect(one.element).toBe(2);
    expect(one.analytic).toBe(6.75);
    expect(one.numeric).toBeCloseTo(6.75, 2);
    const bad = await service.dispatch({ id: 3, method: 'checkEdge', params: { sessionId: r.sessionId, edgeId: 'x-out->y-a', element: 4 } });
    expect(bad.error!.message).toBe('element 4 is out of range: edge "x-out->y-a" has 4 elements');
  });

  it('steps through one chosen sample of a dataset graph', async () => {
    const doc = await service.handle('getExample', { name: 'xor-mlp' });
    const r = await service.handle('stepThrough', { document: doc as unknown as Record<string, unknown>, split: 'train', samples: [2], dtype: 'float64' });
    expect(r.samples).toEqual([2]);
    expect(r.splitSize).toBe(4);
    const x = r.steps.find((s) => s.phase === 'forward' && s.nodeId === 'x')!;
    expect(x.phase === 'forward' && x.outputs[0]!.value.shape).toEqual([1, 2]);
    const bad = await service.dispatch({ id: 1, method: 'stepThrough', params: { document: doc, samples: [9] } });
    expect(bad.error!.message).toBe('sample 9 is out of range: the train split has 4 samples');
  });

  it('summarises every edge gradient of a training run', async () => {
    const doc = await service.handle('getExample', { name: 'xor-mlp' });
    const { runId } = await service.handle('trainStart', { document: doc as unknown as Record<string, unknown>, backend: 'ts', overrides: { epochs: 5 } });
    await service.handle('trainedModel', { runId });
    const s = await service.handle('gradientSummary', { runId });
    expect(s.step).toBe(5);
    // the same numbers from the trained model, stepped here on the run's 4 training rows
    const trained = await service.handle('trainedModel', { runId });
    const model = compileDocument(trained.document, { data: { featureShape: [2], targetShape: [], task: 'classification', numClasses: 2 } });
    model.loadWeights(trained.weights);
    const xs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const st = new StepThrough(model, { features: xs, targets: tensor([0, 1, 1, 0]) });
    const want = [...st.result.edges].filter(([, t]) => t.grad).map(([id, t]) => [id, Math.hypot(...Array.from(t.grad!.data))] as const);
    expect(Object.keys(s.edges).sort()).toEqual(want.map(([id]) => id).sort());
    for (const [id, norm] of want) expect(s.edges[id]!.norm, id).toBeCloseTo(norm, 6);
  });
});

describe('EngineService: ONNX', () => {
  const service = new EngineService();
  it('exports a document that onnxruntime loads, and imports it back as a graph', async () => {
    const ort = await import('onnxruntime-node');
    const doc = await service.handle('getExample', { name: 'iris-mlp' });
    const r = await service.handle('exportOnnx', { source: doc as unknown as Record<string, unknown>, softmax: true });
    expect(r.inputs[0]!.shape).toEqual(['N', 4]);
    const bytes = Buffer.from(r.base64, 'base64');
    expect(bytes.length).toBe(r.size);
    const session = await ort.InferenceSession.create(bytes);
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', new Float32Array(8).fill(1), [2, 4]) });
    const probs = Array.from(out[session.outputNames[0]!]!.data as Float32Array);
    expect(probs.length).toBe(6);
    expect(probs.slice(0, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const imported = await service.handle('importOnnx', { name: 'iris.onnx', base64: r.base64 });
    expect(imported.document.nodes.filter((n) => n.type === 'Linear').length).toBe(5);
    expect(imported.document.nodes.filter((n) => n.type === 'BatchNorm1d').length).toBe(3);
  });
  it('refuses bytes that are not ONNX with a clear message', async () => {
    const reply = await service.dispatch({ id: 1, method: 'importOnnx', params: { name: 'x.onnx', base64: Buffer.from('hello').toString('base64') } });
    expect(reply.error!.code).toBe('engine');
    expect(reply.error!.message).toMatch(/x\.onnx/);
  });
});

describe('dataset preview', () => {
  it('spreads the scatter points over the whole dataset', async () => {
    const p = await new EngineService().handle('datasetPreview', { dataset: { name: 'circle', params: { n: 10000 } }, rows: 0, images: 0 });
    expect(p.points!.length).toBe(2000);
    const ones = p.points!.filter((q) => q.label === 1).length;
    expect(ones).toBeGreaterThan(800);
    expect(ones).toBeLessThan(1200);
  });
});
