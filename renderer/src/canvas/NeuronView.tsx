/**
 * A Linear node drawn as neurons (issue 13, item 4): input units x₁…xₙ and the bias unit "1" on
 * the left, output units y₁…yₘ on the right, one wire per weight (colour by sign, width by |w|).
 * The chosen output unit's wires carry labels: the weight (value colour) and, once backward has
 * reached the node in Backprop mode, its gradient (gradient colour). The readout under the drawing
 * spells out the chosen wire's ∂L/∂wᵢⱼ = δᵢ·xⱼ with the numbers of the sample stepped through.
 * Click an output unit to label its wires, a wire to spell out its gradient.
 *
 * It is a view of the same node: the handles, the edges and the document do not change.
 */
import { memo, useMemo, type KeyboardEvent } from 'react';
import type { Viewport } from '@xyflow/react';
import { flowInstance } from './flow-api';
import { formatCompact, fullNumber } from '../panels/format';
import { useBackprop } from '../backprop/backprop-store';
import { useDocumentStore } from '../store/document-store';
import { uiStore } from '../store/ui-store';
import {
  GEOMETRY, neuronLayout, neuronNumbersAt, sub, wireNumbers, wireStroke,
  type NeuronEligibility, type NeuronNumbers, type NeuronShape, type NeuronWire,
} from './neuron-model';
import { setExpanded, setFocus, useNeuronExpanded, useNeuronFocus } from './neuron-store';
import { gateNeuron, gateNumbersAt, hidePredicted, type GateNeuron } from './neuron-gates';
import { hiddenKeys } from '../backprop/callout-model';
import type { NeuronLayout } from './neuron-model';
import { getNodeSpec } from '../../../engine/graph/nodes/specs';
import { ACTIVATION } from '../../../engine/graph/nodes/activation.spec';
import type { GraphNode } from '../../../engine/graph/document';

const EMPTY_STEPS: never[] = [];

/** The zoom at which the view's 11 px type reads at 12 px on screen. */
export const NEURON_READABLE_ZOOM = 1.1;
/** The viewport before an expansion zoomed in, by node: collapsing goes back to it. */
const viewportBefore = new Map<string, Viewport>();

/** Whether the node's box lies wholly inside the canvas on screen. */
function inView(nodeId: string): boolean {
  const el = document.querySelector(`.react-flow__node[data-id="${CSS.escape(nodeId)}"]`);
  const pane = el?.closest('.react-flow');
  if (!el || !pane) return false;
  const r = el.getBoundingClientRect();
  const p = pane.getBoundingClientRect();
  return r.left >= p.left && r.top >= p.top && r.right <= p.right && r.bottom <= p.bottom;
}

/**
 * Expanding zooms in on the node when the canvas is too far out to read it (a lesson opens at
 * ~0.5) or brings it into view when it is not, once React Flow has measured its new size;
 * collapsing returns to where the canvas was.
 */
function followExpansion(nodeId: string, expanded: boolean): void {
  const rf = flowInstance();
  if (!rf) return;
  if (!expanded) {
    const before = viewportBefore.get(nodeId);
    viewportBefore.delete(nodeId);
    if (before) void rf.setViewport(before, { duration: 200 });
    return;
  }
  const start = rf.getViewport();
  let tries = 0;
  const go = () => {
    const n = rf.getNode(nodeId);
    const measured = n?.measured?.width ?? 0;
    if (measured < GEOMETRY.width && tries++ < 30) {
      requestAnimationFrame(go);
      return;
    }
    if (start.zoom >= NEURON_READABLE_ZOOM && inView(nodeId)) return;
    viewportBefore.set(nodeId, start);
    const zoom = Math.max(start.zoom, NEURON_READABLE_ZOOM);
    void rf.fitView({ nodes: [{ id: nodeId }], minZoom: zoom, maxZoom: zoom, duration: 250 });
  };
  requestAnimationFrame(go);
}

