/**
 * The dock's Backprop tab: details of the clicked edge or node (or the step being processed) —
 * the tensor as a table or heatmap with statistics, the chain rule of the step written with the
 * actual numbers for a chosen element (KaTeX), the fan-out branches and their sum, and a
 * numerical check of an edge's gradient.
 */
import { memo, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { useBackprop, backpropStore } from './backprop-store';
import {
  chainRule, edgeStatesAt, fanOutTex, heatmapGrid, shapeText, subscript, texSymbol,
  type BackwardStep, type ForwardStep, type Step, type TensorSnapshot,
} from './backprop-model';
import { useDocumentStore } from '../store/document-store';
import { formatCompact as formatNumber, fullNumber } from '../panels/format';
import { toneColor } from './edge-overlay';
import { toneOf } from './backprop-model';
import type { GraphDocument } from '../../../engine/graph/document';
import { edgeKey, hiddenKeys, localText, paramKey } from './callout-model';
import { edgeName, nodeName } from './wire-model';

/** The gradients Predict first hides at step `cursor`. */
function useHidden(cursor: number): Set<string> {
  const predict = useBackprop((s) => s.predict);
  const steps = useBackprop((s) => s.steps);
  const predictions = useBackprop((s) => s.predictions);
  return useMemo(() => hiddenKeys(predict, steps, cursor, predictions), [predict, steps, cursor, predictions]);
}

const setElement = (i: number) => backpropStore.getState().setElement(i);

function HiddenBlock({ title }: { title: string }) {
  return (
    <section className="bp-bp-block">
      <h4>{title}</h4>
      <p className="bp-muted">Hidden until you predict it: type your guess in the callout on the canvas.</p>
    </section>
  );
}

/**
 * KaTeX's strictness: the local gradients' descriptions go in `\text{}` with the lecture's
 * Unicode (∂, −, ᵀ), which the browser's fonts draw; anything else KaTeX would flag still warns.
 */
const strict = (code: string): 'ignore' | 'warn' => (code === 'unknownSymbol' ? 'ignore' : 'warn');

function Tex({ tex }: { tex: string }) {
  const html = useMemo(() => {
    try {
      return katex.renderToString(tex, { throwOnError: false, displayMode: true, strict });
    } catch {
      return tex;
    }
  }, [tex]);
  return <div className="bp-bp-tex" dangerouslySetInnerHTML={{ __html: html }} />;
}

function Stats({ s }: { s: TensorSnapshot }) {
  const row = (k: string, v: number) => (
    <div>
      <dt>{k}</dt>
      <dd title={fullNumber(v)}>{formatNumber(v)}</dd>
    </div>
  );
  return (
    <dl className="bp-bp-stats">
      <div>
        <dt>shape</dt>
        <dd>{shapeText(s.shape)}</dd>
      </div>
      {row('mean', s.mean)}
      {row('min', s.min)}
      {row('max', s.max)}
      {row('|max|', s.absMax)}
      {row('‖·‖', s.norm)}
    </dl>
  );
}

function Heatmap({ s, selected, onPick }: { s: TensorSnapshot; selected: number; onPick(i: number): void }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { rows, cols } = heatmapGrid(s.shape, s.data.length);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    c.width = cols;
    c.height = rows;
    const img = ctx.createImageData(cols, rows);
    const max = s.absMax || 1;
    for (let i = 0; i < s.data.length && i < rows * cols; i++) {
      const m = /rgb\((\d+), (\d+), (\d+)\)/.exec(toneColor(toneOf(s.data[i]!, max)))!;
      img.data[i * 4] = Number(m[1]);
      img.data[i * 4 + 1] = Number(m[2]);
      img.data[i * 4 + 2] = Number(m[3]);
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }, [s, rows, cols]);
  const scale = Math.max(2, Math.min(10, Math.floor(240 / Math.max(rows, cols))));
  return (
    <canvas
      ref={ref}
      className="bp-bp-heatmap"
      style={{ width: cols * scale, height: rows * scale }}
      role="img"
      aria-label={`heatmap ${rows}×${cols}, element ${selected + 1}`}
      onClick={(e) => {
        const r = e.currentTarget.getBoundingClientRect();
        const i = Math.floor(((e.clientY - r.top) / r.height) * rows) * cols + Math.floor(((e.clientX - r.left) / r.width) * cols);
        if (i >= 0 && i < s.data.length) onPick(i);
      }}
    />
  );
}

