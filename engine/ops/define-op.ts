import type { DType, TypedArray } from '../core/dtype';
import { promoteTypes } from '../core/dtype';
import type { Shape } from '../core/shape';
import { Tensor } from '../core/tensor';
import { isGradEnabled } from '../autograd/grad-mode';
import { GradNode } from '../autograd/node';

/** Attributes of an op (axis, exponent, …): plain data, so they serialise and hash. */
export type Attrs = Readonly<Record<string, unknown>>;

/** What a vector-Jacobian product rule receives. */
export interface VjpContext<A extends Attrs> {
  /** The op's inputs, as the graph saw them (graph-connected, so `createGraph` can differentiate again). */
  readonly inputs: readonly Tensor[];
  /** The op's output (saved: exp, sigmoid, tanh and softmax use it). */
  readonly output: Tensor;
  readonly attrs: A;
  /** The upstream gradient ∂L/∂output, with the output's shape. */
  readonly gradOutput: Tensor;
  /** Which inputs need a gradient; a rule may skip work for the others. */
  readonly needsGrad: readonly boolean[];
}

/** A sample call for the op's conformance and gradient-check tests. */
export interface OpSample<A extends Attrs> {
  readonly label?: string;
  /** Input shapes; values are drawn at random unless `values` gives them. */
  readonly shapes: readonly Shape[];
  readonly values?: readonly (readonly number[] | undefined)[];
  readonly attrs: A;
  /** Whether the op is twice differentiable at these inputs (checked to second order). Default true. */
  readonly secondOrder?: boolean;
  /** Keep random inputs away from kinks: |x| ≥ this (relu, abs, max …). */
  readonly awayFromZero?: number;
  /** Inputs must be positive (log, sqrt, pow with fractional exponent). */
  readonly positive?: boolean;
  /** Positions of integer (int32) index inputs; their `values` are required. */
  readonly intInputs?: readonly number[];
}

/**
 * One op, one place: its name, shape rule, forward kernel on the ts backend, and its
 * vector-Jacobian product written with other ops (so the gradient graph is itself an op graph
 * and can be differentiated again or lowered like any other).
 */
export interface OpDef<A extends Attrs = Attrs> {
  /** The op's name, lowerCamelCase (`add`, `logSoftmax`). */
  readonly name: string;
  /** Name of its backward node (`AddBackward0`). */
  readonly gradFnName: string;
  /** Number of tensor inputs. */
  readonly arity: number;
  /** One line for docs and tooltips. */
  readonly doc: string;
  /** Output shape from input shapes; throws ShapeError naming the op and the shapes. */
  inferShape(shapes: readonly Shape[], attrs: A): Shape;
  /** Output dtype; default: promotion of the input dtypes. */
  inferDType?(dtypes: readonly DType[], attrs: A): DType;
  /** The kernel: inputs are contiguous row-major; returns a new array of the output's size and dtype. */
  forward(inputs: readonly Tensor[], attrs: A, outShape: Shape, outDType: DType): TypedArray;
  /**
   * The VJP: ∂L/∂input_i for each input, built from ops (never by writing numbers), so it is
   * recorded when `createGraph` is on. `null` means no gradient flows to that input.
   * Absent: the op is not differentiable (argmax, comparisons) and never joins the tape.
   */
  vjp?(ctx: VjpContext<A>): readonly (Tensor | null)[];
  /** Sample calls used by the gradient-check and conformance tests (required for differentiable ops). */
  readonly samples?: readonly OpSample<A>[];
  /**
   * The ONNX lowering (opset 17): add the nodes that compute this op from `ctx.inputs` and
   * return the name of the value holding the output, of dtype `ctx.outDType`. The ort backend
   * lowers the forward pass and the VJPs (they are ops too) through these rules. Every op of the
   * registry has one (a test checks); an op defined elsewhere without it runs on the ts backend only.
   */
  toOnnx?(ctx: OnnxLowering<A>): string;
  /**
   * A random source (the dropout mask): its values are drawn on the host from a seeded
   * generator each time it runs. A replayed step program re-runs it; the ort backend feeds its
   * values as a graph input each step (ONNX's random ops would not draw our stream).
   */
  readonly random?: boolean;
  /**
   * A kernel specialised to one call's shapes and dtypes that writes into a preallocated output
   * (the replayed step program: no allocation, no shape work per step). It must compute exactly
   * what `forward` does — the same float roundings in the same order — so that a replayed step is
   * bitwise equal to the eager one. Absent (or null for these shapes): the program runs `forward` and copies.
   */
  specialize?(call: KernelCall<A>): Kernel | null;
  /**
   * Elementwise ops: the function of one element — `f(a, b)` for two inputs, `f(x, attrs)` for
   * one — applied at each index (inputs of the output's size, or one element broadcast). A step
   * program fuses a chain of them into one loop, rounding each result as its storage would.
   */
  readonly elementwise?: ElementFn;
  /**
   * The same element function as JavaScript source over `x` (and `y`), with no free names but
   * `Math` — what a fused loop writes inline instead of calling `elementwise` (the hot ops:
   * arithmetic, sqrt, exp, relu …). It must compute exactly what `elementwise` does.
   */
  readonly elementExpr?: string;
}

