/**
 * Backprop mode's pure helpers: what every edge shows at step k of a step-through (its forward
 * value, or its gradient once backward reached it), how a tensor becomes a compact edge label,
 * the step counter, the colour position of a value, and the chain rule of a step written with
 * the actual numbers (KaTeX source). No DOM, no stores.
 */
import type { BackwardStep, ForwardStep, GradientFlag, Step, TensorSnapshot } from '../../../engine/graph/step-through';
import { formatCompact as formatNumber, fullNumber } from '../panels/format';

export type { BackwardStep, ForwardStep, Step, TensorSnapshot, GradientFlag };

/** What one edge shows at the current step. */
export interface EdgeView {
  /** `value` during forward (or before backward reached it), `grad` once its gradient is known. */
  phase: 'value' | 'grad' | 'none';
  /** False while the current phase has not reached the edge yet (drawn dim). */
  reached: boolean;
  /** The node being processed reads or writes it. */
  active: boolean;
  text: string;
  title: string;
  /** Position on the diverging scale, −1..1. */
  tone: number;
  flags: GradientFlag[];
  /** The forward value and (once backward reached the edge) the gradient, for the wire label. */
  value?: TensorSnapshot;
  grad?: TensorSnapshot;
}

/** ≤ 4 elements: the numbers; otherwise the shape with mean and |max|. */
export function formatTensorLabel(s: TensorSnapshot): string {
  const n = s.data.length || s.shape.reduce((a, b) => a * b, 1);
  if (n === 1 && s.data.length === 1) return formatNumber(s.data[0]!);
  // every element the same (x = ones(2,2) in the lesson): the number once
  if (n > 1 && n <= 4 && s.data.length === n && s.data.every((v) => v === s.data[0])) return `${formatNumber(s.data[0]!)} ×${n}`;
  if (n <= 4 && s.data.length === n) {
    if (s.shape.length === 2 && s.shape[0]! > 1) {
      const cols = s.shape[1]!;
      const rows: string[] = [];
      for (let r = 0; r < s.shape[0]!; r++) rows.push(s.data.slice(r * cols, (r + 1) * cols).map((v) => formatNumber(v)).join(', '));
      return `[${rows.join('; ')}]`;
    }
    return `[${s.data.map((v) => formatNumber(v)).join(', ')}]`;
  }
  return `${shapeText(s.shape)} μ ${formatNumber(s.mean)} |max| ${formatNumber(s.absMax)}`;
}

export function shapeText(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.join('×');
}

/** The full values for the hover title. */
export function tensorTitle(s: TensorSnapshot, what: string): string {
  const head = `${what} ${shapeText(s.shape)}`;
  if (s.data.length > 0 && s.data.length <= 16) return `${head}: ${s.data.map((v) => fullNumber(v)).join(', ')}`;
  return `${head}\nmean ${fullNumber(s.mean)}\nmin ${fullNumber(s.min)}  max ${fullNumber(s.max)}\n|max| ${fullNumber(s.absMax)}  ‖·‖ ${fullNumber(s.norm)}`;
}

/**
 * Where `v` sits on a diverging scale whose ends are ±`max`: linear, or logarithmic over six
 * decades below `max` (so 1e-6·max is the middle and `max` the end).
 */
export function toneOf(v: number, max: number, log = false): number {
  if (!Number.isFinite(v) || !(max > 0) || v === 0) return 0;
  const a = Math.abs(v);
  const t = log ? Math.max(0, 1 + Math.log10(a / max) / 6) : a / max;
  return Math.sign(v) * Math.min(1, t);
}

/** "forward 3/6: Add 'y = x + 2'"; "start" before the first step. */
export function stepCounter(steps: readonly Step[], cursor: number): string {
  if (cursor < 0 || steps.length === 0) return `ready: ${steps.filter((s) => s.phase === 'forward').length} forward and ${steps.filter((s) => s.phase === 'backward').length} backward steps`;
  const s = steps[Math.min(cursor, steps.length - 1)]!;
  return `${s.phase} ${s.index}/${s.total}: ${s.title.replace(/"/g, "'")}`;
}

