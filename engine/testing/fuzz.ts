/**
 * Seeded fuzzing of everything a user or a web page can feed the engine: graph documents, CSV,
 * IDX, ONNX, trained-model files and service messages. Each input ends as one outcome:
 *
 * - `accepted`  — taken, and its result checked against an invariant of the format;
 * - `refused`   — a clear error: an engine error type, one line of at most 2,000 characters,
 *                 no stack frames in it;
 * - `crash`     — anything else thrown (TypeError, an unexpected RangeError, a stack trace in the
 *                 message, a service answer with code `internal`);
 * - `hang`      — took longer than `hangMs` (measured: synchronous work cannot be interrupted);
 * - `oom`       — an allocation failed (RangeError: Array buffer allocation failed, …);
 * - `wrong`     — accepted, but the invariant does not hold: a silently wrong answer.
 *
 * `npm run fuzz` runs ≥ 1,000 inputs per format (scripts/fuzz.ts); engine/testing/fuzz.test.ts
 * runs a few hundred per format in `npm test` and asserts no crash, hang, oom or wrong result.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { EngineError } from '../core/errors';
import { parseJsonSafe } from '../core/safe-read';
import { parseCsv } from '../data/csv';
import type { Dataset } from '../data/dataset';
import { parseIdx } from '../data/idx';
import { compileDocument } from '../graph/compile';
import { parseDocument, type GraphDocument } from '../graph/document';
import { validateDocument } from '../graph/validate';
import { exportOnnx } from '../onnx/export';
import { importOnnx } from '../onnx/import';
import { EngineService } from '../service/service';
import { parseTrainedModel, isTrainedModel } from '../graph/trained-model';
import { trainDocument } from '../train/train-document';
import { CliError } from '../cli/io';
import { idxBytes } from './idx-files';

export type Outcome = 'accepted' | 'refused' | 'crash' | 'hang' | 'oom' | 'wrong';
export const OUTCOMES: readonly Outcome[] = ['accepted', 'refused', 'crash', 'hang', 'oom', 'wrong'];
export type Format = 'graph' | 'csv' | 'idx' | 'onnx' | 'trained' | 'service';
export const FORMATS: readonly Format[] = ['graph', 'csv', 'idx', 'onnx', 'trained', 'service'];

export interface FuzzFinding {
  format: Format;
  outcome: Outcome;
  index: number;
  detail: string;
}

export interface FuzzReport {
  counts: Record<Format, Record<Outcome, number>>;
  /** Every crash, hang, oom and wrong result (the first 20 per format). */
  findings: FuzzFinding[];
  seconds: Record<Format, number>;
}

export interface FuzzOptions {
  seed?: number;
  /** Inputs per format. */
  count?: number;
  formats?: readonly Format[];
  hangMs?: number;
}

/** A wrong result: thrown by an invariant check. */
class Wrong extends Error {}

// ---------------------------------------------------------------- random

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const WEIRD_NUMBERS = [0, -0, 1, -1, 2, 3, 0.5, 1e-45, 1e39, -1e39, 3.4028235e38, 1e308, Number.MAX_SAFE_INTEGER, 2 ** 31, -(2 ** 31), 2 ** 53 + 1, 1e6, 7, 128, 784];
const WEIRD_STRINGS = ['', ' ', 'x', 'NaN', 'Infinity', '-1', '1e39', '\u0000', '\u001b[31mred', '"', ',', '\n', '\r\n', '日本', '🙂', '\u202e', '__proto__', 'constructor', 'a'.repeat(300), '0x10', ' 1 ', '1,5'];

function weirdValue(r: Rng, depth = 0): unknown {
  switch (r.int(depth > 2 ? 5 : 8)) {
    case 0: return r.pick(WEIRD_NUMBERS);
    case 1: return r.pick(WEIRD_STRINGS);
    case 2: return r.chance(0.5);
    case 3: return null;
    case 4: return r.int(10) - 2;
    case 5: return Array.from({ length: r.int(4) }, () => weirdValue(r, depth + 1));
    case 6: return Object.fromEntries(Array.from({ length: r.int(3) }, () => [r.pick(WEIRD_STRINGS), weirdValue(r, depth + 1)]));
    default: return [r.int(5) + 1, r.int(5) + 1];
  }
}

