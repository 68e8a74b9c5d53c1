/**
 * ONNX import: an MLP-family ONNX model becomes a graph document — Input, Linear, BatchNorm1d,
 * Activation, Flatten, Reshape, Add, Multiply, … nodes with the model's parameters in their
 * `weights`, and an automatic left-to-right layout (x by topological depth, branches spread on
 * y). Unsupported operators are reported in ONE error listing each op type and node name;
 * empty, truncated or non-ONNX bytes give a clear EngineError, never a crash.
 * Documented in docs/onnx.md.
 */
import { readRegularFile } from '../core/safe-read';
import { basename } from 'node:path';
import { EngineError } from '../core/errors';
import { writeFileAtomic } from '../core/atomic-write';
import { CURRENT_FORMAT_VERSION, parseDocument, type GraphDocument, type GraphEdge, type GraphNode, type TensorValue } from '../graph/document';
import { NodeShapeError } from '../graph/node-def';
import { checkParam, getNodeDef, resolveParams } from '../graph/node-registry';
import { hasRole } from '../graph/nodes/specs';
import { formatSymShape, type Dim, type SymShape } from '../graph/symbolic';
import { formatDiagnostic, validateDocument } from '../graph/validate';
import { decodeModel, DT, tensorValues, type OnnxTypes } from './builder';
import { sanitizeName, shortestFloat32, uniqueName } from './names';

export interface OnnxImportOptions {
  /** Names the file in messages, and the document when the model does not name itself. */
  file?: string;
  /** The document's name (default: the exporter's `source_document` metadata, else the file name). */
  name?: string;
}

/** The ONNX operators the importer understands (in the default domain). */
export const SUPPORTED_ONNX_OPS: readonly string[] = [
  'Gemm', 'MatMul', 'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Reciprocal', 'Sqrt', 'Pow', 'Exp', 'Log', 'Max', 'Sum', 'Mean',
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Softmax', 'LogSoftmax', 'Gelu', 'Sign', 'Erf', 'Greater', 'Cast',
  'BatchNormalization', 'Flatten', 'Reshape', 'Identity', 'Dropout', 'Constant', 'Transpose',
  'ReduceSum', 'ReduceMean',
];
const SUPPORTED = new Set(SUPPORTED_ONNX_OPS);

/** A value in the ONNX graph: a constant (initializer, Constant op, folded) or a tensor on a canvas port. */
interface Const {
  kind: 'const';
  dims: number[];
  data: Float64Array;
}
interface TensorVal {
  kind: 'tensor';
  node: string;
  port: string;
  shape: SymShape;
}
type Val = Const | TensorVal;

interface WorkNode {
  op: string;
  domain: string;
  /** For messages: `Gemm "/0/Gemm"`. */
  title: string;
  /** The ONNX node name (or its first output), for labels. */
  label: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, OnnxTypes.IAttributeProto>;
  /** Fused nodes ($Linear, $Gelu, $Step) keep the ONNX nodes they replace. */
  parts?: WorkNode[];
}

const num = (x: unknown): number =>
  typeof x === 'number' ? x : x && typeof (x as { toNumber?: unknown }).toNumber === 'function' ? (x as { toNumber(): number }).toNumber() : Number(x);

const sizeOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

const ELEM_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};
const elemName = (t: number): string => ELEM_NAMES[t] ?? `type ${t}`;
const ELEM_BYTES: Record<number, number> = { [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.INT32]: 4, [DT.INT64]: 8, [DT.UINT8]: 1, [DT.BOOL]: 1, [DT.INT8]: 1 };

/** Largest constant we read (elements); anything bigger is surely a damaged file. */
const MAX_CONST_ELEMENTS = 1 << 27;

class Importer {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  private readonly ids = new Set<string>();
  private readonly vals = new Map<string, Val>();
  private readonly materialized = new Map<string, TensorVal>();
  private edgeCount = 0;

  constructor(
    readonly file: string,
    readonly opset: number,
  ) {}

  fail(message: string): never {
    throw new EngineError(`${this.file}: ${message}`);
  }

  // ----- values -----
  setVal(name: string, v: Val): void {
    if (name) this.vals.set(name, v);
  }
  val(name: string, n: WorkNode): Val {
    const v = this.vals.get(name);
    if (!v) this.fail(`${n.title}: its input "${name}" has no value (it is produced by nothing the importer understood)`);
    return v;
  }
  constOf(name: string): Const | null {
    const v = this.vals.get(name);
    return v && v.kind === 'const' ? v : null;
  }
  /** A tensor on a canvas port; a constant becomes a Constant node (one per ONNX value name). */
  tensorOf(name: string, n: WorkNode): TensorVal {
    const v = this.val(name, n);
    if (v.kind === 'tensor') return v;
    const hit = this.materialized.get(name);
    if (hit) return hit;
    const t = this.constantNode(v, name);
    this.materialized.set(name, t);
    return t;
  }
  asTensor(v: Val, label: string): TensorVal {
    return v.kind === 'tensor' ? v : this.constantNode(v, label);
  }
  constantNode(c: Const, label: string): TensorVal {
    if (c.data.length === 0) this.fail(`constant "${label}" has no elements; empty tensors are not supported`);
    for (const x of c.data) if (!Number.isFinite(x)) this.fail(`constant "${label}" holds ${x}; only finite numbers are supported`);
    return this.add('Constant', label, { value: nested(c) }, {});
  }

  // ----- building the document -----
  /** Add a canvas node; its output shape comes from the node type's own shape rule. */
  add(type: string, label: string, params: Record<string, unknown>, inputs: Record<string, TensorVal>, weights?: Record<string, TensorValue>, what = label): TensorVal {
    const def = getNodeDef(type)!;
    const id = uniqueName(sanitizeName(label, type.toLowerCase()), this.ids);
    const resolved = resolveParams(def, params);
    for (const [name, spec] of Object.entries(def.params)) {
      const problem = checkParam(name, spec, resolved[name]);
      if (problem) this.fail(`${what}: cannot become a ${type} node: ${problem}`);
    }
    for (const [name, w] of Object.entries(weights ?? {})) {
      const bad = w.data.find((v) => !Number.isFinite(v));
      if (bad !== undefined) this.fail(`${what}: its ${name} holds ${bad}; only finite numbers are supported`);
    }
    const node: GraphNode = { id, type, label, params, position: { x: 0, y: 0 }, ...(weights ? { weights } : {}) };
    const shapes: Record<string, SymShape> = {};
    for (const [port, v] of Object.entries(inputs)) {
      shapes[port] = v.shape;
      this.edges.push({ id: `e${++this.edgeCount}`, source: v.node, sourcePort: v.port, target: id, targetPort: port });
    }
    let out: SymShape = [];
    if (def.outputs.length > 0) {
      try {
        out = def.inferShapes({ node, params: resolved, inputs: shapes, data: null })['out']!;
      } catch (e) {
        if (e instanceof NodeShapeError) this.fail(`${what}: ${e.message}`);
        throw e;
      }
    }
    this.nodes.push(node);
    return { kind: 'tensor', node: id, port: 'out', shape: out };
  }
}

