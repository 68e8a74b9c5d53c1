import type { Tensor } from '../core/tensor';
import { AutogradError } from '../core/errors';
import { formatShape, shapesEqual } from '../core/shape';
import { withGradMode } from './grad-mode';
import type { GradNode } from './node';
import { add, onesLike } from '../ops/functional';

export interface GradOptions {
  /** Upstream gradients for non-scalar outputs (the "v" of a vector-Jacobian product). */
  gradOutputs?: readonly (Tensor | null)[] | Tensor | null;
  /** Keep the graph for another backward pass. Defaults to `createGraph`. */
  retainGraph?: boolean;
  /** Record the backward pass so that the result can be differentiated again. */
  createGraph?: boolean;
  /** Return null for inputs that the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean;
}

interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** grad() mode: capture gradients of these tensors instead of accumulating into leaves' `.grad`. */
  capture: Map<Tensor, Tensor | null> | null;
}

/** `Tensor.backward` for one or more roots: accumulates ∂root/∂leaf into every leaf's `.grad`. */
export function backward(
  roots: readonly Tensor[],
  gradRoots: readonly (Tensor | null)[],
  options: { retainGraph?: boolean; createGraph?: boolean } = {},
): void {
  const createGraph = options.createGraph ?? false;
  run(roots, gradRoots, { retainGraph: options.retainGraph ?? createGraph, createGraph, capture: null });
}

/**
 * Functional gradients (PyTorch `torch.autograd.grad`): returns ∂outputs/∂inputs (weighted by
 * `gradOutputs`) without touching any `.grad`. With `createGraph` the results are themselves
 * differentiable — that is how second derivatives are taken.
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): Tensor[] {
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
  const go = options.gradOutputs;
  const gradRoots = go === undefined || go === null ? outs.map(() => null) : Array.isArray(go) ? go : [go as Tensor];
  if (gradRoots.length !== outs.length) {
    throw new AutogradError(`grad: got ${outs.length} outputs but ${gradRoots.length} gradOutputs`);
  }
  ins.forEach((t, i) => {
    if (!t.requiresGrad) throw new AutogradError(`grad: input ${i} does not require grad (call requiresGrad_() on it)`);
  });
  const capture = new Map<Tensor, Tensor | null>(ins.map((t) => [t, null]));
  const createGraph = options.createGraph ?? false;
  run(outs, gradRoots, { retainGraph: options.retainGraph ?? createGraph, createGraph, capture });
  return ins.map((t, i) => {
    const g = capture.get(t) ?? null;
    if (g === null) {
      if (options.allowUnused) return null as unknown as Tensor;
      throw new AutogradError(
        `grad: input ${i} appears to not have been used in the graph. Set allowUnused: true if this is the desired behavior.`,
      );
    }
    return g;
  });
}

function run(roots: readonly Tensor[], gradRoots: readonly (Tensor | null)[], opts: RunOptions): void {
  const pending = new Map<GradNode, Tensor>();
  const startNodes: GradNode[] = [];

  roots.forEach((root, i) => {
    if (!root.requiresGrad) {
      throw new AutogradError(`element ${i} of tensors does not require grad and does not have a gradFn`);
    }
    let g = gradRoots[i] ?? null;
    if (g === null) {
      if (root.size !== 1) {
        throw new AutogradError(
          `grad can be implicitly created only for scalar outputs: this output has shape ${formatShape(root.shape)}. ` +
            'Pass a gradient of the same shape — backward(gradient) computes the vector-Jacobian product with it.',
        );
      }
      g = onesLike(root);
    } else if (!shapesEqual(g.shape, root.shape)) {
      throw new AutogradError(
        `backward: gradient has shape ${formatShape(g.shape)} but the output has shape ${formatShape(root.shape)}`,
      );
    }
    if (root.gradFn === null) {
      deliverToLeaf(root, g, opts);
      return;
    }
    const node = root.gradFn;
    const prev = pending.get(node);
    pending.set(node, prev ? accumulate(prev, g, opts.createGraph) : g);
    if (!startNodes.includes(node)) startNodes.push(node);
  });

  // Count, for every reachable node, how many edges lead into it, so that a node runs only
  // once its upstream gradient is complete (fan-out sums before it flows on).
  const dependencies = new Map<GradNode, number>();
  const seen = new Set<GradNode>(startNodes);
  const stack = [...startNodes];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const edge of node.nextEdges) {
      if (edge === null || edge.node === null) continue;
      dependencies.set(edge.node, (dependencies.get(edge.node) ?? 0) + 1);
      if (!seen.has(edge.node)) {
        seen.add(edge.node);
        stack.push(edge.node);
      }
    }
  }

  // grad() of a non-leaf input: its gradient is the complete upstream gradient of the node that made it.
  const capturedAt = new Map<GradNode, Tensor>();
  if (opts.capture) for (const t of opts.capture.keys()) if (t.gradFn) capturedAt.set(t.gradFn, t);

  const ready = startNodes.filter((n) => !dependencies.has(n));
  while (ready.length > 0) {
    const node = ready.pop()!;
    const gradOutput = pending.get(node)!;
    pending.delete(node);

    if (node.retained) deliverRetained(node.retained, gradOutput, opts);
    const captured = capturedAt.get(node);
    if (captured) captureGrad(opts.capture!, captured, gradOutput, opts.createGraph);

    const { inputs, output } = node.savedTensors();
    const needsGrad = node.nextEdges.map((e) => e !== null);
    const grads = withGradMode(opts.createGraph, () =>
      node.op.vjp!({ inputs, output, attrs: node.attrs, gradOutput, needsGrad }),
    );
    if (!opts.retainGraph) node.release();

    node.nextEdges.forEach((edge, i) => {
      if (edge === null) return;
      const g = grads[i] ?? null;
      if (edge.node !== null) {
        if (g !== null) {
          checkGradShape(node, i, g, inputs[i]!);
          const prev = pending.get(edge.node);
          pending.set(edge.node, prev ? accumulate(prev, g, opts.createGraph) : g);
        }
        const left = dependencies.get(edge.node)! - 1;
        dependencies.set(edge.node, left);
        if (left === 0) {
          if (pending.has(edge.node)) ready.push(edge.node);
          else releaseSubgraph(edge.node, dependencies, opts);
        }
      } else if (g !== null) {
        checkGradShape(node, i, g, inputs[i]!);
        deliverToLeaf(edge.leaf, g, opts);
      }
    });
  }
}

/** A node all of whose upstream gradients were null: nothing flows further, but its dependants must be released too. */
function releaseSubgraph(node: GradNode, dependencies: Map<GradNode, number>, opts: RunOptions): void {
  if (!opts.retainGraph) node.release();
  for (const edge of node.nextEdges) {
    if (edge === null || edge.node === null) continue;
    const left = dependencies.get(edge.node)! - 1;
    dependencies.set(edge.node, left);
    if (left === 0) releaseSubgraph(edge.node, dependencies, opts);
  }
}