/** A structural mutation of a JSON value: replace, delete or duplicate something somewhere. */
export function mutateJson(value: unknown, r: Rng, steps = 1 + r.int(3)): unknown {
  const root = structuredClone(value) as unknown;
  for (let s = 0; s < steps; s++) {
    // walk to a random container
    let parent: Record<string, unknown> | unknown[] | null = null;
    let key: string | number | null = null;
    let cur: unknown = root;
    for (let d = 0; d < 8 && cur !== null && typeof cur === 'object' && r.chance(0.8); d++) {
      const keys = Array.isArray(cur) ? cur.map((_, i) => i) : Object.keys(cur as object);
      if (keys.length === 0) break;
      parent = cur as Record<string, unknown>;
      key = r.pick(keys as (string | number)[]);
      cur = (cur as Record<string, unknown>)[key as string];
    }
    if (parent === null || key === null) continue;
    const p = parent as Record<string | number, unknown>;
    const op = r.int(6);
    if (op === 0) p[key] = weirdValue(r);
    else if (op === 1) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
    } else if (op === 2 && Array.isArray(parent)) parent.push(structuredClone(cur));
    else if (op === 3 && typeof cur === 'number') p[key] = r.pick([cur * -1, cur + 1, cur * 1e6, cur / 0, NaN, Math.round(cur) + 0.5]);
    else if (op === 4 && typeof cur === 'string') p[key] = r.chance(0.5) ? `${cur}${r.pick(WEIRD_STRINGS)}` : r.pick(WEIRD_STRINGS);
    else p[key] = weirdValue(r);
  }
  return root;
}

/** A byte-level mutation: flip, set, insert, delete or truncate. */
export function mutateBytes(bytes: Uint8Array, r: Rng, steps = 1 + r.int(4)): Uint8Array {
  let b = Uint8Array.from(bytes);
  for (let s = 0; s < steps; s++) {
    const op = r.int(6);
    const at = b.length === 0 ? 0 : r.int(b.length);
    if (op === 0 && b.length > 0) b[at] = b[at]! ^ (1 << r.int(8));
    else if (op === 1 && b.length > 0) b[at] = r.pick([0, 0xff, 0x7f, 0x80, 1, r.int(256)]);
    else if (op === 2) b = Uint8Array.from([...b.subarray(0, at), ...Array.from({ length: 1 + r.int(8) }, () => r.int(256)), ...b.subarray(at)]);
    else if (op === 3 && b.length > 0) b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(Math.min(b.length, at + 1 + r.int(8)))]);
    else if (op === 4) b = b.subarray(0, at);
    else if (b.length > 0) b[at] = r.int(256);
  }
  return b;
}

// ---------------------------------------------------------------- classifying

const OOM = /allocation failed|Invalid (typed )?array length|Array buffer|out of memory|Invalid string length/i;
const STACK = /\n\s+at .+:\d+:\d+/;

function isClearError(e: unknown): boolean {
  if (!(e instanceof EngineError || e instanceof CliError || (e instanceof SyntaxError && /JSON/.test(e.message)))) return false;
  const m = e.message;
  return m.length > 0 && m.length <= 2000 && !STACK.test(m) && !/^(undefined|null|\[object Object\])$/.test(m);
}

function classify(e: unknown): { outcome: Outcome; detail: string } {
  if (e instanceof Wrong) return { outcome: 'wrong', detail: e.message };
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  if (e instanceof RangeError && OOM.test(e.message)) return { outcome: 'oom', detail: msg };
  if (isClearError(e)) return { outcome: 'refused', detail: msg };
  return { outcome: 'crash', detail: `${msg}${e instanceof Error && e.stack ? `\n${e.stack.split('\n').slice(1, 4).join('\n')}` : ''}` };
}

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Wrong(what);
}

