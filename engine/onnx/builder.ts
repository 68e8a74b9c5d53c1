/**
 * Building and reading ONNX models (protobuf via the `onnx-proto` package). Both the exporter
 * and the onnxruntime backend write their graphs through `OnnxGraphBuilder`; names are
 * generated deterministically, so the same input always gives byte-identical files.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import { EngineError } from '../core/errors';

/** The generated protobuf classes (a CommonJS package: reached through its default export under ESM). */
export const onnx = onnxProto.onnx;
export type { OnnxTypes };

/** What we write: IR version 8, opset 17 (what Debian's python3-onnx checker accepts and every current runtime loads). */
export const IR_VERSION = 8;
export const OPSET = 17;

export const DT = onnx.TensorProto.DataType;
export type ElemType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool';
const ELEM: Record<ElemType, number> = { float32: DT.FLOAT, float64: DT.DOUBLE, int64: DT.INT64, int32: DT.INT32, bool: DT.BOOL };

/** A tagged attribute value, so that ints and floats are written with the right ONNX type. */
export type AttrValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: OnnxTypes.ITensorProto };
export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: readonly number[]): AttrValue => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): AttrValue => ({ kind: 'floats', value }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  tensor: (value: OnnxTypes.ITensorProto): AttrValue => ({ kind: 'tensor', value }),
};

/** A dimension: a number, or a symbolic name such as `N` (dynamic batch). */
export type OnnxDim = number | string;

function attributeProto(name: string, a: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
    case 'tensor':
      return { name, type: T.TENSOR, t: a.value };
  }
}

/** A tensor proto with raw little-endian data. */
export function tensorProto(name: string, type: ElemType, dims: readonly number[], values: ArrayLike<number> | ArrayLike<bigint>): OnnxTypes.ITensorProto {
  let raw: Uint8Array;
  switch (type) {
    case 'float32':
      raw = new Uint8Array(Float32Array.from(values as ArrayLike<number>).buffer);
      break;
    case 'float64':
      raw = new Uint8Array(Float64Array.from(values as ArrayLike<number>).buffer);
      break;
    case 'int32':
      raw = new Uint8Array(Int32Array.from(values as ArrayLike<number>).buffer);
      break;
    case 'int64':
      raw = new Uint8Array(BigInt64Array.from(Array.from(values as ArrayLike<number | bigint>, (v) => BigInt(v))).buffer);
      break;
    case 'bool':
      raw = Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
      break;
  }
  return { name, dataType: ELEM[type], dims: [...dims], rawData: raw };
}

function valueInfo(name: string, type: ElemType, dims: readonly OnnxDim[] | null): OnnxTypes.IValueInfoProto {
  const shape = dims === null ? undefined : { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType: { elemType: ELEM[type], ...(shape ? { shape } : {}) } } };
}

export interface ModelOptions {
  graphName: string;
  producerVersion: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly constCache = new Map<string, string>();

  /** A fresh value name `prefix`, `prefix_1`, … */
  name(prefix: string): string {
    const base = prefix.replace(/[^A-Za-z0-9_.:/-]/g, '_') || 'v';
    let n = this.counters.get(base) ?? 0;
    let candidate = n === 0 ? base : `${base}_${n}`;
    while (this.used.has(candidate)) candidate = `${base}_${++n}`;
    this.counters.set(base, n + 1);
    this.used.add(candidate);
    return candidate;
  }

  /** Reserve an exact name (graph inputs and outputs); throws if taken. */
  reserve(name: string): string {
    if (this.used.has(name)) throw new EngineError(`ONNX graph: the name "${name}" is used twice`);
    this.used.add(name);
    return name;
  }

  addInput(name: string, type: ElemType, dims: readonly OnnxDim[]): string {
    this.inputs.push(valueInfo(this.reserve(name), type, dims));
    return name;
  }

  /** Declare an existing value as a graph output (dims null: unknown shape). */
  addOutput(name: string, type: ElemType, dims: readonly OnnxDim[] | null): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  addInitializer(prefix: string, type: ElemType, dims: readonly number[], values: ArrayLike<number>): string {
    const name = this.name(prefix);
    this.initializers.push(tensorProto(name, type, dims, values));
    return name;
  }

