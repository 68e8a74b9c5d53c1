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
import { FlatState, runsOf } from '../../optim/kernels/optim-wasm';
import type { Kernel } from '../../ops/define-op';
import { isTrailingSuffix } from '../../ops/kernels/elementwise';
import type { NonFiniteAt, StepOutcome } from '../executor';
import type { StepRecord, TracedStep } from '../step-program';

type Run = () => void;

/**
 * Whether a fused loop can take a record: elementwise with a float output, each input of the
 * output's size, one element, or a repeated trailing row (a bias, a batch statistic). Returns
 * the row length it needs (0: none), or null when it cannot be fused.
 */
function fusableRow(r: StepRecord): number | null {
  if (!r.op.elementwise || r.output.dtype === 'int32') return null;
  const n = r.output.size;
  let row = 0;
  for (const t of r.inputs) {
    if (t.size === n || t.size === 1) continue;
    if (!isTrailingSuffix(t.shape, r.output.shape) || (row !== 0 && row !== t.size)) return null;
    row = t.size;
  }
  return row;
}

/**
 * One loop for a run of consecutive elementwise records of the same size (an optimizer's update,
 * BatchNorm's statistics): each element goes through every record in order, results rounded as
 * their storage would round them (`Math.fround` for float32), and written to storage only where
 * something outside the run reads them (or where the record is an assign). Bitwise what the
 * records compute one by one, with one pass over memory instead of one per record.
 */
function fuseRecords(group: readonly StepRecord[], row: number, keep: (t: Tensor, at: number) => boolean, first: number): Run {
  const n = group[0]!.output.size;
  const local = new Map<Tensor, number>();
  const arrays: TypedArray[] = [];
  const arrayIndex = new Map<TypedArray, number>();
  const fns: unknown[] = [];
  const attrs: unknown[] = [];
  const pre: string[] = [];
  const perCall: string[] = [];
  const body: string[] = [];
  const arr = (a: TypedArray): string => {
    let k = arrayIndex.get(a);
    if (k === undefined) {
      k = arrays.length;
      arrays.push(a);
      arrayIndex.set(a, k);
      pre.push(`const a${k} = arrays[${k}];`);
    }
    return `a${k}`;
  };
  const scalars = new Map<TypedArray, string>();
  group.forEach((r, j) => {
    const operands = r.inputs.map((t) => {
      const l = local.get(t);
      if (l !== undefined) return `t${l}`;
      if (t.size === 1 && n !== 1) {
        // one element, broadcast: read at each call, before the loop (step scalars change per step)
        let v = scalars.get(t.data);
        if (!v) {
          v = `s${scalars.size}`;
          scalars.set(t.data, v);
          perCall.push(`const ${v} = ${arr(t.data)}[0];`);
        }
        return v;
      }
      return t.size === n ? `${arr(t.data)}[i]` : `${arr(t.data)}[j]`;
    });
    fns.push(r.op.elementwise);
    let call: string;
    if (r.op.elementExpr !== undefined) {
      // the element function's own source, inline
      call = r.op.elementExpr.replace(/\bx\b/g, `(${operands[0]})`).replace(/\by\b/g, `(${operands[1] ?? ''})`);
    } else {
      call = r.op.arity === 1 ? `f${j}(${operands[0]}, at${j})` : `f${j}(${operands[0]}, ${operands[1]})`;
      if (r.op.arity === 1) {
        attrs.push(r.attrs);
        pre.push(`const at${j} = attrs[${attrs.length - 1}];`);
      }
      pre.push(`const f${j} = fns[${j}];`);
    }
    // a pass-through (assign's value, a reshape's or expand's input) of the output's dtype is already rounded
    const passed = r.op.elementExpr === 'y' ? r.inputs[1] : r.op.elementExpr === 'x' ? r.inputs[0] : undefined;
    const exact = passed !== undefined && passed.dtype === r.output.dtype;
    body.push(`const t${j} = ${r.output.dtype === 'float32' && !exact ? `fround(${call})` : call};`);
    local.set(r.output, j);
    if (keep(r.output, first + j)) body.push(`${arr(r.output.data)}[i] = t${j};`);
  });
  // with a repeated row: rows × row, j the index within the row
  const loopHead = row > 0 ? `for (let r = 0, i = 0; r < ${n / row}; r++) for (let j = 0; j < ${row}; j++, i++) {` : 'for (let i = 0; i < n; i++) {';
  const source = `"use strict";\n// fused ${group.map((r) => r.op.name).join(' ')}\nconst fround = Math.fround;\n${pre.join('\n')}\nreturn function fused(n) {\n${perCall.join('\n')}\n${loopHead}\n${body.join('\n')}\n}\n};`;
  const loop = new Function('arrays', 'fns', 'attrs', source)(arrays, fns, attrs) as (n: number) => void;
  return () => loop(n);
}

