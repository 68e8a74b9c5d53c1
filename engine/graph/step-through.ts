/**
 * Step through backpropagation on a compiled graph: forward one node at a time, then backward
 * one node at a time in reverse topological order. Each backward step gives the lecture's
 * picture for that node — the upstream gradient ∂L/∂out (with each fan-out branch's part and
 * their sum), the local gradient (σ(1−σ), 1[x>0], the routing mask of max, the operand that
 * multiplies for Linear and MatMul, the pass-through of add), and the downstream gradient on
 * every input edge and parameter.
 *
 * Everything is computed once, exactly, with one forward and one backward pass in which every
 * edge carries its own tensor; the steps are views of that computation, so they can go back as
 * well as forward, jump, and reset.
 */
import type { Tensor } from '../core/tensor';
import { tensor } from '../core/creation';
import { EngineError } from '../core/errors';
import type { CompiledGraph, ForwardResult } from './compile';
import type { BatchFeed } from './node-def';
import { nodeTitle, portKey } from './names';
import { hasRole } from './nodes/specs';
import { grad } from '../autograd/backward';
import { enableGrad as withGrad, noGrad } from '../autograd/grad-mode';
import * as F from '../ops/functional';

/** A tensor as the UI receives it: values plus statistics. */
export interface TensorSnapshot {
  shape: number[];
  data: number[];
  mean: number;
  min: number;
  max: number;
  absMax: number;
  norm: number;
}

/**
 * `not-routed`: exactly zero everywhere — a max or ReLU sent the gradient elsewhere (or a zero
 * blocked it); nothing vanished. `vanishing`: small but not zero, every 0 < |g| < 1e-6, as after
 * a chain of saturating derivatives. `exploding`: some |g| > 1e3.
 */
export type GradientFlag = 'vanishing' | 'exploding' | 'not-routed';

/** Thresholds: a gradient is vanishing when every |g| < 1e-6 (and some is not 0), exploding when some |g| > 1e3. */
export const VANISHING = 1e-6;
export const EXPLODING = 1e3;
/** A local gradient whose every |value| is below this, and not all exactly 0, saturates (a sigmoid at ±10 gives 4.5e-5); exact zeros are routing (max, ReLU). */
export const SATURATED_LOCAL = 1e-3;

export function snapshot(t: Tensor): TensorSnapshot {
  const d = t.data;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let absMax = 0;
  let sq = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
    const a = Math.abs(v);
    if (a > absMax) absMax = a;
    sq += v * v;
  }
  return { shape: [...t.shape], data: Array.from(d), mean: d.length ? sum / d.length : 0, min, max, absMax, norm: Math.sqrt(sq) };
}

export function gradientFlags(s: TensorSnapshot): GradientFlag[] {
  if (s.data.length === 0) return [];
  if (s.absMax > EXPLODING) return ['exploding'];
  if (s.absMax === 0) return ['not-routed'];
  if (s.absMax < VANISHING) return ['vanishing'];
  return [];
}

export interface EdgeValue {
  edgeId: string;
  /** `nodeId:port` at the other end. */
  target: string;
  value: TensorSnapshot;
}

export interface ForwardStep {
  phase: 'forward';
  /** 1-based position within the phase. */
  index: number;
  total: number;
  nodeId: string;
  title: string;
  /** The edges the node reads (already computed). */
  reads: string[];
  /** Each output port's value and the edges it flows on. */
  outputs: { port: string; value: TensorSnapshot; edgeIds: string[] }[];
  /**
   * The node's parameters as this forward pass used them (a Linear's weight and bias), so a view
   * can show the weights before backward reaches the node (the neuron view). Absent for a node
   * without parameters.
   */
  parameters?: { name: string; value: TensorSnapshot }[];
}

