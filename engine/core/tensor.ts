import type { DType, TypedArray } from './dtype';
import { allocate, dtypeOf } from './dtype';
import type { Shape } from './shape';
import { formatShape, sizeOf, stridesOf } from './shape';
import { AutogradError, EngineError } from './errors';
import type { GradNode } from '../autograd/node';
import * as F from '../ops/functional';
import { backward as runBackward } from '../autograd/backward';

/** A nested array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

export interface BackwardOptions {
  /** Keep the saved tensors so that backward can run through this graph again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so the gradients can be differentiated again. */
  createGraph?: boolean;
}

/**
 * An n-dimensional array with autograd, after PyTorch's `torch.Tensor`.
 * Storage is contiguous and row-major; every op returns a new tensor.
 */
export class Tensor {
  /** Contiguous row-major storage. */
  data: TypedArray;
  readonly shape: Shape;
  /** The gradient accumulated by backward passes (leaves, and non-leaves that called `retainGrad()`). */
  grad: Tensor | null = null;
  /** A readable name (parameters carry theirs: `l1.weight`). */
  name: string | undefined;
  private _requiresGrad = false;
  private _gradFn: GradNode | null = null;
  private _retainsGrad = false;

  protected constructor(data: TypedArray, shape: Shape) {
    this.data = data;
    this.shape = Object.freeze([...shape]);
  }

  /** Wrap existing storage without copying (the array must have the shape's size). */
  static fromData(data: TypedArray, shape: Shape): Tensor {
    if (data.length !== sizeOf(shape)) {
      throw new EngineError(`Tensor: storage has ${data.length} elements but shape ${formatShape(shape)} needs ${sizeOf(shape)}`);
    }
    return new Tensor(data, shape);
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }
  numel(): number {
    return this.data.length;
  }
  get strides(): number[] {
    return stridesOf(this.shape);
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }
  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }
  /** The backward node that made this tensor; null for leaves. */
  get gradFn(): GradNode | null {
    return this._gradFn;
  }
  /** A leaf was made by the user (or does not require grad), not by an op that autograd recorded. */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }
  get retainsGrad(): boolean {
    return this._retainsGrad;
  }

  /** Set `requiresGrad` in place (leaves only), returning this tensor. */
  requiresGrad_(value = true): this {
    if (!this.isLeaf && !value) {
      throw new AutogradError(
        'you can only change requiresGrad flags of leaf variables. If you want to use a computed variable in a ' +
          'subgraph that does not require differentiation use detach().',
      );
    }
    if (value && this.dtype === 'int32') {
      throw new AutogradError('only tensors of floating point dtype can require gradients (this one is int32)');
    }
    this._requiresGrad = value || !this.isLeaf;
    return this;
  }

  /** Also keep `.grad` for this non-leaf tensor during backward (PyTorch `retain_grad()`). */
  retainGrad(): this {
    if (!this._requiresGrad) {
      throw new AutogradError("can't retainGrad on a tensor that has requiresGrad=false");
    }
    if (this._gradFn) {
      this._retainsGrad = true;
      this._gradFn.retained = this;
    }
    return this;
  }

  /** @internal used by `apply` when an op records a backward node. */
  attachGradFn(node: GradNode): void {
    this._gradFn = node;
    this._requiresGrad = true;
  }

  /** A tensor sharing this storage, cut from the graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy with its own storage (not recorded by autograd). */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Compute gradients of this tensor w.r.t. graph leaves (PyTorch `Tensor.backward`). */
  backward(gradient?: Tensor | null, options: BackwardOptions = {}): void {
    runBackward([this], gradient ? [gradient] : [null], options);
  }

  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.data.length !== 1) {
      throw new EngineError(`item(): a Tensor with ${this.data.length} elements cannot be converted to a number (shape ${formatShape(this.shape)})`);
    }
    return this.data[0]!;
  }

  /** Nested arrays of numbers, as PyTorch's `tolist()`. */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0]!;
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const stride = this.strides[dim]!;
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? this.data[offset + i]! : build(dim + 1, offset + i * stride));
      }
      return out;
    };
    return build(0, 0);
  }

  /** A flat plain array of the values. */
  toList(): number[] {
    return Array.from(this.data);
  }

  /** A copy in another dtype. */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    const out = allocate(dtype, this.data.length);
    out.set(this.data);
    return new Tensor(out, this.shape);
  }
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }

  toString(): string {
    const body = this.data.length <= 20 ? JSON.stringify(this.toArray()) : `${formatShape(this.shape)} ${this.dtype}`;
    const extra = this._gradFn ? `, gradFn=<${this._gradFn.name}>` : this._requiresGrad ? ', requiresGrad=true' : '';
    return `tensor(${body}${extra})`;
  }

  // ----- ops as methods (each delegates to the one definition in engine/ops) -----
  add(other: Tensor | number): Tensor {
    return F.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return F.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return F.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return F.div(this, other);
  }
  neg(): Tensor {
    return F.neg(this);
  }
  pow(exponent: number): Tensor {
    return F.pow(this, exponent);
  }
  exp(): Tensor {
    return F.exp(this);
  }
  log(): Tensor {
    return F.log(this);
  }
  sqrt(): Tensor {
    return F.sqrt(this);
  }
  abs(): Tensor {
    return F.abs(this);
  }
  relu(): Tensor {
    return F.relu(this);
  }
  sigmoid(): Tensor {
    return F.sigmoid(this);
  }
  tanh(): Tensor {
    return F.tanh(this);
  }
  matmul(other: Tensor): Tensor {
    return F.matmul(this, other);
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return F.transpose(this, dim0, dim1);
  }
  /** Transpose of a 2-D tensor. */
  t(): Tensor {
    return F.transpose(this, 0, 1);
  }
  permute(...dims: number[]): Tensor {
    return F.permute(this, dims);
  }
  reshape(...shape: number[]): Tensor {
    return F.reshape(this, shape);
  }
  view(...shape: number[]): Tensor {
    return F.reshape(this, shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return F.flatten(this, startDim, endDim);
  }
  expand(...shape: number[]): Tensor {
    return F.expand(this, shape);
  }
  sum(dims?: number | number[], keepDim = false): Tensor {
    return F.sum(this, dims, keepDim);
  }
  mean(dims?: number | number[], keepDim = false): Tensor {
    return F.mean(this, dims, keepDim);
  }
  max(dims?: number | number[], keepDim = false): Tensor {
    return F.max(this, dims, keepDim);
  }
  argmax(dim?: number, keepDim = false): Tensor {
    return F.argmax(this, dim, keepDim);
  }
  softmax(dim = -1): Tensor {
    return F.softmax(this, dim);
  }
  logSoftmax(dim = -1): Tensor {
    return F.logSoftmax(this, dim);
  }
  gt(other: Tensor | number): Tensor {
    return F.gt(this, other);
  }
  lt(other: Tensor | number): Tensor {
    return F.lt(this, other);
  }
  ge(other: Tensor | number): Tensor {
    return F.ge(this, other);
  }
  le(other: Tensor | number): Tensor {
    return F.le(this, other);
  }
  eq(other: Tensor | number): Tensor {
    return F.eq(this, other);
  }
}

/** Whether a value is a Tensor. */
export function isTensor(x: unknown): x is Tensor {
  return x instanceof Tensor;
}
