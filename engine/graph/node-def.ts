/**
 * What a node type on the canvas is, defined once: its spec (ports with kinds, params with
 * defaults and ranges, palette metadata, role, docs — `node-spec.ts`, tensor-free, what the
 * renderer reads) plus its param checks, shape rule, how it lowers to engine ops, how it lowers
 * to ONNX for export, and its local gradient's formula for the backprop view. The palette, the
 * inspector, validation, shape inference, the compiler, ONNX export and the step-through view all
 * read these definitions; nothing else switches on a node's type (a test checks).
 */
import type { Tensor } from '../core/tensor';
import type { Generator } from '../core/random';
import type { Module } from '../nn/module';
import type { OnnxAttr, OpDef } from '../ops/define-op';
import type { GraphEdge, GraphNode, TensorValue } from './document';
import type { NodeSpec, ParamValues } from './node-spec';
import type { SymShape } from './symbolic';

export type { NodeCategory, NodeRole, NodeSpec, ParamSpec, ParamValues, PortDef, PortKind } from './node-spec';

/** What the dataset tells shape inference and the compiler. */
export interface DataBinding {
  readonly featureShape: readonly number[];
  /** Classification: []; regression: [T]. */
  readonly targetShape: readonly number[];
  readonly task: 'classification' | 'regression';
  readonly numClasses: number;
  readonly name?: string;
}

export interface ShapeContext {
  readonly node: GraphNode;
  readonly params: ParamValues;
  /** Shapes arriving at each connected input port. */
  readonly inputs: Readonly<Record<string, SymShape>>;
  readonly data: DataBinding | null;
}

/** The Loss a node's output feeds directly, as the node's `follow` sees it. */
export interface FedLoss {
  /** The Loss node's `fn`. */
  readonly fn: string;
  /** Which of the Loss's inputs this node feeds. */
  readonly port: 'prediction' | 'target';
  /** Feeding the prediction: how many values per sample the target asks for (null: not known). */
  readonly predictionWidth: number | null;
}

export interface FollowContext extends ShapeContext {
  /** The Loss this node feeds directly, if any. */
  readonly loss: FedLoss | null;
}

/** A shape problem found by a node's shape rule; the validator turns it into a diagnostic. */
export class NodeShapeError extends Error {
  constructor(
    message: string,
    readonly port?: string,
  ) {
    super(message);
  }
}

export interface BuildContext {
  readonly node: GraphNode;
  readonly params: ParamValues;
  /** Inferred shapes of the node's input and output ports. */
  readonly inputShapes: Readonly<Record<string, SymShape>>;
  readonly outputShapes: Readonly<Record<string, SymShape>>;
  /** This node's own seeded stream (derived from the seed and the node id). */
  readonly generator: Generator;
  /** Stored parameter values (fixed weights, imported or trained models). */
  readonly weights: Readonly<Record<string, TensorValue>> | undefined;
  readonly data: DataBinding | null;
}

/** The batch a forward pass runs on. */
export interface BatchFeed {
  /** Features [B, ...featureShape] for Input nodes (unless `inputs` names the node). */
  readonly features?: Tensor;
  /** Targets for Target nodes, as the dataset stores them: class values [B] or regression [B, T]. */
  readonly targets?: Tensor;
  /** Values for specific Input/Target nodes by id (scalar lesson graphs, `bpstudio grad`). */
  readonly inputs?: Readonly<Record<string, Tensor>>;
}

export interface ForwardContext {
  readonly training: boolean;
  readonly feed: BatchFeed;
}

/** A node type lowered for execution: its parameters and a forward function built from engine ops. */
export interface NodeRuntime {
  /** Trainable tensors by name (`weight`, `bias`), in PyTorch's order. */
  readonly parameters: readonly (readonly [string, Tensor])[];
  /** Non-trainable state by name (`running_mean`). */
  readonly buffers: readonly (readonly [string, Tensor])[];
  /** The nn module behind it, when there is one (Linear, BatchNorm1d, Dropout). */
  readonly module?: Module;
  forward(inputs: Readonly<Record<string, Tensor>>, ctx: ForwardContext): Record<string, Tensor>;
}

/** The Loss a node feeds directly, as a Loss's `lossFeeds` reports it. */
export interface LossFeed {
  /** The node whose output the Loss reads. */
  readonly source: string;
  readonly fn: string;
  readonly port: 'prediction' | 'target';
  /** Feeding the prediction: the edge that brings the Loss its target (null otherwise). */
  readonly targetSource: GraphEdge | null;
}

/** What a node's ONNX export lowering receives (export.ts builds it over its graph builder). */
export interface OnnxNodeContext {
  readonly node: GraphNode;
  readonly params: ParamValues;
  /** ONNX value names of the connected inputs, by port. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Inferred shapes of the connected inputs, by port. */
  readonly inputShapes: Readonly<Record<string, SymShape>>;
  /** The node's runtime, with its weights as initialised, loaded or trained. */
  readonly runtime: NodeRuntime;
  /** Whether the node's output is written to a name chosen for it (a graph output); else a fresh one. */
  readonly outputNamed: boolean;
  /** A one-op lowering: a node named after the canvas node, writing the node's output. */
  single(op: string, inputs: readonly string[], attrs?: Readonly<Record<string, OnnxAttr>>): string;
  /** One step of a multi-op lowering; the `last` one writes the node's output. */
  step(op: string, inputs: readonly string[], last: boolean, attrs?: Readonly<Record<string, OnnxAttr>>): string;
  /** Lower an engine op through its own ONNX rule (ops/); its last node writes the node's output. */
  op<A extends Record<string, unknown>>(op: OpDef<A>, inputs: readonly string[], attrs: A): string;
  /** One of the runtime's parameters or buffers by name (`weight`, `running_mean`). */
  tensor(name: string): { shape: number[]; data: Float32Array };
  /** A float32 initializer named `prefix` (made unique). */
  initializer(prefix: string, shape: readonly number[], data: ArrayLike<number>): string;
  /** A small constant, shared when the same values are asked for again. */
  constant(dtype: 'float32' | 'int64', shape: readonly number[], values: readonly number[], prefix: string): string;
}

