import type { Tensor } from '../../core/tensor';
import { tensor } from '../../core/creation';
import { EngineError } from '../../core/errors';
import type { TensorValue } from '../document';
import type { GraphNode } from '../document';
import type { ForwardContext, LocalGradientTerm, NodeRuntime } from '../node-def';
import { NodeShapeError } from '../node-def';
import type { SymShape } from '../symbolic';
import { formatSymShape } from '../symbolic';

export { boolParam, enumParam, floatParam, intParam, port, tensorIn, tensorOut } from '../node-spec';

/** A stateless node whose forward maps input tensors to output tensors. */
export function stateless(forward: (inputs: Readonly<Record<string, Tensor>>, ctx: ForwardContext) => Record<string, Tensor>): NodeRuntime {
  return { parameters: [], buffers: [], forward };
}

/** The input shape on a port, which validation guarantees is connected for required ports. */
export function inShape(inputs: Readonly<Record<string, SymShape>>, name = 'in'): SymShape {
  const s = inputs[name];
  if (!s) throw new NodeShapeError(`input "${name}" is not connected`, name);
  return s;
}


/** Check a stored weight's shape and turn it into a tensor. */
export function storedTensor(node: GraphNode, name: string, value: TensorValue, expected: readonly number[]): Tensor {
  const ok = value.shape.length === expected.length && value.shape.every((d, i) => d === expected[i]);
  if (!ok) {
    throw new EngineError(`node "${node.label ?? node.id}": stored ${name} has shape [${value.shape.join(', ')}], expected [${expected.join(', ')}]`);
  }
  return tensor(Float32Array.from(value.data), { shape: expected });
}

export const shapeText = formatSymShape;

/** A local gradient term for the backprop view. */
export function localTerm(of: string, description: string, value: Tensor, kind: LocalGradientTerm['kind']): LocalGradientTerm {
  return { of, description, value, kind };
}

/** A shape as Python call arguments: `2, 3` (a scalar's: `()`). */
export function pyShape(shape: readonly number[]): string {
  return shape.length === 0 ? '()' : shape.join(', ');
}

/** A nested array of numbers as a Python literal of floats (`[[1.0, 2.0]]`). */
export function pyFloats(value: unknown, num: (v: number) => string): string {
  return Array.isArray(value) ? `[${value.map((v) => pyFloats(v, num)).join(', ')}]` : num(Number(value));
}