function checkGradShape(node: GradNode, i: number, g: Tensor, input: Tensor): void {
  if (!shapesEqual(g.shape, input.shape)) {
    throw new AutogradError(
      `${node.name}: the VJP of op "${node.op.name}" returned shape ${formatShape(g.shape)} for input ${i}, ` +
        `which has shape ${formatShape(input.shape)}`,
    );
  }
}

function accumulate(a: Tensor, b: Tensor, createGraph: boolean): Tensor {
  return withGradMode(createGraph, () => add(a, b));
}

function deliverToLeaf(leaf: Tensor, g: Tensor, opts: RunOptions): void {
  if (opts.capture) {
    if (opts.capture.has(leaf)) captureGrad(opts.capture, leaf, g, opts.createGraph);
    return;
  }
  accumulateInto(leaf, g, opts.createGraph);
}

function deliverRetained(t: Tensor, g: Tensor, opts: RunOptions): void {
  if (opts.capture) return; // grad() never writes .grad
  accumulateInto(t, g, opts.createGraph);
}

/** `.grad` accumulation: in place when no graph is being built, as a recorded add otherwise. */
function accumulateInto(t: Tensor, g: Tensor, createGraph: boolean): void {
  if (t.grad === null) {
    t.grad = createGraph ? g : g.detach().clone();
  } else if (createGraph || t.grad.requiresGrad) {
    t.grad = accumulate(t.grad, g, createGraph);
  } else {
    const dst = t.grad.data;
    const src = g.data;
    for (let k = 0; k < dst.length; k++) dst[k] = dst[k]! + src[k]!;
  }
}

function captureGrad(capture: Map<Tensor, Tensor | null>, t: Tensor, g: Tensor, createGraph: boolean): void {
  const prev = capture.get(t) ?? null;
  capture.set(t, prev === null ? g : accumulate(prev, g, createGraph));
}
