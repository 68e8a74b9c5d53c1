/**
 * React Flow's `isValidConnection`, at module scope (xyflow's Validation example keeps it there):
 * the pure `connectionProblem` over the current document and node types. The canvas shows the
 * reason while a wire hovers an input it may not join, and in a toast when it is dropped there.
 */
import type { Connection, Edge } from '@xyflow/react';
import { documentStore } from '../store/document-store';
import { catalogStore } from '../store/catalog-store';
import { connectionProblem } from './connection-problem';

export { connectionProblem, reaches, type ConnectionLike } from './connection-problem';

/** Why the connection is refused now, or null. */
export function currentConnectionProblem(c: Connection | Edge | { source: string | null; target: string | null; sourceHandle?: string | null; targetHandle?: string | null }): string | null {
  return connectionProblem(documentStore.getState().document, catalogStore.getState().byType, c);
}

/** React Flow's `isValidConnection`, over the current document and node types. */
export function isValidConnection(c: Connection | Edge): boolean {
  return currentConnectionProblem(c) === null;
}
