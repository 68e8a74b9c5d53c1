/**
 * How the engine names the parts of a graph: a node in messages (`Linear "hidden"`) and a
 * node's output port in maps of values and shapes (`hidden:out`). Tensor-free and import-free,
 * so the renderer can use the same names.
 */

/** What a name is made from: a node's type, id and optional label. */
export interface NamedNode {
  readonly type: string;
  readonly id: string;
  readonly label?: string | undefined;
}

/** `Linear "hidden"` — how messages name a node: its type's label (else the type), then its label or id. */
export function nodeTitle(node: NamedNode, def?: { readonly label: string }): string {
  return `${def?.label ?? node.type} "${node.label ?? node.id}"`;
}

/** `hidden:out` — the key of a node's output port in maps of values and shapes. */
export function portKey(nodeId: string, port: string): string {
  return `${nodeId}:${port}`;
}
