/**
 * The training step as a program: one step of a compiled graph — forward (BatchNorm's running
 * statistics and dropout masks included: they are ops), loss, backward (its VJPs are ops, applied
 * under noGrad), and, given an optimizer, the update (ops ending in `assign`s) — is run once
 * while `traceOps` records every op. The records are a static program for that batch shape:
 *   - the ts executor replays it with preallocated outputs and specialised kernels
 *     (engine/backends/ts/replay.ts);
 *   - the ort backend lowers it to one ONNX graph (engine/backends/ort/step-graph.ts).
 *
 * What a record's input that no record produced stands for (a leaf) is known without looking
 * inside nodes: a parameter, a buffer, an optimizer state tensor or step scalar, a host value —
 * an output of a source node (Input, Target, Constant: the batch, computed on the host from the
 * feed each step) — or a constant.
 */
import { grad } from '../autograd/backward';
import { noGrad } from '../autograd/grad-mode';
import { EngineError } from '../core/errors';
import type { Tensor } from '../core/tensor';
import type { CompiledGraph, ForwardResult } from '../graph/compile';
import type { BatchFeed } from '../graph/node-def';
import { portKey } from '../graph/names';
import type { Optimizer } from '../optim/optimizer';
import { traceOps, type Attrs, type OpDef } from '../ops/define-op';

export interface StepRecord {
  readonly op: OpDef;
  readonly inputs: readonly Tensor[];
  readonly attrs: Attrs;
  readonly output: Tensor;
  /** The canvas node whose forward applied the op; null for the backward pass, the update and the per-edge copies. */
  readonly nodeId: string | null;
}

/** An output of a source node (Input, Target, Constant): computed on the host from the feed each step. */
export interface HostValue {
  readonly nodeId: string;
  readonly port: string;
  readonly tensor: Tensor;
}

/** A requested edge (`edge id`) or port (`nodeId:port`): its value and gradient in the step. */
export interface ExtraRef {
  readonly key: string;
  readonly value: Tensor | null;
  readonly grad: Tensor | null;
}

/** Where the step stopped early: a non-finite loss, or non-finite gradients (before any update). */
export type StepStop = 'loss' | 'gradients' | null;

export interface TracedStep {
  readonly training: boolean;
  readonly records: readonly StepRecord[];
  /** Output tensor → index of the record that produced it. */
  readonly producer: ReadonlyMap<Tensor, number>;
  /** Records [0, forwardEnd): forward and loss; [forwardEnd, backwardEnd): the VJPs; [backwardEnd, end): the update. */
  readonly forwardEnd: number;
  readonly backwardEnd: number;
  readonly params: readonly Tensor[];
  readonly buffers: readonly Tensor[];
  readonly host: readonly HostValue[];
  readonly hostOf: ReadonlyMap<Tensor, HostValue>;
  readonly result: ForwardResult;
  readonly loss: Tensor | null;
  readonly prediction: Tensor | null;
  /** ∂loss/∂parameter for each parameter (null: the loss does not depend on it). Training only. */
  readonly grads: readonly (Tensor | null)[];
  readonly extras: readonly ExtraRef[];
  /** The optimizer's state tensors (per parameter, null when it was not updated) and step scalars, when the update was traced. */
  readonly slots: readonly (readonly Tensor[] | null)[];
  readonly stepScalars: readonly Tensor[];
  /** Where the step stopped early (then the program is incomplete), or null. */
  readonly stopped: StepStop;
}

export interface TraceStepOptions {
  /** Evaluation mode: forward only, no gradients. */
  readonly training: boolean;
  /** Edge ids or `nodeId:port` keys whose values (and gradients, in training) are wanted. */
  readonly extras?: readonly string[];
  /** Trace the update too (the step really updates the model). */
  readonly optimizer?: Optimizer | null;
  /** Leave the model as it was: parameters, buffers, optimizer state and generators (compiling for another executor). */
  readonly restore?: boolean;
  /** Stop before the backward pass on a non-finite loss, and before the update on non-finite gradients. */
  readonly stopOnNonFinite?: boolean;
}

/** Nodes without inputs: their outputs are computed on the host from the feed (or are constants). */
export function sourceNodes(model: CompiledGraph): Set<string> {
  const fed = new Set(model.document.edges.map((e) => e.target));
  return new Set(model.order.filter((n) => !fed.has(n.id)).map((n) => n.id));
}

interface Saved {
  readonly params: (Float32Array | Float64Array | Int32Array)[];
  readonly buffers: (Float32Array | Float64Array | Int32Array)[];
  readonly generators: [string, readonly number[]][];
  readonly optimizer: ReturnType<Optimizer['stateDict']> | null;
}