/** The records as closures, runs of elementwise ones fused; `keep(t, i)`: record i's output is read outside its run. */
function compileRecords(records: readonly StepRecord[], keep: (t: Tensor, i: number, runEnd: number) => boolean): Run[] {
  const out: Run[] = [];
  let i = 0;
  while (i < records.length) {
    let j = i;
    let row = fusableRow(records[i]!);
    if (row !== null) {
      const n = records[i]!.output.size;
      for (;;) {
        const next = j + 1 < records.length && records[j + 1]!.output.size === n ? fusableRow(records[j + 1]!) : null;
        if (next === null || (next !== 0 && row !== 0 && next !== row)) break;
        if (next !== 0) row = next;
        j++;
      }
    }
    if (j > i) {
      const end = j + 1;
      out.push(fuseRecords(records.slice(i, end), row ?? 0, (t, at) => keep(t, at, end), i));
    } else out.push(compileRecord(records[i]!));
    i = j + 1;
  }
  return out;
}

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

/**
 * Whether any element is NaN or ±Inf: x − x is 0 for every finite x and NaN otherwise, so four
 * running sums (no branch per element) stay 0 exactly when all are finite.
 */
function hasNonFinite(a: TypedArray): boolean {
  const n = a.length;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = a[i]!;
    const x1 = a[i + 1]!;
    const x2 = a[i + 2]!;
    const x3 = a[i + 3]!;
    s0 += x0 - x0;
    s1 += x1 - x1;
    s2 += x2 - x2;
    s3 += x3 - x3;
  }
  for (; i < n; i++) {
    const x = a[i]!;
    s0 += x - x;
  }
  return s0 + s1 + s2 + s3 !== 0;
}

/**
 * Whether replays run the optimizer's update with its fused WebAssembly kernel when it has one
 * (read when a replay is built; the benchmarks' A/B turns it off).
 */
export const replayOptions = { optimizerKernels: true };

/** The flat WebAssembly state of each optimizer whose update a replay runs with the kernel. */
const flatStates = new WeakMap<Optimizer, FlatState>();

/**
 * The update segment as the optimizer's fused kernel: the parameters and their optimizer state
 * live in one flat WebAssembly memory (`FlatState`) and the tensors are views of it (the
 * parameters' and state tensors' `data` are moved there once per optimizer, values kept); the
 * step's gradients are written straight into its gradient region by their producing records.
 * Null when the kernel cannot run this update (no kernel, not float32, BPSTUDIO_WASM=0 …): then
 * the segment's ops run as records.
 */
interface KernelUpdate {
  readonly flat: FlatState;
  /** Runs [from, to) of parameters with a gradient: one kernel call each. */
  readonly runs: readonly [number, number][];
  /** Gradients that are not views of the flat state (shared by two parameters): copied in each step. */
  readonly copies: readonly { from: TypedArray; to: Float32Array }[];
}

function kernelUpdate(optimizer: Optimizer, traced: TracedStep): KernelUpdate | null {
  if (!replayOptions.optimizerKernels || optimizer.kernelSpec() === null) return null;
  const params = traced.params;
  if (params.length !== optimizer.params.length || params.some((p, k) => p !== optimizer.params[k] || p.dtype !== 'float32')) return null;
  const hasGrad = traced.grads.map((g) => g !== null);
  for (let k = 0; k < params.length; k++) {
    const g = traced.grads[k];
    if (g && (g.size !== params[k]!.size || !traced.slots[k])) return null;
  }
  let flat = flatStates.get(optimizer);
  if (!flat || flat.sizes.length !== params.length || params.some((p, k) => p.data !== flat!.part(flat!.params, k))) {
    const made = FlatState.create(params.map((p) => p.size), optimizer.slotNames.length);
    if (!made) return null;
    flat = made;
    params.forEach((p, k) => {
      const view = made.part(made.params, k);
      view.set(p.data);
      (p as { data: TypedArray }).data = view;
    });
    flatStates.set(optimizer, flat);
  }
  const f = flat;
  // the state tensors of the parameters this step updates (the others keep none, as eagerly)
  hasGrad.forEach((h, k) => {
    if (h) optimizer.slotNames.forEach((_, s) => optimizer.adoptSlotStorage(k, s, f.part(f.slots[s]!, k)));
  });
  // the gradients, produced into the gradient region (a gradient serving two parameters is copied)
  const seen = new Set<Tensor>();
  const copies: { from: TypedArray; to: Float32Array }[] = [];
  traced.grads.forEach((g, k) => {
    if (!g) return;
    const view = f.part(f.grads, k);
    if (seen.has(g) || g.dtype !== 'float32' || !traced.producer.has(g) || traced.records[traced.producer.get(g)!]!.op.name === 'assign') {
      copies.push({ from: g.data, to: view });
      return;
    }
    seen.add(g);
    view.set(g.data);
    (g as { data: TypedArray }).data = view;
  });
  return { flat: f, runs: runsOf(hasGrad), copies };
}

