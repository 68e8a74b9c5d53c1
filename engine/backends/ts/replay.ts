/**
 * Replaying a traced training step (engine/backends/step-program.ts) on the ts backend. Every
 * record becomes a kernel specialised to its shapes (`OpDef.specialize`) that writes into the
 * storage the traced step allocated: no autograd bookkeeping, no shape inference, no allocation
 * per step. Host values (the batch) are copied into their traced tensors, the optimizer's step
 * scalars are written, and the three segments run with a finiteness check after each — as the
 * eager step does, so a replayed step is bitwise equal to an eager one.
 */
import type { TypedArray } from '../../core/dtype';
import type { Tensor } from '../../core/tensor';
import type { CompiledGraph } from '../../graph/compile';
import type { BatchFeed } from '../../graph/node-def';
import type { Optimizer } from '../../optim/optimizer';
import type { Kernel } from '../../ops/define-op';
import type { NonFiniteAt, StepOutcome } from '../executor';
import type { StepRecord, TracedStep } from '../step-program';

type Run = () => void;

/** One record as a closure over its fixed storage. */
function compileRecord(r: StepRecord): Run {
  const inputs = r.inputs.map((t) => t.data);
  const out = r.output.data;
  const call = {
    attrs: r.attrs,
    inputShapes: r.inputs.map((t) => t.shape),
    inputDTypes: r.inputs.map((t) => t.dtype),
    outShape: r.output.shape,
    outDType: r.output.dtype,
  };
  const kernel: Kernel | null = r.op.specialize ? r.op.specialize(call) : null;
  if (kernel) return () => kernel(inputs, out);
  const { op, attrs } = r;
  const ins = r.inputs;
  return () => out.set(op.forward(ins, attrs, call.outShape, call.outDType));
}

function firstNonFinite(a: TypedArray): boolean {
  for (let i = 0; i < a.length; i++) {
    const v = a[i]!;
    if (v - v !== 0) return true; // NaN or ±Inf
  }
  return false;
}

export class StepReplay {
  private readonly forward: Run[];
  private readonly backward: Run[];
  private readonly update: Run[];
  private readonly host: { tensor: Tensor; nodeId: string; port: string }[];

  constructor(
    readonly model: CompiledGraph,
    readonly optimizer: Optimizer,
    readonly traced: TracedStep,
  ) {
    if (traced.stopped !== null) throw new Error('internal: a step program must come from a complete step');
    // The batch is copied in each step: give the host values storage of their own (the traced
    // step's may be a view of the dataset).
    for (const h of traced.host) (h.tensor as { data: TypedArray }).data = h.tensor.data.slice();
    this.host = [...traced.host];
    const run = traced.records.map(compileRecord);
    this.forward = run.slice(0, traced.forwardEnd);
    this.backward = run.slice(traced.forwardEnd, traced.backwardEnd);
    this.update = run.slice(traced.backwardEnd);
  }

  /** Number of ops replayed per step. */
  get size(): number {
    return this.traced.records.length;
  }

  step(feed: BatchFeed): StepOutcome {
    const t = this.traced;
    for (const h of this.host) {
      const v = this.model.runtimes.get(h.nodeId)!.forward({}, { training: true, feed })[h.port]!;
      h.tensor.data.set(v.data);
    }
    const f = this.forward;
    for (let i = 0; i < f.length; i++) f[i]!();
    const loss = t.loss!.data[0]!;
    if (!Number.isFinite(loss)) return { ok: false, at: this.firstNonFiniteOutput() };
    const b = this.backward;
    for (let i = 0; i < b.length; i++) b[i]!();
    const grads = t.grads;
    for (let k = 0; k < grads.length; k++) {
      const g = grads[k];
      if (g && firstNonFinite(g.data)) return { ok: false, at: this.at(k, 'gradient of') };
    }
    const opt = this.optimizer;
    opt.stepCount++;
    opt.setStep(opt.stepCount);
    const u = this.update;
    for (let i = 0; i < u.length; i++) u[i]!();
    const params = t.params;
    for (let k = 0; k < params.length; k++) if (firstNonFinite(params[k]!.data)) return { ok: false, at: this.at(k, 'parameter') };
    return { ok: true, loss, prediction: t.prediction };
  }

  private at(k: number, what: NonFiniteAt['what']): NonFiniteAt {
    const p = this.model.parameters()[k]!;
    return { nodeId: p.nodeId, port: p.name, what };
  }

  private firstNonFiniteOutput(): NonFiniteAt {
    const at = this.model.firstNonFinite(this.traced.result) ?? { nodeId: this.model.lossNodeId!, port: 'loss' };
    return { ...at, what: 'output' };
  }
}
