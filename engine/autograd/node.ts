import type { Tensor } from '../core/tensor';
import type { OpDef } from '../ops/define-op';
import { AutogradError } from '../core/errors';

/** Where the gradient for one input of a node goes: another node, or a leaf tensor's `.grad`. */
export type NextEdge = { readonly node: GradNode; readonly leaf: null } | { readonly node: null; readonly leaf: Tensor };

let sequence = 0;

/**
 * A node of the backward graph — what PyTorch prints as `<AddBackward0>`. It remembers the op
 * that made its output, the tensors that op saved for its vector-Jacobian product, and where
 * each input's gradient flows next.
 */
export class GradNode {
  /** PyTorch-style name, e.g. `AddBackward0`, `PowBackward0`, `MeanBackward0`. */
  readonly name: string;
  /** Creation order; later nodes are processed first when several are ready. */
  readonly sequenceNr = sequence++;
  /** One entry per op input: where that input's gradient goes (null: no gradient needed). */
  readonly nextEdges: readonly (NextEdge | null)[];
  /** The tensor that called `retainGrad()`, if any. */
  retained: Tensor | null = null;
  private saved: { inputs: readonly Tensor[]; output: Tensor } | null;

  constructor(
    readonly op: OpDef,
    inputs: readonly Tensor[],
    output: Tensor,
    readonly attrs: Readonly<Record<string, unknown>>,
  ) {
    this.name = op.gradFnName;
    this.saved = { inputs, output };
    this.nextEdges = inputs.map((t): NextEdge | null => {
      if (!t.requiresGrad) return null;
      return t.gradFn ? { node: t.gradFn, leaf: null } : { node: null, leaf: t };
    });
  }

  /** True once a backward pass without `retainGraph` has freed the saved tensors. */
  get released(): boolean {
    return this.saved === null;
  }

  /** The saved inputs and output; throws PyTorch's error once they have been freed. */
  savedTensors(): { inputs: readonly Tensor[]; output: Tensor } {
    if (this.saved === null) {
      throw new AutogradError(
        'Trying to backward through the graph a second time (or directly access saved tensors after they have ' +
          'already been freed). Saved intermediate values of the graph are freed when you call backward() or grad(). ' +
          'Specify retainGraph: true if you need to backward through the graph a second time or if you need to ' +
          `access saved tensors after calling backward. (node ${this.name})`,
      );
    }
    return this.saved;
  }

  /** Free the saved tensors (what `backward()` does without `retainGraph`). */
  release(): void {
    this.saved = null;
  }

  toString(): string {
    return `<${this.name}>`;
  }
}