/** The gradient on each edge known after backward step `step` (the consumer's downstream, the producer's upstream). */
function gradientsOf(step: BackwardStep, forwardOf: ReadonlyMap<string, ForwardStep>, out: Map<string, { value: TensorSnapshot; flags: GradientFlag[] }>): void {
  for (const d of step.downstream) out.set(d.edgeId, { value: d.value, flags: d.flags });
  for (const u of step.upstream) {
    if (u.branches.length > 0) {
      for (const b of u.branches) if (!out.has(b.edgeId)) out.set(b.edgeId, { value: b.value, flags: u.flags });
    } else {
      const f = forwardOf.get(step.nodeId);
      for (const e of f?.outputs.find((o) => o.port === u.port)?.edgeIds ?? []) if (!out.has(e)) out.set(e, { value: u.total, flags: u.flags });
    }
  }
}

export interface EdgeState {
  value?: TensorSnapshot;
  grad?: TensorSnapshot;
  flags: GradientFlag[];
  /** Reached in the current phase (forward: its value computed; backward: its gradient known). */
  reached: boolean;
  active: boolean;
}

/** Every edge's state at `cursor` (−1: before the first step). */
export function edgeStatesAt(steps: readonly Step[], cursor: number): Map<string, EdgeState> {
  const forwardOf = new Map<string, ForwardStep>();
  for (const s of steps) if (s.phase === 'forward') forwardOf.set(s.nodeId, s);
  const values = new Map<string, TensorSnapshot>();
  const grads = new Map<string, { value: TensorSnapshot; flags: GradientFlag[] }>();
  const last = Math.min(cursor, steps.length - 1);
  for (let i = 0; i <= last; i++) {
    const s = steps[i]!;
    if (s.phase === 'forward') for (const o of s.outputs) for (const e of o.edgeIds) values.set(e, o.value);
    else gradientsOf(s, forwardOf, grads);
  }
  // in backward every value is known already
  const cur = last >= 0 ? steps[last]! : undefined;
  const backward = cur?.phase === 'backward';
  if (backward) for (const f of forwardOf.values()) for (const o of f.outputs) for (const e of o.edgeIds) values.set(e, o.value);
  const active = new Set(cur ? activeEdges(cur, forwardOf) : []);
  const ids = new Set([...values.keys(), ...grads.keys()]);
  for (const s of steps) if (s.phase === 'forward') { for (const e of s.reads) ids.add(e); for (const o of s.outputs) for (const e of o.edgeIds) ids.add(e); }
  const out = new Map<string, EdgeState>();
  for (const id of ids) {
    const g = grads.get(id);
    out.set(id, {
      ...(values.has(id) ? { value: values.get(id)! } : {}),
      ...(g ? { grad: g.value } : {}),
      flags: g?.flags ?? [],
      reached: backward ? !!g : values.has(id),
      active: active.has(id),
    });
  }
  return out;
}

/** The edges a step reads and writes. */
export function activeEdges(s: Step, forwardOf?: ReadonlyMap<string, ForwardStep>): string[] {
  if (s.phase === 'forward') return [...s.reads, ...s.outputs.flatMap((o) => o.edgeIds)];
  const up = s.upstream.flatMap((u) => (u.branches.length ? u.branches.map((b) => b.edgeId) : (forwardOf?.get(s.nodeId)?.outputs.find((o) => o.port === u.port)?.edgeIds ?? [])));
  return [...up, ...s.downstream.map((d) => d.edgeId)];
}

/** Which edges are reached (value computed in forward, gradient known in backward) at `cursor`. */
export function reachedEdges(steps: readonly Step[], cursor: number): Set<string> {
  const r = new Set<string>();
  for (const [id, s] of edgeStatesAt(steps, cursor)) if (s.reached) r.add(id);
  return r;
}

export interface Scale {
  value: number;
  grad: number;
}

/** The largest |value| and |gradient| over the whole session (fixed, so colours do not jump between steps). */
export function scaleOf(steps: readonly Step[]): Scale {
  let value = 0;
  let grad = 0;
  for (const s of steps) {
    if (s.phase === 'forward') for (const o of s.outputs) value = Math.max(value, finite(o.value.absMax));
    else {
      for (const d of s.downstream) grad = Math.max(grad, finite(d.value.absMax));
      for (const u of s.upstream) grad = Math.max(grad, finite(u.total.absMax));
    }
  }
  return { value: value || 1, grad: grad || 1 };
}