/** A constant's values as a number or nested array (shortest float32 decimals). */
function nested(c: Const): unknown {
  const vals = Array.from(c.data, shortestFloat32);
  if (c.dims.length === 0) return vals[0]!;
  const build = (depth: number, offset: number): unknown[] => {
    const n = c.dims[depth]!;
    if (depth === c.dims.length - 1) return vals.slice(offset, offset + n);
    const stride = sizeOf(c.dims.slice(depth + 1));
    return Array.from({ length: n }, (_, i) => build(depth + 1, offset + i * stride));
  };
  return build(0, 0);
}

const weight = (dims: number[], data: ArrayLike<number>): TensorValue => ({ shape: [...dims], data: Array.from(data, shortestFloat32) });

// ----- attributes -----
const AT = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 };
function attrInt(n: WorkNode, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  if (!a) return dflt;
  if (a.type !== AT.INT && a.type) throw new EngineError(`${n.title}: attribute "${name}" should be an int`);
  return num(a.i);
}
function attrFloat(n: WorkNode, name: string, dflt: number): number {
  const a = n.attrs.get(name);
  if (!a) return dflt;
  if (a.type === AT.INT) return num(a.i);
  if (a.type !== AT.FLOAT && a.type) throw new EngineError(`${n.title}: attribute "${name}" should be a float`);
  return a.f ?? dflt;
}
function attrInts(n: WorkNode, name: string): number[] | null {
  const a = n.attrs.get(name);
  if (!a) return null;
  if (a.type !== AT.INTS && a.type) throw new EngineError(`${n.title}: attribute "${name}" should be a list of ints`);
  return (a.ints ?? []).map(num);
}
function attrString(n: WorkNode, name: string, dflt: string): string {
  const a = n.attrs.get(name);
  if (!a) return dflt;
  if (a.type !== AT.STRING && a.type) throw new EngineError(`${n.title}: attribute "${name}" should be a string`);
  return new TextDecoder().decode(a.s ?? new Uint8Array());
}

// ----- tensors -----
function readTensor(t: OnnxTypes.ITensorProto, what: string, file: string): Const {
  const fail = (m: string): never => {
    throw new EngineError(`${file}: ${what}: ${m}`);
  };
  if (t.dataLocation === 1) fail('its data is stored in an external file, which is not supported');
  const dims = (t.dims ?? []).map(num);
  for (const d of dims) if (!Number.isSafeInteger(d) || d < 0) fail(`has an invalid dimension ${d}`);
  const size = sizeOf(dims);
  if (size > MAX_CONST_ELEMENTS) fail(`has ${size} elements, more than the importer reads`);
  const type = t.dataType ?? 0;
  const bytes = ELEM_BYTES[type];
  if (bytes === undefined) fail(`data type ${elemName(type)} is not supported`);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (raw) {
    if (raw.length !== size * bytes!) fail(`has ${raw.length} bytes of data for dims [${dims.join(', ')}] of ${elemName(type)}`);
  } else {
    const list = (t.floatData?.length ? t.floatData : null) ?? (t.doubleData?.length ? t.doubleData : null) ?? (t.int32Data?.length ? t.int32Data : null) ?? (t.int64Data?.length ? t.int64Data : null) ?? [];
    if (list.length !== size) fail(`has ${list.length} values for dims [${dims.join(', ')}]`);
  }
  try {
    const v = tensorValues(t);
    return { kind: 'const', dims, data: v.data };
  } catch (e) {
    return fail((e as Error).message);
  }
}

function constFromAttr(n: WorkNode, file: string): Const {
  const a = n.attrs.get('value');
  if (a) {
    if (!a.t) throw new EngineError(`${file}: ${n.title}: its "value" is not a tensor`);
    return readTensor(a.t, n.title, file);
  }
  const f = n.attrs.get('value_float');
  if (f) return { kind: 'const', dims: [], data: Float64Array.of(f.f ?? 0) };
  const fs = n.attrs.get('value_floats');
  if (fs) return { kind: 'const', dims: [(fs.floats ?? []).length], data: Float64Array.from(fs.floats ?? []) };
  const i = n.attrs.get('value_int');
  if (i) return { kind: 'const', dims: [], data: Float64Array.of(num(i.i)) };
  const is = n.attrs.get('value_ints');
  if (is) return { kind: 'const', dims: [(is.ints ?? []).length], data: Float64Array.from((is.ints ?? []).map(num)) };
  throw new EngineError(`${file}: ${n.title}: only value, value_float(s) and value_int(s) constants are supported`);
}

/** Elementwise f over two constants with NumPy broadcasting. */
function broadcastConst(a: Const, b: Const, f: (x: number, y: number) => number, what: string, file: string): Const {
  const r = Math.max(a.dims.length, b.dims.length);
  const ad = [...Array(r - a.dims.length).fill(1), ...a.dims] as number[];
  const bd = [...Array(r - b.dims.length).fill(1), ...b.dims] as number[];
  const dims = ad.map((x, i) => {
    const y = bd[i]!;
    if (x !== y && x !== 1 && y !== 1) throw new EngineError(`${file}: ${what}: constants of shape [${a.dims.join(', ')}] and [${b.dims.join(', ')}] cannot be broadcast together`);
    return Math.max(x, y);
  });
  const size = sizeOf(dims);
  const data = new Float64Array(size);
  const idx = new Array<number>(r).fill(0);
  const strides = (d: number[]): number[] => {
    const s = new Array<number>(r).fill(0);
    let acc = 1;
    for (let i = r - 1; i >= 0; i--) {
      s[i] = d[i] === 1 ? 0 : acc;
      acc *= d[i]!;
    }
    return s;
  };
  const as = strides(ad);
  const bs = strides(bd);
  for (let k = 0; k < size; k++) {
    let ai = 0;
    let bi = 0;
    for (let i = 0; i < r; i++) {
      ai += idx[i]! * as[i]!;
      bi += idx[i]! * bs[i]!;
    }
    data[k] = Math.fround(f(a.data[ai]!, b.data[bi]!));
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < dims[i]!) break;
      idx[i] = 0;
    }
  }
  return { kind: 'const', dims, data };
}

const mapConst = (c: Const, f: (x: number) => number): Const => ({ kind: 'const', dims: [...c.dims], data: c.data.map((x) => Math.fround(f(x))) });
const scalarConst = (x: number): Const => ({ kind: 'const', dims: [], data: Float64Array.of(x) });