export class StepReplay {
  private readonly forward: Run[];
  private readonly backward: Run[];
  private readonly update: Run[];
  private readonly kernel: KernelUpdate | null;
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
    // before compiling: the kernel path moves parameters, gradients and state into WebAssembly memory
    this.kernel = kernelUpdate(optimizer, traced);
    // What is read outside a fused run: by a later record, or by the host (loss, prediction,
    // gradients, the forward pass's values for diagnostics, the state an assign writes).
    const lastUse = new Map<Tensor, number>();
    traced.records.forEach((r, i) => r.inputs.forEach((t) => lastUse.set(t, i)));
    const external = new Set<Tensor>([...traced.result.values.values(), ...traced.result.edges.values()]);
    for (const t of [traced.loss, traced.prediction, ...traced.grads, ...traced.extras.flatMap((e) => [e.value, e.grad])]) if (t) external.add(t);
    const keep = (t: Tensor, i: number, runEnd: number): boolean =>
      traced.records[i]!.op.name === 'assign' || external.has(t) || (lastUse.get(t) ?? -1) >= runEnd;
    // Segments are compiled apart: the host checks between them.
    const seg = (a: number, b: number) => compileRecords(traced.records.slice(a, b), (t, i, end) => keep(t, a + i, a + end));
    this.forward = seg(0, traced.forwardEnd);
    this.backward = seg(traced.forwardEnd, traced.backwardEnd);
    this.update = this.kernel ? [] : seg(traced.backwardEnd, traced.records.length);
  }

  /** Whether the update runs as the optimizer's WebAssembly kernel. */
  get kernelUpdate(): boolean {
    return this.kernel !== null;
  }

  /** Number of ops replayed per step, and of kernels they run as (fused runs count once). */
  get size(): { ops: number; kernels: number } {
    return { ops: this.traced.records.length, kernels: this.forward.length + this.backward.length + this.update.length };
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
    const opt = this.optimizer;
    const kernel = this.kernel;
    if (kernel) return this.kernelStep(kernel, loss);
    for (let k = 0; k < grads.length; k++) {
      const g = grads[k];
      if (g && hasNonFinite(g.data)) return { ok: false, at: this.at(k, 'gradient of') };
    }
    opt.stepCount++;
    opt.setStep(opt.stepCount);
    const u = this.update;
    for (let i = 0; i < u.length; i++) u[i]!();
    const params = t.params;
    for (let k = 0; k < params.length; k++) if (hasNonFinite(params[k]!.data)) return { ok: false, at: this.at(k, 'parameter') };
    return { ok: true, loss, prediction: t.prediction };
  }

  /** The gradients' finiteness check and the update, by the optimizer's kernel over the flat state. */
  private kernelStep(kernel: KernelUpdate, loss: number): StepOutcome {
    const { flat, runs, copies } = kernel;
    for (let i = 0; i < copies.length; i++) copies[i]!.to.set(copies[i]!.from);
    const t = this.traced;
    for (let r = 0; r < runs.length; r++) {
      const [from, to] = runs[r]!;
      if (!flat.gradsFinite(from, to)) {
        for (let k = from; k < to; k++) if (hasNonFinite(flat.part(flat.grads, k))) return { ok: false, at: this.at(k, 'gradient of') };
      }
    }
    const opt = this.optimizer;
    opt.stepCount++;
    opt.setStep(opt.stepCount);
    const spec = opt.kernelSpec()!;
    let finite = true;
    for (let r = 0; r < runs.length; r++) finite = flat.update(spec, runs[r]![0], runs[r]![1]) && finite;
    if (!finite) {
      const params = t.params;
      for (let k = 0; k < params.length; k++) if (hasNonFinite(params[k]!.data)) return { ok: false, at: this.at(k, 'parameter') };
    }
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
