/**
 * The canvas: React Flow over the document store. Node positions live in the document; while a
 * node is dragged React Flow moves it locally and the move is committed as one undo step when
 * it ends. Selection goes to the store. Connections are checked while dragged (the reason shows
 * at the pointer and in a toast when dropped). The canvas never lays itself out unless asked.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent, type RefObject } from 'react';
import {
  Background, BackgroundVariant, ConnectionLineType, Controls, MiniMap, ReactFlow, applyNodeChanges, getBezierPath,
  type Connection, type ConnectionLineComponentProps, type EdgeChange, type FinalConnectionState, type NodeChange,
  type OnConnectEnd, type ReactFlowInstance, type Node, type Edge, useViewport, useStore as useFlowStore,
} from '@xyflow/react';
import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import { useDocumentStore, documentStore } from '../store/document-store';
import { useCatalog } from '../store/catalog-store';
import { useUi, uiStore } from '../store/ui-store';
import { indexDiagnostics } from '../store/diagnostics';
import { useAllDiagnostics } from '../store/use-diagnostics';
import type { XY } from '../store/graph-ops';
import { GraphNode } from './GraphNode';
import { ShapeEdge } from './ShapeEdge';
import { BackpropOverlay } from '../backprop/WireOverlay';
import { currentConnectionProblem, isValidConnection } from './connection';
import { registerFlow, screenToFlow } from './flow-api';
import { openDroppedFiles } from '../project';
import { toFlowEdges, toFlowNodes, type FlowEdge, type FlowNode } from './flow-types';

/** The palette's drag payload type. */
export const NODE_DRAG_MIME = 'application/x-bpstudio-node-type';

const nodeTypes = { graph: GraphNode };
const edgeTypes = { shape: ShapeEdge };
const EMPTY: Readonly<Record<string, never>> = Object.freeze({});
const DEFAULT_VIEWPORT = { x: 40, y: 40, zoom: 1 };
const ZOOM_KEYS = ['Control', 'Meta'];
const proOptions = { hideAttribution: true };
const MINIMAP_STYLE = { width: 140, height: 92 };
/**
 * Up to this many nodes every node is drawn, so each is in the Tab order even when it is off
 * screen (focusing one pans it into view); bigger documents draw only what is in view.
 */
const DRAW_ALL_NODES_UP_TO = 200;

/** Source and target of a connection in progress, whichever end it started from. */
function endsOf(c: { fromHandle: { nodeId: string; id?: string | null; type: 'source' | 'target' }; toHandle: { nodeId: string; id?: string | null } | null }) {
  if (!c.toHandle) return null;
  return c.fromHandle.type === 'source'
    ? { source: c.fromHandle.nodeId, sourceHandle: c.fromHandle.id ?? null, target: c.toHandle.nodeId, targetHandle: c.toHandle.id ?? null }
    : { source: c.toHandle.nodeId, sourceHandle: c.toHandle.id ?? null, target: c.fromHandle.nodeId, targetHandle: c.fromHandle.id ?? null };
}

/** Why the wire under the pointer may not join the input it hovers (shown beside the pointer). */
const hintStore = createStore<{ hint: { text: string; x: number; y: number } | null }>()(() => ({ hint: null }));

/** The wire being dragged; over an input it may not join, it turns red and says why. */
function ConnectionLine({ fromX, fromY, toX, toY, fromPosition, toPosition, connectionStatus, fromHandle, toHandle }: ConnectionLineComponentProps<Node>) {
  const [path] = getBezierPath({ sourceX: fromX, sourceY: fromY, sourcePosition: fromPosition, targetX: toX, targetY: toY, targetPosition: toPosition });
  const { x: vx, y: vy, zoom } = useViewport();
  const invalid = connectionStatus === 'invalid';
  const ends = invalid && toHandle ? endsOf({ fromHandle: { nodeId: fromHandle.nodeId, id: fromHandle.id ?? null, type: fromHandle.type }, toHandle }) : null;
  const reason = ends ? currentConnectionProblem(ends) : null;
  const sx = toX * zoom + vx;
  const sy = toY * zoom + vy;
  useEffect(() => {
    hintStore.setState({ hint: reason ? { text: reason, x: sx, y: sy } : null });
  }, [reason, sx, sy]);
  useEffect(() => () => hintStore.setState({ hint: null }), []);
  return (
    <g className={`bp-connection-line${invalid ? ' is-invalid' : connectionStatus === 'valid' ? ' is-valid' : ''}`}>
      <path d={path} fill="none" />
      <circle cx={toX} cy={toY} r={3.5} />
    </g>
  );
}

