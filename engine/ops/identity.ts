import { defineOp } from './define-op';
import { copyKernel } from './kernels/specialize';

/**
 * y = x, as a separate tensor. The step-through executor puts one on every canvas edge so that
 * each edge has its own gradient: where an output fans out, each branch's part lands on its
 * own edge and their sum on the producer's output. d(x) = dx.
 */
export const identityOp = defineOp<Record<string, never>>({
  name: 'identity',
  arity: 1,
  doc: 'The identity: a copy of its input with its own place in the graph',
  inferShape: ([s]) => s!,
  forward: ([x]) => x!.data.slice(),
  specialize: () => copyKernel,
  toOnnx: (ctx) => ctx.node('Identity', [ctx.inputs[0]!]),
  vjp: ({ gradOutput: g }) => [g],
  samples: [{ shapes: [[2, 3]], attrs: {} }],
});
