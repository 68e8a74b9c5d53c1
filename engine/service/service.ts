/**
 * EngineService: the one API the UI talks to, transport-agnostic. It owns documents in flight,
 * imported datasets and training runs; the Electron utility process and `bpstudio serve` both
 * host one and forward validated requests to `handle`.
 */
import { APP_VERSION } from '../core/version';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { noGrad } from '../autograd/grad-mode';
import { snapshot, StepThrough, type Step, type TensorSnapshot } from '../graph/step-through';
import { tensor } from '../core/creation';
import { EngineError } from '../core/errors';
import { limit } from '../core/limits';
import { allowDatasetFiles, allowDatasetFolders, restrictDatasetFiles } from '../data/access';
import type { Tensor } from '../core/tensor';
import { listBuiltinDatasets } from '../data/builtin';
import { parseCsv } from '../data/csv';
import { classCounts, numClasses, type Dataset } from '../data/dataset';
import { DataError } from '../data/errors';
import { classProbabilities, decisionThreshold, predictClasses } from '../data/metrics';
import { installFashionMnist } from '../data/fashion-mnist';
import { idxDatasetFromBytes } from '../data/idx';
import { normalizeFeatures } from '../data/transforms';
import { compileDocument, GraphCompileError, type CompiledGraph } from '../graph/compile';
import { parseDocument, type DatasetRef, type GraphDocument } from '../graph/document';
import { nodeRegistry } from '../graph/node-registry';
import { formatSymShape } from '../graph/symbolic';
import { validateDocument } from '../graph/validate';
import { datasetBinding, loadDatasetRef, prepareDocumentData, registerUploadedDataset, rowsFeed, type PreparedData } from '../train/data-source';
import { effectiveSettings, type TrainOverrides } from '../train/settings';
import { trainDocument, trainedModelFile, type TrainDocumentResult } from '../train/train-document';
import { assertFiniteTrainedModel, bindingOfTrained, isTrainedModel, parseTrainedModel, type TrainedModelFile } from '../graph/trained-model';
import { exportOnnx } from '../onnx/export';
import { exportPyTorch } from '../pytorch/export';
import { trainingPlan } from '../train/defaults';
import { bindingOf } from '../train/data-source';
import { listBackends } from '../backends/index';
import { l2norm } from '../backends/executor';
import { importOnnx } from '../onnx/import';
import { type Trainer, type TrainEvent } from '../train/trainer';
import type { RecorderOptions, TrainingRecorder, WeightCheckpoint } from '../train/recorder';
import { evaluateModelTs } from '../backends/ts/executor';
import {
  PROTOCOL_VERSION, parseRequest, type DatasetPreview, type ErrorInfo, type EventName, type Events, type Method,
  type NodeTypeInfo, type ParsedParams, type Results,
} from './protocol';

type Listener = <E extends EventName>(event: E, data: Events[E]) => void;

interface Run {
  id: string;
  document: GraphDocument;
  trainer: Trainer | null;
  done: Promise<TrainDocumentResult>;
  result: TrainDocumentResult | null;
  error: string | null;
  overrides: TrainOverrides;
  /** The run's data, prepared again (deterministically) for views needed while it trains. */
  prepared: PreparedData | null;
  /** The client (a WebSocket connection, the Electron window) that started it; '' in process. */
  owner?: string;
  /** A model of the run's graph for recomputing gradient norms from checkpoints (`fillGradNorms`). */
  gradModel?: CompiledGraph;
}

/** How a host runs the service. */
export interface EngineServiceOptions {
  /**
   * Hosted for a renderer (Electron's utility process, `bpstudio serve`): dataset files are read
   * only from the allow-list the host fills (`allowDatasetFiles`, engine/data/access.ts).
   */
  restrictFiles?: boolean;
}

export class ServiceError extends EngineError {
  constructor(
    message: string,
    readonly code: string,
    readonly diagnostics?: ErrorInfo['diagnostics'],
  ) {
    super(message);
  }
}

const examplesDir = fileURLToPath(new URL('../../assets/examples/', import.meta.url));

/** The document inside a request: a graph document or a trained-model file; invalid ones are refused with their issues. */
function documentOf(value: unknown): { document: GraphDocument; trained: TrainedModelFile | null } {
  if (isTrainedModel(value)) {
    const trained = parseTrainedModel(value);
    return { document: trained.document, trained };
  }
  const r = parseDocument(value);
  if (!r.ok) {
    throw new ServiceError(
      `the document is not valid: ${r.issues.map((i) => `${i.path || '(document)'}: ${i.message}`).join('; ')}`,
      'invalid-document',
      r.issues.map((i) => ({ severity: 'error', code: 'schema', message: `${i.path || '(document)'}: ${i.message}` })),
    );
  }
  return { document: r.document, trained: null };
}

function toNumbers(t: Tensor): number[] {
  return Array.from(t.data);
}

