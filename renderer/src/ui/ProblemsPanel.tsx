/**
 * The Problems tab: every diagnostic (the file as read, the engine's validation, a training run
 * stopped on NaN/Inf), errors first. Clicking one selects its node (or edge) and brings it into
 * view.
 */
import { useAllDiagnostics } from '../store/use-diagnostics';
import { useDocumentStore, documentStore } from '../store/document-store';
import { useCatalog } from '../store/catalog-store';
import { countBySeverity, sortDiagnostics, type SourcedDiagnostic } from '../store/diagnostics';
import { flowInstance } from '../canvas/flow-api';
import { nodeTitle } from '../../../engine/graph/nodes/specs';

const SOURCE_TEXT = { file: 'file', validation: 'graph', training: 'training', engine: 'engine' } as const;

function reveal(d: SourcedDiagnostic): void {
  const s = documentStore.getState();
  const nodeId = d.nodeId && s.document.nodes.some((n) => n.id === d.nodeId) ? d.nodeId : undefined;
  const edge = d.edgeId ? s.document.edges.find((e) => e.id === d.edgeId) : undefined;
  if (nodeId) s.select({ nodes: [nodeId], edges: [] });
  else if (edge) s.select({ nodes: [], edges: [edge.id] });
  else return;
  const rf = flowInstance();
  const ids = nodeId ? [nodeId] : edge ? [edge.source, edge.target] : [];
  if (rf && ids.length) void rf.fitView({ nodes: ids.map((id) => ({ id })), padding: 0.6, maxZoom: 1.25, duration: 250 });
}

export function ProblemsPanel() {
  const all = useAllDiagnostics();
  const doc = useDocumentStore((s) => s.document);
  const validationState = useDocumentStore((s) => s.validationState);
  const validationError = useDocumentStore((s) => s.validationError);
  const loadIssues = useDocumentStore((s) => s.loadIssues.length);
  const types = useCatalog((s) => s.byType);
  const sorted = sortDiagnostics(all);
  const counts = countBySeverity(all);
  const where = (d: SourcedDiagnostic) => {
    const n = d.nodeId ? doc.nodes.find((x) => x.id === d.nodeId) : undefined;
    if (n) return `${nodeTitle(n, types.get(n.type))}${d.port ? ` · ${d.port}` : ''}`;
    if (d.edgeId) return `edge ${d.edgeId}`;
    return '';
  };
  return (
    <div className="bp-problems" aria-label="Problems">
      <div className="bp-problems-head">
        <span className="bp-count is-error">{counts.error} error{counts.error === 1 ? '' : 's'}</span>
        <span className="bp-count is-warning">{counts.warning} warning{counts.warning === 1 ? '' : 's'}</span>
        {validationState === 'pending' && <span className="bp-muted">checking…</span>}
        {validationState === 'offline' && <span className="bp-error-text">The engine is not reachable: {validationError}</span>}
        {loadIssues > 0 && (
          <button type="button" className="bp-btn bp-btn-small bp-push-right" onClick={() => documentStore.getState().dismissLoadIssues()}>
            Dismiss file problems
          </button>
        )}
      </div>
      {sorted.length === 0 ? (
        <p className="bp-problems-empty">{doc.nodes.length === 0 ? 'Nothing to check yet: add nodes from the palette.' : 'No problems: the graph is valid.'}</p>
      ) : (
        <ul className="bp-problems-list">
          {sorted.map((d, i) => {
            const target = !!(d.nodeId || d.edgeId);
            return (
              <li key={`${d.code}:${d.nodeId ?? ''}:${d.edgeId ?? ''}:${i}`}>
                <button type="button" className={`bp-problem is-${d.severity}`} onClick={() => reveal(d)} disabled={!target} title={target ? 'Select it on the canvas' : undefined}>
                  <span className="bp-diag-icon" aria-label={d.severity}>{d.severity === 'error' ? '●' : d.severity === 'warning' ? '▲' : 'i'}</span>
                  <span className="bp-problem-msg">{d.message}</span>
                  <span className="bp-problem-where">{where(d)}</span>
                  <span className="bp-problem-src">{SOURCE_TEXT[d.source]} · {d.code}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