function finite(v: number): number {
  return Number.isFinite(v) ? v : 0;
}

/** The label every edge carries at `cursor`; views equal to `prev`'s keep their identity. */
export function edgeViewsAt(
  steps: readonly Step[],
  cursor: number,
  opts: { log: boolean; scale?: Scale },
  prev: Readonly<Record<string, EdgeView>> = {},
): Record<string, EdgeView> {
  const scale = opts.scale ?? scaleOf(steps);
  const out: Record<string, EdgeView> = {};
  for (const [id, s] of edgeStatesAt(steps, cursor)) {
    let v: EdgeView;
    if (s.grad) {
      v = {
        phase: 'grad', reached: s.reached, active: s.active, text: formatTensorLabel(s.grad),
        title: `${tensorTitle(s.grad, '∂L/∂edge')}${s.value ? `\n\n${tensorTitle(s.value, 'value')}` : ''}${s.flags.length ? `\n\n${flagText(s.flags)}` : ''}`,
        tone: toneOf(s.grad.data.length === 1 ? s.grad.data[0]! : s.grad.mean, scale.grad, opts.log), flags: s.flags,
        grad: s.grad, ...(s.value ? { value: s.value } : {}),
      };
    } else if (s.value) {
      v = {
        phase: 'value', reached: s.reached, active: s.active, text: formatTensorLabel(s.value), title: tensorTitle(s.value, 'value'),
        tone: toneOf(s.value.data.length === 1 ? s.value.data[0]! : s.value.mean, scale.value, opts.log), flags: [], value: s.value,
      };
    } else {
      v = { phase: 'none', reached: false, active: s.active, text: '', title: 'not computed yet', tone: 0, flags: [] };
    }
    const old = prev[id];
    out[id] = old && sameView(old, v) ? old : v;
  }
  return out;
}

export function flagText(flags: readonly GradientFlag[]): string {
  return flags
    .map((f) =>
      f === 'vanishing'
        ? 'Vanishing gradient: every |∂L/∂x| < 1e−6 — earlier layers barely learn'
        : f === 'not-routed'
          ? 'Not routed: ∂L/∂x is exactly 0 — a max or ReLU sent the gradient along another path (nothing vanished)'
          : 'Exploding gradient: some |∂L/∂x| > 1000 — training may diverge',
    )
    .join('\n');
}

function sameView(a: EdgeView, b: EdgeView): boolean {
  return a.phase === b.phase && a.reached === b.reached && a.active === b.active && a.text === b.text && a.title === b.title && a.tone === b.tone && a.flags.join() === b.flags.join() && a.value === b.value && a.grad === b.grad;
}

// ---------------------------------------------------------------------------------------------
// the chain rule with numbers

/** A row-major flat index as a 1-based subscript (`1,2`); scalars have none. */
export function subscript(shape: readonly number[], flat: number): string {
  if (shape.length === 0) return '';
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift((rest % shape[d]!) + 1);
    rest = Math.floor(rest / shape[d]!);
  }
  // a leading batch of one says nothing
  const shown = shape.length > 1 && shape[0] === 1 ? idx.slice(1) : idx;
  return shown.join(',');
}

/** A number for KaTeX: 4 significant digits, exponents as ×10^k, negatives in parentheses when multiplied. */
export function texNumber(v: number, paren = false): string {
  const s = formatNumber(v).replace('\u2212', '-');
  const m = /^(-?[\d.]+)e(-?\d+)$/.exec(s.replace(/e\u2212/, 'e-'));
  const body = m ? `${m[1]}\\times10^{${m[2]}}` : s;
  return paren && v < 0 ? `(${body})` : body;
}

/** A symbol for KaTeX from a node's label (`z = y³` → `z`), or a \text{} of the port. */
export function texSymbol(name: string): string {
  const head = name.split('=')[0]!.trim();
  const t = head.length > 0 && head.length <= 3 ? head : name;
  if (/^[A-Za-z]$/.test(t)) return t;
  if (t === 'σ') return '\\sigma';
  return `\\text{${t.replace(/[\\{}$&#^_%~]/g, '')}}`;
}

