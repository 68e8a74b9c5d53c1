/**
 * The export dialog: the trained model (the document's finished, stopped or paused run, or the
 * trained-model file it was opened from) or the document with its initial weights, as
 *   - an ONNX inference model, with the output activation its Loss implies (sigmoid for BCE,
 *     softmax for cross-entropy, none for MSE), opset 17 / IR 8; or
 *   - a PyTorch training script (engine/pytorch) and its weights file, which the script loads so
 *     that PyTorch starts where the app stands.
 * One click on Export makes the file(s) from the options as they are now and saves them (the
 * Electron save dialog, else browser downloads); then the dialog says what was written. Nothing is
 * cached: every Export is a new file.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { Results } from '../../../engine/service/protocol';
import type { GraphDocument } from '../../../engine/graph/document';
import { roleOf } from '../../../engine/graph/nodes/specs';
import { lossOutputActivation, type OutputActivation } from '../../../engine/onnx/output-activation';
import { engine } from '../engine-client';
import { useDocumentStore } from '../store/document-store';
import { weightsFit, type TrainedModelLike } from '../store/load-file';
import { useTrainingStore } from './training-store';
import { currentDocument, useDocumentName } from './document-bridge';
import { base64ToBytes, safeFileName } from './files';
import { formatBytes, formatPercent } from './format';
import { Message } from './ui';
import './panels.css';

type Exported = Results['exportOnnx'];
type ExportedScript = Results['exportPyTorch'];
type Format = 'onnx' | 'pytorch';

/** The Electron bridge's save call, when the preload offers it. */
interface SaveBridge {
  saveFile(request: { suggestedName: string; kind?: 'onnx' | 'pytorch' | 'weights'; base64?: string; text?: string }): Promise<{ path: string; name: string } | null>;
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

const ACTIVATION_LABEL: Record<OutputActivation, string> = {
  none: 'None: the raw output (logits)',
  sigmoid: 'Sigmoid: the probability of class 1 for each output column',
  softmax: 'Softmax: class probabilities that sum to 1',
};

/** The widths (last dimension) of what the export's outputs are: the Loss's prediction and every Output node's input. */
function outputWidths(doc: GraphDocument, edgeShapes: Readonly<Record<string, string>> | null): (number | null)[] {
  if (!edgeShapes) return [];
  const role = new Map(doc.nodes.map((n) => [n.id, roleOf(n.type)]));
  return doc.edges
    .filter((e) => (role.get(e.target) === 'loss' && e.targetPort === 'prediction') || role.get(e.target) === 'output')
    .map((e) => {
      const last = edgeShapes[e.id]?.split('×').pop();
      return last && /^\d+$/.test(last) ? Number(last) : null;
    });
}

export function ExportDialog({ open, format: initialFormat = 'onnx', onClose }: { open: boolean; format?: Format; onClose(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const runId = useTrainingStore((s) => s.runId);
  const status = useTrainingStore((s) => s.status);
  const history = useTrainingStore((s) => s.history);
  const docName = useDocumentName();
  const graph = useDocumentStore((s) => s.document);
  const fileTrained = useDocumentStore((s) => s.trained);
  const fileName = useDocumentStore((s) => s.fileName);
  const edgeShapes = useDocumentStore((s) => s.validation?.edgeShapes ?? null);
  const runAvailable = !!runId && (status === 'done' || status === 'stopped' || status === 'paused');
  const fileWeights = !runAvailable && fileTrained && weightsFit(fileTrained, graph) ? fileTrained : null;
  const trainedAvailable = runAvailable || !!fileWeights;
  const lossActivation = useMemo(() => lossOutputActivation(graph), [graph]);
  const oneColumn = useMemo(() => outputWidths(graph, edgeShapes).some((w) => w === 1), [graph, edgeShapes]);
  const [source, setSource] = useState<'trained' | 'document'>(trainedAvailable ? 'trained' : 'document');
  const [activation, setActivation] = useState<OutputActivation>(lossActivation);
  const [format, setFormat] = useState<Format>('onnx');
  const [script, setScript] = useState<(ExportedScript & { fileName: string; saved: string[] }) | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [result, setResult] = useState<(Exported & { fileName: string; saved: string | null }) | null>(null);

  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      setResult(null);
      setScript(null);
      setError(null);
      setFormat(initialFormat);
      setSource(trainedAvailable ? 'trained' : 'document');
      setActivation(lossActivation === 'softmax' && oneColumn ? 'sigmoid' : lossActivation);
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

  // any change of an option makes the shown file stale: it goes, the next Export makes a new one
  const choose = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    setResult(null);
    setScript(null);
    setError(null);
  };

  // What the trained model is: the run's epochs and accuracy, or the opened file's.
  const trainedHistory = runAvailable ? history : ((fileWeights?.['history'] as typeof history | undefined) ?? []);
  const last = trainedHistory[trainedHistory.length - 1];
  const accuracy = last ? (last.testAccuracy ?? last.accuracy) : null;
  const epochs = trainedHistory.length;
  const trainedText = runAvailable || fileWeights
    ? `Trained model: “${docName}”, ${epochs} epoch${epochs === 1 ? '' : 's'}${accuracy !== null && accuracy !== undefined ? `, ${last?.testAccuracy !== null && last?.testAccuracy !== undefined ? 'test ' : ''}accuracy ${formatPercent(accuracy)}` : ''}${status === 'paused' && runAvailable ? ' (paused)' : ''}${fileWeights ? ` (from ${fileName ?? 'the file'})` : ''}`
    : 'Trained model (train first)';

  /** The chosen model as the service takes it: a trained-model file or the document. */
  const sourceValue = async (): Promise<Record<string, unknown>> => {
    const doc = currentDocument();
    if (!doc) throw new Error('there is no document to export');
    if (source === 'trained' && runAvailable && runId) return (await engine.request('trainedModel', { runId })) as unknown as Record<string, unknown>;
    if (source === 'trained' && fileWeights) return { ...(fileWeights as TrainedModelLike), document: doc } as unknown as Record<string, unknown>;
    return doc as unknown as Record<string, unknown>;
  };

  /** The script, then its weights next to it (the script loads them by name). */
  const exportScript = async (src: Record<string, unknown>) => {
    const name = safeFileName(docName, '.py').replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9_]/, '_');
    const r = await engine.request('exportPyTorch', { source: src, scriptName: name });
    const bridge = saveBridge();
    const saved: string[] = [];
    if (bridge) {
      const s = await bridge.saveFile({ suggestedName: name, kind: 'pytorch', text: r.script });
      if (s) saved.push(`Saved ${s.path}`);
      if (s && r.weightsBase64 && r.weightsName) {
        const w = await bridge.saveFile({ suggestedName: r.weightsName, kind: 'weights', base64: r.weightsBase64 });
        saved.push(w ? `Saved ${w.path}` : `The weights were not saved: keep ${r.weightsName} next to the script, or it starts from PyTorch's initialisation`);
      }
    } else {
      downloadBlob(new TextEncoder().encode(r.script), name);
      saved.push(`Downloaded ${name}`);
      if (r.weightsBase64 && r.weightsName) {
        downloadBlob(base64ToBytes(r.weightsBase64), r.weightsName);
        saved.push(`Downloaded ${r.weightsName}`);
      }
    }
    setScript({ ...r, fileName: name, saved });
  };