function transposeConst(c: Const, perm: number[]): Const {
  const r = c.dims.length;
  const dims = perm.map((p) => c.dims[p]!);
  const inStrides = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * c.dims[i + 1]!;
  const data = new Float64Array(c.data.length);
  const idx = new Array<number>(r).fill(0);
  for (let k = 0; k < data.length; k++) {
    let src = 0;
    for (let i = 0; i < r; i++) src += idx[i]! * inStrides[perm[i]!]!;
    data[k] = c.data[src]!;
    for (let i = r - 1; i >= 0; i--) {
      if (++idx[i]! < dims[i]!) break;
      idx[i] = 0;
    }
  }
  return { kind: 'const', dims, data };
}

// ----- reading the model -----
/** `/0/Gemm` (PyTorch) → `0`, `l1/Gemm` (ours) → `l1`; other names unchanged. */
function prettyLabel(name: string, op: string): string {
  let s = name.replace(/^\/+/, '');
  const m = /^(.*)\/([A-Za-z]+)(_\d+)?$/.exec(s);
  if (m && m[1] && m[2]!.toLowerCase() === op.toLowerCase()) s = m[1];
  return s || name;
}

function workNodes(graph: OnnxTypes.IGraphProto): WorkNode[] {
  return (graph.node ?? []).map((n, i) => {
    const op = n.opType ?? '';
    const raw = n.name || n.output?.[0] || `${op || 'node'}_${i}`;
    const label = prettyLabel(raw, op);
    const attrs = new Map<string, OnnxTypes.IAttributeProto>();
    for (const a of n.attribute ?? []) if (a.name) attrs.set(a.name, a);
    return {
      op,
      domain: n.domain ?? '',
      title: `${op || '(no op type)'} "${label}"`,
      label,
      inputs: [...(n.input ?? [])],
      outputs: [...(n.output ?? [])],
      attrs,
    };
  });
}

/** Nodes the outputs need, in an order where each comes after what it reads. */
function neededInOrder(nodes: WorkNode[], available: Set<string>, outputs: string[], file: string): WorkNode[] {
  const producer = new Map<string, WorkNode>();
  for (const n of nodes) for (const o of n.outputs) if (o && !producer.has(o)) producer.set(o, n);
  const needed = new Set<WorkNode>();
  const stack = [...outputs];
  const seenValues = new Set<string>();
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (seenValues.has(v)) continue;
    seenValues.add(v);
    const p = producer.get(v);
    if (!p) {
      if (!available.has(v)) throw new EngineError(`${file}: the value "${v}" is used but no node produces it and it is neither a graph input nor an initializer`);
      continue;
    }
    if (needed.has(p)) continue;
    needed.add(p);
    for (const i of p.inputs) if (i) stack.push(i);
  }
  // Kahn's algorithm in file order, round by round: a node's round is one past the latest round
  // of the nodes producing its inputs; the order is by round, then by file position (linear).
  const pending = nodes.filter((n) => needed.has(n));
  const index = new Map(pending.map((n, i) => [n, i] as const));
  const waiting = new Map<WorkNode, number>();
  const consumers = new Map<WorkNode, WorkNode[]>();
  const round = new Map<WorkNode, number>();
  const ready: WorkNode[] = [];
  for (const n of pending) {
    let count = 0;
    for (const i of n.inputs) {
      if (!i || available.has(i)) continue;
      const p = producer.get(i);
      if (!p) continue;
      count++;
      const c = consumers.get(p);
      if (c) c.push(n);
      else consumers.set(p, [n]);
    }
    waiting.set(n, count);
    if (count === 0) {
      round.set(n, 0);
      ready.push(n);
    }
  }
  for (let head = 0; head < ready.length; head++) {
    const n = ready[head]!;
    const r = round.get(n)! + 1;
    for (const c of consumers.get(n) ?? []) {
      if ((round.get(c) ?? -1) < r) round.set(c, r);
      const left = waiting.get(c)! - 1;
      waiting.set(c, left);
      if (left === 0) ready.push(c);
    }
  }
  if (ready.length < pending.length) {
    const stuck = pending.filter((n) => waiting.get(n)! > 0);
    throw new EngineError(`${file}: the graph has a cycle (or values no node produces) around ${stuck.slice(0, 3).map((n) => n.title).join(', ')}`);
  }
  return ready.sort((a, b) => round.get(a)! - round.get(b)! || index.get(a)! - index.get(b)!);
}

/**
 * Fuse multi-node patterns into one canvas node: MatMul + Add(bias) → Linear, the GELU erf
 * pattern 0.5·x·(1 + erf(x/√2)) → Activation gelu, Cast(Greater(x, 0)) → Activation step.
 */
