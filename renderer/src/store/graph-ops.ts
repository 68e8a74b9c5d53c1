/**
 * Pure operations on a graph document: each takes a document and returns a new one (nodes and
 * edges that did not change keep their identity, so the canvas re-renders only what changed).
 * The document store wraps them in undoable actions; tests call them directly.
 */
import { CURRENT_FORMAT_VERSION, type GraphDocument, type GraphEdge, type GraphNode, type TrainingSettings } from '../../../engine/graph/document';

export interface XY {
  x: number;
  y: number;
}

export interface Selection {
  nodes: readonly string[];
  edges: readonly string[];
}
export const EMPTY_SELECTION: Selection = Object.freeze({ nodes: Object.freeze([]) as readonly string[], edges: Object.freeze([]) as readonly string[] });

export interface ConnectionSpec {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

/** What Copy puts on the clipboard: nodes and the edges among them. */
export interface Fragment {
  kind: 'bpstudio-fragment';
  version: 1;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function emptyDocument(name = 'Untitled'): GraphDocument {
  return { formatVersion: CURRENT_FORMAT_VERSION, name, nodes: [], edges: [] };
}

/** `stem1`, `stem2`, … (the base without its trailing digits) — the first not in `taken`. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const clean = base.replace(/[^A-Za-z0-9_-]+/g, '') || 'node';
  const stem = clean.replace(/\d+$/, '') || 'node';
  for (let i = 1; ; i++) {
    const id = `${stem}${i}`;
    if (!taken.has(id)) return id;
  }
}

export function edgeIdFor(c: ConnectionSpec, taken: ReadonlySet<string>): string {
  const base = `${c.source}-${c.sourcePort}->${c.target}-${c.targetPort}`;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}~${i}`)) return `${base}~${i}`;
}

export function addNode(
  doc: GraphDocument,
  spec: { type: string; position: XY; label?: string; params?: Record<string, unknown>; id?: string },
): { document: GraphDocument; id: string } {
  const taken = new Set(doc.nodes.map((n) => n.id));
  const id = spec.id && !taken.has(spec.id) ? spec.id : uniqueId(spec.type.toLowerCase(), taken);
  const node: GraphNode = {
    id,
    type: spec.type,
    ...(spec.label ? { label: spec.label } : {}),
    params: { ...(spec.params ?? {}) },
    position: { x: Math.round(spec.position.x), y: Math.round(spec.position.y) },
  };
  return { document: { ...doc, nodes: [...doc.nodes, node] }, id };
}

/** Remove nodes (with every edge touching them) and edges. Unchanged when nothing matches. */
export function removeElements(doc: GraphDocument, sel: Selection): GraphDocument {
  const nodes = new Set(sel.nodes);
  const edges = new Set(sel.edges);
  const keptNodes = doc.nodes.filter((n) => !nodes.has(n.id));
  const keptEdges = doc.edges.filter((e) => !edges.has(e.id) && !nodes.has(e.source) && !nodes.has(e.target));
  if (keptNodes.length === doc.nodes.length && keptEdges.length === doc.edges.length) return doc;
  return { ...doc, nodes: keptNodes, edges: keptEdges };
}

/** Move nodes; unchanged (same object) when no position differs. */
export function moveNodes(doc: GraphDocument, positions: Readonly<Record<string, XY>>): GraphDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    const p = positions[n.id];
    if (!p) return n;
    const x = Math.round(p.x);
    const y = Math.round(p.y);
    if (x === n.position.x && y === n.position.y) return n;
    changed = true;
    return { ...n, position: { x, y } };
  });
  return changed ? { ...doc, nodes } : doc;
}

export function connect(doc: GraphDocument, c: ConnectionSpec): { document: GraphDocument; id: string } {
  const id = edgeIdFor(c, new Set(doc.edges.map((e) => e.id)));
  const edge: GraphEdge = { id, source: c.source, sourcePort: c.sourcePort, target: c.target, targetPort: c.targetPort };
  return { document: { ...doc, edges: [...doc.edges, edge] }, id };
}

function updateNode(doc: GraphDocument, nodeId: string, f: (n: GraphNode) => GraphNode): GraphDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== nodeId) return n;
    const m = f(n);
    if (m !== n) changed = true;
    return m;
  });
  return changed ? { ...doc, nodes } : doc;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Set a param (`undefined` removes it, so the default applies). */
export function setParam(doc: GraphDocument, nodeId: string, name: string, value: unknown): GraphDocument {
  return updateNode(doc, nodeId, (n) => {
    const has = Object.hasOwn(n.params, name);
    if (value === undefined) {
      if (!has) return n;
      const params = { ...n.params };
      delete params[name];
      return { ...n, params };
    }
    if (has && sameValue(n.params[name], value)) return n;
    return { ...n, params: { ...n.params, [name]: value } };
  });
}