function ConnectionHint({ container }: { container: RefObject<HTMLDivElement | null> }) {
  const hint = useStore(hintStore, (s) => s.hint);
  if (!hint) return null;
  const width = container.current?.clientWidth ?? 800;
  const height = container.current?.clientHeight ?? 600;
  const w = 300;
  const left = Math.max(8, Math.min(hint.x + 14, width - w - 8));
  const top = hint.y + 16 + 60 > height ? hint.y - 70 : hint.y + 16;
  return (
    <div className="bp-connection-reason" role="status" style={{ left, top, maxWidth: w }}>
      {hint.text}
    </div>
  );
}

/** Drops from the palette, and files from the desktop (the canvas and the start screen over it take them). */
export function onPaletteDragOver(e: DragEvent): void {
  if (!e.dataTransfer.types.includes(NODE_DRAG_MIME) && !e.dataTransfer.types.includes('Files')) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
}

export function onPaletteDrop(e: DragEvent): void {
  if (!e.dataTransfer.types.includes(NODE_DRAG_MIME) && e.dataTransfer.files.length > 0) {
    // a file from the desktop: opened as File ▸ Open would (only the dropped File objects are read)
    e.preventDefault();
    void openDroppedFiles([...e.dataTransfer.files]);
    return;
  }
  const type = e.dataTransfer.getData(NODE_DRAG_MIME);
  const p = type ? screenToFlow(e.clientX, e.clientY) : null;
  if (!type || !p) return;
  e.preventDefault();
  documentStore.getState().addNode(type, { x: p.x - 78, y: p.y - 24 });
}