export class EngineService {
  private readonly listeners = new Set<Listener>();
  private readonly runs = new Map<string, Run>();
  private readonly stepSessions = new Map<string, StepThrough>();
  private nextSession = 1;
  private nextRun = 1;
  /** Edge gradient norms of checkpointed steps (`runId@step`), computed on demand. */
  private readonly edgeNorms = new Map<string, Omit<Results['timelineEdges'], 'requested'>>();
  /** The timeline each run records (bounds of engine/train/recorder.ts; tests may lower them). */
  timelineBounds: RecorderOptions = {};
  /** Minimum milliseconds between forwarded batch events of one run (epoch events always go through). */
  batchEventInterval = 50;

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit<E extends EventName>(event: E, data: Events[E]): void {
    for (const l of this.listeners) l(event, data);
  }

  constructor(options: EngineServiceOptions = {}) {
    if (options.restrictFiles) restrictDatasetFiles();
  }

  /**
   * Validate a raw message and answer it: the transports call only this. `client` names the
   * connection it came on (runs it starts are its own: kept per client, stopped when it closes).
   */
  async dispatch(raw: unknown, client = ''): Promise<{ id: number | null; result?: unknown; error?: ErrorInfo }> {
    const req = parseRequest(raw);
    if (!req.ok) return { id: req.id, error: req.error };
    try {
      const result = await this.handle(req.method, req.params as ParsedParams<typeof req.method>);
      if (req.method === 'trainStart') this.adoptRun((result as Results['trainStart']).runId, client);
      return { id: req.id, result };
    } catch (e) {
      return { id: req.id, error: errorInfo(e) };
    }
  }

  /** Host API (not in the protocol): let the engine read these dataset files and folders. */
  allowDatasetFiles(files: readonly string[], folders: readonly string[] = []): void {
    allowDatasetFiles(files);
    allowDatasetFolders(folders);
  }

  /** Finished runs kept per client (the newest; running ones are always kept): the `keptRuns` limit. */
  private adoptRun(runId: string, client: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.owner = client;
    const keep = limit('keptRuns');
    const finished = [...this.runs.values()].filter((r) => r.owner === client && r.id !== runId && (r.result !== null || r.error !== null));
    for (const r of finished.slice(0, Math.max(0, finished.length - keep))) this.runs.delete(r.id);
  }

  private readonly pendingClose = new Map<string, ReturnType<typeof setTimeout>>();

