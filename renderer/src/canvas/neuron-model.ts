/**
 * The neuron view of a Linear node (issue 13, item 4): the layer drawn as the lecture draws it —
 * a column of input units x₁…xₙ (and the bias unit "1"), a column of output units y₁…yₘ, and one
 * wire per weight wᵢⱼ from xⱼ to yᵢ (the bias bᵢ from the bias unit). Each wire carries its
 * weight and, once backward has passed the node, its gradient ∂L/∂wᵢⱼ = δᵢ·xⱼ (summed over the
 * batch's rows), where δᵢ = ∂L/∂yᵢ is the upstream gradient at output unit i.
 *
 * Pure: which Linear can be expanded (at most 8×8; larger ones refused with a one-line reason),
 * where every unit, wire and label sits, and which numbers the step-through session has for the
 * node at the cursor. The component (NeuronView.tsx) only draws this.
 */
import type { GraphDocument, GraphNode } from '../../../engine/graph/document';
import type { ForwardStep, Step, TensorSnapshot } from '../../../engine/graph/step-through';
import { getNodeSpec } from '../../../engine/graph/nodes/specs';

/** At most this many inputs and this many outputs: beyond, one wire per weight is a hairball. */
export const NEURON_LIMIT = 8;

export interface NeuronShape {
  inFeatures: number;
  outFeatures: number;
  bias: boolean;
}

/** Whether a node can be shown as neurons: its shape, a one-line reason it cannot, or null (not a Linear). */
export type NeuronEligibility = { ok: true; shape: NeuronShape } | { ok: false; reason: string };

/**
 * A Linear's shape from its params (`followed` holds values the engine filled in from the input,
 * e.g. in_features following the wire). Null for a node that is not a dense layer.
 */
export function neuronEligibility(node: GraphNode, followed?: Readonly<Record<string, unknown>>): NeuronEligibility | null {
  // a dense layer, asked of its definition: trainable, with in_features (following the input) × out_features weights
  const spec = getNodeSpec(node.type);
  if (!spec?.trainable || spec.featureParam !== 'inFeatures' || !spec.params['outFeatures']) return null;
  const num = (k: string): number | null => {
    const v = followed && Object.hasOwn(followed, k) ? followed[k] : node.params[k];
    return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
  };
  const inF = num('inFeatures');
  const outF = num('outFeatures');
  if (inF === null || outF === null) return { ok: false, reason: 'Neuron view needs the layer’s in and out features (connect its input first)' };
  if (inF > NEURON_LIMIT || outF > NEURON_LIMIT) {
    return { ok: false, reason: `Neuron view draws a Linear of at most ${NEURON_LIMIT}×${NEURON_LIMIT}; this one is ${inF}→${outF} (${inF * outF} weights)` };
  }
  const bias = node.params['bias'] ?? spec.params['bias']?.default;
  return { ok: true, shape: { inFeatures: inF, outFeatures: outF, bias: bias === true } };
}

export interface NeuronUnit {
  /** `x1`…, `b` (the bias unit), `y1`… */
  key: string;
  /** 0-based index within its column (the bias unit: −1). */
  index: number;
  side: 'in' | 'out';
  x: number;
  y: number;
  /** One-based name as the lecture writes it: x₁, 1 (bias), y₁. */
  name: string;
  /** An output unit's upstream gradient as the readout names it: δ₁ (or δ for a single neuron of gates). */
  delta?: string;
}

/** Names for a neuron drawn from a circuit of gates (its Input nodes' labels). */
export interface NeuronNames {
  inputs: string[];
  weights: string[];
  bias: string | null;
  output: string;
}

export interface NeuronWire {
  /** `w<i>,<j>` (one-based) or `b<i>`. */
  key: string;
  /** 0-based output unit. */
  out: number;
  /** 0-based input unit; null for the bias. */
  in: number | null;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Where its label is centred. */
  labelX: number;
  labelY: number;
  /** Its name as the lecture writes it: w₁,₂ or b₁. */
  name: string;
}

