/**
 * Project file operations behind the File menu: New, Open, Open Recent, Save, Save As, Save
 * Trained Model, Import ONNX, examples, and restoring the recovery copy. Unsaved changes are
 * never dropped without asking.
 */
import { engine } from './engine-client';
import { documentStore } from './store/document-store';
import { uiStore } from './store/ui-store';
import { readProjectFile, serializeDocument, serializeTrained, type TrainedModelLike } from './store/load-file';
import { fileNameFor, nativeBridge, openFile, openRecentFile, readRecent, rememberRecent, saveFile, type RecentEntry } from './files';
import { clearRecovery, describeTime, readRecovery, type KeyValueStorage } from './recovery';
import { fitViewSoon } from './canvas/flow-api';
import { useTrainingStore } from './panels';

const ui = () => uiStore.getState();
const docs = () => documentStore.getState();

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function displayName(): string {
  const s = docs();
  return s.fileName ?? s.document.name ?? 'Untitled';
}

/** Ask before unsaved changes would be lost; true when it is fine to go on. */
export async function confirmDiscard(action: string): Promise<boolean> {
  const s = docs();
  if (!s.dirty || !s.opened) return true;
  const choice = await ui().ask({
    title: 'Unsaved changes',
    message: `Save the changes to “${displayName()}” before ${action}?`,
    buttons: [
      { id: 'save', label: 'Save', kind: 'primary' },
      { id: 'discard', label: 'Don’t save', kind: 'danger' },
      { id: 'cancel', label: 'Cancel' },
    ],
  });
  if (choice === 'save') return save(false);
  return choice === 'discard';
}

/** Toasts about the previous document no longer apply once another one is open. */
function clearToasts(): void {
  uiStore.setState({ toasts: [] });
}

export async function newProject(): Promise<void> {
  if (!(await confirmDiscard('starting a new graph'))) return;
  clearToasts();
  docs().newDocument();
}

/** Put a file's text on the canvas: a document, a trained model, or what can be read of a broken file. */
export function loadProjectText(text: string, name: string, path: string | null): void {
  const r = readProjectFile(text);
  clearToasts();
  docs().loadDocument(r.document, {
    fileName: name,
    filePath: path,
    fileKind: r.trained ? 'trained' : 'graph',
    trained: r.trained,
    issues: r.issues,
    dirty: r.repaired,
  });
  if (!nativeBridge()) rememberRecent({ name, at: Date.now(), text });
  if (r.issues.length > 0) {
    ui().showDock('problems');
    ui().toast(`${name} has ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}; what could be read is on the canvas. See Problems.`, 'warning', 8000);
  } else if (r.migratedFrom !== undefined) {
    ui().toast(`${name} was written by an older version (format ${r.migratedFrom}); it is updated when you save.`, 'info');
  }
  fitViewSoon();
}

export async function openProject(): Promise<void> {
  if (!(await confirmDiscard('opening another file'))) return;
  try {
    const f = await openFile('document');
    if (!f) return;
    loadProjectText(f.text ?? '', f.name, f.path);
  } catch (e) {
    ui().toast(`Could not open the file: ${errorText(e)}`, 'error');
  }
}

/** File ▸ Open Recent in Electron (`open-recent:<path>`). */
export async function openRecentPath(path: string): Promise<void> {
  if (!(await confirmDiscard('opening another file'))) return;
  try {
    const f = await openRecentFile(path);
    if (f) loadProjectText(f.text ?? '', f.name, f.path);
  } catch (e) {
    ui().toast(`Could not open ${path}: ${errorText(e)}`, 'error');
  }
}

/** Open Recent in web mode: the remembered text of a recent file. */
export async function openRecentEntry(entry: RecentEntry): Promise<void> {
  if (!(await confirmDiscard('opening another file'))) return;
  loadProjectText(entry.text, entry.name, null);
}

export function recentEntries(): RecentEntry[] {
  return typeof localStorage === 'undefined' ? [] : readRecent();
}

