/**
 * What a node type on the canvas is, defined once: ports with kinds, params with defaults and
 * ranges, palette metadata, its shape rule, and how it lowers to engine ops. The palette, the
 * inspector, validation, shape inference and the compiler all read these definitions.
 */
import type { Tensor } from '../core/tensor';
import type { Generator } from '../core/random';
import type { Module } from '../nn/module';
import type { GraphNode, TensorValue } from './document';
import type { SymShape } from './symbolic';

/** What flows through a port: a tensor of values, class labels / targets, or a scalar loss. */
export type PortKind = 'tensor' | 'labels' | 'loss';

export interface PortDef {
  readonly name: string;
  readonly kind: PortKind;
  /** Also accepted on this input (Loss.target takes labels or a tensor). */
  readonly accepts?: readonly PortKind[];
  readonly label?: string;
  readonly optional?: boolean;
}

interface ParamBase<V> {
  readonly label: string;
  readonly description: string;
  readonly default: V;
  /**
   * Left unset, the value follows the graph (the node's `follow` computes it) — shown, and
   * overridable by setting it. Words for the inspector: "the input's features".
   */
  readonly follows?: string;
}
export type ParamSpec =
  | (ParamBase<number> & { readonly kind: 'int'; readonly min?: number; readonly max?: number })
  | (ParamBase<number> & { readonly kind: 'float'; readonly min?: number; readonly max?: number; readonly exclusiveMin?: boolean })
  | (ParamBase<boolean> & { readonly kind: 'bool' })
  | (ParamBase<string> & { readonly kind: 'enum'; readonly options: readonly string[]; readonly optionLabels?: readonly string[] })
  | (ParamBase<string> & { readonly kind: 'string' })
  /** A list of positive integers (a shape); `allowEmpty` lets [] mean "from the dataset". */
  | (ParamBase<readonly number[]> & { readonly kind: 'shape'; readonly allowEmpty?: boolean })
  /** Dimensions to reduce over; null means all. */
  | (ParamBase<readonly number[] | null> & { readonly kind: 'dims' })
  /** A number or nested array of numbers (a constant's value). */
  | (ParamBase<unknown> & { readonly kind: 'tensor' });

export type ParamValues = Readonly<Record<string, unknown>>;

export type NodeCategory = 'Data' | 'Layers' | 'Activations' | 'Operations' | 'Loss' | 'Output';

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

export interface NodeDef {
  readonly type: string;
  readonly category: NodeCategory;
  readonly label: string;
  /** One line for the palette tooltip. */
  readonly description: string;
  readonly inputs: readonly PortDef[];
  readonly outputs: readonly PortDef[];
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Params worth showing on the node itself (the rest live in the inspector). */
  readonly keyParams?: readonly string[];
  /** Extra checks across params (beyond each param's own range); return messages. */
  checkParams?(params: ParamValues): string[];
  /**
   * Values for the params marked `follows` that the document leaves unset, from the input shapes
   * and the Loss the node feeds (a Linear's in_features = its input's features). A param it
   * cannot work out (an unknown shape) is left out and keeps its default.
   */
  follow?(ctx: FollowContext): Record<string, unknown>;
  /** Output shapes from input shapes; throws NodeShapeError with a message a person understands. */
  inferShapes(ctx: ShapeContext): Record<string, SymShape>;
  /** How many trainable values `build` makes, from the params and shapes alone (absent: none). */
  parameterCount?(ctx: ShapeContext): number;
  build(ctx: BuildContext): NodeRuntime;
}

export function defineNode(def: NodeDef): NodeDef {
  return Object.freeze(def);
}
