/**
 * The inspector (right side): the selected node's label, every param with its control, its
 * ports with the shapes flowing in and out, its diagnostics and, for trainable nodes, its
 * weights. With an edge selected: what it connects and its shape. With nothing selected: the
 * document.
 */
import { useEffect, useId, useState } from 'react';
import type { GraphDocument, GraphNode } from '../../../engine/graph/document';
import { useDocumentStore, documentStore } from '../store/document-store';
import { useCatalog } from '../store/catalog-store';
import { useAllDiagnostics } from '../store/use-diagnostics';
import { paramValue, type NodeTypeInfo } from '../lib/node-types';
import { isTrainable, nodeLabel } from '../../../engine/graph/nodes/specs';
import { quickFixes } from '../lib/quick-fixes';
import { formatNumber, fullNumber } from '../panels/format';
import { ParamControl } from './ParamControl';
import { WeightsView } from './WeightsView';
import { runAutoLayout } from '../commands';
import { CollapseButton } from '../ui/SideRail';

function TextField({ label, value, onCommit, placeholder, multiline }: { label: string; value: string; onCommit(v: string): void; placeholder?: string; multiline?: boolean }) {
  const id = useId();
  const [draft, setDraft] = useState<string | null>(null);
  useEffect(() => setDraft(null), [value]);
  const commit = () => {
    if (draft !== null && draft !== value) onCommit(draft);
    setDraft(null);
  };
  const common = {
    id,
    value: draft ?? value,
    placeholder,
    spellCheck: false,
    onChange: (e: { target: { value: string } }) => setDraft(e.target.value),
    onBlur: commit,
  };
  return (
    <div className="bp-field">
      <label htmlFor={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} onKeyDown={(e) => e.key === 'Escape' && setDraft(null)} />
      ) : (
        <input {...common} type="text" autoComplete="off" onKeyDown={(e) => (e.key === 'Enter' ? commit() : e.key === 'Escape' ? setDraft(null) : undefined)} />
      )}
    </div>
  );
}

function Count({ n }: { n: number }) {
  return (
    <span className="bp-num" title={fullNumber(n)}>
      {formatNumber(n)}
    </span>
  );
}

function Diagnostics({ nodeId, edgeId }: { nodeId?: string; edgeId?: string }) {
  const all = useAllDiagnostics();
  const mine = all.filter((d) => (nodeId && d.nodeId === nodeId) || (edgeId && d.edgeId === edgeId));
  if (mine.length === 0) return null;
  return (
    <ul className="bp-insp-diags" aria-label="Problems">
      {mine.map((d, i) => (
        <li key={i} className={`bp-diag is-${d.severity}`}>
          <span className="bp-diag-icon" aria-hidden="true">{d.severity === 'error' ? '●' : d.severity === 'warning' ? '▲' : 'i'}</span>
          <span>{d.message}</span>
        </li>
      ))}
    </ul>
  );
}