export interface LocalGradient {
  /** Which input or parameter it belongs to (`in`, `a`, `weight`, …). */
  of: string;
  /**
   * What it is, in the lecture's words: `σ(x)(1−σ(x))`, `1[x>0]`, `Wᵀ`, `pass-through`. `x` stands
   * for the variable of the port it belongs to and `{port}` for another input port's (a multiply
   * gate's "the other input, {b}"): the app writes them with the names the user gave
   * (renderer/src/backprop/callout-model.ts, `localText`).
   */
  description: string;
  /** The value: the elementwise derivative, or the operand that multiplies. */
  value: TensorSnapshot;
  /** How downstream follows from upstream and this: `elementwise` (g ⊙ local) or `matrix` (a product). */
  kind: 'elementwise' | 'matrix' | 'reduction' | 'other';
  /** Flags on the local gradient (a saturated sigmoid). */
  flags: ('saturated')[];
}

export interface BackwardStep {
  phase: 'backward';
  index: number;
  total: number;
  nodeId: string;
  title: string;
  /** ∂L/∂out for each output port: the total, and each branch's part where it fans out. */
  upstream: { port: string; total: TensorSnapshot; branches: EdgeValue[]; flags: GradientFlag[] }[];
  local: LocalGradient[];
  /** ∂L/∂in on each input edge (what flows on to the producers). */
  downstream: { port: string; edgeId: string; value: TensorSnapshot; flags: GradientFlag[] }[];
  /** ∂L/∂θ for the node's parameters. */
  parameters: { name: string; grad: TensorSnapshot; flags: GradientFlag[] }[];
}

export type Step = ForwardStep | BackwardStep;

/** A finite-difference check of an edge's gradient (`StepThrough.checkEdge`). */
export interface EdgeCheck {
  /** The element checked (0-based), or null: along a random direction, ⟨∂L/∂e, v⟩. */
  element: number | null;
  analytic: number;
  numeric: number;
  relativeError: number;
}

export interface StepThroughOptions {
  /** Compute in float64 (exact reference) instead of float32. */
  dtype?: 'float32' | 'float64';
  training?: boolean;
  /**
   * A graph with nothing to differentiate (no Loss, no scalar Output — an imported inference
   * model): give its forward steps only, with `objective` null, instead of refusing.
   */
  forwardOnlyWithoutObjective?: boolean;
}

/** A step-through session: every step computed up front; a cursor moves over them. */
export class StepThrough {
  readonly steps: readonly Step[];
  readonly forwardSteps: readonly ForwardStep[];
  readonly backwardSteps: readonly BackwardStep[];
  /** The scalar backward starts from; null when there is none (forward steps only). */
  readonly objective: number | null;
  /** -1 before the first step. */
  private cursor = -1;
  readonly result: ForwardResult;

  private readonly feed: BatchFeed;
  private readonly training: boolean;
  private readonly dtype: 'float32' | 'float64';

  constructor(
    readonly model: CompiledGraph,
    feed: BatchFeed,
    options: StepThroughOptions = {},
  ) {
    const dtype = options.dtype ?? 'float32';
    this.dtype = dtype;
    this.training = options.training ?? true;
    const leafFeed = toLeaves(withFixedInputs(model, feed), dtype);
    this.feed = leafFeed;
    const restore = dtype === 'float64' ? castParameters(model, 'float64') : null;
    try {
      const result = preservingBuffers(model, () => model.forward(leafFeed, { training: this.training, retainGrad: true, perEdge: true }));
      this.result = result;
      const objective = result.objective;
      if (!objective && !options.forwardOnlyWithoutObjective) {
        throw new EngineError('nothing to differentiate: the graph needs a Loss node (or a single scalar Output)');
      }
      for (const p of model.parameters()) p.tensor.grad = null;
      objective?.backward(null, { retainGraph: true });
      this.objective = objective ? objective.item() : null;
      this.forwardSteps = this.buildForward(result);
      this.backwardSteps = objective ? this.buildBackward(result, objective) : [];
    } finally {
      restore?.();
    }
    this.steps = [...this.forwardSteps, ...this.backwardSteps];
  }