// ---------------------------------------------------------------- corpora

const root = fileURLToPath(new URL('../../', import.meta.url));

function exampleDocuments(): { name: string; value: unknown }[] {
  const dir = join(root, 'assets/examples');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.batch.json'))
    .sort()
    .map((f) => ({ name: f, value: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
}

let corpus: { docs: { name: string; value: unknown }[]; onnx: Uint8Array[]; trained: unknown[] } | null = null;

async function loadCorpus(): Promise<NonNullable<typeof corpus>> {
  if (corpus) return corpus;
  const docs = exampleDocuments();
  const onnx: Uint8Array[] = [];
  for (const d of docs) {
    try {
      const p = parseDocument(d.value);
      if (p.ok) onnx.push(exportOnnx(p.document, {}).bytes);
    } catch {
      // an example that does not export (a lesson graph without Output)
    }
  }
  // Debian's ONNX test models (libonnx-testdata): a few dozen, chosen by a fixed stride.
  const debian = '/usr/share/libonnx-testdata/data';
  if (existsSync(debian)) {
    const models: string[] = [];
    for (const group of readdirSync(debian).sort()) {
      const g = join(debian, group);
      for (const t of readdirSync(g).sort()) {
        const m = join(g, t, 'model.onnx');
        if (existsSync(m)) models.push(m);
      }
    }
    for (let i = 0; i < models.length; i += Math.max(1, Math.floor(models.length / 60))) {
      const b = readFileSync(models[i]!);
      if (b.length < 2 * 1024 * 1024) onnx.push(new Uint8Array(b));
    }
  }
  const trained: unknown[] = [];
  for (const name of ['xor-mlp.json', 'iris-mlp.json']) {
    const d = docs.find((x) => x.name === name);
    if (!d) continue;
    const p = parseDocument(d.value);
    if (!p.ok) continue;
    const r = await trainDocument(p.document, { backend: 'ts', overrides: { epochs: 1 } });
    trained.push(JSON.parse(JSON.stringify(r.trained)));
  }
  corpus = { docs, onnx, trained };
  return corpus;
}

// ---------------------------------------------------------------- one input per format

const stableJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));

/** Parse, validate twice (the same diagnostics), compile: parameter count = sum over nodes. */
function checkGraph(text: string): void {
  const parsed = parseDocument(parseJsonSafe(text));
  if (!parsed.ok) throw new EngineError(`invalid document: ${parsed.issues[0]?.message ?? ''}`.slice(0, 500));
  const doc = parsed.document;
  const a = validateDocument(doc, { purpose: 'inspect' });
  const b = validateDocument(doc, { purpose: 'inspect' });
  check(stableJson(a.diagnostics) === stableJson(b.diagnostics) && a.order.join() === b.order.join(), 'validation is not idempotent');
  if (!a.ok) return;
  const model = compileDocument(doc, { seed: 1, requireLoss: false });
  const total = model.parameters().reduce((s, p) => s + p.tensor.size, 0);
  const perNode = doc.nodes.reduce((s, n) => s + model.parameterCount(n.id), 0);
  check(total === perNode, `parameter count ${total} ≠ the sum over nodes ${perNode}`);
}

function graphInput(r: Rng, docs: { value: unknown }[]): string {
  const base = r.pick(docs).value;
  const k = r.int(10);
  if (k === 0) return mutateText(JSON.stringify(base), r);
  if (k === 1) return `${'['.repeat(1 + r.int(100_000))}`;
  if (k === 2) return JSON.stringify({ formatVersion: (base as { formatVersion: number }).formatVersion, name: 'deep', nodes: [{ id: 'a', type: 'Input', params: { shape: nest(r.int(400)) } }], edges: [] });
  return JSON.stringify(mutateJson(base, r));
}

function nest(d: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < d; i++) v = [v];
  return v;
}

