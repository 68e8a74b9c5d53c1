/**
 * A neuron written out as gates — the sigmoid-neuron lesson's σ(w₀·x₀ + w₁·x₁ + w₂): scalar Input
 * nodes, one Multiply per weight, Adds, and the Activation — found from the Activation node, so
 * that node can be drawn as the one neuron the circuit computes (units x₀, x₁ and the bias unit,
 * one wire per weight). The numbers come from the same step-through steps as the gates show:
 * each weight's gradient arrives when backward reaches its Multiply, δ = ∂L/∂z when it reaches σ.
 */
import type { GraphDocument, GraphEdge, GraphNode } from '../../../engine/graph/document';
import type { Step } from '../../../engine/graph/step-through';
import { ADD, MULTIPLY } from '../../../engine/graph/nodes/primitives.spec';
import { ACTIVATION } from '../../../engine/graph/nodes/activation.spec';
import { getNodeSpec, hasRole } from '../../../engine/graph/nodes/specs';
import { edgeKey, paramKey } from '../backprop/callout-model';
import { NEURON_LIMIT, sub, type NeuronNames, type NeuronNumbers, type NeuronShape } from './neuron-model';

export interface GateTerm {
  /** The Multiply, its weight Input and its x Input, and the edges from them. */
  mul: string;
  w: string;
  x: string;
  wEdge: string;
  xEdge: string;
}

export interface GateNeuron {
  activation: string;
  /** The edge z → activation. */
  zEdge: string;
  terms: GateTerm[];
  /** A scalar Input added straight in: the bias (its edge into an Add). */
  bias: { node: string; edge: string; add: string } | null;
  shape: NeuronShape;
  names: NeuronNames;
}

const scalarInput = (n: GraphNode | undefined): boolean =>
  !!n && hasRole(n, 'input') && Array.isArray(n.params['shape']) && (n.params['shape'] as unknown[]).length === 0;

/** `w0` → `w₀`: a label's trailing digits as a subscript. */
const lectureName = (n: GraphNode): string => (n.label ?? n.id).replace(/(\d+)$/, (d) => sub(Number(d)));

/** The neuron an Activation node computes from scalar gates, or null when its input is not Σ wᵢ·xᵢ (+ b). */
export function gateNeuron(doc: GraphDocument, activationId: string): GateNeuron | null {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const act = byId.get(activationId);
  if (!act || getNodeSpec(act.type) !== ACTIVATION) return null;
  const into = (id: string, port: string): GraphEdge | undefined => doc.edges.find((e) => e.target === id && e.targetPort === port);
  const z = into(activationId, 'in');
  if (!z) return null;
  const terms: GateTerm[] = [];
  const biases: { node: string; edge: string; add: string }[] = [];
  const visit = (e: GraphEdge, depth: number): boolean => {
    const src = byId.get(e.source);
    if (!src || depth > 16) return false;
    const spec = getNodeSpec(src.type);
    if (spec === ADD) {
      const a = into(src.id, 'a');
      const b = into(src.id, 'b');
      return !!a && !!b && visit(a, depth + 1) && visit(b, depth + 1);
    }
    if (spec === MULTIPLY) {
      let a = into(src.id, 'a');
      let b = into(src.id, 'b');
      if (!a || !b || !scalarInput(byId.get(a.source)) || !scalarInput(byId.get(b.source))) return false;
      // the weight is on `a` unless the labels say otherwise (x on a, w on b)
      const label = (edge: GraphEdge) => (byId.get(edge.source)!.label ?? edge.source).toLowerCase();
      if (label(a).startsWith('x') && label(b).startsWith('w')) [a, b] = [b, a];
      terms.push({ mul: src.id, w: a.source, x: b.source, wEdge: a.id, xEdge: b.id });
      return true;
    }
    if (scalarInput(src) && depth > 0) {
      biases.push({ node: src.id, edge: e.id, add: e.target });
      return true;
    }
    return false;
  };
  if (!visit(z, 0) || terms.length === 0 || terms.length > NEURON_LIMIT || biases.length > 1) return null;
  const bias = biases[0] ?? null;
  return {
    activation: activationId,
    zEdge: z.id,
    terms,
    bias,
    shape: { inFeatures: terms.length, outFeatures: 1, bias: !!bias },
    names: {
      inputs: terms.map((t) => lectureName(byId.get(t.x)!)),
      weights: terms.map((t) => lectureName(byId.get(t.w)!)),
      bias: bias ? lectureName(byId.get(bias.node)!) : null,
      output: lectureName(act),
    },
  };
}

