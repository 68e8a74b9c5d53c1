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
}

/** Options to `defineOp`; `gradFnName` defaults to PyTorch's `<Name>Backward0`. */
export type OpSpec<A extends Attrs> = Omit<OpDef<A>, 'gradFnName'> & { gradFnName?: string };

export function defineOp<A extends Attrs = Record<string, never>>(spec: OpSpec<A>): OpDef<A> {
  const pascal = spec.name.charAt(0).toUpperCase() + spec.name.slice(1);
  return Object.freeze({ ...spec, gradFnName: spec.gradFnName ?? `${pascal}Backward0` });
}

/** Observers of every op application (the graph compiler and the step-through executor trace with it). */
export type OpTracer = (op: OpDef, inputs: readonly Tensor[], attrs: Attrs, output: Tensor) => void;
const tracers: OpTracer[] = [];

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
  if (tracers.length > 0) for (const t of tracers) t(op as unknown as OpDef, inputs, attrs, out);
  return out;
}
