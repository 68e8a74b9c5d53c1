/**
 * The status bar: the engine and the backend / execution provider in use, the document's state
 * (saved or not), the graph's problems (click: the Problems tab), the training run's epoch and
 * step, and the theme switch.
 */
import { useDocumentStore } from '../store/document-store';
import { useCatalog } from '../store/catalog-store';
import { useUi, uiStore } from '../store/ui-store';
import { useTrainingStore } from '../panels';
import { useAllDiagnostics } from '../store/use-diagnostics';
import { countBySeverity } from '../store/diagnostics';
import { formatNumber, fullNumber } from '../panels/format';

const THEME_TEXT = { system: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' } as const;

export function StatusBar() {
  const catalogStatus = useCatalog((s) => s.status);
  const appVersion = useCatalog((s) => s.appVersion);
  const backends = useCatalog((s) => s.backends);
  const validationState = useDocumentStore((s) => s.validationState);
  const dirty = useDocumentStore((s) => s.dirty);
  const opened = useDocumentStore((s) => s.opened);
  const fileName = useDocumentStore((s) => s.fileName);
  const nodes = useDocumentStore((s) => s.document.nodes.length);
  const runId = useTrainingStore((s) => s.runId);
  const backend = useTrainingStore((s) => s.backend);
  const provider = useTrainingStore((s) => s.provider);
  const status = useTrainingStore((s) => s.status);
  const epoch = useTrainingStore((s) => s.epoch);
  const epochs = useTrainingStore((s) => s.epochs);
  const step = useTrainingStore((s) => s.step);
  const theme = useUi((s) => s.theme);
  const counts = countBySeverity(useAllDiagnostics());

  const offline = catalogStatus === 'offline' || validationState === 'offline';
  const available = backends.filter((b) => b.available).map((b) => b.name);
  const backendText = backend ? `${backend}${provider ? ` · ${provider}` : ''}` : available.length ? available.join(', ') : '—';

  return (
    <footer className="bp-statusbar" aria-label="Status">
      <span className={`bp-status-item bp-engine${offline ? ' is-offline' : catalogStatus === 'ready' ? ' is-online' : ''}`} title={offline ? 'The engine is not reachable' : 'The engine answers'}>
        <span className="bp-dot" aria-hidden="true" />
        {offline ? 'Engine offline' : catalogStatus === 'loading' ? 'Connecting…' : `Engine ${appVersion ?? ''}`}
      </span>
      <span className="bp-status-item" title={backend ? 'Backend and execution provider of the training run' : 'Backends the engine offers'}>
        Backend <span className="bp-mono">{backendText}</span>
      </span>
      {opened && (
        <span className={`bp-status-item${dirty ? ' is-dirty' : ''}`}>
          {dirty ? '● Unsaved changes' : fileName ? `Saved · ${fileName}` : 'Not saved yet'}
        </span>
      )}
      {opened && (
        <button
          type="button"
          className={`bp-status-item bp-status-btn${counts.error ? ' is-error' : counts.warning ? ' is-warning' : ' is-ok'}`}
          onClick={() => uiStore.getState().showDock('problems')}
          title="Show the Problems tab"
        >
          {validationState === 'pending' && counts.error + counts.warning === 0
            ? 'Checking…'
            : counts.error + counts.warning === 0
              ? nodes === 0 ? 'Empty graph' : '✓ Valid'
              : `${counts.error} error${counts.error === 1 ? '' : 's'} · ${counts.warning} warning${counts.warning === 1 ? '' : 's'}`}
        </button>
      )}
      <span className="bp-status-spacer" />
      {runId && (
        <span className={`bp-status-item is-training is-${status}`} title={`Training run ${runId}`}>
          {status === 'running' ? '▶' : status === 'paused' ? '❚❚' : status === 'failed' ? '✕' : '■'} Epoch{' '}
          <span className="bp-mono">{epoch}/{epochs}</span> · step{' '}
          <span className="bp-mono" title={fullNumber(step)}>{formatNumber(step)}</span> · {status}
        </span>
      )}
      <span className="bp-status-item bp-mono" title="Nodes in the graph">{nodes} node{nodes === 1 ? '' : 's'}</span>
      <button type="button" className="bp-status-item bp-status-btn" onClick={() => uiStore.getState().cycleTheme()} aria-label={`${THEME_TEXT[theme]} (click to switch)`}>
        {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'} {THEME_TEXT[theme]}
      </button>
    </footer>
  );
}