/** Set a node's label; an empty label removes it (the title falls back to the type). */
export function setLabel(doc: GraphDocument, nodeId: string, label: string): GraphDocument {
  return updateNode(doc, nodeId, (n) => {
    const t = label.trim();
    if ((n.label ?? '') === t) return n;
    if (!t) {
      const { label: _drop, ...rest } = n;
      return rest;
    }
    return { ...n, label: t };
  });
}

/** Merge training settings at the top level; a key given as `undefined` is removed. */
export function setTraining(doc: GraphDocument, partial: Partial<TrainingSettings>): GraphDocument {
  const current = (doc.training ?? {}) as Record<string, unknown>;
  const next: Record<string, unknown> = { ...current };
  let changed = false;
  for (const [k, v] of Object.entries(partial)) {
    if (v === undefined) {
      if (k in next) {
        delete next[k];
        changed = true;
      }
    } else if (!sameValue(next[k], v)) {
      next[k] = v;
      changed = true;
    }
  }
  if (!changed && doc.training) return doc;
  return { ...doc, training: next as TrainingSettings };
}

export function setDocumentInfo(doc: GraphDocument, info: { name?: string; description?: string }): GraphDocument {
  let next = doc;
  if (info.name !== undefined && info.name.trim() && info.name.trim() !== doc.name) next = { ...next, name: info.name.trim() };
  if (info.description !== undefined && info.description !== (doc.description ?? '')) {
    if (info.description.trim()) next = { ...next, description: info.description };
    else {
      const { description: _d, ...rest } = next;
      next = rest as GraphDocument;
    }
  }
  return next;
}

/** The selected nodes and the edges among them (edges selected alone are not copied). */
export function copyFragment(doc: GraphDocument, sel: Selection): Fragment | null {
  const ids = new Set(sel.nodes);
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return null;
  const edges = doc.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return { kind: 'bpstudio-fragment', version: 1, nodes: structuredClone(nodes), edges: structuredClone(edges) };
}

export function isFragment(v: unknown): v is Fragment {
  if (typeof v !== 'object' || v === null) return false;
  const f = v as Record<string, unknown>;
  return (
    f['kind'] === 'bpstudio-fragment' &&
    Array.isArray(f['nodes']) &&
    Array.isArray(f['edges']) &&
    (f['nodes'] as unknown[]).every(
      (n) =>
        typeof n === 'object' && n !== null && typeof (n as GraphNode).id === 'string' && typeof (n as GraphNode).type === 'string' &&
        typeof (n as GraphNode).position?.x === 'number' && typeof (n as GraphNode).position?.y === 'number',
    ) &&
    (f['edges'] as unknown[]).every((e) => typeof e === 'object' && e !== null && typeof (e as GraphEdge).source === 'string' && typeof (e as GraphEdge).target === 'string')
  );
}

/** Paste a fragment with fresh ids, moved by `offset`; returns the new ids (the new selection). */
export function pasteFragment(doc: GraphDocument, fragment: Fragment, offset: XY): { document: GraphDocument; nodes: string[]; edges: string[] } {
  const takenNodes = new Set(doc.nodes.map((n) => n.id));
  const takenEdges = new Set(doc.edges.map((e) => e.id));
  const idMap = new Map<string, string>();
  const nodes: GraphNode[] = [];
  for (const n of fragment.nodes) {
    const id = uniqueId(n.id, takenNodes);
    takenNodes.add(id);
    idMap.set(n.id, id);
    nodes.push({
      ...structuredClone(n),
      id,
      params: structuredClone(n.params ?? {}),
      position: { x: Math.round(n.position.x + offset.x), y: Math.round(n.position.y + offset.y) },
    });
  }
  const edges: GraphEdge[] = [];
  for (const e of fragment.edges) {
    const source = idMap.get(e.source);
    const target = idMap.get(e.target);
    if (!source || !target) continue;
    const c = { source, sourcePort: e.sourcePort ?? 'out', target, targetPort: e.targetPort ?? 'in' };
    const id = edgeIdFor(c, takenEdges);
    takenEdges.add(id);
    edges.push({ id, ...c });
  }
  return {
    document: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] },
    nodes: nodes.map((n) => n.id),
    edges: edges.map((e) => e.id),
  };
}

/** Keep only ids that exist in the document. */
export function pruneSelection(doc: GraphDocument, sel: Selection): Selection {
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const edgeIds = new Set(doc.edges.map((e) => e.id));
  const nodes = sel.nodes.filter((id) => nodeIds.has(id));
  const edges = sel.edges.filter((id) => edgeIds.has(id));
  if (nodes.length === sel.nodes.length && edges.length === sel.edges.length) return sel;
  return { nodes, edges };
}

export function sameSelection(a: Selection, b: Selection): boolean {
  if (a === b) return true;
  if (a.nodes.length !== b.nodes.length || a.edges.length !== b.edges.length) return false;
  const an = new Set(a.nodes);
  const ae = new Set(a.edges);
  return b.nodes.every((id) => an.has(id)) && b.edges.every((id) => ae.has(id));
}
