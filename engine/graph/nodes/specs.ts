/**
 * The spec module: every node type's tensor-free spec (ports, params, role, docs) and the rules
 * over them (`node-spec.ts`). The renderer imports this module; the engine's definitions
 * (`node-registry.ts`) add shape rules and lowerings to these same specs.
 */
import { indexByType, type NodeRole, type NodeSpec } from '../node-spec';
import { CONSTANT, INPUT, PARAMETER, TARGET } from './data.spec';
import { BATCH_NORM_1D, DROPOUT, FLATTEN, LINEAR, RESHAPE } from './layers.spec';
import { ACTIVATION } from './activation.spec';
import { ADD, EXP, LOG, MATMUL, MAX, MEAN, MULTIPLY, POWER, SUM } from './primitives.spec';
import { LOSS } from './loss.spec';
import { OUTPUT } from './output.spec';

export * from '../node-spec';
export { ACTIVATIONS, ACTIVATION_LABELS, type ActivationFn } from './activation.spec';
export { LOSSES, type LossFn } from './loss.spec';

/** The ONE list of node types, in palette order. */
export const NODE_SPECS: readonly NodeSpec[] = [
  INPUT, TARGET, CONSTANT, PARAMETER,
  LINEAR, BATCH_NORM_1D, DROPOUT, FLATTEN, RESHAPE,
  ACTIVATION,
  ADD, MULTIPLY, MATMUL, MAX, POWER, SUM, MEAN, EXP, LOG,
  LOSS,
  OUTPUT,
];

const byType = indexByType(NODE_SPECS, 'node specs');

export function getNodeSpec(type: string): NodeSpec | undefined {
  return byType.get(type);
}

/** The role of a node type (undefined for most: a layer or an operation has none). */
export function roleOf(type: string): NodeRole | undefined {
  return byType.get(type)?.role;
}

/** Whether a node plays `role` in the graph (the Loss, an Input, …). */
export function hasRole(node: { readonly type: string }, role: NodeRole): boolean {
  return byType.get(node.type)?.role === role;
}

/** Nodes with trainable tensors (the inspector shows their weights). */
export function isTrainable(type: string): boolean {
  return byType.get(type)?.trainable === true;
}

/** Used only while training (Target, Loss): never part of an exported inference model. */
export function isTrainingOnly(type: string): boolean {
  return byType.get(type)?.trainingOnly === true;
}