  get position(): number {
    return this.cursor;
  }
  get current(): Step | null {
    return this.cursor >= 0 ? this.steps[this.cursor]! : null;
  }
  /** Advance one step; null at the end. */
  next(): Step | null {
    if (this.cursor >= this.steps.length - 1) return null;
    return this.steps[++this.cursor]!;
  }
  /** Go back one step; null before the first. */
  previous(): Step | null {
    if (this.cursor <= 0) {
      this.cursor = -1;
      return null;
    }
    return this.steps[--this.cursor]!;
  }
  /** Jump to step `i` (0-based over forward then backward). */
  jump(i: number): Step {
    if (!Number.isInteger(i) || i < 0 || i >= this.steps.length) throw new EngineError(`step ${i} is out of range (0…${this.steps.length - 1})`);
    this.cursor = i;
    return this.steps[i]!;
  }
  reset(): void {
    this.cursor = -1;
  }

  /**
   * Finite-difference check of one edge's gradient along a direction v: compare
   * (L(e + h·v) − L(e − h·v)) / 2h with ⟨∂L/∂e, v⟩ and return both and their relative error.
   * With `element` (0-based) v is that element's unit vector — the number is ∂L/∂e[element], the
   * one the view shows; without, v is a seeded random direction (every element at once).
   */
  checkEdge(edgeId: string, options: { eps?: number; seed?: number; element?: number } = {}): EdgeCheck {
    const e = this.result.edges.get(edgeId);
    if (!e || !e.grad) throw new EngineError(`edge "${edgeId}" carries no gradient`);
    const eps = options.eps ?? (e.dtype === 'float64' ? 1e-6 : 1e-2);
    const element = options.element ?? null;
    if (element !== null && (!Number.isInteger(element) || element < 0 || element >= e.size)) {
      throw new EngineError(`element ${element} is out of range: edge "${edgeId}" has ${e.size} elements`);
    }
    let seed = (options.seed ?? 1) >>> 0;
    const v = element !== null
      ? Float64Array.from({ length: e.size }, (_, i) => (i === element ? 1 : 0))
      : new Float64Array(e.size).map(() => {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          return seed / 4294967296 - 0.5;
        });
    let analytic = 0;
    for (let i = 0; i < v.length; i++) analytic += e.grad.data[i]! * v[i]!;
    const objectiveAt = (sign: number): number => {
      const shifted = tensor(Float64Array.from(e.data, (x, i) => x + sign * eps * v[i]!), { shape: e.shape, dtype: e.dtype });
      const r = preservingBuffers(this.model, () =>
        noGrad(() => this.model.forward(this.feed, { training: this.training, perEdge: true, edgeOverrides: new Map([[edgeId, shifted]]) })),
      );
      return r.objective!.item();
    };
    const restore = this.dtype === 'float64' ? castParameters(this.model, 'float64') : null;
    let numeric: number;
    try {
      numeric = (objectiveAt(1) - objectiveAt(-1)) / (2 * eps);
    } finally {
      restore?.();
    }
    const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-12);
    return { element, analytic, numeric, relativeError: Math.abs(analytic - numeric) / scale };
  }

  private buildForward(result: ForwardResult): ForwardStep[] {
    const doc = this.model.document;
    const nodes = this.model.order.filter((n) => [...result.values.keys()].some((k) => k.startsWith(`${n.id}:`)) || hasRole(n, 'output'));
    return nodes.map((node, i) => {
      const def = this.model.defs.get(node.id)!;
      const parameters = this.model.parameters().filter((p) => p.nodeId === node.id).map((p) => ({ name: p.name, value: snapshot(p.tensor) }));
      return {
        phase: 'forward' as const,
        index: i + 1,
        total: nodes.length,
        nodeId: node.id,
        title: nodeTitle(node, def),
        reads: [...(this.model.inputEdges.get(node.id)?.values() ?? [])],
        outputs: def.outputs
          .filter((p) => result.values.has(portKey(node.id, p.name)))
          .map((p) => ({
            port: p.name,
            value: snapshot(result.values.get(portKey(node.id, p.name))!),
            edgeIds: doc.edges.filter((e) => e.source === node.id && e.sourcePort === p.name).map((e) => e.id),
          })),
        ...(parameters.length > 0 ? { parameters } : {}),
      };
    });
  }

  private buildBackward(result: ForwardResult, objective: Tensor): BackwardStep[] {
    const doc = this.model.document;
    const steps: Omit<BackwardStep, 'index' | 'total'>[] = [];
    for (const node of [...this.model.order].reverse()) {
      const def = this.model.defs.get(node.id)!;
      const upstream: BackwardStep['upstream'] = [];
      for (const p of def.outputs) {
        const t = result.values.get(portKey(node.id, p.name));
        if (!t || !t.requiresGrad) continue;
        const g = t === objective ? F.onesLike(t) : t.grad;
        if (!g) continue;
        const branches = doc.edges
          .filter((e) => e.source === node.id && e.sourcePort === p.name)
          .map((e) => ({ e, t: result.edges.get(e.id) }))
          .filter((b) => b.t?.grad)
          .map((b) => ({ edgeId: b.e.id, target: portKey(b.e.target, b.e.targetPort), value: snapshot(b.t!.grad!) }));
        const total = snapshot(g);
        upstream.push({ port: p.name, total, branches, flags: gradientFlags(total) });
      }
      if (hasRole(node, 'output')) {
        const input = result.edges.get(this.model.inputEdges.get(node.id)?.get('in') ?? '');
        if (input && input === objective) continue;
        if (input?.grad) {
          const s = snapshot(input.grad);
          upstream.push({ port: 'in', total: s, branches: [], flags: gradientFlags(s) });
        }
      }
      const downstream: BackwardStep['downstream'] = [];
      for (const [port, edgeId] of this.model.inputEdges.get(node.id) ?? []) {
        const t = result.edges.get(edgeId);
        if (t?.requiresGrad && t.grad) {
          const s = snapshot(t.grad);
          downstream.push({ port, edgeId, value: s, flags: gradientFlags(s) });
        }
      }
      const parameters = this.model
        .parameters()
        .filter((p) => p.nodeId === node.id && p.tensor.grad)
        .map((p) => {
          const s = snapshot(p.tensor.grad!);
          return { name: p.name, grad: s, flags: gradientFlags(s) };
        });
      if (upstream.length === 0 && downstream.length === 0 && parameters.length === 0) continue;
      const local = upstream.length > 0 || hasRole(node, 'loss') ? localGradients(this.model, node.id, result) : [];
      steps.push({ phase: 'backward', nodeId: node.id, title: nodeTitle(node, def), upstream, local, downstream, parameters });
    }
    return steps.map((s, i) => ({ ...s, index: i + 1, total: steps.length }));
  }
}

