/**
 * Large inputs for the scale tests and `npm run bench:scale`: a chain graph of n nodes, an
 * n-row CSV of predict inputs, an ONNX chain of n operators.
 */
import { CURRENT_FORMAT_VERSION, type GraphDocument } from '../graph/document';

/** Input(2) → Linear(2→2) → (Activation relu → Linear 2→2)… → Output: `nodes` nodes in all (≥ 3). */
export function chainDocument(nodes: number): GraphDocument {
  const n = Math.max(3, nodes);
  const list: GraphDocument['nodes'] = [{ id: 'x', type: 'Input', position: { x: 0, y: 0 }, params: { shape: [2] } }];
  const edges: GraphDocument['edges'] = [];
  let prev = 'x';
  for (let i = 1; i < n - 1; i++) {
    const id = `n${i}`;
    list.push(i % 2 === 1
      ? { id, type: 'Linear', position: { x: i * 200, y: 0 }, params: { inFeatures: 2, outFeatures: 2 } }
      : { id, type: 'Activation', position: { x: i * 200, y: 0 }, params: { fn: 'relu' } });
    edges.push({ id: `e${i}`, source: prev, sourcePort: 'out', target: id, targetPort: 'in' });
    prev = id;
  }
  list.push({ id: 'out', type: 'Output', position: { x: n * 200, y: 0 }, params: {} });
  edges.push({ id: `e${n}`, source: prev, sourcePort: 'out', target: 'out', targetPort: 'in' });
  return { formatVersion: CURRENT_FORMAT_VERSION, name: `chain of ${n}`, nodes: list, edges } as GraphDocument;
}

/** Trainable values of chainDocument(nodes): 6 per Linear. */
export function chainParams(nodes: number): number {
  const n = Math.max(3, nodes);
  let linear = 0;
  for (let i = 1; i < n - 1; i++) if (i % 2 === 1) linear++;
  return linear * 6;
}

/** `rows` CSV lines of two features (no header). */
export function predictCsv(rows: number): string {
  const out: string[] = [];
  for (let i = 0; i < rows; i++) out.push(`${(i % 7) / 7},${(i % 3) / 3}`);
  return `${out.join('\n')}\n`;
}