function TensorView({ s, label, selected, onPick }: { s: TensorSnapshot; label: string; selected: number; onPick(i: number): void }) {
  if (s.data.length === 0) return <p className="bp-muted">{label}: too large to send ({shapeText(s.shape)}); statistics only.</p>;
  if (s.data.length > 64) return <Heatmap s={s} selected={selected} onPick={onPick} />;
  const cols = s.shape.length === 0 ? 1 : s.shape[s.shape.length - 1]!;
  const rows = Math.ceil(s.data.length / cols);
  const max = s.absMax || 1;
  return (
    <table className="bp-bp-table" aria-label={label}>
      <tbody>
        {Array.from({ length: rows }, (_, r) => (
          <tr key={r}>
            {Array.from({ length: cols }, (_, c) => {
              const i = r * cols + c;
              const v = s.data[i]!;
              return (
                <td
                  key={c}
                  className={i === selected ? 'is-picked' : undefined}
                  title={`[${subscript(s.shape, i) || '·'}] ${fullNumber(v)}`}
                  style={{ borderBottomColor: toneColor(toneOf(v, max)) }}
                  onClick={() => onPick(i)}
                >
                  {formatNumber(v)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TensorBlock({ title, s, selected, onPick }: { title: string; s: TensorSnapshot; selected: number; onPick(i: number): void }) {
  return (
    <section className="bp-bp-block">
      <h4>{title}</h4>
      <TensorView s={s} label={title} selected={selected} onPick={onPick} />
      <Stats s={s} />
    </section>
  );
}

function labelOf(doc: GraphDocument, nodeId: string): string {
  const n = doc.nodes.find((x) => x.id === nodeId);
  return (n?.label as string | undefined) || n?.id || nodeId;
}

function namesFor(doc: GraphDocument, step: BackwardStep) {
  return {
    out: texSymbol(labelOf(doc, step.nodeId)),
    input(port: string) {
      const d = step.downstream.find((x) => x.port === port);
      const e = d ? doc.edges.find((x) => x.id === d.edgeId) : undefined;
      if (e) return texSymbol(labelOf(doc, e.source));
      return texSymbol(port);
    },
  };
}

/** The variable an input port of a step reads (`y`), or the parameter's name. */
function inputName(doc: GraphDocument, step: BackwardStep, port: string): string {
  const d = step.downstream.find((x) => x.port === port);
  const e = d ? doc.edges.find((x) => x.id === d.edgeId) : undefined;
  return e ? nodeName(doc, e.source) : port;
}

function ChainRuleView({ doc, step, port, element }: { doc: GraphDocument; step: BackwardStep; port: string; element: number }) {
  const rule = chainRule(step, port, element, namesFor(doc, step));
  const local = step.local.find((l) => l.of === port);
  const variable = inputName(doc, step, port);
  return (
    <section className="bp-bp-block bp-bp-rule">
      <h4>
        Chain rule at {nodeName(doc, step.nodeId)} for {variable}
        {local && <span className="bp-muted"> — local gradient {localText(local.description, variable, (p) => inputName(doc, step, p))}</span>}
        {local?.flags.includes('saturated') && <span className="bp-bp-flag is-vanishing" title="The local gradient is below 1e−3 everywhere: the unit saturates"> saturated</span>}
      </h4>
      {rule ? <Tex tex={rule.tex} /> : <p className="bp-muted">No gradient for this element.</p>}
    </section>
  );
}

function CheckButton({ edgeId, element }: { edgeId: string; element: number }) {
  const check = useBackprop((s) => s.checks[edgeId]);
  return (
    <div className="bp-bp-check-row">
      <button type="button" className="bp-btn" onClick={() => void backpropStore.getState().checkEdge(edgeId, element)} disabled={check === 'pending'}>
        Check element {element + 1} numerically
      </button>
      {check === 'pending' && <span className="bp-muted">checking…</span>}
      {check && check !== 'pending' && 'error' in check && <span className="bp-bp-error">{check.error}</span>}
      {check && check !== 'pending' && 'relativeError' in check && (
        <span role="status" className={check.relativeError < 1e-3 ? 'bp-bp-ok' : 'bp-bp-error'}>
          {check.element !== null ? `element ${check.element + 1}: ` : 'along a random direction v (⟨∂L/∂e, v⟩ against (L(e+hv) − L(e−hv))/2h): '}
          backprop (analytic) <strong title={fullNumber(check.analytic)}>{formatNumber(check.analytic)}</strong> · finite difference{' '}
          <strong title={fullNumber(check.numeric)}>{formatNumber(check.numeric)}</strong> · relative error{' '}
          <strong title={fullNumber(check.relativeError)}>{formatNumber(check.relativeError)}</strong> {check.relativeError < 1e-3 ? '✓' : '✗'}
        </span>
      )}
    </div>
  );
}

const EdgeDetails = memo(function EdgeDetails({ doc, edgeId, steps, cursor, element, hidden }: { doc: GraphDocument; edgeId: string; steps: Step[]; cursor: number; element: number; hidden: ReadonlySet<string> }) {
  const state = useMemo(() => edgeStatesAt(steps, cursor).get(edgeId), [steps, cursor, edgeId]);
  const edge = doc.edges.find((e) => e.id === edgeId);
  const consumer = steps.slice(0, cursor + 1).find((s): s is BackwardStep => s.phase === 'backward' && s.downstream.some((d) => d.edgeId === edgeId));
  const producer = steps.slice(0, cursor + 1).find((s): s is BackwardStep => s.phase === 'backward' && s.nodeId === edge?.source);
  const port = consumer?.downstream.find((d) => d.edgeId === edgeId)?.port;
  const fan = producer && edge ? fanOutTex(producer, edge.sourcePort, element, texSymbol(labelOf(doc, edge.source))) : null;
  const branches = producer?.upstream.find((u) => u.port === edge?.sourcePort)?.branches ?? [];
  const isHidden = hidden.has(edgeKey(edgeId));
  const variable = edge ? nodeName(doc, edge.source) : '';
  return (
    <>
      <h3 className="bp-bp-heading">Edge {edge ? edgeName(doc, edgeId) : edgeId}</h3>
      <div className="bp-bp-grid">
        {state?.value ? <TensorBlock title={`Value ${variable} (forward)`} s={state.value} selected={element} onPick={setElement} /> : <p className="bp-muted">Forward has not reached this edge yet.</p>}
        {state?.grad && isHidden ? (
          <HiddenBlock title={`Gradient ∂L/∂${variable} (backward)`} />
        ) : state?.grad ? (
          <TensorBlock title={`Gradient ∂L/∂${variable} (backward)`} s={state.grad} selected={element} onPick={setElement} />
        ) : (
          <p className="bp-muted">Backward has not reached this edge yet.</p>
        )}
      </div>
      {!isHidden && state?.flags.map((f) => (
        <p key={f} className={`bp-bp-flag-line is-${f}`}>
          {f === 'vanishing' ? '↓0 Vanishing gradient: every |g| < 1e−6' : f === 'not-routed' ? '⊘ Not routed: exactly 0 — a max or ReLU sent the gradient elsewhere' : '⚠ Exploding gradient: some |g| > 1000'}
        </p>
      ))}
      {consumer && port && !isHidden && <ChainRuleView doc={doc} step={consumer} port={port} element={element} />}
      {fan && !branches.some((b) => hidden.has(edgeKey(b.edgeId))) && (
        <section className="bp-bp-block">
          <h4>Fan-out: the branches’ gradients add up</h4>
          <ul className="bp-bp-branches">
            {branches.map((b) => (
              <li key={b.edgeId}>
                → {edgeName(doc, b.edgeId)}: <span title={fullNumber(b.value.data[element])}>{formatNumber(b.value.data[element])}</span>
              </li>
            ))}
          </ul>
          <Tex tex={fan} />
        </section>
      )}
      {state?.grad && !isHidden && <CheckButton edgeId={edgeId} element={element} />}
    </>
  );
});

const NodeDetails = memo(function NodeDetails({ doc, step, element, hidden }: { doc: GraphDocument; step: Step; element: number; hidden: ReadonlySet<string> }) {
  if (step.phase === 'forward') {
    const f = step as ForwardStep;
    return (
      <>
        <h3 className="bp-bp-heading">Forward {f.index}/{f.total}: {f.title}</h3>
        <div className="bp-bp-grid">
          {f.outputs.map((o) => (
            <TensorBlock key={o.port} title={`Output ${o.port}`} s={o.value} selected={element} onPick={setElement} />
          ))}
        </div>
      </>
    );
  }
  const b = step as BackwardStep;
  const out = nodeName(doc, b.nodeId);
  const upHidden = b.upstream.some((u) => u.branches.some((x) => hidden.has(edgeKey(x.edgeId))));
  return (
    <>
      <h3 className="bp-bp-heading">Backward {b.index}/{b.total}: {b.title}</h3>
      <div className="bp-bp-grid">
        {b.upstream.map((u) => {
          const title = `Upstream ∂L/∂${out}${b.upstream.length > 1 ? ` (${u.port})` : ''}${u.branches.length > 1 ? ` (sum of ${u.branches.length} branches)` : ''}`;
          return upHidden ? <HiddenBlock key={`u-${u.port}`} title={title} /> : <TensorBlock key={`u-${u.port}`} title={title} s={u.total} selected={element} onPick={setElement} />;
        })}
        {b.local.map((l) => {
          const v = inputName(doc, b, l.of);
          return <TensorBlock key={`l-${l.of}`} title={`Local ∂${out}/∂${v}: ${localText(l.description, v, (p) => inputName(doc, b, p))}`} s={l.value} selected={element} onPick={setElement} />;
        })}
        {b.downstream.map((d) => {
          const title = `Downstream ∂L/∂${inputName(doc, b, d.port)}`;
          return hidden.has(edgeKey(d.edgeId)) ? <HiddenBlock key={`d-${d.port}`} title={title} /> : <TensorBlock key={`d-${d.port}`} title={title} s={d.value} selected={element} onPick={setElement} />;
        })}
        {b.parameters.map((p) => {
          const title = `Parameter ∂L/∂${p.name}`;
          return hidden.has(paramKey(b.nodeId, p.name)) ? <HiddenBlock key={`p-${p.name}`} title={title} /> : <TensorBlock key={`p-${p.name}`} title={title} s={p.grad} selected={element} onPick={setElement} />;
        })}
      </div>
      {b.downstream.filter((d) => !hidden.has(edgeKey(d.edgeId))).map((d) => (
        <ChainRuleView key={`r-${d.port}`} doc={doc} step={b} port={d.port} element={element} />
      ))}
      {b.parameters.filter((p) => !hidden.has(paramKey(b.nodeId, p.name))).map((p) => (
        <ChainRuleView key={`rp-${p.name}`} doc={doc} step={b} port={p.name} element={element} />
      ))}
    </>
  );
});

/**
 * The details follow the step a moment later than the canvas: the step's own render is urgent
 * (the canvas, the callout), the tables and KaTeX here render right after it without holding up
 * its frame (useDeferredValue: a held arrow key renders them only for the steps it rests on).
 */
export function BackpropPanel() {
  const mode = useBackprop((s) => s.mode);
  const steps = useBackprop((s) => s.steps);
  const cursor = useDeferredValue(useBackprop((s) => s.cursor));
  const hidden = useHidden(cursor);
  const overlay = useBackprop((s) => s.overlay);
  const error = useBackprop((s) => s.error);
  const doc = useDocumentStore((s) => s.document);
  const selection = useDocumentStore((s) => s.selection);
  const element = useBackprop((s) => s.element);

  const edgeId = selection.edges[0];
  const nodeId = selection.nodes[0];
  const target = edgeId ? `e:${edgeId}` : nodeId ? `n:${nodeId}` : 'step';
  useEffect(() => backpropStore.getState().setElement(0), [target]);

  const head = (
    <div className="bp-bp-panel-head">
      <label className="bp-bp-check">
        <input type="checkbox" checked={overlay} onChange={(e) => backpropStore.getState().setOverlay(e.target.checked)} /> Gradient overlay during training
      </label>
      <label className="bp-bp-field" title="Which element the wires highlight and the chain rule is written for (one-based, row-major)">
        Element
        <input type="number" min={1} value={element + 1} aria-label="Element (one-based)" onChange={(e) => setElement(Math.max(1, Math.floor(Number(e.target.value)) || 1) - 1)} />
      </label>
    </div>
  );

  if (mode !== 'backprop') {
    return (
      <div className="bp-bp-panel">
        {head}
        <p className="bp-muted">
          Turn on <button type="button" className="bp-btn bp-btn-primary" onClick={() => backpropStore.getState().setMode('backprop')}>Backprop</button> to step through
          the forward and backward pass edge by edge; click an edge or a node for its tensor and the chain rule with the numbers.
        </p>
      </div>
    );
  }
  if (error) return <div className="bp-bp-panel">{head}<p className="bp-bp-error">{error}</p></div>;

  let body;
  if (edgeId) body = <EdgeDetails doc={doc} edgeId={edgeId} steps={steps} cursor={cursor} element={element} hidden={hidden} />;
  else {
    const upto = steps.slice(0, cursor + 1);
    const step = nodeId
      ? [...upto].reverse().find((s) => s.nodeId === nodeId) ?? steps.find((s) => s.nodeId === nodeId && s.phase === 'forward')
      : steps[cursor];
    body = step ? (
      <NodeDetails doc={doc} step={step} element={element} hidden={hidden} />
    ) : (
      <p className="bp-muted">Press → (or Step forward) to run the first step; click an edge or node for details.</p>
    );
  }
  return (
    <div className="bp-bp-panel">
      {head}
      {body}
    </div>
  );
}