function mutateText(text: string, r: Rng): string {
  const b = mutateBytes(Buffer.from(text, 'utf8'), r);
  return Buffer.from(b).toString('utf8');
}

const csvQuote = (s: string): string => (/[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s);

function csvInput(r: Rng): string {
  const cols = 1 + r.int(5);
  const rows = r.int(30);
  const header = r.chance(0.6);
  const lines: string[] = [];
  if (header) lines.push(Array.from({ length: cols }, (_, j) => (r.chance(0.9) ? `c${j}` : csvQuote(r.pick(WEIRD_STRINGS)))).join(','));
  const classes = ['a', 'b', 'cat', 'dog', '1', '2', '"q"', 'x y'];
  for (let i = 0; i < rows; i++) {
    const cells: string[] = [];
    for (let j = 0; j < cols; j++) {
      const last = j === cols - 1;
      if (r.chance(0.03)) cells.push(csvQuote(r.pick(WEIRD_STRINGS)));
      else if (last && r.chance(0.5)) cells.push(csvQuote(r.pick(classes)));
      else cells.push(String(r.chance(0.1) ? r.pick(WEIRD_NUMBERS) : Math.round((r.next() * 20 - 10) * 1000) / 1000));
    }
    if (r.chance(0.03)) cells.pop();
    lines.push(cells.join(r.chance(0.02) ? ';' : ','));
  }
  let text = lines.join(r.chance(0.2) ? '\r\n' : '\n') + (r.chance(0.5) ? '\n' : '');
  if (r.chance(0.15)) text = mutateText(text, r);
  return text;
}

/** Re-serialise an accepted CSV dataset and read it again: the same features, labels and classes. */
function checkCsv(text: string): void {
  const ds = parseCsv(text, { file: 'fuzz.csv' });
  const f = ds.featureShape[0] ?? 1;
  const t = ds.targetShape[0] ?? 1;
  const head = [...Array.from({ length: f }, (_, j) => `f${j}`), ...(ds.task === 'classification' ? ['label'] : Array.from({ length: t }, (_, j) => `t${j}`))];
  const out = [head.join(',')];
  for (let i = 0; i < ds.numSamples; i++) {
    const cells = Array.from(ds.features.subarray(i * f, (i + 1) * f), (v) => String(v));
    if (ds.task === 'classification') cells.push(csvQuote(ds.classNames![ds.labels[i]!]!));
    else cells.push(...Array.from(ds.labels.subarray(i * t, (i + 1) * t), (v) => String(v)));
    out.push(cells.join(','));
  }
  const again: Dataset = parseCsv(`${out.join('\n')}\n`, {
    file: 'again.csv', task: ds.task, header: true,
    ...(ds.task === 'regression' ? { label: Array.from({ length: t }, (_, j) => f + j) } : {}),
    ...(ds.task === 'classification' ? { classNames: [...ds.classNames!] } : {}),
  });
  check(again.numSamples === ds.numSamples, `rows ${ds.numSamples} → ${again.numSamples}`);
  check(again.features.length === ds.features.length && again.features.every((v, i) => Object.is(v, ds.features[i]) || v === ds.features[i]), 'features differ after a round trip');
  check(again.labels.every((v, i) => v === ds.labels[i]), 'labels differ after a round trip');
}

const IDX_TYPES = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e];

function idxInput(r: Rng): Uint8Array {
  const type = r.pick(IDX_TYPES);
  const dims = Array.from({ length: 1 + r.int(3) }, () => r.int(6));
  const n = dims.reduce((a, b) => a * b, 1);
  const body = Array.from({ length: n }, () => r.int(200) - (type === 0x08 ? 0 : 100));
  let b = idxBytes(type, dims, body);
  if (r.chance(0.7)) b = mutateBytes(b, r);
  if (r.chance(0.05)) b = Uint8Array.from([0, 0, 8, 3, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0x10, 0, 0, 0, 0x10, 0]); // a huge header
  if (r.chance(0.2)) {
    const z = gzipSync(b);
    b = r.chance(0.3) ? mutateBytes(new Uint8Array(z), r) : new Uint8Array(z);
  }
  return b;
}