  const exportNow = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    setScript(null);
    try {
      const src = await sourceValue();
      if (format === 'pytorch') {
        await exportScript(src);
        return;
      }
      const r = await engine.request('exportOnnx', { source: src, outputActivation: activation });
      const name = safeFileName(docName, '.onnx');
      const bridge = saveBridge();
      let saved: string | null = null;
      if (bridge) {
        const s = await bridge.saveFile({ suggestedName: name, kind: 'onnx', base64: r.base64 });
        saved = s ? `Saved ${s.path}` : null;
      } else {
        downloadBlob(base64ToBytes(r.base64), name);
        saved = `Downloaded ${name}`;
      }
      setResult({ ...r, fileName: name, saved });
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const activationOptions: OutputActivation[] = ['none', 'sigmoid', 'softmax'];
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
          <h2 id={titleId}>{format === 'pytorch' ? 'Export PyTorch script' : 'Export ONNX'}</h2>
          <button type="button" className="bpp-icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <fieldset className="bpp-fieldset" disabled={busy}>
          <legend>Model</legend>
          <label className="bpp-check">
            <input type="radio" name="bpp-export-source" checked={source === 'trained'} disabled={!trainedAvailable} onChange={() => choose(setSource)('trained')} />
            <span>{trainedText}</span>
          </label>
          <label className="bpp-check">
            <input type="radio" name="bpp-export-source" checked={source === 'document'} onChange={() => choose(setSource)('document')} />
            <span>The document as it is (initial or stored weights)</span>
          </label>
        </fieldset>
        <fieldset className="bpp-fieldset" disabled={busy}>
          <legend>Format</legend>
          <label className="bpp-check">
            <input type="radio" name="bpp-export-format" checked={format === 'onnx'} onChange={() => choose(setFormat)('onnx')} />
            <span>ONNX model — for inference in onnxruntime, Netron and other frameworks</span>
          </label>
          <label className="bpp-check">
            <input type="radio" name="bpp-export-format" checked={format === 'pytorch'} onChange={() => choose(setFormat)('pytorch')} />
            <span>PyTorch script — the network, its loss, optimizer, data and training loop in plain PyTorch, with this model's weights</span>
          </label>
        </fieldset>
        {format === 'onnx' && (
        <fieldset className="bpp-fieldset" disabled={busy}>
          <legend>Output activation</legend>
          {activationOptions.map((a) => {
            const refused = a === 'softmax' && oneColumn;
            return (
              <label key={a} className="bpp-check" title={refused ? 'The output has one column: its softmax is always 1. Sigmoid gives its probability.' : undefined}>
                <input type="radio" name="bpp-export-activation" checked={activation === a} disabled={refused} onChange={() => choose(setActivation)(a)} />
                <span>
                  {ACTIVATION_LABEL[a]}
                  {a === lossActivation && lossActivation !== 'none' ? ` — what the ${lossActivation === 'sigmoid' ? 'BCE' : 'cross-entropy'} loss implies` : ''}
                  {refused ? ' (not for a one-column output)' : ''}
                </span>
              </label>
            );
          })}
          <p className="bpp-small bpp-muted">
            Opset <span className="bpp-num">17</span>, IR version <span className="bpp-num">8</span>: loads in onnxruntime and validates with the onnx checker.
          </p>
        </fieldset>
        )}
        {error && <Message kind="error">{error}</Message>}
        {script && (
          <section className="bpp-export-result" aria-label="Exported script">
            <p>
              <strong>{script.fileName}</strong> · class <span className="bpp-num">{script.className}</span>
              {script.weightsName ? (
                <>
                  {' '}
                  · weights <strong>{script.weightsName}</strong> (<span className="bpp-num">{script.tensors}</span> tensors, {formatBytes(script.weightsSize)})
                </>
              ) : (
                ' · no weights: PyTorch initialises the layers'
              )}
            </p>
            <p className="bpp-small bpp-muted">Run it with <code>python3 {script.fileName}</code> (PyTorch installed); it trains, prints loss and accuracy per epoch, and exports ONNX.</p>
            {script.saved.map((s) => (
              <p key={s} className="bpp-small bpp-muted" role="status">
                {s}
              </p>
            ))}
          </section>
        )}
        {result && (
          <section className="bpp-export-result" aria-label="Exported file">
            <p>
              <strong>{result.fileName}</strong> · <span className="bpp-num" title={`${result.size} bytes`}>{formatBytes(result.size)}</span>
              {result.outputActivation !== 'none' ? ` · ${result.outputActivation} on the output` : ''}
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
            {result.warnings.map((w) => (
              <p key={w} className="bpp-small bpp-muted">
                {w}
              </p>
            ))}
            {result.saved && (
              <p className="bpp-small bpp-muted" role="status">
                {result.saved}
              </p>
            )}
          </section>
        )}
        <footer className="bpp-dialog-foot">
          <button type="button" className="bpp-btn" onClick={onClose}>
            Close
          </button>
          <button type="submit" className="bpp-btn bpp-btn-primary" disabled={busy}>
            {busy ? 'Exporting…' : saveBridge() ? 'Export…' : 'Export'}
          </button>
        </footer>
      </form>
    </dialog>
  );
}