function save(model: CompiledGraph, opt: Optimizer | null): Saved {
  return {
    params: model.parameterTensors().map((t) => t.data.slice()),
    buffers: model.buffers().map((b) => b.tensor.data.slice()),
    generators: [...model.generators].map(([id, g]) => [id, g.getState()]),
    optimizer: opt ? opt.stateDict() : null,
  };
}

function restore(model: CompiledGraph, opt: Optimizer | null, s: Saved): void {
  model.parameterTensors().forEach((t, i) => t.data.set(s.params[i]!));
  model.buffers().forEach((b, i) => b.tensor.data.set(s.buffers[i]!));
  for (const [id, state] of s.generators) model.generators.get(id)!.setState(state);
  if (opt && s.optimizer) opt.loadStateDict(s.optimizer);
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}

/**
 * Run one step of `model` on `feed` while recording it. In training, the forward pass, then
 * ∂loss/∂every parameter, then (given an optimizer) its update; in evaluation, the forward pass.
 */
export function traceStep(model: CompiledGraph, feed: BatchFeed, options: TraceStepOptions): TracedStep {
  const { training } = options;
  const optimizer = training ? (options.optimizer ?? null) : null;
  const records: StepRecord[] = [];
  const producer = new Map<Tensor, number>();
  const sources = sourceNodes(model);
  const params = model.parameterTensors();
  const buffers = model.buffers().map((b) => b.tensor);
  const saved = options.restore ? save(model, optimizer) : null;
  let forwardEnd = 0;
  let backwardEnd = 0;
  let result: ForwardResult | null = null;
  let grads: (Tensor | null)[] = [];
  let slots: (readonly Tensor[] | null)[] = [];
  let stopped: StepStop = null;
  const extras: ExtraRef[] = [];
  try {
    traceOps(
      (op, inputs, attrs, output, scope) => {
        if (scope !== null && sources.has(scope)) return; // computed on the host each step
        producer.set(output, records.length);
        records.push({ op, inputs, attrs, output, nodeId: scope });
      },
      () => {
        const wanted = options.extras ?? [];
        const perEdge = wanted.some((k) => model.edgeSource.has(k));
        const run = () => model.forward(feed, { training, perEdge });
        const r = training ? run() : noGrad(run);
        result = r;
        forwardEnd = backwardEnd = records.length;
        const extraValues = wanted.map((key) => (model.edgeSource.has(key) ? r.edges.get(key) : r.values.get(key)) ?? null);
        if (!training) {
          wanted.forEach((key, i) => extras.push({ key, value: extraValues[i]!, grad: null }));
          return;
        }
        const loss = r.loss;
        if (!loss) throw new EngineError('the graph has no Loss node: nothing to train');
        if (options.stopOnNonFinite && !allFinite(loss.data)) {
          stopped = 'loss';
          return;
        }
        const targets: Tensor[] = [...params];
        for (const v of extraValues) if (v && v.requiresGrad && !targets.includes(v)) targets.push(v);
        const g = loss.requiresGrad ? grad(loss, targets, { allowUnused: true }) : targets.map(() => null);
        backwardEnd = records.length;
        grads = params.map((_, i) => g[i] ?? null);
        wanted.forEach((key, i) => {
          const v = extraValues[i]!;
          const k = v ? targets.indexOf(v) : -1;
          extras.push({ key, value: v, grad: k >= 0 ? (g[k] ?? null) : null });
        });
        if (options.stopOnNonFinite && grads.some((t) => t !== null && !allFinite(t.data))) {
          stopped = 'gradients';
          return;
        }
        if (optimizer) {
          optimizer.stepWith(grads);
          slots = params.map((_, i) => optimizer.existingSlots(i));
        }
      },
    );
  } finally {
    if (saved) restore(model, optimizer, saved);
  }
  const r = result as unknown as ForwardResult;
  const host: HostValue[] = [];
  const hostOf = new Map<Tensor, HostValue>();
  const known = new Set<Tensor>([...params, ...buffers]);
  for (const id of sources) {
    for (const port of model.defs.get(id)!.outputs.map((p) => p.name)) {
      const t = r.values.get(portKey(id, port));
      if (!t || known.has(t) || producer.has(t) || hostOf.has(t)) continue;
      const h = { nodeId: id, port, tensor: t };
      host.push(h);
      hostOf.set(t, h);
    }
  }
  return {
    training,
    records,
    producer,
    forwardEnd,
    backwardEnd,
    params,
    buffers,
    host,
    hostOf,
    result: r,
    loss: r.loss,
    prediction: r.prediction,
    grads,
    extras,
    slots,
    stepScalars: optimizer ? optimizer.stepScalars : [],
    stopped,
  };
}
