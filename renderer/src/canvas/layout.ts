/**
 * Automatic layout with elkjs: layered, left to right, inputs on the west side of each node and
 * outputs on the east in their declared order. Only ever run when asked (Edit ▸ Auto layout);
 * the result is applied as one undo step. elkjs is loaded on first use.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GraphDocument } from '../../../engine/graph/document';
import type { NodeTypeMap } from '../lib/node-types';
import type { XY } from '../store/graph-ops';

export function elkGraph(doc: GraphDocument, types: NodeTypeMap, sizes: ReadonlyMap<string, { width: number; height: number }>): ElkNode {
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '36',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.semiInteractive': 'true',
      'elk.separateConnectedComponents': 'true',
      'elk.spacing.componentComponent': '60',
    },
    children: doc.nodes.map((n) => {
      const size = sizes.get(n.id) ?? { width: 170, height: 80 };
      const info = types.get(n.type);
      const ports = [
        ...(info?.inputs ?? []).map((p, i) => ({ id: `${n.id}::in::${p.name}`, layoutOptions: { 'elk.port.side': 'WEST', 'elk.port.index': String(i) } })),
        ...(info?.outputs ?? []).map((p, i) => ({ id: `${n.id}::out::${p.name}`, layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) } })),
      ];
      return {
        id: n.id,
        width: size.width,
        height: size.height,
        ports,
        layoutOptions: { 'elk.portConstraints': 'FIXED_ORDER', 'elk.position': `(${n.position.x}, ${n.position.y})` },
      };
    }),
    edges: doc.edges
      .filter((e) => doc.nodes.some((n) => n.id === e.source) && doc.nodes.some((n) => n.id === e.target))
      .map((e) => {
        const sinfo = types.get(doc.nodes.find((n) => n.id === e.source)!.type);
        const dinfo = types.get(doc.nodes.find((n) => n.id === e.target)!.type);
        const sp = sinfo?.outputs.some((p) => p.name === e.sourcePort) ? `${e.source}::out::${e.sourcePort}` : e.source;
        const tp = dinfo?.inputs.some((p) => p.name === e.targetPort) ? `${e.target}::in::${e.targetPort}` : e.target;
        return { id: e.id, sources: [sp], targets: [tp] };
      }),
  };
}

/** New positions for every node, keeping the graph's top-left corner where it was. */
export async function autoLayout(doc: GraphDocument, types: NodeTypeMap, sizes: ReadonlyMap<string, { width: number; height: number }>): Promise<Record<string, XY>> {
  if (doc.nodes.length === 0) return {};
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const laid = await elk.layout(elkGraph(doc, types, sizes));
  const minX = Math.min(...doc.nodes.map((n) => n.position.x));
  const minY = Math.min(...doc.nodes.map((n) => n.position.y));
  const out: Record<string, XY> = {};
  for (const c of laid.children ?? []) out[c.id] = { x: Math.round((c.x ?? 0) + minX), y: Math.round((c.y ?? 0) + minY) };
  return out;
}