  /**
   * The connection `client` closed: after the `orphanGrace` limit its runs still training are
   * stopped and all its runs are forgotten (nobody is left to ask for them). Returns the timer's
   * promise, for tests.
   */
  closeClient(client: string, graceMs = limit('orphanGrace') * 1000): Promise<number> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pendingClose.delete(client);
        let stopped = 0;
        for (const r of [...this.runs.values()]) {
          if (r.owner !== client) continue;
          if (!r.result && !r.error && r.trainer) {
            r.trainer.stop();
            stopped++;
          }
          this.runs.delete(r.id);
        }
        if (stopped > 0) this.emit('log', { level: 'info', message: `stopped ${stopped} training run${stopped === 1 ? '' : 's'} of a closed connection` });
        resolve(stopped);
      }, graceMs);
      t.unref?.();
      this.pendingClose.set(client, t);
    });
  }

  /** How many runs the service holds (for tests and status). */
  get runCount(): number {
    return this.runs.size;
  }

  async handle<M extends Method>(method: M, params: ParsedParams<M>): Promise<Results[M]> {
    const h = (this.handlers as unknown as Record<string, (p: unknown) => unknown>)[method];
    if (!h) throw new ServiceError(`unknown method "${method}"`, 'unknown-method');
    return (await h.call(this, params)) as Results[M];
  }

  private readonly handlers: { [M in Method]: (p: ParsedParams<M>) => Results[M] | Promise<Results[M]> } = {
    hello: async () => ({ protocolVersion: PROTOCOL_VERSION, appVersion: APP_VERSION, backends: await listBackends() }),
    listBackends: () => listBackends(),
    listNodeTypes: () =>
      [...nodeRegistry.values()].map(
        (d): NodeTypeInfo => ({
          type: d.type, category: d.category, label: d.label, description: d.description,
          inputs: [...d.inputs], outputs: [...d.outputs], params: { ...d.params }, keyParams: [...(d.keyParams ?? [])],
        }),
      ),
    listExamples: () =>
      readdirSync(examplesDir)
        .filter((f) => f.endsWith('.json') && !f.endsWith('.batch.json'))
        .sort()
        .map((f) => {
          const doc = JSON.parse(readFileSync(examplesDir + f, 'utf8')) as { name?: string; description?: string };
          return { name: f.replace(/\.json$/, ''), title: doc.name ?? f, description: doc.description ?? '' };
        }),
    getExample: ({ name }) => {
      let text: string;
      try {
        text = readFileSync(`${examplesDir}${name}.json`, 'utf8');
      } catch {
        throw new ServiceError(`there is no example "${name}"`, 'not-found');
      }
      return documentOf(JSON.parse(text)).document;
    },
    validate: ({ document, dataset }) => {
      const { document: doc } = documentOf(document);
      const ref = dataset ?? doc.training?.dataset;
      let data = null;
      const extra: Results['validate']['diagnostics'] = [];
      if (ref) {
        try {
          data = datasetBinding(ref);
        } catch (e) {
          extra.push({ severity: 'warning', code: 'dataset', message: `dataset: ${(e as Error).message}` });
        }
      }
      // The graph's diagnostics, and what training would still need as notes (level 'train').
      // Parameters are counted from shapes: nothing is compiled or initialised here.
      const v = validateDocument(doc, { data, purpose: 'inspect' });
      const parameterCounts: Record<string, number> = v.ok ? Object.fromEntries(v.parameterCounts) : {};
      // Weights stored in the document (fixed-weight lessons, imported models) must fit the
      // shapes: the nodes that hold them are built to check (a weight's shape is the node's own).
      if (v.ok && doc.nodes.some((n) => n.weights && Object.keys(n.weights).length > 0)) {
        try {
          compileDocument(doc, { data, requireLoss: false });
        } catch (e) {
          extra.push({ severity: 'error', code: 'compile', message: (e as Error).message });
        }
      }
      return {
        ok: v.ok && !extra.some((d) => d.severity === 'error'),
        diagnostics: [...v.diagnostics, ...extra],
        edgeShapes: Object.fromEntries([...v.edgeShapes].map(([id, s]) => [id, formatSymShape(s)])),
        parameterCounts,
        followed: Object.fromEntries(v.followed),
      };
    },
    listDatasets: () => listBuiltinDatasets(),
    datasetPreview: ({ dataset, rows, images }) => preview(loadDatasetRef(dataset), rows, images),
    importCsv: ({ name, text, label, task }) => {
      const warnings: string[] = [];
      const ds = parseCsv(text, {
        file: name, name: name.replace(/\.[^.]+$/, ''),
        ...(label !== undefined ? { label } : {}),
        task,
        onWarning: (w) => warnings.push(w.message),
      });
      const ref = registerUploadedDataset(name, ds);
      return { dataset: { name: ref, params: {} }, preview: preview(ds, 20, 0), warnings };
    },
    importIdx: ({ name, images, labels, classes }) => {
      const ds = idxDatasetFromBytes(Buffer.from(images, 'base64'), Buffer.from(labels, 'base64'), {
        imagesFile: `${name} images`, labelsFile: `${name} labels`, name,
        ...(classes ? { classes } : {}),
      });
      const ref = registerUploadedDataset(name, ds);
      return { dataset: { name: ref, params: {} }, preview: preview(ds, 0, 32) };
    },
    installFashionMnist: ({ trainImages, trainLabels, testImages, testLabels }) => {
      const bytes = (b64: string): Uint8Array => Buffer.from(b64, 'base64');
      const r = installFashionMnist({ trainImages: bytes(trainImages), trainLabels: bytes(trainLabels), testImages: bytes(testImages), testLabels: bytes(testLabels) });
      this.emit('log', { level: 'info', message: `Fashion-MNIST (${r.train} training and ${r.test} test images) is kept in ${r.dir}` });
      return r;
    },
    trainStart: async ({ document, backend, overrides, resume, stepsPerSecond }) => {
      const { document: doc, trained } = documentOf(document);
      // Training's own level (a Loss, a dataset), answered at once; the graph's diagnostics, which
      // may depend on the data, come when the run compiles it.
      const needs = validateDocument(doc, { purpose: 'train' }).diagnostics.filter((d) => d.level === 'train' && d.severity === 'error');
      if (needs.length > 0) throw new ServiceError(`the graph cannot be trained: ${needs.map((d) => d.message).join('; ')}`, 'invalid-document', needs);
      const resumeFile = resume ? parseTrainedModel(resume) : trained;
      const id = `run-${this.nextRun++}`;
      let lastBatch = 0;
      const run: Run = {
        id, document: doc, trainer: null, result: null, error: null, overrides, prepared: null,
        done: null as unknown as Promise<TrainDocumentResult>,
      };
      run.done = trainDocument(doc, {
        overrides,
        backend,
        record: this.timelineBounds,
        ...(stepsPerSecond !== undefined ? { stepsPerSecond } : {}),
        ...(resumeFile ? { resume: resumeFile } : {}),
        onTrainer: (t) => (run.trainer = t),
        onEvent: (event: TrainEvent) => {
          if (event.type === 'batch') {
            const now = Date.now();
            if (now - lastBatch < this.batchEventInterval && event.batch !== event.batches - 1) return;
            lastBatch = now;
          }
          this.emit('train', { runId: id, event });
        },
      });
      run.done.then(
        (r) => (run.result = r),
        (e: unknown) => {
          run.error = (e as Error).message;
          // a run that never started is answered by trainStart's error instead
          if (this.runs.has(id)) this.emit('log', { level: 'error', message: `training ${id} failed: ${(e as Error).message}` });
        },
      );
      // Everything before the first step (data, compile: "training needs a Loss node") runs before
      // trainDocument hands over the trainer: without one the run never started, and its error
      // (with the compiler's diagnostics) is this request's answer, never an event after it.
      if (!run.trainer) {
        await run.done;
        throw new ServiceError('training did not start', 'engine');
      }
      this.runs.set(id, run);
      // The executor (and for auto, its choice) is settled when training starts: the `start` event says which ran and why.
      return { runId: id, backend, provider: backend === 'ts' ? 'typescript' : 'chosen when training starts', note: null };
    },
    trainSpeed: ({ runId, stepsPerSecond }) => {
      const t = this.trainerOf(runId);
      t.setStepsPerSecond(stepsPerSecond);
      return { ok: true, stepsPerSecond: t.stepsPerSecond };
    },
    trainPause: ({ runId }) => {
      this.trainerOf(runId).pause();
      return { ok: true };
    },
    trainResume: ({ runId }) => {
      this.trainerOf(runId).resume();
      return { ok: true };
    },
    trainStop: ({ runId }) => {
      this.trainerOf(runId).stop();
      return { ok: true };
    },
    trainedModel: async ({ runId }) => {
      // What the app saves or exports: never a model whose weights went NaN/Inf (JSON would write null).
      const paused = this.pausedSnapshot(runId);
      if (paused) {
        assertFiniteTrainedModel(paused, `the trained model of ${runId}`);
        return paused;
      }
      const { trained } = await this.finished(runId);
      assertFiniteTrainedModel(trained, `the trained model of ${runId}`);
      return trained;
    },
    evaluate: async ({ runId, split }) => {
      const r = await this.finished(runId);
      const ds = this.splitOf(r.data, split);
      const e = evaluateModelTs(r.model, ds, r.model.lossFn);
      return { loss: e.loss, accuracy: e.accuracy, confusion: e.confusion, classNames: ds.classNames ?? null };
    },
    predict: ({ runId, split, index }) => {
      const { model, data } = this.modelOf(runId);
      const ds = this.splitOf(data, split);
      if (index >= ds.numSamples) throw new ServiceError(`sample ${index} is out of range: the ${split} split has ${ds.numSamples} samples`, 'bad-request');
      const x = rowsFeed(ds, [index]).features;
      const pred = noGrad(() => model.forward({ features: x }, { training: false }).prediction);
      if (!pred) throw new ServiceError('the graph has no prediction (connect a Loss or an Output)', 'engine');
      const predicted = predictClasses(pred, decisionThreshold(model.lossFn, ds))[0]!;
      const probabilities = classProbabilities(pred.data.subarray(0, pred.size / (pred.shape[0] ?? 1)), model.lossFn, ds);
      return {
        features: Array.from(x.data),
        featureShape: ds.featureShape,
        label: ds.labels[index]!,
        probabilities,
        predicted,
        classNames: ds.classNames ?? null,
      };
    },
    decisionBoundary: ({ runId, resolution }) => {
      const { model, data } = this.modelOf(runId);
      const full = data.full;
      if (full.featureShape.length !== 1 || full.featureShape[0] !== 2) {
        throw new ServiceError('a decision boundary needs a dataset with 2 features', 'bad-request');
      }
      let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
      for (let i = 0; i < full.numSamples; i++) {
        const x = full.features[2 * i]!;
        const y = full.features[2 * i + 1]!;
        minX = Math.min(minX, x); maxX = Math.max(maxX, x); minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
      const padX = (maxX - minX) * 0.1 || 1;
      const padY = (maxY - minY) * 0.1 || 1;
      const xs = Array.from({ length: resolution }, (_, i) => minX - padX + ((maxX - minX + 2 * padX) * i) / (resolution - 1));
      const ys = Array.from({ length: resolution }, (_, i) => minY - padY + ((maxY - minY + 2 * padY) * i) / (resolution - 1));
      const grid = new Float32Array(resolution * resolution * 2);
      ys.forEach((y, r) => xs.forEach((x, c) => grid.set([x, y], 2 * (r * resolution + c))));
      const normalised = normalizeFeatures(grid, data.normalization, 2);
      const pred = noGrad(() => model.forward({ features: tensor(normalised, { shape: [resolution * resolution, 2] }) }, { training: false }).prediction);
      if (!pred) throw new ServiceError('the graph has no prediction (connect a Loss or an Output)', 'engine');
      const k = pred.size / (resolution * resolution);
      // Per point: P(class 1) for two classes, else the predicted class scaled to [0, 1]; where
      // the model gives a score that is no probability (a perceptron), its predicted class.
      const classes = predictClasses(pred, decisionThreshold(model.lossFn, full));
      const probabilities: number[] = [];
      for (let i = 0; i < resolution * resolution; i++) {
        const p = classProbabilities(pred.data.subarray(i * k, (i + 1) * k), model.lossFn, full);
        probabilities.push(p && p.length === 2 ? p[1]! : classes[i]! / Math.max((p?.length ?? 2) - 1, 1));
      }
      return { xs, ys, probabilities, resolution };
    },
    weights: ({ runId, document, nodeId }) => {
      let model: CompiledGraph;
      if (runId) model = this.modelOf(runId).model;
      else if (document) {
        const { document: doc, trained } = documentOf(document);
        model = compileDocument(doc, { requireLoss: false, data: trained ? bindingOfTrained(trained) : null });
        if (trained) model.loadWeights(trained.weights);
      } else throw new ServiceError('weights: give a runId or a document', 'bad-request');
      const params = [...model.parameters(), ...model.buffers()].filter((p) => p.nodeId === nodeId);
      return {
        tensors: params.map((p) => {
          const data = toNumbers(p.tensor);
          return { name: p.name, shape: [...p.tensor.shape], data, min: Math.min(...data), max: Math.max(...data) };
        }),
      };
    },
    stepThrough: ({ document, runId, split, samples, dtype, checkpoint }) => {
      let model: CompiledGraph;
      let ds: Dataset | null = null;
      const { document: doc, trained } = documentOf(document);
      if (checkpoint) {
        if (runId === undefined) throw new ServiceError('stepThrough: a checkpoint needs the runId of the run that recorded it', 'bad-request');
        if (!sameGraph(this.run(runId).document, doc)) {
          throw new ServiceError(`stepThrough: run "${runId}" trained another graph (the document changed since): its checkpoints do not fit this one`, 'bad-request');
        }
        const at = this.checkpointOf(runId, checkpoint.step, 'exact');
        const feed = rowsFeed(at.data.train, Array.from(at.ck.rows));
        const trainingMode = !(at.ck.rows.length === 1 && at.model.buffers().length > 0);
        const st = new StepThrough(at.model, feed, { dtype, training: trainingMode, forwardOnlyWithoutObjective: true });
        const sessionId = this.keepSession(st);
        return {
          sessionId, objective: st.objective, steps: st.steps.map(capStep), samples: Array.from(at.ck.rows), splitSize: at.data.train.numSamples,
          fromRun: true, trainingMode, checkpoint: { step: at.ck.step, epoch: at.ck.epoch, batch: at.ck.batch },
        };
      }
      // the run's weights only when it trained this very graph (never another document's run)
      const run = runId !== undefined ? this.runs.get(runId) : undefined;
      const fromRun = !!run && sameGraph(run.document, doc);
      if (fromRun) {
        const m = this.modelOf(runId!);
        model = m.model;
        ds = this.splitOf(m.data, split);
      } else {
        const ref = doc.training?.dataset;
        const prepared = ref ? prepareDocumentData(effectiveSettings(doc), process.cwd()) : null;
        model = compileDocument(doc, { requireLoss: false, data: prepared?.binding ?? null });
        if (trained) model.loadWeights(trained.weights);
        ds = prepared ? this.splitOf(prepared, split) : null;
      }
      let feed = {};
      if (ds) {
        const bad = samples.find((i) => i >= ds!.numSamples);
        if (bad !== undefined) throw new ServiceError(`sample ${bad} is out of range: the ${split} split has ${ds.numSamples} samples`, 'bad-request');
        feed = rowsFeed(ds, samples);
      }
      // One sample and running statistics (BatchNorm): a batch of one has no variance to normalise by.
      const trainingMode = !(samples.length === 1 && model.buffers().length > 0);
      const st = new StepThrough(model, feed, { dtype, training: trainingMode, forwardOnlyWithoutObjective: true });
      const sessionId = this.keepSession(st);
      return { sessionId, objective: st.objective, steps: st.steps.map(capStep), samples: ds ? samples : [], splitSize: ds?.numSamples ?? 0, fromRun, trainingMode };
    },
    checkEdge: ({ sessionId, edgeId, element }) => {
      const st = this.stepSessions.get(sessionId);
      if (!st) throw new ServiceError(`there is no step-through session "${sessionId}"`, 'not-found');
      return st.checkEdge(edgeId, element !== undefined ? { element } : {});
    },
    gradientSummary: ({ runId }) => {
      const { model, data } = this.modelOf(runId);
      const probe = Array.from({ length: Math.min(data.train.numSamples, 32) }, (_, i) => i);
      const st = new StepThrough(model, rowsFeed(data.train, probe));
      const edges: Record<string, { norm: number; mean: number; absMax: number }> = {};
      for (const [id, t] of st.result.edges) {
        if (!t.grad) continue;
        const s = snapshot(t.grad);
        edges[id] = { norm: s.norm, mean: s.mean, absMax: s.absMax };
      }
      return { edges, step: this.run(runId).trainer?.step ?? 0 };
    },
    timeline: ({ runId }) => {
      const t = this.trainerOf(runId);
      const rec = this.recorderOf(runId);
      // while it trains a little per request; once it is over, more
      this.fillGradNorms(runId, rec, this.run(runId).result || this.run(runId).error !== null ? 400 : 50);
      return {
        step: t.step,
        parameters: rec.parameters.map((p) => ({ nodeId: p.nodeId, name: p.name, shape: [...p.shape] })),
        records: rec.records.map((r) => ({ ...r, paramNorms: [...r.paramNorms], gradNorms: [...r.gradNorms] })),
        checkpointSteps: rec.checkpoints.map((c) => c.step),
        denseSteps: rec.denseSteps,
        checkpointBytes: rec.bytes,
        checkpointCap: rec.checkpointBytes,
        stepsPerSecond: t.stepsPerSecond,
      };
    },
    timelineEdges: ({ runId, step }) => {
      const at = this.checkpointOf(runId, step, 'at-or-before');
      const key = `${runId}@${at.ck.step}`;
      const hit = this.edgeNorms.get(key);
      if (hit) return { ...hit, requested: step };
      const st = new StepThrough(at.model, rowsFeed(at.data.train, Array.from(at.ck.rows)), { training: !(at.ck.rows.length === 1 && at.model.buffers().length > 0) });
      const edges: Results['timelineEdges']['edges'] = {};
      for (const [id, t] of st.result.edges) {
        if (!t.grad) continue;
        const sn = snapshot(t.grad);
        edges[id] = { norm: sn.norm, mean: sn.mean, absMax: sn.absMax };
      }
      const out = { requested: step, step: at.ck.step, epoch: at.ck.epoch, batch: at.ck.batch, loss: st.objective ?? NaN, edges };
      this.edgeNorms.set(key, out);
      if (this.edgeNorms.size > 256) this.edgeNorms.delete(this.edgeNorms.keys().next().value!);
      return out;
    },
    timelineCheckpoint: ({ runId, step }) => {
      const at = this.checkpointOf(runId, step, 'exact');
      const rows = Array.from(at.ck.rows);
      const feed = rowsFeed(at.data.train, rows);
      return {
        step: at.ck.step, epoch: at.ck.epoch, batch: at.ck.batch, rows,
        weights: at.recorder.weightsOf(at.ck),
        feed: { features: toNumbers(feed.features), featureShape: [...feed.features.shape], targets: toNumbers(feed.targets), targetShape: [...feed.targets.shape] },
      };
    },
    exportOnnx: ({ source, softmax, outputActivation }) => {
      const { document: doc, trained } = documentOf(source);
      const ref = !trained ? doc.training?.dataset : undefined;
      let data = null;
      if (ref) {
        try {
          data = datasetBinding(ref);
        } catch {
          data = null;
        }
      }
      const r = exportOnnx(trained ?? doc, { ...(outputActivation ? { outputActivation } : { softmax }), data });
      return {
        base64: Buffer.from(r.bytes).toString('base64'),
        size: r.size,
        inputs: r.inputs.map((i) => ({ name: i.name, shape: i.shape })),
        outputs: r.outputs.map((o) => ({ name: o.name, shape: o.shape })),
        outputActivation: r.outputActivation,
        warnings: r.warnings,
      };
    },
    exportPyTorch: ({ source, scriptName }) => {
      const { document: doc, trained } = documentOf(source);
      const settings = doc.training ? effectiveSettings(doc) : null;
      // as `bpstudio export --format pytorch`: a trained model brings its shapes; the dataset is
      // loaded where it can be (small ones are written into the script)
      let dataset: Dataset | null = null;
      let data = trained ? bindingOfTrained(trained) : null;
      if (settings?.dataset) {
        try {
          dataset = loadDatasetRef(settings.dataset);
          data ??= bindingOf(dataset);
        } catch {
          dataset = null;
        }
      }
      const r = exportPyTorch(trained ?? doc, { data, dataset, scriptName, plan: trainingPlan(settings, dataset?.numSamples ?? 0) });
      return {
        script: r.script,
        weightsBase64: r.weights ? Buffer.from(r.weights).toString('base64') : null,
        weightsName: r.weightsName,
        weightsSize: r.weights?.length ?? 0,
        tensors: r.tensors.length,
        className: r.className,
      };
    },
    importOnnx: ({ name, base64 }) => ({ document: importOnnx(Buffer.from(base64, 'base64'), { file: name }) }),
  };

  private keepSession(st: StepThrough): string {
    const sessionId = `steps-${this.nextSession++}`;
    this.stepSessions.set(sessionId, st);
    if (this.stepSessions.size > 8) this.stepSessions.delete(this.stepSessions.keys().next().value!);
    return sessionId;
  }

  /**
   * A backend that keeps no gradients (ort) records steps without gradient norms: compute them
   * again from the steps' checkpoints and batches — newest first, for at most `budgetMs` per
   * request, so a timeline polled while training fills in as it goes.
   */
  private fillGradNorms(runId: string, rec: TrainingRecorder, budgetMs = 50): void {
    const missing = rec.recordsWithoutGradients();
    if (missing.length === 0) return;
    const run = this.run(runId);
    const settings = effectiveSettings(run.document, run.overrides);
    run.prepared ??= prepareDocumentData(settings, process.cwd());
    const data = run.prepared;
    run.gradModel ??= compileDocument(run.document, { seed: settings.seed, data: data.binding, requireLoss: true });
    const model = run.gradModel;
    const params = model.parameterTensors();
    const tensors = [...params, ...model.buffers().map((b) => b.tensor)];
    const end = performance.now() + budgetMs;
    for (const r of missing) {
      if (performance.now() > end) break;
      const ck = rec.checkpointAt(r.step)!;
      tensors.forEach((x, k) => x.data.set(ck.tensors[k]!));
      for (const p of params) p.grad = null;
      const loss = model.forward(rowsFeed(data.train, Array.from(ck.rows)), { training: true }).loss;
      if (!loss) break;
      loss.backward();
      rec.setGradNorms(r.step, params.map((p) => (p.grad ? l2norm(p.grad.data) : null)));
    }
  }

  private recorderOf(runId: string): TrainingRecorder {
    const rec = this.trainerOf(runId).recorder;
    if (!rec) throw new ServiceError(`training run "${runId}" records no timeline`, 'not-found');
    return rec;
  }

  /**
   * A fresh model of the run's graph holding a checkpoint's weights (the run's own model goes on
   * training), the checkpoint, and the run's data. `exact`: that step's checkpoint or an error
   * naming the nearest; `at-or-before`: the latest checkpoint at or before the step.
   */
  private checkpointOf(runId: string, step: number, which: 'exact' | 'at-or-before'): { model: CompiledGraph; ck: WeightCheckpoint; recorder: TrainingRecorder; data: PreparedData } {
    const run = this.run(runId);
    const t = this.trainerOf(runId);
    const rec = this.recorderOf(runId);
    if (step > t.step) throw new ServiceError(`training run "${runId}" has taken ${t.step} step${t.step === 1 ? '' : 's'}: there is no step ${step} yet`, 'not-found');
    const ck = which === 'exact' ? rec.checkpointAt(step) : rec.checkpointAtOrBefore(step);
    if (!ck) {
      const steps = rec.checkpoints.map((c) => c.step);
      const before = rec.checkpointAtOrBefore(step)?.step;
      const after = steps.find((s) => s > step);
      const near = [before, after].filter((s): s is number => s !== undefined);
      throw new ServiceError(
        `training run "${runId}" kept no weights for step ${step}${near.length ? `; the nearest checkpoints are at step ${near.join(' and ')}` : ' (its checkpoints are over their memory cap)'}`,
        'not-found',
      );
    }
    const settings = effectiveSettings(run.document, run.overrides);
    run.prepared ??= prepareDocumentData(settings, process.cwd());
    const model = compileDocument(run.document, { seed: settings.seed, data: run.prepared.binding, requireLoss: true });
    const tensors = [...model.parameterTensors(), ...model.buffers().map((b) => b.tensor)];
    if (tensors.length !== ck.tensors.length) throw new ServiceError('internal: the checkpoint does not fit the run\'s graph', 'engine');
    tensors.forEach((x, k) => x.data.set(ck.tensors[k]!));
    return { model, ck, recorder: rec, data: run.prepared };
  }

  private run(runId: string): Run {
    const r = this.runs.get(runId);
    if (!r) throw new ServiceError(`there is no training run "${runId}"`, 'not-found');
    return r;
  }
  private trainerOf(runId: string): Trainer {
    const t = this.run(runId).trainer;
    if (!t) throw new ServiceError(`training run "${runId}" has not started`, 'not-found');
    return t;
  }
  private async finished(runId: string): Promise<TrainDocumentResult> {
    const run = this.run(runId);
    try {
      return await run.done;
    } catch (e) {
      throw new ServiceError(`training run "${runId}" failed: ${(e as Error).message}`, 'engine');
    }
  }
  /** A paused run's trained model as it stands (its executor synced first); null unless the run is paused. */
  private pausedSnapshot(runId: string): TrainedModelFile | null {
    const run = this.run(runId);
    const t = run.trainer;
    if (run.result || !t || !t.paused) return null;
    t.stepExecutor?.sync();
    const settings = effectiveSettings(run.document, run.overrides);
    run.prepared ??= prepareDocumentData(settings, process.cwd());
    return trainedModelFile({ ...run.document, training: settings }, t.model, settings.seed, run.prepared, t);
  }
  /** The model and data of a run, usable while it trains (the ts backend updates the same tensors). */
  private modelOf(runId: string): { model: CompiledGraph; data: PreparedData } {
    const run = this.run(runId);
    if (run.result) return run.result;
    const t = run.trainer;
    if (!t) throw new ServiceError(`training run "${runId}" has not started`, 'not-found');
    run.prepared ??= prepareDocumentData(effectiveSettings(run.document, run.overrides), process.cwd());
    return { model: t.model, data: run.prepared };
  }
  private splitOf(data: PreparedData, split: 'train' | 'test'): Dataset {
    return split === 'test' && data.test ? data.test : data.train;
  }
}