/** Inputs that carry a fixed value (lesson graphs) join the feed, so that they become leaves with gradients. */
function withFixedInputs(model: CompiledGraph, feed: BatchFeed): BatchFeed {
  const inputs: Record<string, Tensor> = { ...(feed.inputs ?? {}) };
  for (const node of model.order) {
    const value = model.validation.params.get(node.id)?.['value'];
    if (hasRole(node, 'input') && value !== null && value !== undefined && !inputs[node.id] && !(node.label && inputs[node.label]) && !feed.features) {
      inputs[node.id] = tensor(value as number);
    }
  }
  return { ...feed, inputs };
}

/** Feed tensors as float leaves that require grad (so edges leaving Inputs get gradients); labels stay as they are. */
function toLeaves(feed: BatchFeed, dtype: 'float32' | 'float64'): BatchFeed {
  const leaf = (t: Tensor): Tensor => (t.dtype === 'int32' ? t : t.detach().to(dtype).clone().requiresGrad_(true));
  return {
    ...(feed.features ? { features: leaf(feed.features) } : {}),
    ...(feed.targets ? { targets: feed.targets.dtype === 'int32' ? feed.targets : feed.targets.to(dtype) } : {}),
    ...(feed.inputs ? { inputs: Object.fromEntries(Object.entries(feed.inputs).map(([k, t]) => [k, leaf(t)])) } : {}),
  };
}