/** The button in a Linear's head that shows it as neurons (or says in one line why it cannot). */
export function NeuronToggle({ nodeId, title, eligibility }: { nodeId: string; title: string; eligibility: NeuronEligibility }) {
  const docId = useDocumentStore((s) => s.docId);
  const expanded = useNeuronExpanded(docId, nodeId);
  const refused = !eligibility.ok ? eligibility.reason : null;
  const label = `${expanded ? 'Hide' : 'Show'} neurons of ${title}`;
  return (
    <button
      type="button"
      className={`bp-neuron-toggle nodrag${expanded ? ' is-on' : ''}${refused ? ' is-refused' : ''}`}
      aria-label={label}
      aria-pressed={expanded}
      aria-disabled={refused ? true : undefined}
      title={refused ?? `${label} (one wire per weight, with its value and ∂L/∂w = δ·x)`}
      onClick={(e) => {
        e.stopPropagation();
        if (refused) {
          uiStore.getState().toast(refused, 'warning');
          return;
        }
        setExpanded(docId, nodeId, !expanded);
        followExpansion(nodeId, !expanded);
      }}
    >
      <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <circle cx="3.5" cy="4" r="2" />
        <circle cx="3.5" cy="12" r="2" />
        <circle cx="12.5" cy="8" r="2" />
        <path d="M5.5 4.5 10.5 7.5M5.5 11.5 10.5 8.5" />
      </svg>
    </button>
  );
}

function wireTitle(w: NeuronWire, v: ReturnType<typeof wireNumbers>, rows: number, layout: NeuronLayout): string {
  const j = w.in === null ? '1' : layout.inputs[w.in]!.name;
  const out = layout.outputs[w.out]!;
  const lines = [`${w.name}: from ${w.in === null ? '1 (bias)' : j} to ${out.name}`, `value ${fullNumber(v.value)}`];
  if (v.grad !== null) lines.push(`∂L/∂${w.name} ${fullNumber(v.grad)}${rows > 1 ? ` (summed over ${rows} rows)` : ''}`);
  if (v.delta !== null && v.x !== null) lines.push(`${out.delta ?? 'δ'}·${j} = ${fullNumber(v.delta)} × ${fullNumber(v.x)} = ${fullNumber(v.delta * v.x)}`);
  return lines.join('\n');
}

const num = (v: number | null): string => (v === null ? '—' : formatCompact(v));
const paren = (v: number): string => (v < 0 ? `(${formatCompact(v)})` : formatCompact(v));

/** The chain rule for one wire, with the sample's numbers (what the lecture writes per neuron). */
export function readoutText(w: NeuronWire, v: ReturnType<typeof wireNumbers>, n: NeuronNumbers, inBackprop: boolean, layout: NeuronLayout, predicting = false): string {
  const xName = w.in === null ? '1' : layout.inputs[w.in]!.name;
  const d = layout.outputs[w.out]!.delta ?? 'δ';
  if (v.value === null && v.grad === null) return 'Backprop mode: wᵢⱼ and ∂L/∂wᵢⱼ = δᵢ·xⱼ';
  const head = `${w.name} = ${num(v.value)}`;
  if (!inBackprop) return `${head} (∂L/∂w = δ·x in Backprop)`;
  if (v.grad === null || v.delta === null || v.x === null) return `${head}; ${predicting ? `predict ∂L/∂${w.name} first` : `backward gives ${d}·${xName}`}`;
  const product = v.delta * v.x;
  if (n.rows <= 1) return `∂L/∂${w.name} = ${d}·${xName} = ${paren(v.delta)} × ${paren(v.x)} = ${formatCompact(product)}`;
  return `∂L/∂${w.name} = Σₙ ${d}·${xName} = ${formatCompact(v.grad)} (row 1: ${paren(v.delta)} × ${paren(v.x)} = ${formatCompact(product)})`;
}

