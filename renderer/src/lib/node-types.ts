/**
 * What the editor knows about node types: the engine's node registry as `listNodeTypes` sends it
 * (ports, params with their specs, palette metadata), and how the editor shows it. The rules —
 * a param value's range, which port may feed which, a node's name and role — are the engine's
 * spec module (`engine/graph/nodes/specs.ts`, tensor-free), imported where they are used; this
 * file has no copy of them. Pure: no DOM, no engine runtime.
 */
import type { NodeTypeInfo } from '../../../engine/service/protocol';
import type { GraphNode } from '../../../engine/graph/document';
import { CATEGORY_ORDER, type ParamSpec, type PortDef, type PortKind, type NodeCategory } from '../../../engine/graph/nodes/specs';

export type { NodeTypeInfo, ParamSpec, PortDef, PortKind, NodeCategory };

export type NodeTypeMap = ReadonlyMap<string, NodeTypeInfo>;

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
