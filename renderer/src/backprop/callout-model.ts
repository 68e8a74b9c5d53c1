/**
 * The chain rule at a node, as the callout on the canvas writes it: for each input and parameter
 * of a backward step, upstream (with its fan-out branches and their sum) × local = downstream, with
 * the node's own variable names and the chosen element's numbers. Also which gradients Predict
 * first hides, and whether a guess is right. No DOM, no stores.
 */
import type { BackwardStep, Step, TensorSnapshot } from './backprop-model';
import { subscript } from './backprop-model';
import { formatCompact } from '../panels/format';

/** A gradient's key: `e:<edgeId>` for an edge's, `p:<nodeId>:<name>` for a parameter's. */
export function edgeKey(edgeId: string): string {
  return `e:${edgeId}`;
}
export function paramKey(nodeId: string, name: string): string {
  return `p:${nodeId}:${name}`;
}

export interface CalloutNames {
  /** The node's output variable (`y`). */
  out: string;
  /** The variable an input port reads (`x`), or a parameter's name. */
  input(port: string): string;
}

export interface CalloutRow {
  /** The gradient this row arrives at (see `edgeKey`, `paramKey`). */
  key: string;
  /** The variable (`x`, `weight`) and the chosen element's one-based subscript (`1,1`, or '' for a scalar). */
  name: string;
  sub: string;
  /** The element of the downstream gradient the numbers are for (0-based). */
  element: number;
  up: { symbol: string; sub: string; value: number | null; branches: number[]; hidden: boolean };
  /** The local derivative's element; null where it is not one number (a matrix product, a Jacobian). */
  local: { symbol: string; value: number | null; description: string };
  down: { symbol: string; sub: string; value: number; hidden: boolean };
  /** How downstream follows: `×` (elementwise or broadcast scalar), `Σ` (a sum of products), `=` (a leaf's total). */
  op: 'times' | 'sum' | 'leaf';
}

function at(s: TensorSnapshot | undefined, i: number): number | null {
  if (!s || s.data.length === 0) return null;
  if (s.data.length === 1) return s.data[0]!;
  return i < s.data.length ? s.data[i]! : null;
}

const sub = (shape: readonly number[], i: number) => subscript(shape, i);

/**
 * The callout's rows for a backward step at element `element` (clamped to each gradient's size);
 * `hidden(key)` says which gradients are still hidden (Predict first).
 */
export function calloutRows(step: BackwardStep, names: CalloutNames, element: number, hidden: (key: string) => boolean = () => false): CalloutRow[] {
  const rows: CalloutRow[] = [];
  const up = step.upstream[0];
  const upHidden = !!up && up.branches.some((b) => hidden(edgeKey(b.edgeId)));
  const branchesAt = (i: number) => (up && up.branches.length > 1 ? up.branches.map((b) => at(b.value, i) ?? NaN) : []);
  const z = names.out;
  const targets = [
    ...step.downstream.map((d) => ({ key: edgeKey(d.edgeId), port: d.port, value: d.value })),
    ...step.parameters.map((p) => ({ key: paramKey(step.nodeId, p.name), port: p.name, value: p.grad })),
  ];
  for (const t of targets) {
    const n = t.value.data.length;
    const i = element < n ? element : 0;
    const local = step.local.find((l) => l.of === t.port);
    const x = names.input(t.port);
    const xi = sub(t.value.shape, i);
    const sameSize = !!up && up.total.data.length === n;
    const ui = sameSize ? i : 0;
    const elementwise = local && (local.kind === 'elementwise' || local.kind === 'reduction') && up && (sameSize || up.total.data.length === 1);
    const zi = up ? sub(up.total.shape, ui) : '';
    rows.push({
      key: t.key,
      name: x,
      sub: xi,
      element: i,
      up: { symbol: `∂L/∂${z}`, sub: zi, value: elementwise ? at(up!.total, ui) : null, branches: elementwise ? branchesAt(ui) : [], hidden: upHidden },
      local: {
        symbol: `∂${z}/∂${x}`,
        value: elementwise ? (local.value.data.length === n ? at(local.value, i) : local.value.data.length === 1 ? local.value.data[0]! : null) : null,
        description: local ? localText(local.description, x, (p) => names.input(p)) : '',
      },
      down: { symbol: `∂L/∂${x}`, sub: xi, value: t.value.data[i] ?? NaN, hidden: hidden(t.key) },
      op: elementwise ? 'times' : 'sum',
    });
  }
  if (targets.length === 0 && up) {
    // a leaf (an Input): its gradient is what arrived, summed over its branches
    const n = up.total.data.length;
    const i = element < n ? element : 0;
    const xi = sub(up.total.shape, i);
    rows.push({
      key: `u:${step.nodeId}`,
      name: z,
      sub: xi,
      element: i,
      up: { symbol: `∂L/∂${z}`, sub: xi, value: at(up.total, i), branches: branchesAt(i), hidden: upHidden },
      local: { symbol: '', value: null, description: '' },
      down: { symbol: `∂L/∂${z}`, sub: xi, value: at(up.total, i) ?? NaN, hidden: upHidden },
      op: 'leaf',
    });
  }
  return rows;
}

