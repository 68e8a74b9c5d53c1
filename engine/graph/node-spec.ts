/**
 * The tensor-free half of a node type: its ports, params, role and docs, and the rules over them
 * (a param value's range, which port may feed which, how a node is named in messages). The
 * engine's node definitions (`node-def.ts`, `nodes/*.ts`) are these specs plus shape rules and
 * lowerings; the renderer imports this module and `nodes/specs.ts` directly, so it must never
 * import tensors, nn modules or node: builtins (a test checks; `npx vite build` would pull them
 * into the renderer bundle). How messages name a node is `names.ts`'s, re-exported here.
 */
import { nodeTitle, type NamedNode } from './names';

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

export const CATEGORY_ORDER: readonly NodeCategory[] = ['Data', 'Layers', 'Activations', 'Operations', 'Loss', 'Output'];

/**
 * What a node is to the graph as a whole, for the code that must find it without knowing its type:
 * `input` takes the batch's features (or a fixed value), `target` the batch's targets, `loss` is
 * the objective training minimises, `output` names a model output (prediction, ONNX export).
 */
export type NodeRole = 'input' | 'target' | 'loss' | 'output';

/** The tensor-free part of a node type. */
export interface NodeSpec {
  readonly type: string;
  readonly category: NodeCategory;
  readonly label: string;
  /** One line for the palette tooltip. */
  readonly description: string;
  /** What it does beyond its one-line description, where that needs saying (docs/graph-format.md). */
  readonly docs?: string;
  /** Its shape rule in words (the definition holds it as code; docs/graph-format.md shows this). */
  readonly shapeDocs: string;
  readonly inputs: readonly PortDef[];
  readonly outputs: readonly PortDef[];
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Params worth showing on the node itself (the rest live in the inspector). */
  readonly keyParams?: readonly string[];
  /** Its role in the graph, when it has one (see NodeRole). */
  readonly role?: NodeRole;
  /** Whether it owns trainable tensors (the inspector shows its weights). */
  readonly trainable?: boolean;
  /**
   * The param that must equal the number of features arriving on input `in` (a Linear's
   * `inFeatures`): the inspector offers the incoming number as a quick fix.
   */
  readonly featureParam?: string;
  /** Used only while training (Target, Loss): never part of an exported inference model. */
  readonly trainingOnly?: boolean;
  /** Which of its kinds a node is, in a few characters (`relu`, `^2`), where its params choose one: reports name it `Activation (relu)`. */
  readonly variant?: (params: Readonly<Record<string, unknown>>) => string | null;
}

/** Items (specs, definitions) by their `type`; a type listed twice is a mistake made here, not by a user. */
export function indexByType<T extends { readonly type: string }>(items: readonly T[], what: string): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    if (map.has(item.type)) throw new Error(`${what}: "${item.type}" is listed twice`);
    map.set(item.type, item);
  }
  return map;
}

export function defineSpec<S extends NodeSpec>(spec: S): S {
  return Object.freeze(spec);
}

// ----- params: builders and the one rule for a value -----

export const tensorIn = (name = 'in', label?: string): PortDef => ({ name, kind: 'tensor', ...(label ? { label } : {}) });
export const tensorOut = (name = 'out'): PortDef => ({ name, kind: 'tensor' });
export const port = (name: string, kind: PortKind, extra: Partial<PortDef> = {}): PortDef => ({ name, kind, ...extra });

export const intParam = (label: string, description: string, dflt: number, min?: number, max?: number): ParamSpec => ({
  kind: 'int', label, description, default: dflt, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}),
});
export const floatParam = (label: string, description: string, dflt: number, min?: number, max?: number): ParamSpec => ({
  kind: 'float', label, description, default: dflt, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}),
});
export const boolParam = (label: string, description: string, dflt: boolean): ParamSpec => ({ kind: 'bool', label, description, default: dflt });
export const enumParam = (
  label: string,
  description: string,
  options: readonly string[],
  dflt: string,
  optionLabels?: readonly string[],
): ParamSpec => ({ kind: 'enum', label, description, options, default: dflt, ...(optionLabels ? { optionLabels } : {}) });

