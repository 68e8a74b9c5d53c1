/**
 * The app frame: menu bar (web mode), palette left, canvas centre (the training timeline under
 * it once the document has a run), inspector right, the dock below, the status bar; the start
 * screen while no document is open; dialogs and toasts. The palette and the inspector collapse
 * to a narrow rail (a button to bring each back), the dock to its tab strip; Backprop mode
 * collapses the side panels while it is on.
 */
import { useEffect } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { ExportDialog } from './panels';
import { FlowCanvas, onPaletteDragOver, onPaletteDrop } from './canvas/FlowCanvas';
import { Palette } from './palette/Palette';
import { Inspector } from './inspector/Inspector';
import { MenuBar } from './ui/MenuBar';
import { StatusBar } from './ui/StatusBar';
import { Dock } from './ui/Dock';
import { TemplateDialog } from './ui/TemplateDialog';
import { AboutDialog, ConfirmDialog, ExamplesDialog, ExamplesGallery, ShortcutsDialog, Toasts } from './ui/Dialogs';
import { documentStore, useDocumentStore } from './store/document-store';
import { neuronStore } from './canvas/neuron-store';
import { useUi, uiStore } from './store/ui-store';
import { runCommand } from './commands';
import { BackpropControls, BackpropModeToggle, useBackpropEffects } from './backprop/BackpropControls';
import { useBackprop } from './backprop/backprop-store';
import { SideRail } from './ui/SideRail';
import { fitViewSoon } from './canvas/flow-api';
import { Timeline } from './panels/Timeline';

function Welcome() {
  return (
    <div className="bp-welcome" role="region" aria-label="Start">
      <div className="bp-welcome-card" onDragOver={onPaletteDragOver} onDrop={onPaletteDrop}>
        <h1>Backprop Studio</h1>
        <p className="bp-muted">Wire a network, train it, and watch the gradients flow back edge by edge.</p>
        <div className="bp-welcome-actions">
          <button type="button" className="bp-btn bp-btn-primary" onClick={() => void runCommand('new-from-template')}>
            New from template…
          </button>
          <button type="button" className="bp-btn" onClick={() => void runCommand('new')}>
            New graph
          </button>
          <button type="button" className="bp-btn" onClick={() => void runCommand('open')}>
            Open…
          </button>
        </div>
        <h2>Examples</h2>
        <ExamplesGallery compact />
        <p className="bp-muted bp-small">Or drag a node from the palette onto the canvas to start.</p>
      </div>
    </div>
  );
}

function useTheme(): void {
  const theme = useUi((s) => s.theme);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);
}

function useWindowTitle(): void {
  const dirty = useDocumentStore((s) => s.dirty);
  const opened = useDocumentStore((s) => s.opened);
  const fileName = useDocumentStore((s) => s.fileName);
  const name = useDocumentStore((s) => s.document.name);
  const filePath = useDocumentStore((s) => s.filePath);
  useEffect(() => {
    document.title = opened ? `${dirty ? '• ' : ''}${fileName ?? name ?? 'Untitled'} — Backprop Studio` : 'Backprop Studio';
    const b = window.bpstudio as unknown as { setDocumentState?(s: { dirty: boolean; path: string | null }): void } | undefined;
    b?.setDocumentState?.({ dirty: opened && dirty, path: filePath && !filePath.startsWith('fs-handle:') ? filePath : null });
  }, [dirty, opened, fileName, name, filePath]);
}

/** Backprop mode makes room for the canvas: the side panels collapse while it is on. */
function useRoomForBackprop(): void {
  const mode = useBackprop((s) => s.mode);
  useEffect(() => {
    const before = uiStore.getState().roomSaved;
    uiStore.getState().roomFor(mode === 'backprop' ? 'backprop' : 'edit');
    // the canvas changed size: show the graph in it again — unless a neuron view is open, which
    // zoomed in on its node (the user came to Backprop mode to see that neuron's gradients)
    const docId = documentStore.getState().docId;
    const neuronOpen = Object.keys(neuronStore.getState().expanded).some((k) => k.startsWith(`${docId} `));
    if (uiStore.getState().roomSaved !== before && !neuronOpen) fitViewSoon();
  }, [mode]);
}

export function App() {
  const opened = useDocumentStore((s) => s.opened);
  const panelsHidden = useUi((s) => s.panelsHidden);
  const paletteOpen = useUi((s) => s.paletteOpen);
  const inspectorOpen = useUi((s) => s.inspectorOpen);
  const exportDialog = useUi((s) => (s.dialog === 'export' || s.dialog === 'export-pytorch' ? s.dialog : null));
  const busy = useUi((s) => s.busy);
  const web = !window.bpstudio;
  useTheme();
  useWindowTitle();
  useBackpropEffects();
  useRoomForBackprop();

  return (
    <ReactFlowProvider>
      <div
        className={`bp-app${panelsHidden ? ' is-focus' : ''}${paletteOpen ? '' : ' no-palette'}${inspectorOpen ? '' : ' no-inspector'}${web ? ' is-web' : ' is-desktop'}`}
      >
        {web && <MenuBar />}
        <div className="bp-workspace">
          {!panelsHidden && (paletteOpen ? <Palette /> : <SideRail side="palette" />)}
          <main className="bp-centre" aria-label="Canvas">
            <FlowCanvas />
            {opened && <BackpropModeToggle />}
            {opened && <BackpropControls />}
            {opened && <Timeline />}
            {!opened && <Welcome />}
            <Toasts />
            {busy && (
              <div className="bp-busy" role="status">
                {busy}
              </div>
            )}
          </main>
          {!panelsHidden && (inspectorOpen ? <Inspector /> : <SideRail side="inspector" />)}
          {!panelsHidden && <Dock />}
        </div>
        <StatusBar />
        <ShortcutsDialog />
        <AboutDialog />
        <ExamplesDialog />
        <TemplateDialog />
        <ConfirmDialog />
        <ExportDialog open={exportDialog !== null} format={exportDialog === 'export-pytorch' ? 'pytorch' : 'onnx'} onClose={() => uiStore.getState().closeDialog()} />
      </div>
    </ReactFlowProvider>
  );
}