/** Same nodes (type and params), edges and training data: a run of `a` can stand for `b`. */
function sameGraph(a: GraphDocument, b: GraphDocument): boolean {
  const stable = (v: unknown): unknown =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])])) : v;
  const nodes = (d: GraphDocument) => JSON.stringify(d.nodes.map((n) => [n.id, n.type, stable(n.params ?? {})]).sort());
  const edges = (d: GraphDocument) => JSON.stringify(d.edges.map((e) => [e.source, e.sourcePort, e.target, e.targetPort]).sort());
  const data = (d: GraphDocument) => JSON.stringify(stable(d.training?.dataset ?? null));
  return nodes(a) === nodes(b) && edges(a) === edges(b) && data(a) === data(b);
}

const MAX_SNAPSHOT = 65536;
function capSnapshot(s: TensorSnapshot): TensorSnapshot & { truncated?: boolean } {
  return s.data.length > MAX_SNAPSHOT ? { ...s, data: [], truncated: true } : s;
}
function capStep(step: Step): Step {
  if (step.phase === 'forward') {
    const outputs = step.outputs.map((o) => ({ ...o, value: capSnapshot(o.value) }));
    return { ...step, outputs, ...(step.parameters ? { parameters: step.parameters.map((p) => ({ ...p, value: capSnapshot(p.value) })) } : {}) };
  }
  return {
    ...step,
    upstream: step.upstream.map((u) => ({ ...u, total: capSnapshot(u.total), branches: u.branches.map((b) => ({ ...b, value: capSnapshot(b.value) })) })),
    local: step.local.map((l) => ({ ...l, value: capSnapshot(l.value) })),
    downstream: step.downstream.map((d) => ({ ...d, value: capSnapshot(d.value) })),
    parameters: step.parameters.map((p) => ({ ...p, grad: capSnapshot(p.grad) })),
  };
}