export interface NeuronLayout {
  width: number;
  height: number;
  inputs: NeuronUnit[];
  biasUnit: NeuronUnit | null;
  outputs: NeuronUnit[];
  wires: NeuronWire[];
}

/** Pixel geometry (the node's own coordinates, before the canvas zoom). */
export const GEOMETRY = { width: 300, row: 40, pad: 20, unitR: 14, inX: 58, outX: 226, labelAt: 0.5 } as const;

const SUB = '₀₁₂₃₄₅₆₇₈₉';
export function sub(n: number): string {
  return String(n).replace(/\d/g, (d) => SUB[Number(d)]!);
}

/** Units and wires of a Linear drawn as neurons; both columns centred on the taller one. */
export function neuronLayout(shape: NeuronShape, names?: NeuronNames): NeuronLayout {
  const { width, row, pad, inX, outX, labelAt } = GEOMETRY;
  const left = shape.inFeatures + (shape.bias ? 1 : 0);
  const rows = Math.max(left, shape.outFeatures);
  const height = pad * 2 + (rows - 1) * row;
  const top = (n: number) => pad + ((rows - n) * row) / 2;
  const inputs: NeuronUnit[] = Array.from({ length: shape.inFeatures }, (_, j) => ({ key: `x${j + 1}`, index: j, side: 'in', x: inX, y: top(left) + j * row, name: names?.inputs[j] ?? `x${sub(j + 1)}` }));
  const biasUnit: NeuronUnit | null = shape.bias ? { key: 'b', index: -1, side: 'in', x: inX, y: top(left) + shape.inFeatures * row, name: '1' } : null;
  const outputs: NeuronUnit[] = Array.from({ length: shape.outFeatures }, (_, i) => ({ key: `y${i + 1}`, index: i, side: 'out', x: outX, y: top(shape.outFeatures) + i * row, name: names?.output ?? `y${sub(i + 1)}`, delta: names ? 'δ' : `δ${sub(i + 1)}` }));
  const wires: NeuronWire[] = [];
  const wire = (from: NeuronUnit, to: NeuronUnit, key: string, name: string, j: number | null): NeuronWire => ({
    key, name, out: to.index, in: j, x1: from.x, y1: from.y, x2: to.x, y2: to.y,
    labelX: from.x + (to.x - from.x) * labelAt, labelY: from.y + (to.y - from.y) * labelAt,
  });
  for (const o of outputs) {
    for (const x of inputs) wires.push(wire(x, o, `w${o.index + 1},${x.index + 1}`, names?.weights[x.index] ?? `w${sub(o.index + 1)},${sub(x.index + 1)}`, x.index));
    if (biasUnit) wires.push(wire(biasUnit, o, `b${o.index + 1}`, names?.bias ?? `b${sub(o.index + 1)}`, null));
  }
  return { width, height, inputs, biasUnit, outputs, wires };
}

/** The numbers a neuron view shows at the cursor; null where the session has not got there (or has none). */
/** Numbers by unit or weight; null where not (yet) known (a circuit of gates fills them one gate at a time). */
export type Numbers = readonly (number | null)[] | null;

export interface NeuronNumbers {
  /** wᵢⱼ row-major [out][in]. */
  weight: Numbers;
  bias: Numbers;
  /** The chosen row's input xⱼ (once forward has produced it). */
  x: Numbers;
  /** The chosen row's output yᵢ (once forward has passed the node). */
  y: Numbers;
  /** The chosen row's δᵢ = ∂L/∂yᵢ (once backward has reached the node). */
  delta: Numbers;
  /** ∂L/∂wᵢⱼ over the whole batch (once backward has reached the node). */
  grad: Numbers;
  biasGrad: Numbers;
  /** Rows in the batch (∂L/∂w sums δ·x over them). */
  rows: number;
}

const rowOf = (s: TensorSnapshot, width: number, row: number): number[] | null => {
  if (s.data.length === 0 || s.data.length % width !== 0) return null;
  const r = Math.min(row, s.data.length / width - 1);
  return s.data.slice(r * width, (r + 1) * width);
};
const full = (s: TensorSnapshot | undefined): number[] | null => (s && s.data.length > 0 ? s.data : null);

