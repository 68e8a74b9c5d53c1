import type { Tensor } from '../core/tensor';

/**
 * Base class of layers, after PyTorch's `nn.Module`: parameters, buffers and sub-modules are
 * registered by name, in order, so `parameters()` lists them in PyTorch's order and names read
 * `0.weight`, `bn1.running_mean`.
 */
export abstract class Module {
  private readonly _parameters = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();
  /** Training mode (BatchNorm uses batch statistics, Dropout drops). */
  training = true;

  abstract forward(x: Tensor): Tensor;

  /** Call the module (alias of forward, like `module(x)` in PyTorch). */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad_(true);
    this._parameters.set(name, t);
    return t;
  }
  protected registerBuffer(name: string, t: Tensor): Tensor {
    this._buffers.set(name, t);
    return t;
  }
  protected registerModule<M extends Module>(name: string, m: M): M {
    this._modules.set(name, m);
    return m;
  }

  /** Every parameter with its dotted name, depth-first in registration order (PyTorch's order). */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, p] of this._parameters) out.push([prefix + n, p]);
    for (const [n, m] of this._modules) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }
  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [n, b] of this._buffers) out.push([prefix + n, b]);
    for (const [n, m] of this._modules) out.push(...m.namedBuffers(`${prefix}${n}.`));
    return out;
  }
  children(): Module[] {
    return [...this._modules.values()];
  }
  namedChildren(): [string, Module][] {
    return [...this._modules.entries()];
  }

  /** Switch this module and its children to training (true) or evaluation (false) mode. */
  train(mode = true): this {
    this.training = mode;
    for (const m of this._modules.values()) m.train(mode);
    return this;
  }
  eval(): this {
    return this.train(false);
  }

  /** Set every parameter's `.grad` to null. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Parameters and buffers by name, as plain copies (PyTorch `state_dict`). */
  stateDict(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [n, p] of this.namedParameters()) out.set(n, p.detach().clone());
    for (const [n, b] of this.namedBuffers()) out.set(n, b.detach().clone());
    return out;
  }

  /** Copy values into parameters and buffers by name; every name must match in shape. */
  loadStateDict(state: ReadonlyMap<string, { data: ArrayLike<number>; shape?: readonly number[] }>): void {
    const targets = new Map([...this.namedParameters(), ...this.namedBuffers()]);
    for (const [name, t] of targets) {
      const src = state.get(name);
      if (!src) throw new Error(`loadStateDict: missing key "${name}"`);
      if (src.data.length !== t.size) {
        throw new Error(`loadStateDict: "${name}" has ${src.data.length} values, expected ${t.size} (shape [${t.shape.join(', ')}])`);
      }
      t.data.set(src.data);
    }
  }

  /** A one-line description, e.g. `Linear(in_features=4, out_features=8, bias=true)`. */
  describe(): string {
    return this.constructor.name;
  }
}
