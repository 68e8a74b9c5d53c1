import type { NodeCategory, NodeDef, ParamSpec, ParamValues } from './node-def';
import { ConstantNode, InputNode, ParameterNode, TargetNode } from './nodes/data';
import { BatchNorm1dNode, DropoutNode, FlattenNode, LinearNode, ReshapeNode } from './nodes/layers';
import { ActivationNode } from './nodes/activation';
import { AddNode, ExpNode, LogNode, MatMulNode, MaxNode, MeanNode, MultiplyNode, PowerNode, SumNode } from './nodes/primitives';
import { LossNode } from './nodes/loss';
import { OutputNode } from './nodes/output';

/** The ONE list of node types: the palette, inspector, validator and compiler all read it. */
const ALL: readonly NodeDef[] = [
  InputNode, TargetNode, ConstantNode, ParameterNode,
  LinearNode, BatchNorm1dNode, DropoutNode, FlattenNode, ReshapeNode,
  ActivationNode,
  AddNode, MultiplyNode, MatMulNode, MaxNode, PowerNode, SumNode, MeanNode, ExpNode, LogNode,
  LossNode,
  OutputNode,
];

export const nodeRegistry: ReadonlyMap<string, NodeDef> = (() => {
  const map = new Map<string, NodeDef>();
  for (const def of ALL) {
    if (map.has(def.type)) throw new Error(`node registry: "${def.type}" is registered twice`);
    map.set(def.type, def);
  }
  return map;
})();

export const CATEGORY_ORDER: readonly NodeCategory[] = ['Data', 'Layers', 'Activations', 'Operations', 'Loss', 'Output'];

export function getNodeDef(type: string): NodeDef | undefined {
  return nodeRegistry.get(type);
}

/** Palette entries grouped by category, in display order. */
export function paletteGroups(): { category: NodeCategory; items: { type: string; label: string; description: string }[] }[] {
  return CATEGORY_ORDER.map((category) => ({
    category,
    items: ALL.filter((d) => d.category === category).map((d) => ({ type: d.type, label: d.label, description: d.description })),
  }));
}

/** The node's params with defaults filled in (values as stored; validation reports bad ones). */
export function resolveParams(def: NodeDef, params: Readonly<Record<string, unknown>>): ParamValues {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(def.params)) out[name] = params[name] ?? spec.default;
  return out;
}

/** Problems with one param value, as messages (empty when fine). */
export function checkParam(name: string, spec: ParamSpec, value: unknown): string | null {
  const show = JSON.stringify(value);
  switch (spec.kind) {
    case 'int':
    case 'float': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} must be a number, got ${show}`;
      if (spec.kind === 'int' && !Number.isInteger(value)) return `${name} must be a whole number, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `${name} must be ≥ ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `${name} must be ≤ ${spec.max}, got ${value}`;
      return null;
    }
    case 'bool':
      return typeof value === 'boolean' ? null : `${name} must be true or false, got ${show}`;
    case 'enum':
      return typeof value === 'string' && spec.options.includes(value) ? null : `${name} must be one of ${spec.options.join(', ')}; got ${show}`;
    case 'string':
      return typeof value === 'string' ? null : `${name} must be text, got ${show}`;
    case 'shape': {
      if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d > 0)) return `${name} must be a list of positive whole numbers, got ${show}`;
      if (value.length === 0 && !spec.allowEmpty) return `${name} must not be empty`;
      return null;
    }
    case 'dims':
      if (value === null) return null;
      return Array.isArray(value) && value.every((d) => Number.isInteger(d)) ? null : `${name} must be a list of dimension numbers or null, got ${show}`;
    case 'tensor':
      if (value === null && spec.default === null) return null;
      return isNumberArray(value) ? null : `${name} must be a number or a nested array of numbers, got ${show}`;
  }
}

function isNumberArray(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  return Array.isArray(v) && v.every(isNumberArray);
}
