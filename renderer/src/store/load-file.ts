/**
 * Reading a project file a person opened: a graph document or a trained-model file. A file that
 * fails the schema still opens — what can be read of it (nodes with an id and a type, edges
 * between them) is put on the canvas, and every problem is listed with its JSON path, on the
 * node it belongs to when there is one. Pure (zod through the document schema, no Node).
 */
import { CURRENT_FORMAT_VERSION, formatPath, isTrainedModel as isTrainedModelFile, parseDocument, TRAINED_MODEL_FORMAT, type DocumentIssue, type GraphDocument, type GraphEdge, type GraphNode } from '../../../engine/graph/document';
import type { Diagnostic } from '../../../engine/graph/validate';
import { emptyDocument } from './graph-ops';


/** A trained-model file as the engine writes it (engine/train/trained-model.ts), loosely typed. */
export interface TrainedModelLike {
  format: typeof TRAINED_MODEL_FORMAT;
  formatVersion: number;
  document: unknown;
  weights: Record<string, Record<string, { shape: number[]; data: number[] }>>;
  [key: string]: unknown;
}

export interface LoadedFile {
  document: GraphDocument;
  /** The trained-model file around the document, when it was one. */
  trained: TrainedModelLike | null;
  /** Problems with the file as read (schema, JSON), as diagnostics with code `schema`. */
  issues: Diagnostic[];
  /** True when the document on the canvas is not exactly what the file said (repaired, migrated). */
  repaired: boolean;
  migratedFrom?: number;
}

export function isTrainedModel(v: unknown): v is TrainedModelLike {
  return isTrainedModelFile(v);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function nodeIdAt(raw: unknown, path: string): string | undefined {
  const m = /^nodes\[(\d+)\]/.exec(path);
  if (!m || !isObject(raw) || !Array.isArray(raw['nodes'])) return undefined;
  const n = raw['nodes'][Number(m[1])];
  return isObject(n) && typeof n['id'] === 'string' && n['id'] ? n['id'] : undefined;
}

function edgeIdAt(raw: unknown, path: string): string | undefined {
  const m = /^edges\[(\d+)\]/.exec(path);
  if (!m || !isObject(raw) || !Array.isArray(raw['edges'])) return undefined;
  const e = raw['edges'][Number(m[1])];
  return isObject(e) && typeof e['id'] === 'string' && e['id'] ? e['id'] : undefined;
}

function issueDiagnostic(raw: unknown, issue: DocumentIssue, prefix = ''): Diagnostic {
  const path = prefix ? (issue.path ? `${prefix}.${issue.path}` : prefix) : issue.path;
  const nodeId = nodeIdAt(raw, issue.path);
  const edgeId = nodeId ? undefined : edgeIdAt(raw, issue.path);
  return {
    severity: 'error',
    code: 'schema',
    message: `${path || '(document)'}: ${issue.message}`,
    ...(nodeId ? { nodeId } : {}),
    ...(edgeId ? { edgeId } : {}),
  };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * What can be read of a document that fails the schema: nodes with a string id and type (params
 * that are an object, a finite position or a grid slot), edges whose ends exist.
 */
export function salvageDocument(raw: unknown): GraphDocument {
  const doc = emptyDocument();
  if (!isObject(raw)) return doc;
  if (typeof raw['name'] === 'string' && raw['name'].trim()) doc.name = raw['name'];
  if (typeof raw['description'] === 'string') doc.description = raw['description'];
  const nodes: GraphNode[] = [];
  const ids = new Set<string>();
  const rawNodes = Array.isArray(raw['nodes']) ? raw['nodes'] : [];
  rawNodes.forEach((n, i) => {
    if (!isObject(n) || typeof n['id'] !== 'string' || !n['id'] || typeof n['type'] !== 'string' || !n['type'] || ids.has(n['id'])) return;
    ids.add(n['id']);
    const pos = isObject(n['position']) && finite(n['position']['x']) && finite(n['position']['y'])
      ? { x: n['position']['x'], y: n['position']['y'] }
      : { x: (i % 4) * 220, y: Math.floor(i / 4) * 140 };
    nodes.push({
      id: n['id'],
      type: n['type'],
      ...(typeof n['label'] === 'string' ? { label: n['label'] } : {}),
      params: isObject(n['params']) ? { ...n['params'] } : {},
      position: pos,
    });
  });
  const edges: GraphEdge[] = [];
  const edgeIds = new Set<string>();
  const rawEdges = Array.isArray(raw['edges']) ? raw['edges'] : [];
  rawEdges.forEach((e, i) => {
    if (!isObject(e)) return;
    // version 1 wrote { from: { node, port }, to: { node, port } }
    const from = isObject(e['from']) ? e['from'] : null;
    const to = isObject(e['to']) ? e['to'] : null;
    const source = typeof e['source'] === 'string' ? e['source'] : typeof from?.['node'] === 'string' ? from['node'] : null;
    const target = typeof e['target'] === 'string' ? e['target'] : typeof to?.['node'] === 'string' ? to['node'] : null;
    if (!source || !target || !ids.has(source) || !ids.has(target)) return;
    const sourcePort = typeof e['sourcePort'] === 'string' && e['sourcePort'] ? e['sourcePort'] : typeof from?.['port'] === 'string' ? from['port'] : 'out';
    const targetPort = typeof e['targetPort'] === 'string' && e['targetPort'] ? e['targetPort'] : typeof to?.['port'] === 'string' ? to['port'] : 'in';
    let id = typeof e['id'] === 'string' && e['id'] ? e['id'] : `e${i}`;
    while (edgeIds.has(id)) id = `${id}_`;
    edgeIds.add(id);
    edges.push({ id, source, sourcePort, target, targetPort });
  });
  doc.nodes = nodes;
  doc.edges = edges;
  return doc;
}

/** Read a document or trained-model file from its text. Never throws. */
export function readProjectFile(text: string): LoadedFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return {
      document: emptyDocument(),
      trained: null,
      issues: [{ severity: 'error', code: 'schema', message: `the file is not valid JSON: ${(e as Error).message}` }],
      repaired: true,
    };
  }
  return readProjectValue(value);
}