  /** A small constant, shared when the same values are asked for again. */
  constant(type: ElemType, dims: readonly number[], values: ArrayLike<number>, prefix = 'const'): string {
    const key = `${type}|${dims.join(',')}|${Array.from(values).join(',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.addInitializer(prefix, type, dims, values);
    this.constCache.set(key, name);
    return name;
  }

  /** Add a node; returns its output names (fresh ones unless given). */
  node(opType: string, inputs: readonly string[], options: { outputs?: readonly string[] | number; attrs?: Readonly<Record<string, AttrValue>>; name?: string } = {}): string[] {
    const outs = Array.isArray(options.outputs)
      ? [...(options.outputs as readonly string[])]
      : Array.from({ length: (options.outputs as number | undefined) ?? 1 }, () => this.name(opType.toLowerCase()));
    const attrs = Object.entries(options.attrs ?? {}).map(([k, v]) => attributeProto(k, v));
    this.nodes.push({
      opType,
      input: [...inputs],
      output: outs,
      name: options.name ?? this.name(`${opType}_node`),
      ...(attrs.length > 0 ? { attribute: attrs } : {}),
    });
    return outs;
  }

  /** Shorthand for a one-output node. */
  op(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, AttrValue>>, output?: string): string {
    return this.node(opType, inputs, { ...(attrs ? { attrs } : {}), ...(output ? { outputs: [output] } : {}) })[0]!;
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  toModel(options: ModelOptions): OnnxTypes.ModelProto {
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'Backprop Studio',
      producerVersion: options.producerVersion,
      ...(options.docString ? { docString: options.docString } : {}),
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
  }

  build(options: ModelOptions): Uint8Array {
    return onnx.ModelProto.encode(this.toModel(options)).finish();
  }
}

/** Decode ONNX bytes; a clear error (never a crash) for empty, truncated or non-ONNX bytes. */
export function decodeModel(bytes: Uint8Array, file = 'model'): OnnxTypes.ModelProto {
  if (bytes.length === 0) throw new EngineError(`${file}: the file is empty, not an ONNX model`);
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new EngineError(`${file}: not a valid ONNX model (protobuf decoding failed: ${(e as Error).message})`);
  }
  if (!model.graph) throw new EngineError(`${file}: not an ONNX model (no graph in the protobuf)`);
  return model;
}

/** Numbers of an initializer or constant tensor, whatever way it stores them. */
export function tensorValues(t: OnnxTypes.ITensorProto): { dims: number[]; type: number; data: Float64Array } {
  const dims = (t.dims ?? []).map((d) => Number(d));
  const size = dims.reduce((a, b) => a * b, 1);
  const type = t.dataType ?? 0;
  const out = new Float64Array(size);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (raw) {
    const buf = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength);
    const view =
      type === DT.FLOAT ? new Float32Array(buf)
      : type === DT.DOUBLE ? new Float64Array(buf)
      : type === DT.INT32 ? new Int32Array(buf)
      : type === DT.INT64 ? Float64Array.from(new BigInt64Array(buf), (v) => Number(v))
      : type === DT.UINT8 || type === DT.BOOL ? new Uint8Array(buf)
      : type === DT.INT8 ? new Int8Array(buf)
      : null;
    if (!view) throw new EngineError(`tensor "${t.name}": data type ${type} is not supported`);
    if (view.length !== size) throw new EngineError(`tensor "${t.name}": has ${view.length} values for dims [${dims.join(', ')}]`);
    out.set(view);
    return { dims, type, data: out };
  }
  const list: ArrayLike<number | { toNumber(): number }> =
    (t.floatData && t.floatData.length ? t.floatData : null) ??
    (t.doubleData && t.doubleData.length ? t.doubleData : null) ??
    (t.int32Data && t.int32Data.length ? t.int32Data : null) ??
    ((t.int64Data && t.int64Data.length ? t.int64Data : null) as ArrayLike<number | { toNumber(): number }> | null) ??
    [];
  if (list.length !== size) throw new EngineError(`tensor "${t.name}": has ${list.length} values for dims [${dims.join(', ')}]`);
  for (let i = 0; i < size; i++) {
    const v = list[i]!;
    out[i] = typeof v === 'number' ? v : v.toNumber();
  }
  return { dims, type, data: out };
}
