/**
 * The renderer's entry: connect the stores to the engine, install the command handlers
 * (shortcuts, clipboard, the native menu in Electron), offer the recovery copy, start the
 * autosave, and render the app.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/style.css';
import './styles.css';
import { engine } from './engine-client';
import { App } from './App';
import { documentStore } from './store/document-store';
import { catalogStore } from './store/catalog-store';
import { installCommandHandlers } from './commands';
import { offerRecovery } from './project';
import { startAutosave, writeRecovery } from './recovery';
import { uiStore } from './store/ui-store';
import { provideEngine } from './store/app-store';

provideEngine(engine);
documentStore.getState().attachEngine(engine);
void catalogStore.getState().load(engine);
installCommandHandlers();

// A file dropped outside the canvas (and outside a file field) must not replace the page with it;
// the canvas and the start screen open dropped files themselves.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (e) => {
    const target = e.target as HTMLElement | null;
    if (e.dataTransfer?.types.includes('Files') && !(target instanceof HTMLInputElement && target.type === 'file')) e.preventDefault();
  });
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The recovery copy is offered first, then autosave may overwrite it.
void offerRecovery(localStorage).finally(() => {
  startAutosave({ store: documentStore, storage: localStorage, intervalMs: 3000, onWriteFailed: (m) => uiStore.getState().toast(m, 'warning') });
  // a last copy when the page goes away with unsaved changes (a closed tab, a reload)
  window.addEventListener('pagehide', () => {
    const s = documentStore.getState();
    if (s.dirty && s.opened) {
      writeRecovery(localStorage, { version: 1, savedAt: Date.now(), fileName: s.fileName, filePath: s.filePath, fileKind: s.fileKind, document: s.document });
    }
  });
});
