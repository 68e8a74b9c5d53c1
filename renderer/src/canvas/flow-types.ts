/**
 * The canvas's React Flow node and edge types, and how a document becomes them. Nodes and edges
 * whose inputs did not change keep their identity, so React Flow re-renders only what changed
 * (edge labels update in place while the rest of the canvas stays still).
 */
import type { Edge, Node } from '@xyflow/react';
import type { GraphDocument, GraphEdge, GraphNode } from '../../../engine/graph/document';
import type { NodeTypeInfo, NodeTypeMap, PortKind } from '../lib/node-types';
import { nodeLabel } from '../../../engine/graph/nodes/specs';
import { nodeAccessibleLabel } from '../lib/node-label';
import type { DiagnosticIndex, ElementDiagnostics } from '../store/diagnostics';

export interface GraphNodeData extends Record<string, unknown> {
  node: GraphNode;
  info: NodeTypeInfo | undefined;
  diag: ElementDiagnostics | undefined;
  paramCount: number | undefined;
}
export type FlowNode = Node<GraphNodeData, 'graph'>;

export interface ShapeEdgeData extends Record<string, unknown> {
  shape: string | undefined;
  kind: PortKind;
  diag: ElementDiagnostics | undefined;
}
export type FlowEdge = Edge<ShapeEdgeData, 'shape'>;

export interface FlowInputs {
  document: GraphDocument;
  types: NodeTypeMap;
  selectedNodes: ReadonlySet<string>;
  selectedEdges: ReadonlySet<string>;
  diagnostics: DiagnosticIndex;
  parameterCounts: Readonly<Record<string, number>>;
  edgeShapes: Readonly<Record<string, string>>;
}

/** Build React Flow nodes, reusing `prev` nodes (by id) when nothing they show changed. */
export function toFlowNodes(inp: FlowInputs, prev: ReadonlyMap<string, FlowNode>): FlowNode[] {
  return inp.document.nodes.map((n) => {
    const info = inp.types.get(n.type);
    const diag = inp.diagnostics.nodes.get(n.id);
    const paramCount = inp.parameterCounts[n.id];
    const selected = inp.selectedNodes.has(n.id);
    const old = prev.get(n.id);
    if (old) {
      const d = old.data;
      const sameData = d.node === n && d.info === info && sameDiag(d.diag, diag) && d.paramCount === paramCount;
      const samePos = old.position.x === n.position.x && old.position.y === n.position.y;
      if (sameData && samePos && !!old.selected === selected) return old;
      return {
        ...old,
        position: samePos ? old.position : n.position,
        selected,
        ...(sameData ? {} : { ariaLabel: labelOf(n, info, diag) }),
        data: sameData ? d : { node: n, info, diag, paramCount },
      };
    }
    return { id: n.id, type: 'graph', position: n.position, selected, ariaLabel: labelOf(n, info, diag), data: { node: n, info, diag, paramCount } };
  });
}

export function toFlowEdges(inp: FlowInputs, prev: ReadonlyMap<string, FlowEdge>): FlowEdge[] {
  const byId = new Map(inp.document.nodes.map((n) => [n.id, n]));
  return inp.document.edges.map((e) => {
    const shape = inp.edgeShapes[e.id];
    const diag = inp.diagnostics.edges.get(e.id);
    const selected = inp.selectedEdges.has(e.id);
    const kind = edgeKind(e, byId, inp.types);
    const old = prev.get(e.id);
    if (
      old && old.source === e.source && old.target === e.target && old.sourceHandle === e.sourcePort && old.targetHandle === e.targetPort &&
      old.data?.shape === shape && old.data?.kind === kind && sameDiag(old.data?.diag, diag) && !!old.selected === selected
    ) {
      return old;
    }
    return {
      id: e.id,
      type: 'shape',
      source: e.source,
      target: e.target,
      sourceHandle: e.sourcePort,
      targetHandle: e.targetPort,
      selected,
      data: { shape, kind, diag },
      ...(old?.data && sameDiag(old.data.diag, diag) && old.data.shape === shape && old.data.kind === kind ? { data: old.data } : {}),
    };
  });
}

function edgeKind(e: GraphEdge, nodes: ReadonlyMap<string, GraphNode>, types: NodeTypeMap): PortKind {
  const src = nodes.get(e.source);
  const info = src ? types.get(src.type) : undefined;
  return info?.outputs.find((p) => p.name === e.sourcePort)?.kind ?? 'tensor';
}

/** The node's accessible name (on the focusable wrapper React Flow draws): its type, title and every diagnostic. */
function labelOf(n: GraphNode, info: NodeTypeInfo | undefined, diag: ElementDiagnostics | undefined): string {
  return nodeAccessibleLabel(info?.label ?? n.type, nodeLabel(n, info), diag?.items ?? []);
}

function sameDiag(a: ElementDiagnostics | undefined, b: ElementDiagnostics | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.severity === b.severity &&
    a.items.map((i) => `${i.severity}:${i.message}`).join('\n') === b.items.map((i) => `${i.severity}:${i.message}`).join('\n') &&
    JSON.stringify(a.ports) === JSON.stringify(b.ports)
  );
}