function fusePatterns(order: WorkNode[], consts: Map<string, Const>, graphOutputs: Set<string>): WorkNode[] {
  const uses = new Map<string, WorkNode[]>();
  for (const n of order) {
    for (const i of n.inputs) {
      if (!i) continue;
      const u = uses.get(i);
      if (u) u.push(n);
      else uses.set(i, [n]);
    }
  }
  const position = new Map(order.map((n, i) => [n, i] as const));
  const single = (v: string): WorkNode | null => {
    const u = uses.get(v) ?? [];
    return u.length === 1 && !graphOutputs.has(v) ? u[0]! : null;
  };
  const producer = new Map<string, WorkNode>();
  for (const n of order) for (const o of n.outputs) if (o) producer.set(o, n);
  const scalarIs = (v: string | undefined, x: number, tol = 1e-6): boolean => {
    const c = v ? consts.get(v) : undefined;
    return !!c && c.data.length === 1 && Math.abs(c.data[0]! - x) <= tol;
  };
  const otherOf = (n: WorkNode, v: string): string | undefined => (n.inputs[0] === v ? n.inputs[1] : n.inputs[1] === v ? n.inputs[0] : undefined);
  const replaced = new Map<WorkNode, WorkNode | null>();
  const fuse = (parts: WorkNode[], op: string, inputs: string[], output: string, label: string): void => {
    if (parts.some((p) => replaced.has(p))) return;
    const last = parts.reduce((a, p) => (position.get(p)! > position.get(a)! ? p : a));
    const fused: WorkNode = { op, domain: '', title: `${parts.map((p) => p.title).join(' + ')}`, label, inputs, outputs: [output], attrs: new Map(), parts };
    for (const p of parts) replaced.set(p, p === last ? fused : null);
  };
  for (const n of order) {
    if (n.domain && n.domain !== 'ai.onnx') continue;
    if (n.op === 'MatMul' && n.inputs.length === 2) {
      const w = consts.get(n.inputs[1]!);
      const add = single(n.outputs[0]!);
      if (w && w.dims.length === 2 && add && add.op === 'Add' && add.inputs.length === 2) {
        const biasName = otherOf(add, n.outputs[0]!);
        const bias = biasName ? consts.get(biasName) : undefined;
        const m = w.dims[1]!;
        if (bias && ((bias.dims.length === 1 && bias.dims[0] === m) || (bias.dims.length === 2 && bias.dims[0] === 1 && bias.dims[1] === m))) {
          fuse([n, add], '$Linear', [n.inputs[0]!, n.inputs[1]!, biasName!], add.outputs[0]!, n.label);
        }
      }
    }
    if (n.op === 'Erf' && n.inputs[0]) {
      const d = producer.get(n.inputs[0]);
      if (!d || single(n.inputs[0]) !== n) continue;
      let x: string | undefined;
      if (d.op === 'Div' && scalarIs(d.inputs[1], Math.SQRT2)) x = d.inputs[0];
      else if (d.op === 'Mul') {
        if (scalarIs(d.inputs[1], Math.SQRT1_2)) x = d.inputs[0];
        else if (scalarIs(d.inputs[0], Math.SQRT1_2)) x = d.inputs[1];
      }
      if (!x) continue;
      const a = single(n.outputs[0]!);
      if (!a || a.op !== 'Add' || !scalarIs(otherOf(a, n.outputs[0]!), 1)) continue;
      const m1 = single(a.outputs[0]!);
      if (!m1 || m1.op !== 'Mul') continue;
      const o = otherOf(m1, a.outputs[0]!);
      if (o === x) {
        const m2 = single(m1.outputs[0]!);
        if (m2 && m2.op === 'Mul' && scalarIs(otherOf(m2, m1.outputs[0]!), 0.5)) fuse([d, n, a, m1, m2], '$Gelu', [x], m2.outputs[0]!, d.label);
      } else if (o && scalarIs(o, 0.5)) {
        const m2 = single(m1.outputs[0]!);
        if (m2 && m2.op === 'Mul' && otherOf(m2, m1.outputs[0]!) === x) fuse([d, n, a, m1, m2], '$Gelu', [x], m2.outputs[0]!, d.label);
      } else if (o) {
        const h = producer.get(o);
        if (h && h.op === 'Mul' && single(o) === m1 && otherOf(h, x) !== undefined && scalarIs(otherOf(h, x), 0.5)) fuse([h, d, n, a, m1], '$Gelu', [x], m1.outputs[0]!, d.label);
      }
    }
    if (n.op === 'Greater' && n.inputs.length === 2 && scalarIs(n.inputs[1], 0, 0)) {
      const c = single(n.outputs[0]!);
      if (c && c.op === 'Cast' && attrInt(c, 'to', 0) === DT.FLOAT) fuse([n, c], '$Step', [n.inputs[0]!], c.outputs[0]!, n.label);
    }
  }
  const out: WorkNode[] = [];
  for (const n of order) {
    if (!replaced.has(n)) out.push(n);
    else if (replaced.get(n)) out.push(replaced.get(n)!);
  }
  return out;
}

