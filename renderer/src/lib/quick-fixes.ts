/**
 * Quick fixes the inspector offers from the shapes the engine inferred: a node whose spec names a
 * `featureParam` (a Linear's `inFeatures`, a BatchNorm1d's `numFeatures`) that differs from the
 * features arriving on its input gets a one-click "use N". Pure.
 */
import type { GraphDocument, GraphNode } from '../../../engine/graph/document';
import { getNodeSpec } from '../../../engine/graph/nodes/specs';
import type { NodeTypeInfo } from './node-types';
import { paramValue } from './node-types';

export interface QuickFix {
  param: string;
  value: number;
  /** e.g. `the input is N×2` */
  because: string;
}

/** The last dimension of a shape like `N×128`, when it is a number. */
export function lastDim(shape: string | undefined): number | null {
  if (!shape) return null;
  const last = shape.split('×').at(-1)?.trim();
  const n = Number(last);
  return last && Number.isInteger(n) && n > 0 ? n : null;
}

export function quickFixes(node: GraphNode, info: NodeTypeInfo | undefined, doc: GraphDocument, edgeShapes: Readonly<Record<string, string>>): QuickFix[] {
  const param = getNodeSpec(node.type)?.featureParam;
  if (!param || !info?.params[param]) return [];
  const edge = doc.edges.find((e) => e.target === node.id && e.targetPort === 'in');
  const shape = edge ? edgeShapes[edge.id] : undefined;
  const features = lastDim(shape);
  if (features === null || features === paramValue(node, param, info.params[param])) return [];
  return [{ param, value: features, because: `the input is ${shape}` }];
}
