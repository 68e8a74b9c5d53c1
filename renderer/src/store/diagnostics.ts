/**
 * Diagnostics, from wherever they come (the file as read, the engine's validation, a training
 * run stopped on NaN/Inf), mapped onto the nodes, ports and edges they name. Pure.
 */
import type { Diagnostic, Severity } from '../../../engine/graph/validate';

export type { Diagnostic, Severity };

/** Where a diagnostic came from, for the Problems list. */
export type DiagnosticSource = 'file' | 'validation' | 'training' | 'engine';

export interface SourcedDiagnostic extends Diagnostic {
  source: DiagnosticSource;
}

export interface ElementDiagnostics {
  /** The worst severity on the element. */
  severity: Severity;
  messages: string[];
  /** Each diagnostic with its own severity (in the order of `messages`). */
  items: { severity: Severity; message: string }[];
  /** Severity per port name (the handle is outlined). */
  ports: Record<string, Severity>;
}

export interface DiagnosticIndex {
  nodes: ReadonlyMap<string, ElementDiagnostics>;
  edges: ReadonlyMap<string, ElementDiagnostics>;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export function worse(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

function add(map: Map<string, ElementDiagnostics>, id: string, d: Diagnostic): void {
  const cur = map.get(id);
  const entry: ElementDiagnostics = cur
    ? { severity: worse(cur.severity, d.severity), messages: [...cur.messages, d.message], items: [...cur.items, { severity: d.severity, message: d.message }], ports: { ...cur.ports } }
    : { severity: d.severity, messages: [d.message], items: [{ severity: d.severity, message: d.message }], ports: {} };
  if (d.port) entry.ports[d.port] = entry.ports[d.port] ? worse(entry.ports[d.port]!, d.severity) : d.severity;
  map.set(id, entry);
}

/** Index diagnostics by node and edge id. */
export function indexDiagnostics(diagnostics: readonly Diagnostic[]): DiagnosticIndex {
  const nodes = new Map<string, ElementDiagnostics>();
  const edges = new Map<string, ElementDiagnostics>();
  for (const d of diagnostics) {
    if (d.nodeId) add(nodes, d.nodeId, d);
    if (d.edgeId) add(edges, d.edgeId, d);
  }
  return { nodes, edges };
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Severity, number> {
  const out: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const d of diagnostics) out[d.severity]++;
  return out;
}

/** Errors first, then warnings, then info; stable within a severity. */
export function sortDiagnostics<T extends Diagnostic>(diagnostics: readonly T[]): T[] {
  return diagnostics
    .map((d, i) => [d, i] as const)
    .sort((a, b) => RANK[b[0].severity] - RANK[a[0].severity] || a[1] - b[1])
    .map(([d]) => d);
}

export interface DiagnosticInputs {
  loadIssues: readonly Diagnostic[];
  validation: readonly Diagnostic[] | null | undefined;
  /** Where a training run stopped on NaN/Inf. */
  training?: { nodeId: string; message: string; port?: string } | null;
  /** Why the last training request failed, with the engine's diagnostics. */
  trainingErrors?: readonly Diagnostic[];
}

/** Every current diagnostic, with where it came from (file first, then validation, then training). */
export function combineDiagnostics(inp: DiagnosticInputs): SourcedDiagnostic[] {
  const out: SourcedDiagnostic[] = [];
  for (const d of inp.loadIssues) out.push({ ...d, source: 'file' });
  // The engine's notes on what training would still need (level 'train') are training's, not the graph's.
  for (const d of inp.validation ?? []) out.push({ ...d, source: d.level === 'train' ? 'training' : 'validation' });
  if (inp.training) {
    out.push({
      severity: 'error', code: 'non-finite', message: inp.training.message, nodeId: inp.training.nodeId,
      ...(inp.training.port ? { port: inp.training.port } : {}), source: 'training',
    });
  }
  const keyOf = (d: Diagnostic): string => `${d.code}|${d.nodeId ?? ''}|${d.message}`;
  const seen = new Map(out.map((d, i) => [keyOf(d), i]));
  for (const d of inp.trainingErrors ?? []) {
    const key = keyOf(d);
    const i = seen.get(key);
    if (i === undefined) seen.set(key, out.push({ ...d, source: 'training' }) - 1);
    // A refused Start turns the validation's note on training into the error it now is.
    else if (out[i]!.severity === 'info' && d.severity !== 'info') out[i] = { ...d, source: 'training' };
  }
  return out;
}
