/**
 * The ONNX export dialog: export the trained model of the last finished run (or the document
 * with its initial weights), with a softmax on the output if asked, as opset 17 / IR 8; then
 * show the file's inputs, outputs and size and save it (the Electron save dialog through the
 * preload bridge, else a browser download).
 */
import { useEffect, useId, useRef, useState } from 'react';
import type { Results } from '../../../engine/service/protocol';
import { engine } from '../engine-client';
import { useTrainingStore } from './training-store';
import { currentDocument, useDocumentName } from './document-bridge';
import { base64ToBytes, safeFileName } from './files';
import { formatBytes } from './format';
import { CheckField, Message } from './ui';
import './panels.css';

type Exported = Results['exportOnnx'];

/** The Electron bridge's save call, when the preload offers it. */
interface SaveBridge {
  saveFile(request: { suggestedName: string; kind?: 'onnx'; base64: string }): Promise<{ path: string; name: string } | null>;
}
function saveBridge(): SaveBridge | null {
  const b = (typeof window !== 'undefined' ? window.bpstudio : undefined) as unknown as Partial<SaveBridge> | undefined;
  return b && typeof b.saveFile === 'function' ? (b as SaveBridge) : null;
}

function downloadBlob(bytes: Uint8Array, name: string): void {
  const blob = new Blob([bytes as BlobPart], { type: 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ExportDialog({ open, onClose }: { open: boolean; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const runId = useTrainingStore((s) => s.runId);
  const status = useTrainingStore((s) => s.status);
  const epochs = useTrainingStore((s) => s.history.length);
  const docName = useDocumentName();
  const trainedAvailable = !!runId && (status === 'done' || status === 'stopped');
  const [source, setSource] = useState<'trained' | 'document'>(trainedAvailable ? 'trained' : 'document');
  const [softmax, setSoftmax] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<(Exported & { fileName: string }) | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setResult(null);
      setError(null);
      setSaved(null);
      setSource(trainedAvailable ? 'trained' : 'document');
      if (typeof d.showModal === 'function') d.showModal();
      else d.setAttribute('open', '');
    } else if (!open && d.open) d.close();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    const onCancel = (e: Event) => {
      e.preventDefault();
      onClose();
    };
    d.addEventListener('cancel', onCancel);
    return () => d.removeEventListener('cancel', onCancel);
  }, [onClose]);

  const exportNow = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    setSaved(null);
    try {
      let src: Record<string, unknown>;
      if (source === 'trained' && runId) src = (await engine.request('trainedModel', { runId })) as unknown as Record<string, unknown>;
      else {
        const doc = currentDocument();
        if (!doc) throw new Error('there is no document to export');
        src = doc as unknown as Record<string, unknown>;
      }
      const r = await engine.request('exportOnnx', { source: src, softmax });
      setResult({ ...r, fileName: safeFileName(docName, '.onnx') });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const save = async () => {
    if (!result) return;
    setError(null);
    try {
      const bridge = saveBridge();
      if (bridge) {
        const r = await bridge.saveFile({ suggestedName: result.fileName, kind: 'onnx', base64: result.base64 });
        if (r) setSaved(`Saved ${r.path}`);
      } else {
        downloadBlob(base64ToBytes(result.base64), result.fileName);
        setSaved(`Downloaded ${result.fileName}`);
      }
    } catch (e) {
      setError(`Cannot save: ${(e as Error).message}`);
    }
  };

  return (
    <dialog ref={ref} className="bpp-dialog" aria-labelledby={titleId}>
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          void exportNow();
        }}
      >
        <header className="bpp-dialog-head">
          <h2 id={titleId}>Export ONNX</h2>
          <button type="button" className="bpp-icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <fieldset className="bpp-fieldset" disabled={busy}>
          <legend>Model</legend>
          <label className="bpp-check">
            <input type="radio" name="bpp-export-source" checked={source === 'trained'} disabled={!trainedAvailable} onChange={() => setSource('trained')} />
            <span>
              Trained model{trainedAvailable ? ` (${runId}, ${epochs} epoch${epochs === 1 ? '' : 's'})` : ' (train first)'}
            </span>
          </label>
          <label className="bpp-check">
            <input type="radio" name="bpp-export-source" checked={source === 'document'} onChange={() => setSource('document')} />
            <span>The document as it is (initial or stored weights)</span>
          </label>
        </fieldset>
        <fieldset className="bpp-fieldset" disabled={busy}>
          <legend>Options</legend>
          <CheckField label="Add a softmax to the output (probabilities instead of logits)" checked={softmax} onChange={setSoftmax} />
          <p className="bpp-small bpp-muted">
            Opset <span className="bpp-num">17</span>, IR version <span className="bpp-num">8</span>: loads in onnxruntime and validates with the onnx checker.
          </p>
        </fieldset>
        {error && <Message kind="error">{error}</Message>}
        {result && (
          <section className="bpp-export-result" aria-label="Exported file">
            <p>
              <strong>{result.fileName}</strong> · <span className="bpp-num" title={`${result.size} bytes`}>{formatBytes(result.size)}</span>
            </p>
            <table className="bpp-table">
              <thead>
                <tr>
                  <th scope="col"></th>
                  <th scope="col">name</th>
                  <th scope="col">shape</th>
                </tr>
              </thead>
              <tbody>
                {result.inputs.map((t) => (
                  <tr key={`in-${t.name}`}>
                    <td className="bpp-cool">input</td>
                    <td className="bpp-num">{t.name}</td>
                    <td className="bpp-num">{t.shape.join('×') || 'scalar'}</td>
                  </tr>
                ))}
                {result.outputs.map((t) => (
                  <tr key={`out-${t.name}`}>
                    <td className="bpp-warm">output</td>
                    <td className="bpp-num">{t.name}</td>
                    <td className="bpp-num">{t.shape.join('×') || 'scalar'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {saved && <p className="bpp-small bpp-muted" role="status">{saved}</p>}
          </section>
        )}
        <footer className="bpp-dialog-foot">
          <button type="button" className="bpp-btn" onClick={onClose}>
            Close
          </button>
          {result ? (
            <button type="button" className="bpp-btn bpp-btn-primary" onClick={() => void save()}>
              {saveBridge() ? 'Save…' : 'Download'}
            </button>
          ) : (
            <button type="submit" className="bpp-btn bpp-btn-primary" disabled={busy}>
              {busy ? 'Exporting…' : 'Export'}
            </button>
          )}
        </footer>
      </form>
    </dialog>
  );
}