export function readProjectValue(value: unknown): LoadedFile {
  if (isTrainedModel(value)) {
    const issues: Diagnostic[] = [];
    if (!isObject(value.weights)) issues.push({ severity: 'error', code: 'schema', message: 'weights: the trained-model file has no weights object' });
    const inner = readDocumentValue(value.document, 'document');
    const trained = issues.length === 0 ? value : null;
    return { ...inner, trained, issues: [...issues, ...inner.issues], repaired: inner.repaired || issues.length > 0 };
  }
  return { ...readDocumentValue(value, ''), trained: null };
}

function readDocumentValue(value: unknown, prefix: string): Omit<LoadedFile, 'trained'> {
  if (isObject(value) && typeof value['formatVersion'] === 'number' && value['formatVersion'] > CURRENT_FORMAT_VERSION) {
    // a newer file: say so, but still show what the nodes look like
    const parsed = parseDocument(value);
    const issues = parsed.ok ? [] : parsed.issues.map((i) => issueDiagnostic(value, i, prefix));
    return { document: salvageDocument(value), issues, repaired: true };
  }
  const parsed = parseDocument(value);
  if (parsed.ok) {
    return { document: parsed.document, issues: [], repaired: parsed.migratedFrom !== undefined, ...(parsed.migratedFrom !== undefined ? { migratedFrom: parsed.migratedFrom } : {}) };
  }
  return { document: salvageDocument(value), issues: parsed.issues.map((i) => issueDiagnostic(value, i, prefix)), repaired: true };
}

/** `v` with object keys sorted (for comparing params written in another order). */
function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable(v[k])]));
  return v;
}

/** The part of a document that trained weights depend on: nodes (id, type, params) and edges (ends, ports). */
export function graphSignature(doc: Pick<GraphDocument, 'nodes' | 'edges'>): string {
  const nodes = doc.nodes.map((n) => [n.id, n.type, stable(n.params ?? {})]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const edges = doc.edges.map((e) => [e.source, e.sourcePort, e.target, e.targetPort].join('|')).sort();
  return JSON.stringify([nodes, edges]);
}

/**
 * Whether a trained model's weights belong to this document: the graph it was trained as has the
 * same nodes (ids, types, params) and edges. Moving, renaming or relabelling nodes and changing
 * the training settings keep them; anything else (a layer's size, a new node) does not.
 */
export function weightsFit(trained: Pick<TrainedModelLike, 'document' | 'weights'>, doc: GraphDocument): boolean {
  const t = trained.document;
  if (!isObject(t) || !Array.isArray(t['nodes']) || !Array.isArray(t['edges']) || !isObject(trained.weights)) return false;
  try {
    return graphSignature(t as unknown as GraphDocument) === graphSignature(doc);
  } catch {
    return false;
  }
}

/** The text a graph document is saved as. */
export function serializeDocument(doc: GraphDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** The text a trained-model file is saved as: the remembered weights with the current document. */
export function serializeTrained(trained: TrainedModelLike, doc: GraphDocument): string {
  return JSON.stringify({ ...trained, document: doc });
}

export { formatPath };