function NeuronViewImpl({ nodeId, shape, gates }: { nodeId: string; shape: NeuronShape; gates?: GateNeuron | null }) {
  const docId = useDocumentStore((s) => s.docId);
  const doc = useDocumentStore((s) => s.document);
  const inBackprop = useBackprop((s) => s.mode === 'backprop' && s.docId === docId);
  const steps = useBackprop((s) => (inBackprop ? s.steps : EMPTY_STEPS));
  const cursor = useBackprop((s) => (inBackprop ? s.cursor : -1));
  const focus = useNeuronFocus(docId, nodeId);
  const layout = useMemo(() => neuronLayout(shape, gates?.names), [shape, gates]);
  // the document only for this node's weights and its input edge (or the gates' Inputs)
  const predict = useBackprop((s) => inBackprop && s.predict);
  const revealed = useBackprop((s) => s.predictions);
  const all = useMemo(
    () => (gates ? gateNumbersAt(doc, gates, steps, cursor) : neuronNumbersAt(doc, nodeId, shape, steps, cursor)),
    [doc, nodeId, shape, gates, steps, cursor],
  );
  const numbers = useMemo(() => hidePredicted(all, doc, nodeId, gates ?? null, hiddenKeys(predict, steps, cursor, revealed)), [all, doc, nodeId, gates, predict, steps, cursor, revealed]);
  const out = Math.min(focus.out, shape.outFeatures - 1);
  const chosen = layout.wires.find((w) => w.key === focus.wire && w.out === out) ?? layout.wires.find((w) => w.out === out)!;
  const { unitR } = GEOMETRY;
  const choose = (w: NeuronWire) => setFocus(docId, nodeId, { out: w.out, wire: w.key });
  const onKey = (e: KeyboardEvent, f: () => void) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      e.stopPropagation();
      f();
    }
  };
  const chosenNumbers = wireNumbers(chosen, numbers, shape);
  const chosenHidden = chosenNumbers.grad === null && wireNumbers(chosen, all, shape).grad !== null;
  return (
    <div className="bp-neurons" style={{ width: layout.width }} data-node-id={nodeId}>
      <div className="bp-neurons-draw" style={{ width: layout.width, height: layout.height }}>
        <svg width={layout.width} height={layout.height} aria-hidden="true">
          {layout.wires.map((w) => {
            const v = wireNumbers(w, numbers, shape);
            const stroke = wireStroke(v.value, numbers);
            const focused = w.out === out;
            return (
              <g key={w.key} className={`bp-nw is-${stroke.sign}${focused ? ' is-focus' : ' is-dim'}${w === chosen ? ' is-chosen' : ''}`}>
                <line x1={w.x1 + unitR} y1={w.y1} x2={w.x2 - unitR} y2={w.y2} strokeWidth={stroke.width} />
              </g>
            );
          })}
          {[...layout.inputs, ...(layout.biasUnit ? [layout.biasUnit] : []), ...layout.outputs].map((u) => (
            <circle key={u.key} className={`bp-nu is-${u.side}${u.key === 'b' ? ' is-bias' : ''}${u.side === 'out' && u.index === out ? ' is-focus' : ''}`} cx={u.x} cy={u.y} r={unitR} />
          ))}
        </svg>
        {/* wires: wide transparent hit lines, then labels of the focused unit's wires */}
        {layout.wires.map((w) => {
          const v = wireNumbers(w, numbers, shape);
          const title = wireTitle(w, v, numbers.rows, layout);
          const len = Math.hypot(w.x2 - w.x1, w.y2 - w.y1);
          const angle = (Math.atan2(w.y2 - w.y1, w.x2 - w.x1) * 180) / Math.PI;
          return (
            <div
              key={`hit-${w.key}`}
              className="bp-nw-hit nodrag"
              style={{ left: w.x1, top: w.y1 - 5, width: len, transform: `rotate(${angle}deg)` }}
              title={title}
              onClick={(e) => { e.stopPropagation(); choose(w); }}
            />
          );
        })}
        {layout.wires.filter((w) => w.out === out).map((w) => {
          const v = wireNumbers(w, numbers, shape);
          if (v.value === null && v.grad === null) return null;
          return (
            <div
              key={`label-${w.key}`}
              className={`bp-nw-label nodrag${w === chosen ? ' is-chosen' : ''}`}
              style={{ left: w.labelX, top: w.labelY }}
              data-wire={w.key}
              data-value={v.value ?? ''}
              data-grad={v.grad ?? ''}
              title={wireTitle(w, v, numbers.rows, layout)}
              role="button"
              tabIndex={0}
              aria-label={`${w.name} = ${num(v.value)}${v.grad !== null ? `, ∂L/∂${w.name} = ${num(v.grad)}` : ''}`}
              aria-pressed={w === chosen}
              onClick={(e) => { e.stopPropagation(); choose(w); }}
              onKeyDown={(e) => onKey(e, () => choose(w))}
            >
              <span className="is-value">{num(v.value)}</span>
              {v.grad !== null && <span className="is-grad">∂ {num(v.grad)}</span>}
            </div>
          );
        })}
        {layout.inputs.map((u) => (
          <span key={`n-${u.key}`} className="bp-nu-name" style={{ left: u.x, top: u.y }}>{u.name}</span>
        ))}
        {layout.biasUnit && <span className="bp-nu-name is-bias" style={{ left: layout.biasUnit.x, top: layout.biasUnit.y }}>1</span>}
        {layout.inputs.map((u) => {
          const x = numbers.x?.[u.index] ?? null;
          return (
            <span key={`v-${u.key}`} className="bp-nu-value is-in" style={{ right: layout.width - u.x + unitR + 3, top: u.y }} data-unit={u.key} title={`${u.name} ${fullNumber(x)}`}>
              {x !== null ? formatCompact(x, 3) : ''}
            </span>
          );
        })}
        {layout.outputs.map((u) => (
          <div
            key={`o-${u.key}`}
            className={`bp-nu-out nodrag${u.index === out ? ' is-focus' : ''}`}
            style={{ left: u.x - unitR, top: u.y - unitR, width: unitR * 2, height: unitR * 2 }}
            role="button"
            tabIndex={0}
            aria-label={`Label the weights into ${u.name}`}
            aria-pressed={u.index === out}
            title={`${u.name}: click to label its weights`}
            onClick={(e) => { e.stopPropagation(); setFocus(docId, nodeId, { out: u.index, wire: null }); }}
            onKeyDown={(e) => onKey(e, () => setFocus(docId, nodeId, { out: u.index, wire: null }))}
          >
            {u.name}
          </div>
        ))}
        {layout.outputs.map((u) => {
          const y = numbers.y?.[u.index] ?? null;
          const d = numbers.delta?.[u.index] ?? null;
          return (
            <span key={`ov-${u.key}`} className="bp-nu-value is-out" style={{ left: u.x + unitR + 4, top: u.y }} data-unit={u.key}>
              {y !== null && <span className="is-value" title={`${u.name} ${fullNumber(y)}`}>{formatCompact(y, 3)}</span>}
              {d !== null && <span className="is-grad" data-delta={d} title={`${u.delta ?? 'δ'} = ∂L/∂(input of ${u.name}) ${fullNumber(d)}`}>δ {formatCompact(d, 3)}</span>}
            </span>
          );
        })}
      </div>
      <div className="bp-neurons-readout" role="status" aria-label={`Neuron readout of ${nodeId}`} data-wire={chosen.key}>
        {readoutText(chosen, chosenNumbers, numbers, inBackprop, layout, chosenHidden)}
      </div>
    </div>
  );
}

export const NeuronView = memo(NeuronViewImpl);

/** The neuron an Activation node computes from scalar gates (the sigmoid-neuron lesson), or null. */
export function useGateNeuron(node: GraphNode): GateNeuron | null {
  const isActivation = getNodeSpec(node.type) === ACTIVATION;
  const doc = useDocumentStore((s) => (isActivation ? s.document : null));
  return useMemo(() => (doc ? gateNeuron(doc, node.id) : null), [doc, node.id]);
}

/** GraphNode's hook: the toggle's eligibility, and whether the node is drawn as neurons now. */
export function useNeuronState(nodeId: string, eligibility: NeuronEligibility | null): boolean {
  const docId = useDocumentStore((s) => s.docId);
  const expanded = useNeuronExpanded(docId, nodeId);
  return expanded && !!eligibility?.ok;
}