/** One local gradient of a node, as its definition gives it to the backprop view. */
export interface LocalGradientTerm {
  /** Which input or parameter it belongs to (`in`, `a`, `weight`, …). */
  readonly of: string;
  /** What it is, in the lecture's words: `σ(x)(1 − σ(x))`, `1[x > 0]`, `Wᵀ`, `pass-through`. */
  readonly description: string;
  /** The value: the elementwise derivative, or the operand that multiplies. */
  readonly value: Tensor;
  /** How downstream follows from upstream and this: `elementwise` (g ⊙ local) or `matrix` (a product). */
  readonly kind: 'elementwise' | 'matrix' | 'reduction' | 'other';
}

/** What a node's local-gradient rule receives: the values of one forward pass (step-through.ts builds it). */
export interface LocalGradientContext {
  readonly node: GraphNode;
  readonly params: ParamValues;
  readonly runtime: NodeRuntime;
  /** The tensor that arrived on an input port (undefined when unconnected). */
  input(port: string): Tensor | undefined;
  /** The node's value on an output port. */
  output(port: string): Tensor | undefined;
  /**
   * d out / d input for every input, by the node's own forward and VJP with a gradient of ones:
   * an elementwise node's derivative, a max's routing mask. Inputs are broadcast to the output's
   * shape first, so the value has one entry per output element.
   */
  byVjp(): Readonly<Record<string, Tensor>>;
}

/** What a node's PyTorch lowering receives (engine/pytorch/export.ts builds it). */
export interface PyTorchNodeContext {
  readonly node: GraphNode;
  readonly params: ParamValues;
  /** Python names of the connected inputs' values, by port. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Inferred shapes of the connected inputs, by port. */
  readonly inputShapes: Readonly<Record<string, SymShape>>;
  /** The node's attribute on the module (`self.<attr>`), named after its label. */
  readonly attr: string;
  readonly data: DataBinding | null;
  /** A Python literal of a number (`0.5`, `3`, `1e-08`, `float("inf")`). */
  num(value: number): string;
}

/**
 * How a node appears in the exported PyTorch script. `layer`: a submodule (`self.<attr> =
 * <module>`, then `<attr>(input)` in forward; `init` lines follow its construction); `parameter`:
 * `self.<attr> = nn.Parameter(<init>)`; `expression`: a tensor expression over the inputs' names;
 * `input`: an argument of forward; `target`: how the dataset's labels become the Loss's target
 * (an expression over `labels`); `loss`: the criterion (a Python expression, with any helper
 * function it needs) and how a prediction becomes classes for the accuracy; `output`: a value
 * forward returns; `refused`: not exported, and why (one line).
 */
export type PyTorchLowering =
  | { readonly kind: 'layer'; readonly module: string; readonly init?: readonly string[] }
  | { readonly kind: 'parameter'; readonly init: string }
  | { readonly kind: 'expression'; readonly expression: string }
  | { readonly kind: 'input' }
  | { readonly kind: 'target'; readonly encode: string }
  | { readonly kind: 'loss'; readonly criterion: string; readonly helper?: readonly string[]; readonly classes: string | null; readonly trueClasses: string }
  | { readonly kind: 'output' }
  | { readonly kind: 'refused'; readonly reason: string };

export interface NodeDef extends NodeSpec {
  /** Extra checks across params (beyond each param's own range); return messages. */
  checkParams?(params: ParamValues): string[];
  /**
   * Values for the params marked `follows` that the document leaves unset, from the input shapes
   * and the Loss the node feeds (a Linear's in_features = its input's features). A param it
   * cannot work out (an unknown shape) is left out and keeps its default.
   */
  follow?(ctx: FollowContext): Record<string, unknown>;
  /** A Loss: the nodes it reads directly (what their `follow` learns about the Loss they feed). */
  lossFeeds?(params: ParamValues, incoming: ReadonlyMap<string, GraphEdge>): readonly LossFeed[];
  /** Output shapes from input shapes; throws NodeShapeError with a message a person understands. */
  inferShapes(ctx: ShapeContext): Record<string, SymShape>;
  /** How many trainable values `build` makes, from the params and shapes alone (absent: none). */
  parameterCount?(ctx: ShapeContext): number;
  build(ctx: BuildContext): NodeRuntime;
  /**
   * The ONNX export lowering (opset 17) of the node's inference form; returns the output value's
   * name. Absent for nodes that are not exported (Input and Output are the graph's inputs and
   * outputs; Target and Loss exist only while training).
   */
  toOnnx?(ctx: OnnxNodeContext): string;
  /**
   * The PyTorch lowering (engine/pytorch/): how the node reads in an exported training script.
   * Every node type has one; a node it cannot export says why (`refused`).
   */
  toPyTorch?(ctx: PyTorchNodeContext): PyTorchLowering;
  /** The activation function its output ends in (an Activation's `fn`): export adds no second softmax. */
  endsIn?(params: ParamValues): string | null;
  /** The local gradient(s) for the backprop view, in the lecture's terms; absent: none shown. */
  localGradient?(ctx: LocalGradientContext): LocalGradientTerm[];
}

export function defineNode(def: NodeDef): NodeDef {
  return Object.freeze(def);
}