function checkIdx(bytes: Uint8Array): void {
  const a = parseIdx(bytes, { file: 'fuzz.idx' });
  const size = a.shape.reduce((x, y) => x * y, 1);
  check(a.data.length === size, `data has ${a.data.length} elements, the shape [${a.shape.join(', ')}] ${size}`);
  check(a.shape[0] === a.headerCount, 'the record count differs from the header');
}

function graphSignature(doc: GraphDocument): string {
  const types = doc.nodes.map((n) => n.type).sort().join(',');
  return `${doc.nodes.length} nodes (${types}), ${doc.edges.length} edges`;
}

/** Import; an accepted model exports and imports again to the same graph. */
function checkOnnx(bytes: Uint8Array): void {
  const doc = importOnnx(bytes, { file: 'fuzz.onnx' });
  const again = importOnnx(exportOnnx(doc, {}).bytes, { file: 'again.onnx' });
  check(graphSignature(again) === graphSignature(doc), `reimport: ${graphSignature(doc)} → ${graphSignature(again)}`);
}

/** Parse a trained-model file; an accepted one compiles, takes its weights and serialises to the same JSON. */
function checkTrained(text: string): void {
  const value = parseJsonSafe(text);
  if (!isTrainedModel(value)) throw new EngineError('not a trained-model file');
  const m = parseTrainedModel(value, 'fuzz.json');
  const model = compileDocument(m.document, { seed: m.seed, requireLoss: false, data: m.dataset ? { ...m.dataset } : null });
  model.loadWeights(m.weights);
  const again = parseTrainedModel(JSON.parse(JSON.stringify(m)), 'again.json');
  check(stableJson(again) === stableJson(m), 'a trained-model file does not survive a round trip');
}

const SERVICE_METHODS = [
  'hello', 'listNodeTypes', 'listExamples', 'getExample', 'validate', 'listDatasets', 'datasetPreview', 'importCsv', 'importIdx',
  'trainPause', 'trainResume', 'trainStop', 'trainedModel', 'evaluate', 'predict', 'decisionBoundary', 'weights', 'stepThrough',
  'checkEdge', 'gradientSummary', 'exportOnnx', 'importOnnx', 'nope', '__proto__', 'constructor', 'toString',
];

function serviceInput(r: Rng, docs: { value: unknown }[]): unknown {
  const method = r.pick(SERVICE_METHODS);
  const doc = r.chance(0.7) ? r.pick(docs).value : mutateJson(r.pick(docs).value, r);
  const templates: Record<string, unknown> = {
    getExample: { name: r.pick(['xor-mlp', '../../package', 'nope', '%00', 'xor-mlp.json']) },
    validate: { document: doc },
    datasetPreview: { dataset: { name: r.pick(['xor', 'iris', '/etc/passwd', '/etc/hostname.csv', 'upload:x', 'spiral', '/dev/zero']), params: r.chance(0.5) ? {} : { labels: '/dev/zero' } }, rows: r.int(30), images: r.int(5) },
    importCsv: { name: r.pick(['a.csv', 'b.tsv', '']), text: csvInput(r), task: r.pick(['auto', 'classification', 'regression']) },
    importIdx: { name: 'fz', images: Buffer.from(idxInput(r)).toString('base64'), labels: Buffer.from(idxInput(r)).toString('base64') },
    weights: { document: doc, nodeId: r.pick(['hidden', 'out', 'x', 'nope']) },
    stepThrough: { document: doc, samples: [r.int(3)] },
    exportOnnx: { source: doc, softmax: r.chance(0.5) },
    importOnnx: { name: 'm.onnx', base64: Buffer.from(mutateBytes(new Uint8Array([8, 8, 18, 0]), r)).toString('base64') },
    predict: { runId: 'run-1', index: 0 },
    checkEdge: { sessionId: 'steps-1', edgeId: 'e' },
  };
  const params = Object.hasOwn(templates, method) ? templates[method] : {};
  const msg = { id: r.int(1000), method, params: r.chance(0.8) ? params : mutateJson({ p: params }, r) };
  if (r.chance(0.1)) return JSON.stringify(msg).slice(0, r.int(JSON.stringify(msg).length));
  if (r.chance(0.05)) return `{"id":1,"method":"validate","params":${'['.repeat(50_000)}`;
  return r.chance(0.5) ? JSON.stringify(msg) : mutateJson(msg, r);
}