/** The row as one line of text: `6.75 × 1 = 6.75`, `(2 + 3 + 3) = 8`; `?` for what is hidden. */
export function rowNumbers(r: CalloutRow): string {
  const f = (v: number | null) => (v === null ? '·' : formatCompact(v));
  const upText = r.up.hidden ? '?' : r.up.branches.length > 1 ? `(${r.up.branches.map(f).join(' + ')}${r.op === 'leaf' ? '' : ` = ${f(r.up.value)}`})` : f(r.up.value);
  const down = r.down.hidden ? '?' : f(r.down.value);
  if (r.op === 'leaf') return r.up.branches.length > 1 ? `${upText} = ${down}` : down;
  if (r.op === 'sum') return `Σ ${r.local.description ? `(${r.local.description})` : ''} = ${down}`.replace('Σ  =', 'Σ =');
  return `${upText} × ${f(r.local.value)} = ${down}`;
}

/** Right within 1e-3 relative (1e-9 absolute when the answer is 0). */
export function guessIsRight(guess: number, actual: number): boolean {
  if (!Number.isFinite(guess) || !Number.isFinite(actual)) return false;
  const tol = actual === 0 ? 1e-9 : 1e-3 * Math.abs(actual);
  return Math.abs(guess - actual) <= tol;
}

/** The gradients produced by the backward steps up to `cursor` (what Predict first may hide). */
export function producedKeys(steps: readonly Step[], cursor: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i <= Math.min(cursor, steps.length - 1); i++) {
    const s = steps[i]!;
    if (s.phase !== 'backward') continue;
    for (const d of s.downstream) out.add(edgeKey(d.edgeId));
    for (const p of s.parameters) out.add(paramKey(s.nodeId, p.name));
  }
  return out;
}

/** The gradients a backward step produces that are still hidden (its predictions pending). */
export function pendingAt(step: Step | undefined, revealed: Readonly<Record<string, unknown>>): string[] {
  if (!step || step.phase !== 'backward') return [];
  return [...step.downstream.map((d) => edgeKey(d.edgeId)), ...step.parameters.map((p) => paramKey(step.nodeId, p.name))].filter((k) => !(k in revealed));
}

/** The gradients Predict first hides now: produced up to `cursor` and not yet guessed or shown. */
export function hiddenKeys(predict: boolean, steps: readonly Step[], cursor: number, revealed: Readonly<Record<string, unknown>>): Set<string> {
  if (!predict) return new Set();
  return new Set([...producedKeys(steps, cursor)].filter((k) => !(k in revealed)));
}

/** A local derivative's description in the node's own variable (`3·x^2` → `3·y^2` where the input is y). */
export function localIn(description: string, variable: string): string {
  if (!variable || variable === 'x') return description;
  return description.replace(/(?<![A-Za-zα-ωₐ-ₜ])x(?![A-Za-zα-ω])/g, variable);
}

/**
 * A local derivative's description as the user named things: `x` is the variable of the port it is
 * for (`localIn`), and `{port}` the variable another input port reads (a multiply gate's
 * "the other input, {b}" → "the other input, w" where b reads w).
 */
export function localText(description: string, variable: string, input: (port: string) => string): string {
  return localIn(description, variable).replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, port: string) => input(port));
}