export function FlowCanvas() {
  const document = useDocumentStore((s) => s.document);
  const selection = useDocumentStore((s) => s.selection);
  const validation = useDocumentStore((s) => s.validation);
  const types = useCatalog((s) => s.byType);
  const theme = useUi((s) => s.theme);
  const diagnostics = useAllDiagnostics();
  const wrapper = useRef<HTMLDivElement>(null);
  const rfRef = useRef<ReactFlowInstance<Node, Edge> | null>(null);
  const [prefersDark, setPrefersDark] = useState(() => window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? true);

  useEffect(() => {
    const m = window.matchMedia?.('(prefers-color-scheme: dark)');
    const on = () => setPrefersDark(m.matches);
    m?.addEventListener('change', on);
    return () => m?.removeEventListener('change', on);
  }, []);

  const inputs = useMemo(
    () => ({
      document,
      types,
      selectedNodes: new Set(selection.nodes),
      selectedEdges: new Set(selection.edges),
      diagnostics: indexDiagnostics(diagnostics),
      parameterCounts: validation?.parameterCounts ?? EMPTY,
      edgeShapes: validation?.edgeShapes ?? EMPTY,
    }),
    [document, types, selection, diagnostics, validation],
  );

  // Nodes: built from the document, kept locally so a drag moves them without touching history.
  const [nodes, setNodes] = useState<FlowNode[]>(() => toFlowNodes(inputs, new Map()));
  useLayoutEffect(() => {
    setNodes((prev) => {
      const byId = new Map(prev.map((n) => [n.id, n]));
      const next = toFlowNodes(inputs, byId);
      // a node being dragged keeps the position under the pointer
      return next.map((n) => {
        const old = byId.get(n.id);
        return old?.dragging && n !== old ? { ...n, position: old.position, dragging: true } : n;
      });
    });
  }, [inputs]);

  const edgeCache = useRef(new Map<string, FlowEdge>());
  const edges = useMemo(() => {
    const next = toFlowEdges(inputs, edgeCache.current);
    edgeCache.current = new Map(next.map((e) => [e.id, e]));
    return next;
  }, [inputs]);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const local: NodeChange<FlowNode>[] = [];
    const moved: Record<string, XY> = {};
    let selectChanged = false;
    const store = documentStore.getState();
    const selected = new Set(store.selection.nodes);
    for (const c of changes) {
      if (c.type === 'remove' || c.type === 'add' || c.type === 'replace') continue;
      if (c.type === 'select') {
        if (c.selected) selected.add(c.id);
        else selected.delete(c.id);
        selectChanged = true;
        continue;
      }
      if (c.type === 'position' && c.position && !c.dragging) moved[c.id] = c.position;
      local.push(c);
    }
    if (local.length > 0) setNodes((nds) => applyNodeChanges(local, nds));
    if (selectChanged) store.select({ nodes: [...selected], edges: documentStore.getState().selection.edges });
    if (Object.keys(moved).length > 0) documentStore.getState().moveNodes(moved);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    const store = documentStore.getState();
    const selected = new Set(store.selection.edges);
    let changed = false;
    for (const c of changes) {
      if (c.type !== 'select') continue;
      if (c.selected) selected.add(c.id);
      else selected.delete(c.id);
      changed = true;
    }
    if (changed) documentStore.getState().select({ nodes: documentStore.getState().selection.nodes, edges: [...selected] });
  }, []);

  const onConnect = useCallback((c: Connection) => {
    const r = documentStore.getState().connect({ source: c.source, sourcePort: c.sourceHandle ?? 'out', target: c.target, targetPort: c.targetHandle ?? 'in' });
    if (!r.ok) uiStore.getState().toast(r.reason, 'warning');
  }, []);

  const onConnectEnd: OnConnectEnd = useCallback((_e: MouseEvent | TouchEvent, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
    const ends = endsOf({ fromHandle: { nodeId: state.fromHandle.nodeId, id: state.fromHandle.id ?? null, type: state.fromHandle.type }, toHandle: state.toHandle });
    const reason = ends ? currentConnectionProblem(ends) : null;
    if (reason) uiStore.getState().toast(`Not connected: ${reason}`, 'warning', 6000);
  }, []);

  const onInit = useCallback((rf: ReactFlowInstance<FlowNode, FlowEdge>) => {
    rfRef.current = rf as unknown as ReactFlowInstance<Node, Edge>;
    registerFlow(rfRef.current, wrapper.current);
  }, []);
  useEffect(() => () => registerFlow(null, null), []);


  const colorMode = theme === 'system' ? (prefersDark ? 'dark' : 'light') : theme;
  // far out, edge labels are too small to read: they are hidden (and not painted)
  const far = useFlowStore(zoomedOut);

  return (
    <div className={`bp-canvas${far ? ' is-far' : ''}`} ref={wrapper} onDragOver={onPaletteDragOver} onDrop={onPaletteDrop}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        connectionLineComponent={ConnectionLine}
        connectionLineType={ConnectionLineType.Bezier}
        connectionRadius={24}
        onInit={onInit}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        selectNodesOnDrag={false}
        defaultViewport={DEFAULT_VIEWPORT}
        panOnScroll
        zoomActivationKeyCode={ZOOM_KEYS}
        minZoom={0.1}
        maxZoom={2.5}
        colorMode={colorMode}
        proOptions={proOptions}
        elevateEdgesOnSelect
        onlyRenderVisibleElements={document.nodes.length > DRAW_ALL_NODES_UP_TO}
        autoPanOnNodeFocus
        aria-label="Graph canvas"
      >
        <Background variant={BackgroundVariant.Dots} gap={18} size={1.2} />
        {document.nodes.length > 0 && <MiniMap pannable zoomable ariaLabel="Minimap" nodeBorderRadius={6} nodeClassName={minimapClass} style={MINIMAP_STYLE} />}
        <Controls showInteractive={false} aria-label="Canvas controls" />
        <BackpropOverlay />
      </ReactFlow>
      <ConnectionHint container={wrapper} />
    </div>
  );
}

function zoomedOut(s: { transform: [number, number, number] }): boolean {
  return s.transform[2] < 0.42;
}

function minimapClass(n: Node): string {
  const d = (n as FlowNode).data;
  const sev = d?.diag?.severity;
  return `bp-mini bp-mini-${(d?.info?.category ?? 'unknown').toLowerCase()}${sev ? ` is-${sev}` : ''}`;
}