// ----- converting each node -----
function convert(im: Importer, n: WorkNode): void {
  const out = n.outputs[0] ?? '';
  const title = n.title;
  const x = (): TensorVal => im.tensorOf(n.inputs[0] ?? '', n);
  const set = (v: Val): void => im.setVal(out, v);
  const activation = (fn: string, extra: Record<string, unknown> = {}): void => set(im.add('Activation', n.label, { fn, ...extra }, { in: x() }, undefined, title));
  const noExtraOutputs = (): void => {
    if (n.outputs.slice(1).some((o) => o)) im.fail(`${title}: only its first output is supported`);
  };
  switch (n.op) {
    case 'Identity':
      set(im.val(n.inputs[0] ?? '', n));
      return;
    case 'Constant':
      set(constFromAttr(n, im.file));
      return;
    case 'Relu':
      return activation('relu');
    case 'Sigmoid':
      return activation('sigmoid');
    case 'Tanh':
      return activation('tanh');
    case 'Sign':
      return activation('sign');
    case '$Step':
      return activation('step');
    case '$Gelu':
      return activation('gelu');
    case 'Gelu': {
      const approx = attrString(n, 'approximate', 'none');
      if (approx !== 'none') im.fail(`${title}: approximate="${approx}" is not supported (the GELU activation is the exact erf form)`);
      return activation('gelu');
    }
    case 'LeakyRelu': {
      const alpha = attrFloat(n, 'alpha', 0.01);
      if (!(alpha >= 0 && alpha <= 1)) im.fail(`${title}: alpha ${alpha} is outside [0, 1], which the LeakyReLU activation takes`);
      return activation('leakyRelu', { negativeSlope: shortestFloat32(alpha) });
    }
    case 'Softmax':
    case 'LogSoftmax': {
      const t = x();
      const r = t.shape.length;
      if (r === 0) im.fail(`${title}: input is a scalar`);
      const raw = attrInt(n, 'axis', im.opset >= 13 ? -1 : 1);
      const axis = raw < 0 ? raw + r : raw;
      if (axis !== r - 1) {
        im.fail(`${title}: normalises over axis ${raw} of a rank-${r} input; the Softmax activation normalises the last axis only`);
      }
      const s = im.add('Activation', n.label, { fn: 'softmax' }, { in: t }, undefined, title);
      // log(softmax(x)): there is no log-softmax node type; exact for all but extreme logits (where softmax underflows to 0).
      set(n.op === 'Softmax' ? s : im.add('Log', `${n.label} log`, {}, { in: s }, undefined, title));
      return;
    }
    case 'Exp':
    case 'Log':
      set(im.add(n.op, n.label, {}, { in: x() }, undefined, title));
      return;
    case 'Neg':
      return binary(im, n, 'Mul', im.val(n.inputs[0] ?? '', n), scalarConst(-1));
    case 'Reciprocal':
      set(im.add('Power', n.label, { exponent: -1 }, { in: x() }, undefined, title));
      return;
    case 'Sqrt':
      set(im.add('Power', n.label, { exponent: 0.5 }, { in: x() }, undefined, title));
      return;
    case 'Pow': {
      const e = im.constOf(n.inputs[1] ?? '');
      if (!e || e.data.length !== 1) im.fail(`${title}: only a constant scalar exponent is supported (the Power node has a fixed exponent)`);
      const base = im.constOf(n.inputs[0] ?? '');
      if (base) return set(mapConst(base, (v) => Math.pow(v, e.data[0]!)));
      set(im.add('Power', n.label, { exponent: shortestFloat32(e.data[0]!) }, { in: x() }, undefined, title));
      return;
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      if (n.inputs.length !== 2) im.fail(`${title}: needs two inputs`);
      let b = im.val(n.inputs[1]!, n);
      const a = im.val(n.inputs[0]!, n);
      if (im.opset < 7 && attrInt(n, 'broadcast', 0) === 1 && n.attrs.has('axis')) b = legacyBroadcast(im, n, a, b);
      return binary(im, n, n.op, a, b);
    }
    case 'Max':
    case 'Sum':
    case 'Mean': {
      const ins = n.inputs.filter((i) => i);
      if (ins.length === 0) im.fail(`${title}: has no inputs`);
      let acc = im.val(ins[0]!, n);
      for (let k = 1; k < ins.length; k++) {
        const next = im.val(ins[k]!, n);
        acc = combine(im, n, n.op === 'Max' ? 'Max' : 'Add', acc, next, ins.length > 2 ? `${n.label} ${k}` : n.label);
      }
      if (n.op === 'Mean' && ins.length > 1) acc = combine(im, n, 'Mul', acc, scalarConst(1 / ins.length), `${n.label} mean`);
      set(acc);
      return;
    }
    case 'Gemm':
      return gemm(im, n);
    case 'MatMul':
    case '$Linear':
      return matmul(im, n);
    case 'BatchNormalization':
      return batchNorm(im, n);
    case 'Flatten': {
      const t = x();
      const r = t.shape.length;
      const raw = attrInt(n, 'axis', 1);
      const axis = raw < 0 ? raw + r : raw;
      if (axis < 0 || axis > r) im.fail(`${title}: axis ${raw} is out of range for a rank-${r} input`);
      if (axis === 1 && r >= 2) return set(im.add('Flatten', n.label, {}, { in: t }, undefined, title));
      if (t.shape.includes('N')) im.fail(`${title}: flattening at axis ${raw} would merge the batch dimension; only axis 1 keeps it`);
      const dims = t.shape as number[];
      const target = [sizeOf(dims.slice(0, axis)), sizeOf(dims.slice(axis))];
      set(im.add('Reshape', n.label, { shape: target }, { in: t }, undefined, title));
      return;
    }
    case 'Reshape':
      return reshape(im, n);
    case 'Dropout': {
      noExtraOutputs();
      let p = attrFloat(n, 'ratio', 0.5);
      if (n.inputs[1]) {
        const r = im.constOf(n.inputs[1]);
        if (!r || r.data.length !== 1) im.fail(`${title}: its ratio must be a constant`);
        p = r.data[0]!;
      }
      if (n.inputs[2]) {
        const tm = im.constOf(n.inputs[2]);
        if (!tm || tm.data[0] !== 0) im.fail(`${title}: training_mode must be a constant false (an inference model)`);
      }
      if (!(p >= 0 && p < 1)) im.fail(`${title}: ratio ${p} is outside [0, 1)`);
      set(im.add('Dropout', n.label, { p: shortestFloat32(p) }, { in: x() }, undefined, title));
      return;
    }
    case 'Transpose': {
      const c = im.constOf(n.inputs[0] ?? '');
      if (!c) im.fail(`${title}: transposing a tensor is not supported (only constants are folded)`);
      const r = c.dims.length;
      const perm = attrInts(n, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
      if (perm.length !== r || [...perm].sort((p, q) => p - q).some((p, i) => p !== i)) im.fail(`${title}: perm [${perm.join(', ')}] is not a permutation of ${r} axes`);
      set(transposeConst(c, perm));
      return;
    }
    case 'Cast': {
      const to = attrInt(n, 'to', 0);
      const v = im.val(n.inputs[0] ?? '', n);
      if (v.kind === 'const') return set({ ...v, data: to === DT.FLOAT ? v.data.map(Math.fround) : v.data });
      if (to !== DT.FLOAT) im.fail(`${title}: casting a tensor to ${elemName(to)} is not supported (the engine computes in float32)`);
      set(v);
      return;
    }
    case 'ReduceSum':
    case 'ReduceMean': {
      const keep = attrInt(n, 'keepdims', 1) === 1;
      let axes: number[] | null = attrInts(n, 'axes');
      if (n.inputs[1]) {
        const c = im.constOf(n.inputs[1]);
        if (!c) im.fail(`${title}: its axes must be a constant`);
        axes = Array.from(c.data);
      }
      if (axes && axes.length === 0) axes = null;
      if (axes === null && attrInt(n, 'noop_with_empty_axes', 0) === 1) return set(im.val(n.inputs[0] ?? '', n));
      set(im.add(n.op === 'ReduceSum' ? 'Sum' : 'Mean', n.label, { dims: axes, keepDim: keep }, { in: x() }, undefined, title));
      return;
    }
    case 'Erf':
      im.fail(`${title}: a bare Erf is not supported, only inside the GELU pattern 0.5·x·(1 + erf(x/√2))`);
    // falls through (fail never returns)
    case 'Greater':
      im.fail(`${title}: a bare Greater (booleans) is not supported, only Cast(Greater(x, 0)) to float, which is the step activation`);
    // falls through (fail never returns)
    default:
      im.fail(`${title}: the operator is not supported`);
  }
}

/** Opset < 7 broadcasting with an explicit axis: align a constant second operand at `axis`. */
function legacyBroadcast(im: Importer, n: WorkNode, a: Val, b: Val): Val {
  if (b.kind !== 'const') im.fail(`${n.title}: legacy broadcasting along an axis needs a constant second operand`);
  const rankA = a.kind === 'const' ? a.dims.length : a.shape.length;
  const raw = attrInt(n, 'axis', 0);
  const axis = raw < 0 ? raw + rankA : raw;
  const trailing = rankA - axis - b.dims.length;
  if (axis < 0 || trailing < 0) im.fail(`${n.title}: broadcast axis ${raw} does not fit`);
  return { kind: 'const', dims: [...b.dims, ...Array<number>(trailing).fill(1)], data: b.data };
}

/** Add/Mul/Sub/Div on values, folding constants; Sub and Div become Add and Multiply. */
function binary(im: Importer, n: WorkNode, op: string, a: Val, b: Val): void {
  const out = n.outputs[0] ?? '';
  if (a.kind === 'const' && b.kind === 'const') {
    const f = op === 'Add' ? (p: number, q: number) => p + q : op === 'Sub' ? (p: number, q: number) => p - q : op === 'Mul' ? (p: number, q: number) => p * q : (p: number, q: number) => p / q;
    im.setVal(out, broadcastConst(a, b, f, n.title, im.file));
    return;
  }
  switch (op) {
    case 'Add':
    case 'Mul':
      im.setVal(out, combine(im, n, op, a, b, n.label));
      return;
    case 'Sub': {
      // a − b = a + (−b)
      const negB = b.kind === 'const' ? mapConst(b, (v) => -v) : combine(im, n, 'Mul', b, scalarConst(-1), `${n.label} negate`);
      im.setVal(out, combine(im, n, 'Add', a, negB, n.label));
      return;
    }
    case 'Div': {
      // a / b = a · (1/b)
      if (b.kind === 'const' && b.data.some((v) => v === 0)) im.fail(`${n.title}: divides by a constant that holds 0`);
      const inv = b.kind === 'const' ? mapConst(b, (v) => 1 / v) : im.add('Power', `${n.label} reciprocal`, { exponent: -1 }, { in: b }, undefined, n.title);
      im.setVal(out, combine(im, n, 'Mul', a, inv, n.label));
      return;
    }
  }
}

/** Add / Mul / Max of two values as a canvas node (constants become Constant nodes). */
function combine(im: Importer, n: WorkNode, op: 'Add' | 'Mul' | 'Max', a: Val, b: Val, label: string): Val {
  if (a.kind === 'const' && b.kind === 'const') {
    const f = op === 'Add' ? (p: number, q: number) => p + q : op === 'Mul' ? (p: number, q: number) => p * q : Math.max;
    return broadcastConst(a, b, f, n.title, im.file);
  }
  const ta = a.kind === 'const' ? im.asTensor(a, `${label} a`) : a;
  const tb = b.kind === 'const' ? im.asTensor(b, `${label} b`) : b;
  const type = op === 'Mul' ? 'Multiply' : op;
  return im.add(type, label, {}, { a: ta, b: tb }, undefined, n.title);
}

/** A constant that broadcasts to one value per output feature (a Linear bias), or null. */
function asBias(c: Const, m: number): number[] | null {
  const lead = c.dims.slice(0, -1);
  const last = c.dims.length > 0 ? c.dims[c.dims.length - 1]! : 1;
  if (lead.some((d) => d !== 1)) return null;
  if (last === m) return Array.from(c.data);
  if (last === 1) return new Array<number>(m).fill(c.data[0]!);
  return null;
}

function gemm(im: Importer, n: WorkNode): void {
  const title = n.title;
  const transA = attrInt(n, 'transA', 0);
  const transB = attrInt(n, 'transB', 0);
  const alpha = attrFloat(n, 'alpha', 1);
  const beta = attrFloat(n, 'beta', 1);
  if (transA !== 0) im.fail(`${title}: transA=1 is not supported (the input would have to be transposed)`);
  if (n.inputs.length < 2) im.fail(`${title}: needs inputs A and B`);
  const a = im.tensorOf(n.inputs[0]!, n);
  const bConst = im.constOf(n.inputs[1]!);
  const cName = n.inputs[2] ?? '';
  const c = cName ? im.val(cName, n) : null;
  let result: TensorVal;
  let biasDone = false;
  if (bConst) {
    if (bConst.dims.length !== 2) im.fail(`${title}: B must be 2-D, got [${bConst.dims.join(', ')}]`);
    // Linear's weight is [out, in] = B (transB=1) or Bᵀ (transB=0), scaled by alpha.
    const w = transB ? bConst : transposeConst(bConst, [1, 0]);
    const [outF, inF] = w.dims as [number, number];
    const weights: Record<string, TensorValue> = { weight: weight(w.dims, w.data.map((v) => Math.fround(v * alpha))) };
    let bias: number[] | null = null;
    if (c && c.kind === 'const') {
      bias = beta === 0 ? null : asBias(c, outF);
      if (bias) bias = bias.map((v) => v * beta);
      biasDone = beta === 0 || bias !== null;
    }
    if (bias) weights['bias'] = weight([outF], bias);
    result = im.add('Linear', n.label, { inFeatures: inF, outFeatures: outF, bias: bias !== null }, { in: a }, weights, title);
  } else {
    if (transB !== 0) im.fail(`${title}: transB=1 with a B that is not a constant is not supported (no Transpose node)`);
    const b = im.tensorOf(n.inputs[1]!, n);
    const mm = im.add('MatMul', n.label, {}, { a, b }, undefined, title);
    result = alpha === 1 ? mm : (combine(im, n, 'Mul', mm, scalarConst(alpha), `${n.label} alpha`) as TensorVal);
  }
  if (c && !biasDone && beta !== 0) {
    const scaled: Val = c.kind === 'const' ? mapConst(c, (v) => v * beta) : beta === 1 ? c : combine(im, n, 'Mul', c, scalarConst(beta), `${n.label} beta`);
    result = combine(im, n, 'Add', result, scaled, `${n.label} bias`) as TensorVal;
  }
  im.setVal(n.outputs[0] ?? '', result);
}

function matmul(im: Importer, n: WorkNode): void {
  const title = n.title;
  if (n.inputs.length < 2) im.fail(`${title}: needs two inputs`);
  const b = im.constOf(n.inputs[1]!);
  const aVal = im.val(n.inputs[0]!, n);
  if (b && b.dims.length === 2 && aVal.kind === 'tensor') {
    // x·B = Linear with weight Bᵀ
    const w = transposeConst(b, [1, 0]);
    const [outF, inF] = w.dims as [number, number];
    const weights: Record<string, TensorValue> = { weight: weight(w.dims, w.data) };
    let hasBias = false;
    if (n.op === '$Linear') {
      const c = im.constOf(n.inputs[2]!)!;
      weights['bias'] = weight([outF], c.data);
      hasBias = true;
    }
    im.setVal(n.outputs[0] ?? '', im.add('Linear', n.label, { inFeatures: inF, outFeatures: outF, bias: hasBias }, { in: aVal }, weights, title));
    return;
  }
  const mm = im.add('MatMul', n.label, {}, { a: im.tensorOf(n.inputs[0]!, n), b: im.tensorOf(n.inputs[1]!, n) }, undefined, title);
  if (n.op === '$Linear') {
    im.setVal(n.outputs[0] ?? '', combine(im, n, 'Add', mm, im.constOf(n.inputs[2]!)!, `${n.label} bias`));
    return;
  }
  im.setVal(n.outputs[0] ?? '', mm);
}

function batchNorm(im: Importer, n: WorkNode): void {
  const title = n.title;
  if (attrInt(n, 'training_mode', 0) !== 0) im.fail(`${title}: training_mode=1 is not supported (an inference model uses the running statistics)`);
  if (im.opset < 7 && n.attrs.has('is_test') && attrInt(n, 'is_test', 0) === 0) im.fail(`${title}: is_test=0 (training form) is not supported`);
  if (n.outputs.slice(1).some((o) => o)) im.fail(`${title}: only its first output (the training-form statistics outputs are not supported)`);
  const t = im.tensorOf(n.inputs[0] ?? '', n);
  if (t.shape.length !== 2) im.fail(`${title}: input has shape ${formatSymShape(t.shape)}; BatchNorm1d takes N×C (rank 2) only`);
  const c = t.shape[1];
  const names = ['weight', 'bias', 'running_mean', 'running_var'];
  const weights: Record<string, TensorValue> = {};
  names.forEach((name, k) => {
    const v = im.constOf(n.inputs[k + 1] ?? '');
    if (!v) im.fail(`${title}: its ${['scale', 'B', 'mean', 'var'][k]} must be a constant`);
    if (v.data.length !== c) im.fail(`${title}: its ${['scale', 'B', 'mean', 'var'][k]} has ${v.data.length} values for ${String(c)} features`);
    weights[name] = weight([v.data.length], v.data);
  });
  const eps = shortestFloat32(attrFloat(n, 'epsilon', 1e-5));
  const momentum = Number((1 - attrFloat(n, 'momentum', 0.9)).toPrecision(6));
  const p = { numFeatures: c, eps, momentum: momentum >= 0 && momentum <= 1 ? momentum : 0.1 };
  im.setVal(n.outputs[0] ?? '', im.add('BatchNorm1d', n.label, p, { in: t }, weights, title));
}

function reshape(im: Importer, n: WorkNode): void {
  const title = n.title;
  const t = im.tensorOf(n.inputs[0] ?? '', n);
  let target: number[];
  if (n.inputs[1]) {
    const c = im.constOf(n.inputs[1]);
    if (!c) im.fail(`${title}: its shape must be a constant`);
    target = Array.from(c.data);
  } else {
    const s = attrInts(n, 'shape');
    if (!s) im.fail(`${title}: has no shape`);
    target = s;
  }
  const allowZero = attrInt(n, 'allowzero', 0) === 1;
  if (allowZero && target.includes(0)) im.fail(`${title}: allowzero=1 with a 0 in the shape makes an empty tensor, which is not supported`);
  if (target.filter((d) => d === -1).length > 1 || target.some((d) => d < -1 || !Number.isInteger(d))) im.fail(`${title}: invalid shape [${target.join(', ')}]`);
  const s = t.shape;
  const batched = s[0] === 'N';
  const resolved: Dim[] = target.map((d, i) => (d === 0 ? (s[i] ?? im.fail(`${title}: shape [${target.join(', ')}] copies dimension ${i}, which the input does not have`)) : d));
  if (batched) {
    if (resolved[0] !== 'N' && resolved[0] !== -1) im.fail(`${title}: reshaping to [${target.join(', ')}] changes the batch dimension, which the Reshape node keeps`);
    const rest = resolved.slice(1);
    if (rest.includes('N')) im.fail(`${title}: moves the batch dimension`);
    const per = sizeOf(s.slice(1) as number[]);
    let dims = rest as number[];
    if (resolved[0] === -1 && dims.includes(-1)) im.fail(`${title}: invalid shape [${target.join(', ')}]`);
    if (dims.includes(-1)) {
      const known = sizeOf(dims.filter((d) => d !== -1));
      if (known === 0 || per % known !== 0) im.fail(`${title}: cannot reshape ${formatSymShape(s)} to [${target.join(', ')}]`);
      dims = dims.map((d) => (d === -1 ? per / known : d));
    }
    if (dims.length === 0) im.fail(`${title}: reshaping each sample to a scalar is not supported`);
    im.setVal(n.outputs[0] ?? '', im.add('Reshape', n.label, { shape: dims }, { in: t }, undefined, title));
    return;
  }
  const total = sizeOf(s as number[]);
  let dims = resolved as number[];
  if (dims.includes(-1)) {
    const known = sizeOf(dims.filter((d) => d !== -1));
    if (known === 0 || total % known !== 0) im.fail(`${title}: cannot reshape ${formatSymShape(s)} to [${target.join(', ')}]`);
    dims = dims.map((d) => (d === -1 ? total / known : d));
  }
  if (dims.length === 0) im.fail(`${title}: reshaping to a scalar is not supported`);
  im.setVal(n.outputs[0] ?? '', im.add('Reshape', n.label, { shape: dims }, { in: t }, undefined, title));
}

// ----- layout -----
const COLUMN = 220;
const ROW = 110;

/** Left to right by topological depth; within a column, ordered by where the inputs sit. */
function layout(nodes: GraphNode[], edges: GraphEdge[]): void {
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, k: string, v: string): void => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  for (const e of edges) {
    add(preds, e.target, e.source);
    add(succs, e.source, e.target);
  }
  const depth = new Map<string, number>();
  // nodes are created in topological order
  for (const n of nodes) depth.set(n.id, (preds.get(n.id) ?? []).reduce((m, p) => Math.max(m, depth.get(p) ?? 0), -1) + 1);
  // Sources that feed one place (constants) sit just left of their first consumer.
  for (const n of nodes) {
    if ((preds.get(n.id) ?? []).length > 0 || hasRole(n, 'input')) continue;
    const consumers = (succs.get(n.id) ?? []).map((s) => depth.get(s) ?? 1);
    if (consumers.length > 0) depth.set(n.id, Math.max(0, consumers.reduce((m, c) => Math.min(m, c), Infinity) - 1));
  }
  const columns = new Map<number, GraphNode[]>();
  for (const n of nodes) {
    const d = depth.get(n.id)!;
    const col = columns.get(d);
    if (col) col.push(n);
    else columns.set(d, [n]);
  }
  const rowOf = new Map<string, number>();
  let tallest = 0;
  for (const c of columns.values()) tallest = Math.max(tallest, c.length);
  for (const d of [...columns.keys()].sort((a, b) => a - b)) {
    const col = columns.get(d)!;
    const key = (n: GraphNode): number => {
      const ps = (preds.get(n.id) ?? []).map((p) => rowOf.get(p)).filter((r): r is number => r !== undefined);
      if (ps.length > 0) return ps.reduce((a, b) => a + b, 0) / ps.length;
      const ss = (succs.get(n.id) ?? []).length;
      return ss > 0 ? -0.5 : 0;
    };
    const sorted = col.map((n, i) => ({ n, k: key(n), i })).sort((p, q) => p.k - q.k || p.i - q.i);
    const offset = (tallest - col.length) / 2;
    sorted.forEach(({ n }, i) => {
      rowOf.set(n.id, i + offset);
      n.position = { x: 40 + d * COLUMN, y: 40 + Math.round((i + offset) * ROW) };
    });
  }
}