async function checkService(service: EngineService, input: unknown): Promise<void> {
  const reply = await service.dispatch(input);
  if (reply.error) {
    const e = reply.error;
    if (e.code === 'internal' || STACK.test(e.message) || e.message.length > 4000) {
      const err = new Error(`service answered ${e.code}: ${e.message.slice(0, 400)}`);
      err.name = 'ServiceCrash';
      throw err;
    }
    if (/hunter2|root:x:0:0/.test(e.message)) throw new Wrong(`an error quotes a file's content: ${e.message.slice(0, 200)}`);
    throw new EngineError(e.message);
  }
  JSON.stringify(reply.result); // must serialise
}

// ---------------------------------------------------------------- the run

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = options.seed ?? 1;
  const count = options.count ?? 1000;
  const hangMs = options.hangMs ?? 10_000;
  const formats = options.formats ?? FORMATS;
  const c = await loadCorpus();
  const counts = Object.fromEntries(FORMATS.map((f) => [f, Object.fromEntries(OUTCOMES.map((o) => [o, 0]))])) as FuzzReport['counts'];
  const seconds = Object.fromEntries(FORMATS.map((f) => [f, 0])) as FuzzReport['seconds'];
  const findings: FuzzFinding[] = [];
  const service = new EngineService({ restrictFiles: false });
  for (const format of formats) {
    const r = new Rng(seed * 1000 + FORMATS.indexOf(format));
    const t0 = performance.now();
    let shown = 0;
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      let outcome: Outcome;
      let detail = '';
      try {
        switch (format) {
          case 'graph': checkGraph(graphInput(r, c.docs)); break;
          case 'csv': checkCsv(csvInput(r)); break;
          case 'idx': checkIdx(idxInput(r)); break;
          case 'onnx': {
            const base = r.pick(c.onnx);
            checkOnnx(r.chance(0.1) ? base : mutateBytes(base, r));
            break;
          }
          case 'trained': {
            const base = r.pick(c.trained);
            checkTrained(r.chance(0.2) ? mutateText(JSON.stringify(base), r) : JSON.stringify(mutateJson(base, r)));
            break;
          }
          case 'service': await checkService(service, serviceInput(r, c.docs)); break;
        }
        outcome = 'accepted';
      } catch (e) {
        ({ outcome, detail } = classify(e));
      }
      if (performance.now() - start > hangMs) {
        outcome = 'hang';
        detail = `${((performance.now() - start) / 1000).toFixed(1)} s`;
      }
      counts[format][outcome]++;
      if (outcome !== 'accepted' && outcome !== 'refused' && shown++ < 20) findings.push({ format, outcome, index: i, detail });
    }
    seconds[format] = (performance.now() - t0) / 1000;
  }
  return { counts, findings, seconds };
}

/** The closing table. */
export function formatFuzzTable(rep: FuzzReport, formats: readonly Format[] = FORMATS): string[] {
  const head = ['format', ...OUTCOMES.map((o) => (o === 'wrong' ? 'wrong result' : o)), 'seconds'];
  const rows = formats.map((f) => [f, ...OUTCOMES.map((o) => String(rep.counts[f][o])), rep.seconds[f].toFixed(1)]);
  const w = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const fmt = (r: string[]): string => r.map((c, j) => (j === 0 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ');
  return [fmt(head), w.map((n) => '─'.repeat(n)).join('──'), ...rows.map(fmt)];
}
