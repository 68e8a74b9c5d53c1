/**
 * Which connections the canvas accepts: the engine's edge rules (`edgeProblem` in the spec
 * module — the ones validation applies to a document's edges), over the node types the engine
 * sent. Pure; says why in words.
 */
import type { GraphDocument } from '../../../engine/graph/document';
import type { NodeTypeMap } from '../lib/node-types';
import { edgeProblem, type EdgeProposal } from '../../../engine/graph/nodes/specs';

export { reaches } from '../../../engine/graph/nodes/specs';
export type ConnectionLike = EdgeProposal;

/** Why this connection may not be made, or null when it may. */
export function connectionProblem(doc: GraphDocument, types: NodeTypeMap, c: ConnectionLike): string | null {
  return edgeProblem(doc, (type) => types.get(type), c);
}