// ----- the entry points -----

/** What an ONNX file declares, without converting it (for `bpstudio info` and the app's import dialog). */
export interface OnnxSummary {
  irVersion: number;
  opset: number | null;
  producer: string;
  graphName: string;
  inputs: { name: string; shape: (number | string)[]; type: string }[];
  outputs: { name: string; shape: (number | string)[]; type: string }[];
  metadata: Record<string, string>;
  opTypes: Record<string, number>;
}

function valueShape(vi: OnnxTypes.IValueInfoProto): { shape: (number | string)[]; type: string; known: boolean } {
  const tt = vi.type?.tensorType;
  if (!tt) return { shape: [], type: 'not a tensor', known: false };
  const dims = tt.shape?.dim;
  const shape = (dims ?? []).map((d, i) => {
    if (d.dimParam) return d.dimParam;
    const v = num(d.dimValue ?? 0);
    return v > 0 ? v : `?${i}`;
  });
  return { shape, type: elemName(tt.elemType ?? 0), known: !!tt.shape };
}

function defaultOpset(model: OnnxTypes.ModelProto): number | null {
  const o = (model.opsetImport ?? []).find((x) => !x.domain || x.domain === 'ai.onnx');
  return o ? num(o.version) : null;
}

export function summarizeOnnx(bytes: Uint8Array, file = 'model'): OnnxSummary {
  const model = decodeModel(bytes, file);
  const g = model.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name ?? ''));
  const opTypes: Record<string, number> = {};
  for (const n of g.node ?? []) opTypes[n.opType ?? ''] = (opTypes[n.opType ?? ''] ?? 0) + 1;
  const io = (vi: OnnxTypes.IValueInfoProto): { name: string; shape: (number | string)[]; type: string } => {
    const s = valueShape(vi);
    return { name: vi.name ?? '', shape: s.shape, type: s.type };
  };
  return {
    irVersion: num(model.irVersion ?? 0),
    opset: defaultOpset(model),
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    graphName: g.name ?? '',
    inputs: (g.input ?? []).filter((i) => !inits.has(i.name ?? '')).map(io),
    outputs: (g.output ?? []).map(io),
    metadata: Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    opTypes,
  };
}