function d(of: string, idx: string): string {
  return `\\frac{\\partial L}{\\partial ${of}${idx ? `_{${idx}}` : ''}}`;
}

export interface ChainRuleNames {
  /** The node's output symbol (`z`). */
  out: string;
  /** The input's symbol (`y`), by downstream port or parameter name. */
  input(port: string): string;
}

export interface ChainRule {
  /** KaTeX source. */
  tex: string;
  /** The value it arrives at. */
  value: number;
}

/**
 * The chain rule for element `flat` of the gradient on input `port` (or parameter) of a backward
 * step, with the numbers: elementwise `∂L/∂y = ∂L/∂z · ∂z/∂y = 0.25 × 27 = 6.75`, a sum over the
 * products for Linear and MatMul, the broadcast sum for reductions.
 */
export function chainRule(step: BackwardStep, port: string, flat: number, names: ChainRuleNames): ChainRule | null {
  const down = step.downstream.find((x) => x.port === port)?.value ?? step.parameters.find((p) => p.name === port)?.grad;
  const local = step.local.find((l) => l.of === port);
  const up = step.upstream[0]?.total;
  if (!down || flat >= down.data.length) return null;
  const result = down.data[flat]!;
  const z = names.out;
  const x = names.input(port);
  const xi = subscript(down.shape, flat);
  const lhs = d(x, xi);
  if (!local || !up || up.data.length === 0) return { tex: `${lhs} = ${texNumber(result)}`, value: result };
  const g = up.data;
  const L = local.value.data;
  const sameSize = g.length === down.data.length;

  if (local.kind === 'matrix') {
    const terms = matrixTerms(up.shape, g, local.value.shape, L, down.shape, flat, result);
    if (terms) {
      const zi = (i: number) => subscript(up.shape, i);
      const shownTerms = terms.slice(0, 4);
      const more = terms.length > 4 ? ' + \\cdots' : '';
      const symbolic = `\\sum_{k} ${d(z, 'k')}\\,\\frac{\\partial ${z}_{k}}{\\partial ${x}${xi ? `_{${xi}}` : ''}}`;
      const nums = shownTerms.map((t) => `${texNumber(t.g, true)} \\times ${texNumber(t.l, true)}`).join(' + ') + more;
      void zi;
      return { tex: `${lhs} = ${symbolic} = ${nums} = ${texNumber(result)}`, value: result };
    }
  }
  if (local.kind === 'other') {
    return { tex: `${lhs} = \\text{${local.description.replace(/[\\{}$&#^_%~]/g, '')}} = ${texNumber(result)}`, value: result };
  }
  const li = L.length === down.data.length ? flat : L.length === 1 ? 0 : -1;
  const lv = li >= 0 ? L[li]! : NaN;
  const local_ = `\\frac{\\partial ${z}}{\\partial ${x}${xi ? `_{${xi}}` : ''}}`;
  if (sameSize || g.length === 1) {
    // elementwise, or a scalar upstream broadcast over the input (mean, sum)
    const gi = sameSize ? flat : 0;
    const zi = subscript(up.shape, gi);
    const gv = g[gi]!;
    const lhsLocal = sameSize ? `\\frac{\\partial ${z}${zi ? `_{${zi}}` : ''}}{\\partial ${x}${xi ? `_{${xi}}` : ''}}` : local_;
    const lval = Number.isFinite(lv) ? lv : gv !== 0 ? result / gv : 0;
    return { tex: `${lhs} = ${d(z, zi)} \\cdot ${lhsLocal} = ${texNumber(gv, true)} \\times ${texNumber(lval, true)} = ${texNumber(result)}`, value: result };
  }
  // broadcast: the gradient sums over the positions the input was repeated to (a bias, a broadcast operand)
  const idx = broadcastSources(up.shape, down.shape, flat);
  const shown = idx.slice(0, 4).map((i) => `${texNumber(g[i]!, true)}${Number.isFinite(lv) && lv !== 1 ? ` \\times ${texNumber(lv, true)}` : ''}`);
  return {
    tex: `${lhs} = \\sum_{k} ${d(z, 'k')} \\cdot ${local_} = ${shown.join(' + ')}${idx.length > 4 ? ' + \\cdots' : ''} = ${texNumber(result)}`,
    value: result,
  };
}

