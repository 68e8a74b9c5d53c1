/**
 * What the editor knows about node types: the engine's node registry as `listNodeTypes` sends it
 * (ports, params with their specs, palette metadata). The palette, the node components, the
 * inspector and connection checks all read this one catalogue. Pure: no DOM, no engine runtime.
 */
import type { NodeTypeInfo } from '../../../engine/service/protocol';
import type { GraphNode } from '../../../engine/graph/document';
import type { ParamSpec, PortDef, PortKind, NodeCategory } from '../../../engine/graph/node-def';

export type { NodeTypeInfo, ParamSpec, PortDef, PortKind, NodeCategory };

export type NodeTypeMap = ReadonlyMap<string, NodeTypeInfo>;

export const CATEGORY_ORDER: readonly NodeCategory[] = ['Data', 'Layers', 'Activations', 'Operations', 'Loss', 'Output'];

export function typeMap(types: readonly NodeTypeInfo[]): NodeTypeMap {
  return new Map(types.map((t) => [t.type, t]));
}

/** Palette groups in display order; `query` filters by label, type and description. */
export function paletteGroups(types: readonly NodeTypeInfo[], query = ''): { category: string; items: NodeTypeInfo[] }[] {
  const q = query.trim().toLowerCase();
  const match = (t: NodeTypeInfo) =>
    !q || t.label.toLowerCase().includes(q) || t.type.toLowerCase().includes(q) || t.description.toLowerCase().includes(q) || t.category.toLowerCase().includes(q);
  const categories = [...CATEGORY_ORDER, ...new Set(types.map((t) => t.category).filter((c) => !CATEGORY_ORDER.includes(c)))];
  return categories
    .map((category) => ({ category, items: types.filter((t) => t.category === category && match(t)) }))
    .filter((g) => g.items.length > 0);
}

/** A node's title on the canvas: its label, else its type's label. */
export function nodeTitle(node: Pick<GraphNode, 'label' | 'type'>, info?: NodeTypeInfo): string {
  return node.label?.trim() ? node.label : (info?.label ?? node.type);
}

/** How messages name a node: `Linear "hidden"`, as the engine does. */
export function nodeName(node: Pick<GraphNode, 'label' | 'type' | 'id'>, info?: NodeTypeInfo): string {
  return `${info?.label ?? node.type} "${node.label ?? node.id}"`;
}

/**
 * A param's value on a node: the stored one, else the value it follows in the graph (a Linear's
 * in_features from its input, as validation worked it out), else its default.
 */
export function paramValue(node: Pick<GraphNode, 'params'>, name: string, spec: ParamSpec | undefined, followed?: Readonly<Record<string, unknown>>): unknown {
  if (Object.hasOwn(node.params, name)) return node.params[name];
  return followed && Object.hasOwn(followed, name) ? followed[name] : spec?.default;
}

/** A param value in a few characters, for the node face. */
export function shortValue(value: unknown, spec: ParamSpec | undefined): string {
  if (value === null || value === undefined) return spec?.kind === 'dims' ? 'all' : '—';
  if (spec?.kind === 'enum') {
    const i = spec.options.indexOf(String(value));
    return i >= 0 && spec.optionLabels?.[i] ? spec.optionLabels[i]! : String(value);
  }
  if (spec?.kind === 'shape') return Array.isArray(value) && value.length === 0 ? (spec.allowEmpty ? 'from data' : '[]') : Array.isArray(value) ? value.join('×') : String(value);
  if (spec?.kind === 'dims') return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
  if (spec?.kind === 'bool') return value ? 'yes' : 'no';
  if (spec?.kind === 'tensor') {
    const s = JSON.stringify(value);
    return s.length > 18 ? `${s.slice(0, 16)}…` : s;
  }
  if (typeof value === 'string') return value === '' ? '—' : value;
  return String(value);
}

/** The key params of a node as label/value pairs for its face. */
export function keyParamRows(node: Pick<GraphNode, 'params'>, info: NodeTypeInfo | undefined, followed?: Readonly<Record<string, unknown>>): { name: string; label: string; value: string }[] {
  if (!info) return [];
  return info.keyParams
    .filter((name) => info.params[name])
    .map((name) => {
      const spec = info.params[name]!;
      return { name, label: spec.label, value: shortValue(paramValue(node, name, spec, followed), spec) };
    });
}

/** Nodes with trainable tensors (the inspector shows their weights). */
export function isTrainable(type: string): boolean {
  return type === 'Linear' || type === 'BatchNorm1d' || type === 'Parameter';
}

/** Why an output port may not feed an input port, or null (mirrors the engine's `connectionProblem`). */
export function portKindProblem(from: PortDef, to: PortDef): string | null {
  if (from.kind === to.kind || to.accepts?.includes(from.kind)) return null;
  return `expects ${kindWords(to.kind)}${to.accepts ? ` or ${to.accepts.map(kindWords).join(' or ')}` : ''}`;
}

export function kindWords(kind: PortKind): string {
  return kind === 'tensor' ? 'a tensor' : kind === 'labels' ? 'labels' : 'a loss';
}

/** Problems with one param value, as a message (null when fine) — the engine's `checkParam` rules. */
export function paramProblem(spec: ParamSpec, value: unknown): string | null {
  const show = JSON.stringify(value);
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (spec.kind === 'int' && !Number.isInteger(value)) return 'must be a whole number';
      if (spec.min !== undefined && (spec.kind === 'float' && spec.exclusiveMin ? value <= spec.min : value < spec.min)) {
        return `must be ${spec.kind === 'float' && spec.exclusiveMin ? '>' : '≥'} ${spec.min}`;
      }
      if (spec.max !== undefined && value > spec.max) return `must be ≤ ${spec.max}`;
      return null;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'enum':
      return typeof value === 'string' && spec.options.includes(value) ? null : `must be one of ${spec.options.join(', ')}`;
    case 'string':
      return typeof value === 'string' ? null : 'must be text';
    case 'shape':
      if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d > 0)) return 'must be a list of positive whole numbers, like 28, 28';
      if (value.length === 0 && !spec.allowEmpty) return 'must not be empty';
      return null;
    case 'dims':
      if (value === null) return null;
      return Array.isArray(value) && value.every((d) => Number.isInteger(d)) ? null : 'must be a list of dimension numbers, or empty for all';
    case 'tensor':
      if (value === null && spec.default === null) return null;
      return isNumberArray(value) ? null : `must be a number or a nested array of numbers, got ${show}`;
  }
}

function isNumberArray(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every(isNumberArray);
}