/** Run fn and put BatchNorm's running statistics back as they were (viewing a step must not train the model). */
function preservingBuffers<T>(model: CompiledGraph, fn: () => T): T {
  const saved = model.buffers().map((b) => ({ t: b.tensor, copy: b.tensor.data.slice() }));
  try {
    return fn();
  } finally {
    for (const { t, copy } of saved) t.data.set(copy);
  }
}

/** Switch the model's parameter storage to another dtype; returns a function that switches back. */
function castParameters(model: CompiledGraph, dtype: 'float64'): () => void {
  const saved = [...model.parameters(), ...model.buffers()].map((p) => ({ t: p.tensor, data: p.tensor.data }));
  for (const { t, data } of saved) t.data = Float64Array.from(data);
  return () => {
    for (const { t, data } of saved) {
      data.set(t.data);
      t.data = data;
    }
  };
}

function edgeInput(model: CompiledGraph, result: ForwardResult, nodeId: string, port: string): Tensor | undefined {
  const e = model.inputEdges.get(nodeId)?.get(port);
  return e ? result.edges.get(e) : undefined;
}

/**
 * d out / d in for every input of a node, by the node's own forward and VJP with a gradient of
 * ones; the inputs are broadcast to the output's shape first (a max's routing mask per element).
 */
function localByVjp(model: CompiledGraph, nodeId: string, result: ForwardResult): Record<string, Tensor> {
  const runtime = model.runtimes.get(nodeId)!;
  const given = [...(model.inputEdges.get(nodeId)?.keys() ?? [])].map((port) => [port, edgeInput(model, result, nodeId, port)!] as const);
  return withGrad(() => {
    const outShape = result.values.get(portKey(nodeId, 'out'))?.shape;
    const leaves = given.map(([port, x]) => {
      const full = outShape && given.length > 1 && !sameShape(x.shape, outShape) ? F.expand(x.detach(), outShape) : x.detach();
      return [port, full.clone().requiresGrad_(true)] as const;
    });
    const out = runtime.forward(Object.fromEntries(leaves), { training: false, feed: {} })['out']!;
    const grads = grad(out, leaves.map(([, t]) => t), { gradOutputs: F.onesLike(out) });
    return Object.fromEntries(leaves.map(([port], i) => [port, grads[i]!]));
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

const saturated = (s: TensorSnapshot): ('saturated')[] => (s.data.length > 0 && s.absMax > 0 && s.absMax < SATURATED_LOCAL ? ['saturated'] : []);

function local(of: string, description: string, t: Tensor, kind: LocalGradient['kind']): LocalGradient {
  const value = snapshot(t);
  return { of, description, value, kind, flags: kind === 'elementwise' ? saturated(value) : [] };
}

/** The local gradient(s) of a node, in the lecture's terms: its definition's `localGradient`. */
function localGradients(model: CompiledGraph, nodeId: string, result: ForwardResult): LocalGradient[] {
  const def = model.defs.get(nodeId)!;
  if (!def.localGradient) return [];
  const rule = def.localGradient;
  return noGrad(() =>
    rule({
      node: model.nodes.get(nodeId)!,
      params: model.validation.params.get(nodeId)!,
      runtime: model.runtimes.get(nodeId)!,
      input: (port) => edgeInput(model, result, nodeId, port),
      output: (port) => result.values.get(portKey(nodeId, port)),
      byVjp: () => localByVjp(model, nodeId, result),
    }).map((t) => local(t.of, t.description, t.value, t.kind)),
  );
}
