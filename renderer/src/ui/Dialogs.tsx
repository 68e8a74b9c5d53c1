/**
 * The frame's dialogs (native `<dialog>`, modal, Escape closes): keyboard shortcuts, about,
 * examples, and the confirm dialog commands await (unsaved changes, recovery). Plus the examples
 * gallery (also on the start screen) and toasts.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { useUi, uiStore } from '../store/ui-store';
import { useCatalog } from '../store/catalog-store';
import { COMMANDS, keyLabel } from '../commands';
import { openExample } from '../project';

export function Modal({ open, onClose, title, children, footer, wide, className }: {
  open: boolean;
  onClose(): void;
  title: string;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className={`bp-dialog${wide ? ' is-wide' : ''}${className ? ` ${className}` : ''}`}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === ref.current) onClose(); // backdrop
      }}
    >
      {open && (
        <div className="bp-dialog-inner">
          <header className="bp-dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="bp-icon-btn" onClick={onClose} aria-label="Close">
              ✕
            </button>
          </header>
          <div className="bp-dialog-body">{children}</div>
          {footer && <footer className="bp-dialog-foot">{footer}</footer>}
        </div>
      )}
    </dialog>
  );
}

const SHORTCUT_GROUPS: { title: string; ids: (keyof typeof COMMANDS)[] }[] = [
  { title: 'File', ids: ['new', 'open', 'save', 'save-as', 'import-onnx', 'export-onnx'] },
  { title: 'Edit', ids: ['undo', 'redo', 'cut', 'copy', 'paste', 'duplicate', 'delete', 'select-all', 'escape'] },
  { title: 'View', ids: ['fit', 'zoom-in', 'zoom-out', 'auto-layout', 'toggle-panels', 'toggle-palette', 'toggle-inspector', 'toggle-dock', 'shortcuts'] },
];

export function ShortcutsDialog() {
  const open = useUi((s) => s.dialog === 'shortcuts');
  return (
    <Modal open={open} onClose={() => uiStore.getState().closeDialog()} title="Keyboard shortcuts" wide>
      <div className="bp-shortcuts">
        {SHORTCUT_GROUPS.map((g) => (
          <section key={g.title}>
            <h3>{g.title}</h3>
            <table>
              <tbody>
                {g.ids.map((id) => (
                  <tr key={id}>
                    <th scope="row">{COMMANDS[id].label}</th>
                    <td>{(COMMANDS[id].keys ?? []).map((k) => <kbd key={k}>{keyLabel(k)}</kbd>)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
        <section>
          <h3>Canvas</h3>
          <table>
            <tbody>
              <tr><th scope="row">Select several</th><td><kbd>Shift</kbd> + drag, or <kbd>{keyLabel('Mod')}</kbd> + click</td></tr>
              <tr><th scope="row">Pan</th><td>drag the background, or scroll</td></tr>
              <tr><th scope="row">Zoom</th><td><kbd>{keyLabel('Mod')}</kbd> + scroll, or pinch</td></tr>
              <tr><th scope="row">Move selected nodes</th><td><kbd>←</kbd> <kbd>→</kbd> <kbd>↑</kbd> <kbd>↓</kbd></td></tr>
              <tr><th scope="row">Connect</th><td>drag from an output (right) to an input (left)</td></tr>
              <tr><th scope="row">Add a node</th><td>palette: click, <kbd>Enter</kbd>, or drag</td></tr>
              <tr><th scope="row">Go from node to node</th><td><kbd>Tab</kbd> (the view follows)</td></tr>
              <tr><th scope="row">Menu bar, palette</th><td><kbd>Tab</kbd> in, then <kbd>←</kbd> <kbd>→</kbd> / <kbd>↑</kbd> <kbd>↓</kbd></td></tr>
            </tbody>
          </table>
        </section>
      </div>
    </Modal>
  );
}

export function AboutDialog() {
  const open = useUi((s) => s.dialog === 'about');
  const version = useCatalog((s) => s.appVersion);
  const backends = useCatalog((s) => s.backends);
  return (
    <Modal open={open} onClose={() => uiStore.getState().closeDialog()} title="About Backprop Studio">
      <p>
        Build neural networks on a canvas, train them, and step through backpropagation edge by edge. Everything the canvas
        does also runs from the <span className="bp-mono">bpstudio</span> command line.
      </p>
      <dl className="bp-summary">
        <div><dt>Version</dt><dd className="bp-mono">{version ?? '—'}</dd></div>
        <div><dt>Mode</dt><dd>{window.bpstudio ? 'desktop (Electron)' : 'web (bpstudio serve)'}</dd></div>
        <div>
          <dt>Backends</dt>
          <dd>{backends.length ? backends.map((b) => `${b.name}${b.available ? '' : ' (unavailable)'}`).join(', ') : '—'}</dd>
        </div>
        <div><dt>Licence</dt><dd>MIT</dd></div>
      </dl>
    </Modal>
  );
}

export function ExamplesGallery({ compact }: { compact?: boolean }) {
  const examples = useCatalog((s) => s.examples);
  const status = useCatalog((s) => s.status);
  if (status === 'loading' && examples.length === 0) return <p className="bp-muted">Loading examples…</p>;
  if (examples.length === 0) return <p className="bp-muted">No examples (the engine is not reachable).</p>;
  return (
    <ul className={`bp-gallery${compact ? ' is-compact' : ''}`} aria-label="Examples">
      {examples.map((ex) => (
        <li key={ex.name}>
          <button type="button" className="bp-example" onClick={() => void openExample(ex.name)} aria-label={ex.title} aria-description={ex.description} title={ex.description}>
            <span className="bp-example-title">{ex.title}</span>
            <span className="bp-example-desc">{ex.description}</span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export function ExamplesDialog() {
  const open = useUi((s) => s.dialog === 'examples');
  return (
    <Modal open={open} onClose={() => uiStore.getState().closeDialog()} title="Examples" wide>
      <p className="bp-muted bp-small">Every example of the lecture notes, ready to train or step through.</p>
      <ExamplesGallery />
    </Modal>
  );
}

export function ConfirmDialog() {
  const confirm = useUi((s) => s.confirm);
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirm) requestAnimationFrame(() => first.current?.focus());
  }, [confirm]);
  return (
    <Modal
      open={!!confirm}
      onClose={() => uiStore.getState().answer(confirm?.buttons.some((b) => b.id === 'cancel') ? 'cancel' : (confirm?.buttons[confirm.buttons.length - 1]?.id ?? 'cancel'))}
      title={confirm?.title ?? ''}
      className="bp-confirm"
      footer={
        <>
          {confirm?.buttons.map((b, i) => (
            <button
              key={b.id}
              ref={i === 0 ? first : undefined}
              type="button"
              className={`bp-btn${b.kind === 'primary' ? ' bp-btn-primary' : b.kind === 'danger' ? ' bp-btn-danger' : ''}`}
              onClick={() => uiStore.getState().answer(b.id)}
            >
              {b.label}
            </button>
          ))}
        </>
      }
    >
      <p>{confirm?.message}</p>
    </Modal>
  );
}

export function Toasts() {
  const toasts = useUi((s) => s.toasts);
  return (
    <div className="bp-toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`bp-toast is-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <span>{t.message}</span>
          <button type="button" className="bp-icon-btn" onClick={() => uiStore.getState().dismissToast(t.id)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      ))}
    </div>
  );
}