/**
 * The numbers for Linear `nodeId` at `cursor` (−1: before the first step): weights from the
 * session's forward step of the node (the weights this pass uses, shown from the start), else the
 * document's stored weights; x, y when forward has produced them; δ and ∂L/∂W when backward has
 * reached the node. `row` is the batch row whose x and δ are shown.
 */
export function neuronNumbersAt(
  doc: GraphDocument,
  nodeId: string,
  shape: NeuronShape,
  steps: readonly Step[],
  cursor: number,
  row = 0,
): NeuronNumbers {
  const node = doc.nodes.find((n) => n.id === nodeId);
  const inEdge = doc.edges.find((e) => e.target === nodeId && e.targetPort === 'in')?.id;
  const out: NeuronNumbers = { weight: null, bias: null, x: null, y: null, delta: null, grad: null, biasGrad: null, rows: 1 };
  const own = steps.find((s): s is ForwardStep => s.phase === 'forward' && s.nodeId === nodeId);
  const param = (name: string) => own?.parameters?.find((p) => p.name === name)?.value;
  out.weight = full(param('weight')) ?? storedData(node, 'weight');
  out.bias = shape.bias ? (full(param('bias')) ?? storedData(node, 'bias')) : null;
  for (let i = 0; i <= cursor && i < steps.length; i++) {
    const s = steps[i]!;
    if (s.phase === 'forward') {
      for (const o of s.outputs) {
        if (inEdge && o.edgeIds.includes(inEdge)) {
          out.x = rowOf(o.value, shape.inFeatures, row);
          if (o.value.data.length > 0) out.rows = o.value.data.length / shape.inFeatures;
        }
      }
      if (s.nodeId === nodeId) {
        const y = s.outputs.find((o) => o.port === 'out');
        if (y) out.y = rowOf(y.value, shape.outFeatures, row);
      }
    } else if (s.nodeId === nodeId) {
      const up = s.upstream.find((u) => u.port === 'out');
      if (up) out.delta = rowOf(up.total, shape.outFeatures, row);
      out.grad = full(s.parameters.find((p) => p.name === 'weight')?.grad);
      out.biasGrad = shape.bias ? full(s.parameters.find((p) => p.name === 'bias')?.grad) : null;
      if (!out.weight) out.weight = full(s.local.find((l) => l.of === 'in')?.value);
    }
  }
  return out;
}

function storedData(node: GraphNode | undefined, name: string): number[] | null {
  const w = node?.weights?.[name];
  return w && w.data.length > 0 ? w.data : null;
}

/** A wire's numbers: its weight, its gradient, and the chain-rule product for the chosen row. */
export interface WireNumbers {
  value: number | null;
  grad: number | null;
  /** δᵢ and xⱼ of the chosen row (xⱼ = 1 for the bias). */
  delta: number | null;
  x: number | null;
}

export function wireNumbers(w: NeuronWire, n: NeuronNumbers, shape: NeuronShape): WireNumbers {
  const at = (a: Numbers, k: number): number | null => (a && k < a.length ? (a[k] ?? null) : null);
  const delta = at(n.delta, w.out);
  if (w.in === null) return { value: at(n.bias, w.out), grad: at(n.biasGrad, w.out), delta, x: n.delta ? 1 : null };
  const k = w.out * shape.inFeatures + w.in;
  return { value: at(n.weight, k), grad: at(n.grad, k), delta, x: at(n.x, w.in) };
}

/** Stroke width and sign class of a weight's wire: 1…5 px by |w| against the layer's largest |w|. */
export function wireStroke(value: number | null, n: NeuronNumbers): { width: number; sign: 'pos' | 'neg' | 'none' } {
  if (value === null || !Number.isFinite(value)) return { width: 1, sign: 'none' };
  const all = [...(n.weight ?? []), ...(n.bias ?? [])].filter((v): v is number => v !== null).map(Math.abs).filter(Number.isFinite);
  const max = Math.max(...all, 1e-12);
  return { width: 1 + 4 * Math.min(1, Math.abs(value) / max), sign: value > 0 ? 'pos' : value < 0 ? 'neg' : 'none' };
}