/** The function of one element of an elementwise op (see `OpDef.elementwise`). */
export type ElementFn = (x: number, y: never) => number;

/** The shapes and dtypes of one op application, fixed when a step program is compiled. */
export interface KernelCall<A extends Attrs = Attrs> {
  readonly attrs: A;
  readonly inputShapes: readonly Shape[];
  readonly inputDTypes: readonly DType[];
  readonly outShape: Shape;
  readonly outDType: DType;
}

/** A specialised kernel: reads the inputs' storage and writes the output's, every element. */
export type Kernel = (inputs: readonly TypedArray[], out: TypedArray) => void;

/** An ONNX attribute value, tagged so that ints and floats are written with the right type. */
export type OnnxAttr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** What an op's ONNX lowering receives: its inputs as ONNX value names, shapes, dtypes and attrs, and node helpers. */
export interface OnnxLowering<A extends Attrs = Attrs> {
  readonly attrs: A;
  /** ONNX value names of the op's tensor inputs (in their own dtypes). */
  readonly inputs: readonly string[];
  readonly inputShapes: readonly Shape[];
  readonly inputDTypes: readonly DType[];
  readonly outShape: Shape;
  readonly outDType: DType;
  /** Input i, converted to `dtype` when it has another one (a Cast node). */
  input(i: number, dtype?: DType): string;
  /** Add a node with one output; returns the output's name. */
  node(opType: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>): string;
  /** Convert a value of dtype `from` (or `'bool'`, a comparison's result) to `to`. */
  cast(value: string, from: DType | 'bool', to: DType): string;
  /** A 0-d constant. */
  scalar(value: number, dtype: DType): string;
  /** A constant tensor. */
  constant(dtype: DType, shape: Shape, values: ArrayLike<number>): string;
  /** A 1-D int64 constant (shapes, axes). */
  int64s(values: readonly number[]): string;
  /** A tensor of zeros of `shape` (ConstantOfShape). */
  zeros(shape: Shape, dtype: DType): string;
}

/** Options to `defineOp`; `gradFnName` defaults to PyTorch's `<Name>Backward0`. */
export type OpSpec<A extends Attrs> = Omit<OpDef<A>, 'gradFnName'> & { gradFnName?: string };

/** Attribute helpers for `toOnnx` rules. */
export const onnxAttr = {
  int: (value: number | boolean): OnnxAttr => ({ kind: 'int', value: Number(value) }),
  float: (value: number): OnnxAttr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value }),
  string: (value: string): OnnxAttr => ({ kind: 'string', value }),
};

export function defineOp<A extends Attrs = Record<string, never>>(spec: OpSpec<A>): OpDef<A> {
  const pascal = spec.name.charAt(0).toUpperCase() + spec.name.slice(1);
  return Object.freeze({ ...spec, gradFnName: spec.gradFnName ?? `${pascal}Backward0` });
}

/**
 * Observers of every op application (the step program and the step-through executor trace with
 * it). `scope` names what applied the op — a canvas node's id while its forward runs (see
 * `opScope`), null elsewhere (the backward pass, the optimizer).
 */
export type OpTracer = (op: OpDef, inputs: readonly Tensor[], attrs: Attrs, output: Tensor, scope: string | null) => void;
const tracers: OpTracer[] = [];
const scopes: string[] = [];

/** Run `fn` with the ops it applies attributed to `scope` (a canvas node's id), as JAX's named scopes. */
export function opScope<T>(scope: string, fn: () => T): T {
  scopes.push(scope);
  try {
    return fn();
  } finally {
    scopes.pop();
  }
}

/** Run `fn` while `tracer` sees every op applied; returns fn's result. */
export function traceOps<T>(tracer: OpTracer, fn: () => T): T {
  tracers.push(tracer);
  try {
    return fn();
  } finally {
    tracers.splice(tracers.lastIndexOf(tracer), 1);
  }
}

/** Apply an op: infer the shape, run the kernel, and record a backward node when grad is needed. */
export function apply<A extends Attrs>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (inputs.length !== op.arity) {
    throw new TypeError(`${op.name}: expected ${op.arity} tensor input(s), got ${inputs.length}`);
  }
  const shapes = inputs.map((t) => t.shape);
  const outShape = op.inferShape(shapes, attrs);
  const dtypes = inputs.map((t) => t.dtype);
  const outDType = op.inferDType ? op.inferDType(dtypes, attrs) : promoteTypes(...dtypes);
  const data = op.forward(inputs, attrs, outShape, outDType);
  const out = Tensor.fromData(data, outShape);
  if (op.vjp && isGradEnabled()) {
    let needs = false;
    for (const t of inputs) if (t.requiresGrad) needs = true;
    if (needs) out.attachGradFn(new GradNode(op as unknown as OpDef, inputs, out, attrs));
  }
  if (tracers.length > 0) {
    const scope = scopes.length > 0 ? scopes[scopes.length - 1]! : null;
    for (const t of tracers) t(op as unknown as OpDef, inputs, attrs, out, scope);
  }
  return out;
}