/** The node's params with defaults filled in (values as stored; validation reports bad ones). */
export function resolveParams(spec: Pick<NodeSpec, 'params'>, params: Readonly<Record<string, unknown>>): ParamValues {
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(spec.params)) out[name] = params[name] ?? p.default;
  return out;
}

/**
 * What is wrong with a param value. One rule, two wordings: `must` reads after the param's name
 * and before the value in a document's diagnostics (`p must be ≤ 1, got 1.5`); `field`, where it
 * differs, is what a text field in the inspector says (`…, like 28, 28`).
 */
export interface ParamProblem {
  readonly must: string;
  /** Whether the value is shown after `must` (not for an empty list: `must not be empty`). */
  readonly showValue: boolean;
  readonly field?: string;
}

export function paramProblem(spec: ParamSpec, value: unknown): ParamProblem | null {
  const bad = (must: string, field?: string): ParamProblem => ({ must, showValue: true, ...(field !== undefined ? { field } : {}) });
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad('must be a number');
      if (spec.kind === 'int' && !Number.isInteger(value)) return bad('must be a whole number');
      const exclusive = spec.kind === 'float' && spec.exclusiveMin === true;
      if (spec.min !== undefined && (exclusive ? value <= spec.min : value < spec.min)) return bad(`must be ${exclusive ? '>' : '≥'} ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) return bad(`must be ≤ ${spec.max}`);
      return null;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : bad('must be true or false');
    case 'enum':
      return typeof value === 'string' && spec.options.includes(value) ? null : bad(`must be one of ${spec.options.join(', ')}`);
    case 'string':
      return typeof value === 'string' ? null : bad('must be text');
    case 'shape':
      if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d > 0)) {
        return bad('must be a list of positive whole numbers', 'must be a list of positive whole numbers, like 28, 28');
      }
      if (value.length === 0 && !spec.allowEmpty) return { must: 'must not be empty', showValue: false };
      return null;
    case 'dims':
      if (value === null) return null;
      return Array.isArray(value) && value.every((d) => Number.isInteger(d))
        ? null
        : bad('must be a list of dimension numbers or null', 'must be a list of dimension numbers, or empty for all');
    case 'tensor':
      if (value === null && spec.default === null) return null;
      return isNumberArray(value) ? null : bad('must be a number or a nested array of numbers', `must be a number or a nested array of numbers, got ${JSON.stringify(value)}`);
  }
}

/** A param value's problem as a diagnostic reads it (`p must be ≤ 1, got 1.5`), or null when fine. */
export function checkParam(name: string, spec: ParamSpec, value: unknown): string | null {
  const p = paramProblem(spec, value);
  if (!p) return null;
  if (!p.showValue) return `${name} ${p.must}`;
  return `${name} ${p.must}${spec.kind === 'enum' ? ';' : ','} got ${JSON.stringify(value)}`;
}

/** A param value's problem as the inspector's text field says it (`must be ≥ 1`), or null when fine. */
export function paramFieldProblem(spec: ParamSpec, value: unknown): string | null {
  const p = paramProblem(spec, value);
  return p ? (p.field ?? p.must) : null;
}

function isNumberArray(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every(isNumberArray);
}

// ----- connections -----

export function kindWords(kind: PortKind): string {
  return kind === 'tensor' ? 'a tensor' : kind === 'labels' ? 'labels' : 'a loss';
}

/** Why an output port may not feed an input port (`expects labels or a tensor`), or null when it may. */
export function connectionProblem(from: PortDef, to: PortDef): string | null {
  if (from.kind === to.kind || to.accepts?.includes(from.kind)) return null;
  return `expects ${kindWords(to.kind)}${to.accepts ? ` or ${to.accepts.map(kindWords).join(' or ')}` : ''}`;
}

// ----- a new edge: the rules the canvas applies while a wire is drawn -----

/** A proposed edge, as the canvas has it while a wire is drawn (handles: port names). */
export interface EdgeProposal {
  readonly source: string | null;
  readonly target: string | null;
  readonly sourceHandle?: string | null;
  readonly targetHandle?: string | null;
}

/** What the edge rules read of a document (the graph document's nodes and edges fit). */
export interface EdgeRuleGraph {
  readonly nodes: readonly NamedNode[];
  readonly edges: readonly { readonly source: string; readonly target: string; readonly targetPort: string }[];
}

/** What the edge rules need of a node type: its name and ports. */
export type PortsOf = (type: string) => Pick<NodeSpec, 'label' | 'inputs' | 'outputs'> | undefined;

/** Does `from` reach `to` along the document's edges? */
export function reaches(doc: Pick<EdgeRuleGraph, 'edges'>, from: string, to: string): boolean {
  const out = new Map<string, string[]>();
  for (const e of doc.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return false;
}

/**
 * Why this edge may not join the document, or null when it may — the rules validation applies
 * to a document's edges, asked of one new edge: output to input, port kinds that match, one edge
 * per input port, no self-loops, no cycles. In words, naming the nodes.
 */
export function edgeProblem(doc: EdgeRuleGraph, portsOf: PortsOf, c: EdgeProposal): string | null {
  if (!c.source || !c.target) return 'connect an output to an input';
  const src = doc.nodes.find((n) => n.id === c.source);
  const dst = doc.nodes.find((n) => n.id === c.target);
  if (!src || !dst) return 'that node no longer exists';
  const sinfo = portsOf(src.type);
  const dinfo = portsOf(dst.type);
  if (c.source === c.target) return `${nodeTitle(src, sinfo)} cannot feed itself`;
  if (!sinfo || !dinfo) return `unknown node type "${!sinfo ? src.type : dst.type}"`;
  const sp = sinfo.outputs.find((p) => p.name === (c.sourceHandle ?? sinfo.outputs[0]?.name));
  const dp = dinfo.inputs.find((p) => p.name === (c.targetHandle ?? dinfo.inputs[0]?.name));
  if (!sp) return `${nodeTitle(src, sinfo)} has no output "${c.sourceHandle ?? ''}"`;
  if (!dp) return dinfo.inputs.length === 0 ? `${nodeTitle(dst, dinfo)} has no inputs` : `${nodeTitle(dst, dinfo)} has no input "${c.targetHandle ?? ''}"`;
  const why = connectionProblem(sp, dp);
  if (why) return `${nodeTitle(dst, dinfo)}: input "${dp.name}" ${why}, but ${nodeTitle(src, sinfo)} gives ${kindWords(sp.kind)}`;
  const existing = doc.edges.find((e) => e.target === dst.id && e.targetPort === dp.name);
  if (existing) {
    const from = doc.nodes.find((n) => n.id === existing.source);
    return `${nodeTitle(dst, dinfo)}: input "${dp.name}" is already connected${from ? ` to ${nodeTitle(from, portsOf(from.type))}` : ''}; delete that edge first (or add both with an Add node)`;
  }
  if (reaches(doc, dst.id, src.id)) return `this would make a cycle: ${nodeTitle(dst, dinfo)} already feeds ${nodeTitle(src, sinfo)}`;
  return null;
}

// ----- names -----

export { nodeTitle, portKey, type NamedNode } from './names';

/** What the canvas and the inspector call a node: its label, else its type's label. */
export function nodeLabel(node: Pick<NamedNode, 'type' | 'label'>, spec?: Pick<NodeSpec, 'label'>): string {
  return node.label?.trim() ? node.label : (spec?.label ?? node.type);
}