/** Positions of `up` (shape `us`) that element `flat` of a broadcast `ds`-shaped input fed. */
function broadcastSources(us: readonly number[], ds: readonly number[], flat: number): number[] {
  const n = us.reduce((a, b) => a * b, 1);
  const off = us.length - ds.length;
  const target = unravel(ds, flat);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = unravel(us, i);
    let ok = true;
    for (let k = 0; k < ds.length; k++) if (ds[k] !== 1 && u[k + off] !== target[k]) ok = false;
    if (ok) out.push(i);
  }
  return out;
}

function unravel(shape: readonly number[], flat: number): number[] {
  const idx: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return idx;
}

/**
 * The products that sum to element `flat` of a matrix-product gradient: upstream g [N, M] times
 * the local operand (W [M, K], its transpose [K, M], or xᵀ for a weight: x [N, K] giving [M, K]).
 * The orientation that reproduces `result` wins.
 */
export function matrixTerms(
  gs: readonly number[], g: readonly number[], ls: readonly number[], L: readonly number[], ds: readonly number[], flat: number, result: number,
): { g: number; l: number }[] | null {
  if (gs.length !== 2 || ls.length !== 2 || ds.length !== 2) return null;
  const [N, M] = gs as [number, number];
  const [r, c] = unravel(ds, flat) as [number, number];
  const candidates: { g: number; l: number }[][] = [];
  // input gradient: d[n,k] = Σ_m g[n,m] · L[m,k]  (L = W, [M, K])
  if (ls[0] === M && ds[0] === N) candidates.push(Array.from({ length: M }, (_, m) => ({ g: g[r * M + m]!, l: L[m * ls[1]! + c]! })));
  // d[n,k] = Σ_m g[n,m] · L[k,m]  (L = Bᵀ orientation, [K, M])
  if (ls[1] === M && ds[0] === N) candidates.push(Array.from({ length: M }, (_, m) => ({ g: g[r * M + m]!, l: L[c * M + m]! })));
  // weight gradient: d[m,k] = Σ_n g[n,m] · L[n,k]  (L = x, [N, K])
  if (ls[0] === N && ds[0] === M) candidates.push(Array.from({ length: N }, (_, n) => ({ g: g[n * M + r]!, l: L[n * ls[1]! + c]! })));
  let best: { g: number; l: number }[] | null = null;
  let err = Infinity;
  for (const t of candidates) {
    const s = t.reduce((a, b) => a + b.g * b.l, 0);
    const e = Math.abs(s - result) / Math.max(1e-12, Math.abs(result), Math.abs(s));
    if (e < err) {
      err = e;
      best = t;
    }
  }
  return best && err < 1e-3 ? best : null;
}

/** The fan-out sum of an upstream port: each branch's gradient and the total (KaTeX). */
export function fanOutTex(step: BackwardStep, port: string, flat: number, out: string): string | null {
  const u = step.upstream.find((x) => x.port === port);
  if (!u || u.branches.length < 2 || flat >= u.total.data.length) return null;
  const i = subscript(u.total.shape, flat);
  const parts = u.branches.map((b) => texNumber(b.value.data[flat] ?? NaN, true));
  return `${d(out, i)} = \\sum_{\\text{branches}} = ${parts.join(' + ')} = ${texNumber(u.total.data[flat]!)}`;
}

/** A heatmap's grid for a tensor: 28×28 where the last dim is 784, else rows × last dim. */
export function heatmapGrid(shape: readonly number[], length: number): { rows: number; cols: number } {
  const last = shape[shape.length - 1] ?? length;
  if (last === 784) return { rows: Math.max(1, Math.round(length / 28)), cols: 28 };
  if (shape.length <= 1) {
    const cols = Math.ceil(Math.sqrt(length));
    return { rows: Math.ceil(length / Math.max(1, cols)), cols: Math.max(1, cols) };
  }
  return { rows: Math.max(1, Math.round(length / last)), cols: last };
}
