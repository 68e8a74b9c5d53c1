/**
 * Ops that change state, so that a training step is nothing but ops: `assign` writes a value
 * into a tensor's storage in place (the optimizer's update, BatchNorm's running statistics), and
 * the dropout mask is drawn by a random op from a seeded generator. A traced step therefore
 * contains every state change, and both executors run them: the ts program replays them, the
 * ort backend lowers them (an assign becomes the state's new value, a random op an input).
 */
import type { TypedArray } from '../core/dtype';
import { ShapeError } from '../core/errors';
import { formatShape, sizeOf } from '../core/shape';
import type { Shape } from '../core/shape';
import type { Generator } from '../core/random';
import type { Tensor } from '../core/tensor';
import { apply, defineOp, type ElementFn, type OpDef } from './define-op';

/**
 * target ← value, in place (TensorFlow's `assign`, PyTorch's `copy_` under `no_grad`). The
 * output is the target itself (same storage); the value may differ in shape, not in size. Not differentiable: state changes happen outside
 * autograd, as an optimizer's do.
 */
export const assignOp = defineOp<Record<string, never>>({
  name: 'assign',
  arity: 2,
  doc: 'Write a value into a tensor in place (optimizer updates, running statistics)',
  inferShape: ([target, value]) => {
    if (sizeOf(target!) !== sizeOf(value!)) {
      throw new ShapeError(`assign: value of shape ${formatShape(value!)} does not fit target of shape ${formatShape(target!)}`);
    }
    return target!;
  },
  inferDType: ([t]) => t!,
  forward: ([target, value]) => {
    target!.data.set(value!.data);
    return target!.data;
  },
  elementwise: ((_target: number, value: number) => value) as ElementFn,
  elementExpr: 'y',
  specialize: () => (inputs, out) => {
    const v = inputs[1]!;
    if (out !== inputs[0]) inputs[0]!.set(v);
    out.set(v);
  },
  toOnnx: (ctx) =>
    ctx.inputShapes[1]!.join() === ctx.outShape.join()
      ? ctx.node('Identity', [ctx.input(1, ctx.outDType)])
      : ctx.node('Reshape', [ctx.input(1, ctx.outDType), ctx.int64s(ctx.outShape)]),
});

/** Write `value` into `target`'s storage; returns `target`. */
export function assign(target: Tensor, value: Tensor): Tensor {
  return apply(assignOp, [target, value], {});
}

export type MaskAttrs = { readonly shape: readonly number[]; readonly p: number; readonly dtype: 'float32' | 'float64' };

const maskOps = new WeakMap<Generator, OpDef<MaskAttrs>>();

function drawMask(out: TypedArray, p: number, g: Generator): void {
  const keep = 1 / (1 - p);
  for (let i = 0; i < out.length; i++) out[i] = g.random() < p ? 0 : keep;
}

/**
 * The inverted-dropout mask op of one seeded generator: each element is 0 with probability p,
 * else 1/(1−p), drawn from the generator's stream in row-major order. One op per generator (the
 * generator is the op's state, not an attribute), so a Dropout node draws from its own stream
 * however its step is run.
 */
export function dropoutMaskOp(generator: Generator): OpDef<MaskAttrs> {
  let op = maskOps.get(generator);
  if (!op) {
    op = defineOp<MaskAttrs>({
      name: 'dropoutMask',
      arity: 0,
      doc: 'A dropout mask: 0 with probability p, else 1/(1−p), from a seeded generator',
      random: true,
      inferShape: (_s, { shape }): Shape => shape,
      inferDType: (_d, { dtype }) => dtype,
      forward: (_i, { shape, p, dtype }) => {
        const out = dtype === 'float64' ? new Float64Array(sizeOf(shape)) : new Float32Array(sizeOf(shape));
        drawMask(out, p, generator);
        return out;
      },
      specialize: ({ attrs: { p } }) => (_inputs, out) => drawMask(out, p, generator),
    });
    maskOps.set(generator, op);
  }
  return op;
}

/** A fresh dropout mask of `shape` from `generator`. */
export function dropoutMask(shape: Shape, p: number, generator: Generator, dtype: 'float32' | 'float64' = 'float32'): Tensor {
  return apply(dropoutMaskOp(generator), [], { shape: [...shape], p, dtype });
}