function Ports({ node, info, doc }: { node: GraphNode; info: NodeTypeInfo; doc: GraphDocument }) {
  const shapes = useDocumentStore((s) => s.validation?.edgeShapes);
  const select = (id: string) => documentStore.getState().select({ nodes: [id], edges: [] });
  const nameOf = (id: string) => {
    const n = doc.nodes.find((m) => m.id === id);
    return n ? nodeLabel(n) : id;
  };
  if (info.inputs.length + info.outputs.length === 0) return null;
  return (
    <section className="bp-insp-section" aria-label="Ports">
      <h3>Ports</h3>
      <table className="bp-ports">
        <tbody>
          {info.inputs.map((p) => {
            const e = doc.edges.find((x) => x.target === node.id && x.targetPort === p.name);
            return (
              <tr key={`in-${p.name}`}>
                <th scope="row"><span className={`bp-kind-dot is-${p.kind}`} aria-hidden="true" />{p.label ?? p.name}</th>
                <td>{e ? <button type="button" className="bp-link" onClick={() => select(e.source)}>← {nameOf(e.source)}</button> : <span className={p.optional ? 'bp-muted' : 'bp-warn-text'}>{p.optional ? 'optional' : 'not connected'}</span>}</td>
                <td className="bp-shape">{e ? (shapes?.[e.id] ?? '') : ''}</td>
              </tr>
            );
          })}
          {info.outputs.map((p) => {
            const out = doc.edges.filter((x) => x.source === node.id && x.sourcePort === p.name);
            return (
              <tr key={`out-${p.name}`}>
                <th scope="row"><span className={`bp-kind-dot is-${p.kind}`} aria-hidden="true" />{p.label ?? p.name}</th>
                <td>
                  {out.length === 0 ? <span className="bp-muted">unused</span> : out.map((e) => (
                    <button key={e.id} type="button" className="bp-link" onClick={() => select(e.target)}>→ {nameOf(e.target)}</button>
                  ))}
                </td>
                <td className="bp-shape">{out[0] ? (shapes?.[out[0].id] ?? '') : ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

function QuickFixes({ node, info, doc }: { node: GraphNode; info: NodeTypeInfo | undefined; doc: GraphDocument }) {
  const shapes = useDocumentStore((s) => s.validation?.edgeShapes);
  const fixes = shapes ? quickFixes(node, info, doc, shapes) : [];
  if (fixes.length === 0) return null;
  return (
    <div className="bp-insp-fixes">
      {fixes.map((f) => (
        <button key={f.param} type="button" className="bp-btn bp-btn-small" onClick={() => documentStore.getState().setParam(node.id, f.param, f.value)}>
          Set {info?.params[f.param]?.label ?? f.param} to {f.value} ({f.because})
        </button>
      ))}
    </div>
  );
}

function NodeInspector({ node, info, doc }: { node: GraphNode; info: NodeTypeInfo | undefined; doc: GraphDocument }) {
  const count = useDocumentStore((s) => s.validation?.parameterCounts[node.id]);
  const followed = useDocumentStore((s) => s.validation?.followed[node.id]);
  const store = documentStore.getState();
  return (
    <div className="bp-insp-body" key={node.id}>
      <header className="bp-insp-title">
        <span className={`bp-insp-cat bp-cat-${(info?.category ?? 'unknown').toLowerCase()}`}>{info?.category ?? 'Unknown'}</span>
        <h2>{nodeLabel(node, info)}</h2>
        <p className="bp-muted bp-small">
          {info?.label ?? node.type} · <span className="bp-mono">{node.id}</span>
          {count !== undefined && count > 0 && <> · <Count n={count} /> parameters</>}
        </p>
        {info && <p className="bp-small">{info.description}</p>}
      </header>
      <Diagnostics nodeId={node.id} />
      <QuickFixes node={node} info={info} doc={doc} />
      <section className="bp-insp-section" aria-label="Node">
        <TextField label="Label" value={node.label ?? ''} placeholder={info?.label ?? node.type} onCommit={(v) => store.setLabel(node.id, v)} />
      </section>
      {info && Object.keys(info.params).length > 0 && (
        <section className="bp-insp-section" aria-label="Parameters">
          <h3>Parameters</h3>
          {Object.entries(info.params).map(([name, spec]) => (
            <ParamControl
              key={`${node.id}:${name}`}
              name={name}
              spec={spec}
              value={paramValue(node, name, spec, followed)}
              explicit={Object.hasOwn(node.params, name)}
              followed={followed !== undefined && Object.hasOwn(followed, name)}
              onCommit={(v) => documentStore.getState().setParam(node.id, name, v)}
              onReset={() => documentStore.getState().setParam(node.id, name, undefined)}
            />
          ))}
        </section>
      )}
      {info && <Ports node={node} info={info} doc={doc} />}
      {isTrainable(node.type) && <WeightsView nodeId={node.id} />}
    </div>
  );
}

function EdgeInspector({ edgeId, doc }: { edgeId: string; doc: GraphDocument }) {
  const shape = useDocumentStore((s) => s.validation?.edgeShapes[edgeId]);
  const e = doc.edges.find((x) => x.id === edgeId);
  if (!e) return null;
  const src = doc.nodes.find((n) => n.id === e.source);
  const dst = doc.nodes.find((n) => n.id === e.target);
  return (
    <div className="bp-insp-body">
      <header className="bp-insp-title">
        <span className="bp-insp-cat">Edge</span>
        <h2>
          {src ? nodeLabel(src) : e.source}.{e.sourcePort} → {dst ? nodeLabel(dst) : e.target}.{e.targetPort}
        </h2>
        <p className="bp-small">
          Shape <span className="bp-shape">{shape ?? 'unknown'}</span>
        </p>
      </header>
      <Diagnostics edgeId={edgeId} />
      <div className="bp-insp-actions">
        <button type="button" className="bp-btn" onClick={() => documentStore.getState().disconnect([edgeId])}>
          Delete edge
        </button>
      </div>
    </div>
  );
}

function DocumentInspector({ doc }: { doc: GraphDocument }) {
  const counts = useDocumentStore((s) => s.validation?.parameterCounts);
  const fileName = useDocumentStore((s) => s.fileName);
  const fileKind = useDocumentStore((s) => s.fileKind);
  const total = counts ? Object.values(counts).reduce((a, b) => a + b, 0) : null;
  return (
    <div className="bp-insp-body">
      <header className="bp-insp-title">
        <span className="bp-insp-cat">Document</span>
        <h2>{doc.name}</h2>
        <p className="bp-muted bp-small">
          {fileName ? <span className="bp-mono">{fileName}</span> : 'not saved yet'}
          {fileKind === 'trained' && ' · trained model'}
        </p>
      </header>
      <section className="bp-insp-section" aria-label="Document">
        <TextField label="Name" value={doc.name} onCommit={(v) => documentStore.getState().setDocumentInfo({ name: v })} />
        <TextField label="Description" value={doc.description ?? ''} multiline placeholder="What this graph shows" onCommit={(v) => documentStore.getState().setDocumentInfo({ description: v })} />
      </section>
      <section className="bp-insp-section" aria-label="Summary">
        <h3>Summary</h3>
        <dl className="bp-summary">
          <div><dt>Nodes</dt><dd><Count n={doc.nodes.length} /></dd></div>
          <div><dt>Edges</dt><dd><Count n={doc.edges.length} /></dd></div>
          <div><dt>Parameters</dt><dd>{total === null ? '—' : <Count n={total} />}</dd></div>
          <div><dt>Dataset</dt><dd className="bp-mono">{doc.training?.dataset?.name ?? '—'}</dd></div>
        </dl>
      </section>
      <p className="bp-muted bp-small bp-pad">Select a node to edit its parameters. Shift-drag selects several.</p>
    </div>
  );
}

function MultiInspector({ nodes, edges }: { nodes: number; edges: number }) {
  const s = documentStore.getState();
  return (
    <div className="bp-insp-body">
      <header className="bp-insp-title">
        <span className="bp-insp-cat">Selection</span>
        <h2>
          {nodes} node{nodes === 1 ? '' : 's'}
          {edges > 0 && `, ${edges} edge${edges === 1 ? '' : 's'}`}
        </h2>
      </header>
      <div className="bp-insp-actions">
        <button type="button" className="bp-btn" onClick={() => s.duplicateSelection()} disabled={nodes === 0}>Duplicate</button>
        <button type="button" className="bp-btn" onClick={() => void runAutoLayout()}>Auto layout</button>
        <button type="button" className="bp-btn bp-btn-danger" onClick={() => s.deleteSelection()}>Delete</button>
      </div>
    </div>
  );
}

export function Inspector() {
  const doc = useDocumentStore((s) => s.document);
  const selection = useDocumentStore((s) => s.selection);
  const types = useCatalog((s) => s.byType);
  let body;
  if (selection.nodes.length === 1 && selection.edges.length === 0) {
    const node = doc.nodes.find((n) => n.id === selection.nodes[0]);
    body = node ? <NodeInspector node={node} info={types.get(node.type)} doc={doc} /> : null;
  } else if (selection.nodes.length === 0 && selection.edges.length === 1) {
    body = <EdgeInspector edgeId={selection.edges[0]!} doc={doc} />;
  } else if (selection.nodes.length + selection.edges.length > 1) {
    body = <MultiInspector nodes={selection.nodes.length} edges={selection.edges.length} />;
  } else {
    body = <DocumentInspector doc={doc} />;
  }
  return (
    <aside className="bp-inspector" aria-label="Inspector">
      <div className="bp-side-head">
        <h2>Inspector</h2>
        <CollapseButton side="inspector" />
      </div>
      <div className="bp-inspector-scroll">{body}</div>
    </aside>
  );
}