/** Save (in place when the file is known) or Save As; true when written. */
export async function save(as: boolean): Promise<boolean> {
  const s = docs();
  const trained = s.fileKind === 'trained' && s.trained ? s.trained : null;
  const text = trained ? serializeTrained(trained, s.document) : serializeDocument(s.document);
  const suggestedName = s.fileName ?? fileNameFor(s.document.name, trained ? '.trained.json' : '.json');
  try {
    const r = await saveFile({ suggestedName, path: as ? null : s.filePath, kind: trained ? 'trained' : 'graph', text });
    if (!r) return false;
    // the document may have changed while the dialog was open: what was written is `s.document`
    const now = docs();
    documentStore.setState({ savedDocument: s.document, dirty: now.document !== s.document, fileName: r.name, filePath: r.path });
    if (!nativeBridge()) rememberRecent({ name: r.name, at: Date.now(), text });
    ui().toast(r.via === 'download' ? `Saved ${r.name} to your downloads` : `Saved ${r.name}`, 'success', 2500);
    return true;
  } catch (e) {
    ui().toast(`Could not save: ${errorText(e)}`, 'error');
    return false;
  }
}

/** File ▸ Save Trained Model…: the last run's model with its weights, optimizer state and history. */
export async function saveTrainedModel(): Promise<void> {
  const t = useTrainingStore.getState();
  if (!t.runId) {
    ui().toast('Train the model first (Training tab); then its weights can be saved.', 'info');
    return;
  }
  if (t.status === 'running' || t.status === 'paused') {
    ui().toast('Training is still running: stop it or let it finish, then save the trained model.', 'info');
    return;
  }
  try {
    const trained = (await engine.request('trainedModel', { runId: t.runId })) as unknown as TrainedModelLike;
    const s = docs();
    const text = JSON.stringify(trained);
    const base = (s.fileName ?? fileNameFor(s.document.name)).replace(/(\.trained)?\.json$/, '');
    const r = await saveFile({ suggestedName: `${base}.trained.json`, path: null, kind: 'trained', text });
    if (!r) return;
    const same = JSON.stringify(trained.document) === JSON.stringify(docs().document);
    documentStore.setState({
      trained, fileKind: 'trained', fileName: r.name, filePath: r.path,
      ...(same ? { savedDocument: docs().document, dirty: false } : {}),
    });
    ui().toast(r.via === 'download' ? `Saved ${r.name} to your downloads` : `Saved ${r.name}`, 'success', 2500);
  } catch (e) {
    ui().toast(`Could not save the trained model: ${errorText(e)}`, 'error');
  }
}

export async function importOnnx(): Promise<void> {
  if (!(await confirmDiscard('importing a model'))) return;
  try {
    const f = await openFile('onnx');
    if (!f?.base64) return;
    ui().setBusy(`Importing ${f.name}…`);
    const r = await engine.request('importOnnx', { name: f.name, base64: f.base64 });
    docs().loadDocument(r.document, { fileName: null, dirty: true });
    ui().toast(`Imported ${f.name}`, 'success', 2500);
    fitViewSoon();
  } catch (e) {
    ui().toast(`Could not import the ONNX model: ${errorText(e)}`, 'error');
  } finally {
    ui().setBusy(null);
  }
}

export async function openExample(name: string): Promise<void> {
  if (!(await confirmDiscard('opening an example'))) return;
  try {
    ui().setBusy('Opening the example…');
    const doc = await engine.request('getExample', { name });
    clearToasts();
    docs().loadDocument(doc, { fileName: null });
    ui().closeDialog();
    fitViewSoon();
  } catch (e) {
    ui().toast(`Could not open the example: ${errorText(e)}`, 'error');
  } finally {
    ui().setBusy(null);
  }
}

/** On start: offer the recovery copy left by a session that ended with unsaved changes. */
export async function offerRecovery(storage: KeyValueStorage): Promise<void> {
  const copy = readRecovery(storage);
  if (!copy) return;
  const name = copy.fileName ?? copy.document.name ?? 'Untitled';
  const choice = await ui().ask({
    title: 'Restore unsaved work?',
    message: `Restore unsaved work from ${describeTime(copy.savedAt)}? (“${name}”, ${copy.document.nodes.length} node${copy.document.nodes.length === 1 ? '' : 's'})`,
    buttons: [
      { id: 'restore', label: 'Restore', kind: 'primary' },
      { id: 'discard', label: 'Discard', kind: 'danger' },
    ],
  });
  if (choice === 'restore') {
    docs().loadDocument(copy.document, { fileName: copy.fileName, filePath: copy.filePath, fileKind: copy.fileKind === 'trained' ? 'graph' : copy.fileKind, dirty: true });
    fitViewSoon();
  } else {
    clearRecovery(storage);
  }
}