/** The neuron's numbers at `cursor`: like `neuronNumbersAt`, from the gates' steps (the Inputs' own values without a session). */
export function gateNumbersAt(doc: GraphDocument, g: GateNeuron, steps: readonly Step[], cursor: number): NeuronNumbers {
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const fixed = (id: string): number | null => {
    const v = byId.get(id)?.params['value'];
    return typeof v === 'number' ? v : null;
  };
  const forwardValue = (id: string, upTo: number): number | null => {
    for (let i = 0; i <= upTo && i < steps.length; i++) {
      const s = steps[i]!;
      if (s.phase === 'forward' && s.nodeId === id) return s.outputs[0]?.value.data[0] ?? null;
    }
    return null;
  };
  const downstream = (nodeId: string, edgeId: string): number | null => {
    for (let i = 0; i <= cursor && i < steps.length; i++) {
      const s = steps[i]!;
      if (s.phase === 'backward' && s.nodeId === nodeId) return s.downstream.find((d) => d.edgeId === edgeId)?.value.data[0] ?? null;
    }
    return null;
  };
  const session = steps.length > 0;
  // weights are shown from the start (what this pass uses); x once forward has produced it
  const weight = (id: string) => (session ? forwardValue(id, steps.length - 1) : fixed(id));
  const x = (id: string) => (session ? forwardValue(id, cursor) : fixed(id));
  const y = session ? forwardValue(g.activation, cursor) : null;
  const delta = session ? downstream(g.activation, g.zEdge) : null;
  const grads = g.terms.map((t) => downstream(t.mul, t.wEdge));
  const biasGrad = g.bias ? downstream(g.bias.add, g.bias.edge) : null;
  return {
    weight: g.terms.map((t) => weight(t.w)),
    bias: g.bias ? [weight(g.bias.node)] : null,
    x: g.terms.map((t) => x(t.x)),
    y: y === null ? null : [y],
    delta: delta === null ? null : [delta],
    grad: grads.some((v) => v !== null) ? grads : null,
    biasGrad: biasGrad === null ? null : [biasGrad],
    rows: 1,
  };
}

/**
 * Predict first (a lesson setting) hides each gradient until the student has guessed it: the
 * neuron view hides the same ones — a Linear's ∂L/∂W and ∂L/∂b by their parameter keys and δ by
 * its output edges', a circuit's by the edges from its weight Inputs and into σ.
 */
export function hidePredicted(n: NeuronNumbers, doc: GraphDocument, nodeId: string, gates: GateNeuron | null, hidden: ReadonlySet<string>): NeuronNumbers {
  if (hidden.size === 0) return n;
  if (gates) {
    return {
      ...n,
      grad: n.grad ? n.grad.map((v, k) => (hidden.has(edgeKey(gates.terms[k]!.wEdge)) ? null : v)) : null,
      biasGrad: gates.bias && hidden.has(edgeKey(gates.bias.edge)) ? null : n.biasGrad,
      delta: hidden.has(edgeKey(gates.zEdge)) ? null : n.delta,
    };
  }
  const outs = doc.edges.filter((e) => e.source === nodeId).map((e) => edgeKey(e.id));
  return {
    ...n,
    grad: hidden.has(paramKey(nodeId, 'weight')) ? null : n.grad,
    biasGrad: hidden.has(paramKey(nodeId, 'bias')) ? null : n.biasGrad,
    delta: outs.some((k) => hidden.has(k)) ? null : n.delta,
  };
}
