/**
 * Project file operations behind the File menu: New, Open, Open Recent, Save, Save As, Save
 * Trained Model, Import ONNX, examples, and restoring the recovery copy. Unsaved changes are
 * never dropped without asking.
 */
import { engine } from './engine-client';
import { documentStore } from './store/document-store';
import { uiStore } from './store/ui-store';
import { readProjectFile, serializeDocument, serializeTrained, weightsFit, type TrainedModelLike } from './store/load-file';
import {
  fileNameFor, incomingFromFile, incomingFromOpened, nativeBridge, openAnyFiles, openFile, openRecentFile, readRecent, rememberRecent, saveFile,
  type IncomingFile, type RecentEntry,
} from './files';
import { clearRecovery, describeTime, readRecovery, type KeyValueStorage } from './recovery';
import { fitViewSoon } from './canvas/flow-api';
import { useDataStore, useTrainingStore } from './panels';
import { openIncomingFiles, type OpenDeps, type OpenOutcome } from './open-files';

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

const openDeps: OpenDeps = {
  docs: documentStore,
  engine,
  data: {
    importCsv: (a) => useDataStore.getState().importCsv(a),
    importIdx: (a) => useDataStore.getState().importIdx(a),
    error: () => useDataStore.getState().importError,
  },
  ui: {
    toast: (m, kind, ms) => ui().toast(m, kind, ms),
    showDock: (tab) => ui().showDock(tab),
    setBusy: (b) => ui().setBusy(b),
  },
  confirmDiscard,
  loadProject: loadProjectText,
  fitView: fitViewSoon,
};

/**
 * Open files the person picked or dropped, told apart by content: a graph or trained model
 * opens, an ONNX model is imported, a CSV table or IDX pair becomes the dataset; anything else
 * is refused in one line and the current document stays as it was.
 */
export async function openIncoming(files: readonly IncomingFile[]): Promise<OpenOutcome> {
  try {
    return await openIncomingFiles(files, openDeps);
  } catch (e) {
    const message = `Could not open ${files.map((f) => f.name).join(', ')}: ${errorText(e).split('\n')[0]}`;
    ui().toast(message, 'error');
    return { kind: 'refused', message };
  }
}

/** Files dropped on the canvas or the start screen (File objects: only what the person dropped). */
export async function openDroppedFiles(files: readonly File[]): Promise<void> {
  if (files.length === 0) return;
  try {
    await openIncoming(await Promise.all(files.map(incomingFromFile)));
  } catch (e) {
    ui().toast(`Could not read the dropped file: ${errorText(e)}`, 'error');
  }
}

export async function openProject(): Promise<void> {
  try {
    const files = await openAnyFiles();
    if (files.length > 0) await openIncoming(files);
  } catch (e) {
    ui().toast(`Could not open the file: ${errorText(e)}`, 'error');
  }
}

/** File ▸ Open Recent in Electron (`open-recent:<path>`). */
export async function openRecentPath(path: string): Promise<void> {
  try {
    const f = await openRecentFile(path);
    if (f) await openIncoming([incomingFromOpened(f)]);
  } catch (e) {
    ui().toast(`Could not open ${path}: ${errorText(e)}`, 'error');
  }
}

/** Open Recent in web mode: the remembered text of a recent file. */
export async function openRecentEntry(entry: RecentEntry): Promise<void> {
  await openIncoming([{ name: entry.name, path: null, bytes: new TextEncoder().encode(entry.text) }]);
}

export function recentEntries(): RecentEntry[] {
  return typeof localStorage === 'undefined' ? [] : readRecent();
}

/**
 * The trained weights Save keeps with the document: those of its training run when it finished,
 * was stopped or is paused (asked of the engine), else those of the trained-model file it was
 * opened from — in both cases only when they fit the graph on the canvas (same nodes, params and
 * edges). `note` says why there are none, or why older ones were kept, when that may surprise.
 */
export async function weightsForSave(): Promise<{ trained: TrainedModelLike | null; note: string | null }> {
  const s = docs();
  const t = useTrainingStore.getState();
  const fromFile = s.trained && weightsFit(s.trained, s.document) ? s.trained : null;
  if (t.runId && (t.status === 'done' || t.status === 'stopped' || t.status === 'paused')) {
    const trained = (await engine.request('trainedModel', { runId: t.runId })) as unknown as TrainedModelLike;
    if (weightsFit(trained, docs().document)) return { trained, note: null };
    return { trained: fromFile, note: 'the graph changed since it was trained, so the run\'s weights no longer fit it' };
  }
  if (t.runId && t.status === 'running') {
    return { trained: fromFile, note: fromFile ? 'training is running: the weights the file had were kept (pause it to save the run\'s)' : 'training is running: pause or stop it to save its weights' };
  }
  return { trained: fromFile, note: null };
}

/**
 * Save (in place when the file is known) or Save As; true when written. The document is saved
 * with its trained weights when it has any (a trained-model file: the document, its weights,
 * the history and the data's normalisation — what Open and `bpstudio eval` read), unless
 * `withoutWeights` (File ▸ Save Without Weights…, which always asks where).
 */
export async function save(as: boolean, options: { withoutWeights?: boolean } = {}): Promise<boolean> {
  const s = docs();
  try {
    const { trained, note } = options.withoutWeights ? { trained: null, note: null } : await weightsForSave();
    const document = docs().document;
    const text = trained ? serializeTrained(trained, document) : serializeDocument(document);
    const fromTrainedFile = s.fileKind === 'trained';
    // a trained file saved without its weights gets a name of its own
    const suggestedName = options.withoutWeights || (!trained && fromTrainedFile)
      ? fileNameFor((s.fileName ?? document.name).replace(/(\.trained)?\.json$/i, ''), '.json')
      : (s.fileName ?? fileNameFor(document.name, '.json'));
    const inPlace = !as && !options.withoutWeights && !(fromTrainedFile && !trained);
    const r = await saveFile({ suggestedName, path: inPlace ? s.filePath : null, kind: trained ? 'trained' : 'graph', text });
    if (!r) return false;
    // the document may have changed while the dialog was open: what was written is `document`
    const now = docs();
    documentStore.setState({
      savedDocument: document, dirty: now.document !== document, fileName: r.name, filePath: r.path,
      fileKind: trained ? 'trained' : 'graph', ...(trained ? { trained } : {}),
    });
    if (!nativeBridge()) rememberRecent({ name: r.name, at: Date.now(), text });
    const what = trained ? ' with its trained weights' : options.withoutWeights ? ' without weights' : '';
    const where = r.via === 'download' ? `Saved ${r.name}${what} to your downloads` : `Saved ${r.name}${what}`;
    ui().toast(note ? `${where}; ${note}` : where, note ? 'warning' : 'success', note ? 8000 : 2500);
    return true;
  } catch (e) {
    ui().toast(`Could not save: ${errorText(e)}`, 'error');
    return false;
  }
}

/** File ▸ Save Without Weights…: the graph document alone, under a name the person chooses. */
export async function saveWithoutWeights(): Promise<boolean> {
  return save(true, { withoutWeights: true });
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