function preview(ds: Dataset, rows: number, images: number): DatasetPreview {
  const fsz = ds.features.length / Math.max(ds.numSamples, 1);
  const tsz = ds.labels.length / Math.max(ds.numSamples, 1);
  const classification = ds.task === 'classification';
  const isImage = ds.featureShape.length === 2;
  const is2d = ds.featureShape.length === 1 && ds.featureShape[0] === 2;
  const cap = Math.min(ds.numSamples, 2000);
  return {
    name: ds.name,
    task: ds.task,
    numSamples: ds.numSamples,
    featureShape: ds.featureShape,
    targetShape: ds.targetShape,
    classNames: ds.classNames ?? null,
    classCounts: classification ? classCounts(ds) : null,
    featureNames: ds.featureNames ?? null,
    rows: Array.from({ length: Math.min(rows, ds.numSamples) }, (_, i) => ({ features: Array.from(ds.features.subarray(i * fsz, (i + 1) * fsz)), label: ds.labels[i * tsz]! })),
    images: isImage ? Array.from({ length: Math.min(images, ds.numSamples) }, (_, i) => ({ pixels: Array.from(ds.features.subarray(i * fsz, (i + 1) * fsz)), label: ds.labels[i]! })) : [],
    // evenly spread over the dataset (generated toy sets list one class first)
    points: is2d
      ? Array.from({ length: cap }, (_, k) => {
          const i = Math.floor((k * ds.numSamples) / cap);
          return { x: ds.features[2 * i]!, y: ds.features[2 * i + 1]!, label: ds.labels[i]! };
        })
      : null,
  };
}

export function errorInfo(e: unknown): ErrorInfo {
  if (e instanceof ServiceError) return { message: e.message, code: e.code, ...(e.diagnostics ? { diagnostics: [...e.diagnostics] } : {}) };
  if (e instanceof GraphCompileError) return { message: e.message, code: 'invalid-document', diagnostics: [...e.diagnostics] };
  if (e instanceof DataError) return { message: e.message, code: 'data' };
  if (e instanceof EngineError) return { message: e.message, code: 'engine' };
  return { message: e instanceof Error ? e.message : String(e), code: 'internal' };
}

export type { DatasetRef, numClasses };