/**
 * Convert ONNX bytes into a graph document (formatVersion 2). Throws EngineError naming the file
 * and what is wrong: unreadable bytes, unsupported operators (all of them in one message), or a
 * supported operator used in a way the canvas nodes cannot express.
 */
export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): GraphDocument {
  const file = options.file ?? 'model';
  const model = decodeModel(bytes, file);
  const g = model.graph!;
  const opset = defaultOpset(model);
  if (opset === null) throw new EngineError(`${file}: the model declares no ai.onnx opset; it is not a valid ONNX model`);
  const metadata = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const im = new Importer(file, opset);

  // Constants: initializers, then Constant nodes.
  const consts = new Map<string, Const>();
  for (const t of g.initializer ?? []) {
    if (!t.name) throw new EngineError(`${file}: an initializer has no name`);
    consts.set(t.name, readTensor(t, `initializer "${t.name}"`, file));
  }
  const all = workNodes(g);
  const outputsDecl = g.output ?? [];
  if (outputsDecl.length === 0) throw new EngineError(`${file}: the graph has no outputs`);
  const outputNames = outputsDecl.map((o) => o.name ?? '');
  const graphInputs = (g.input ?? []).filter((i) => !consts.has(i.name ?? ''));
  const available = new Set<string>([...consts.keys(), ...graphInputs.map((i) => i.name ?? '')]);
  const order = neededInOrder(all, available, outputNames, file);

  // One error for every unsupported operator.
  const unsupported = order.filter((n) => (n.domain && n.domain !== 'ai.onnx') || !SUPPORTED.has(n.op));
  if (unsupported.length > 0) {
    const lines = unsupported.map((n) => `  ${n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : ''}${n.op || '(no op type)'} (node "${n.label}")`);
    const types = [...new Set(unsupported.map((n) => n.op || '(no op type)'))];
    throw new EngineError(
      `${file}: ${unsupported.length} node${unsupported.length === 1 ? ' uses an operator' : 's use operators'} the importer does not support (${types.join(', ')}):\n${lines.join('\n')}\n` +
        `supported: ${SUPPORTED_ONNX_OPS.join(', ')}`,
    );
  }
  for (const n of order) if (n.op === 'Constant') consts.set(n.outputs[0] ?? '', constFromAttr(n, file));
  for (const [name, c] of consts) im.setVal(name, c);

  // Graph inputs → Input nodes (only those the outputs need).
  const used = new Set<string>(outputNames);
  for (const n of order) for (const i of n.inputs) used.add(i);
  for (const vi of graphInputs) {
    const name = vi.name ?? '';
    if (!used.has(name)) continue;
    const tt = vi.type?.tensorType;
    if (!tt) throw new EngineError(`${file}: graph input "${name}" is not a tensor`);
    if ((tt.elemType ?? 0) !== DT.FLOAT) throw new EngineError(`${file}: graph input "${name}" is ${elemName(tt.elemType ?? 0)}; only float32 inputs are supported (the engine computes in float32)`);
    if (!tt.shape) throw new EngineError(`${file}: graph input "${name}" has no shape; the importer needs at least the rank`);
    const dims = (tt.shape.dim ?? []).map((d) => (d.dimParam ? 'N' : num(d.dimValue ?? 0) > 0 ? num(d.dimValue) : 'N')) as Dim[];
    for (const d of dims) if (typeof d === 'number' && !Number.isSafeInteger(d)) throw new EngineError(`${file}: graph input "${name}" has an invalid dimension ${d}`);
    if (dims.slice(1).includes('N')) throw new EngineError(`${file}: graph input "${name}" has shape [${dims.join(', ')}]; only the first (batch) dimension may be dynamic`);
    const batched = dims[0] === 'N';
    if (batched && dims.length === 1) throw new EngineError(`${file}: graph input "${name}" is a batch of scalars [N]; give it a feature dimension [N, 1]`);
    const shape = batched ? (dims.slice(1) as number[]) : (dims as number[]);
    im.setVal(name, im.add('Input', name, { shape, batched }, {}, undefined, `graph input "${name}"`));
  }

  const fused = fusePatterns(order, consts, new Set(outputNames));
  for (const n of fused) {
    if (n.op === 'Constant') continue;
    convert(im, n);
  }

  const outNames = new Set<string>();
  for (const o of outputsDecl) {
    const name = o.name ?? '';
    const v = im.val(name, { title: `graph output "${name}"` } as WorkNode);
    const t = im.asTensor(v, name);
    im.add('Output', uniqueName(name || 'output', outNames), { name }, { in: t }, undefined, `graph output "${name}"`);
  }

  layout(im.nodes, im.edges);
  const producer = `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim();
  const docName = options.name ?? (metadata.get('source_document') || (options.file ? basename(options.file).replace(/\.onnx$/i, '') : '') || g.name || 'Imported model');
  const doc: GraphDocument = {
    formatVersion: CURRENT_FORMAT_VERSION,
    name: docName,
    description: `Imported from ${basename(file)} (${producer || 'unknown producer'}, IR ${num(model.irVersion ?? 0)}, opset ${opset})`,
    nodes: im.nodes,
    edges: im.edges,
  };
  // The schema the app reads documents with (finite numbers, ids, …), then the graph rules.
  const parsed = parseDocument(JSON.parse(JSON.stringify(doc)));
  if (!parsed.ok) throw new EngineError(`${file}: the imported graph is not a valid document:\n${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('\n')}`);
  const validation = validateDocument(doc, { requireLoss: false });
  if (!validation.ok) {
    const errors = validation.diagnostics.filter((d) => d.severity === 'error');
    throw new EngineError(`${file}: the imported graph does not validate:\n${errors.map(formatDiagnostic).join('\n')}`);
  }
  return doc;
}

/** Read an ONNX file and write the graph document (JSON) atomically. */
export function importOnnxFile(inputPath: string, outputPath: string, options: Omit<OnnxImportOptions, 'file'> = {}): GraphDocument {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(inputPath);
  } catch (e) {
    throw new EngineError(`${inputPath}: ${(e as Error).message}`);
  }
  const doc = importOnnx(bytes, { ...options, file: inputPath });
  writeFileAtomic(outputPath, `${JSON.stringify(doc, null, 2)}\n`);
  return doc;
}
