/**
 * Opening project files: documents, trained models, older formats, and broken files that still
 * open with what can be read and every problem listed by JSON path (on its node when it has one).
 */
import { describe, expect, it } from 'vitest';
import { readProjectFile, salvageDocument, serializeDocument, serializeTrained } from './load-file';
import { mlpDocument } from '../test/fixtures';

describe('readProjectFile', () => {
  it('reads a graph document', () => {
    const r = readProjectFile(serializeDocument(mlpDocument()));
    expect(r.issues).toEqual([]);
    expect(r.repaired).toBe(false);
    expect(r.trained).toBeNull();
    expect(r.document.nodes).toHaveLength(6);
  });

  it('reads a trained-model file: its document, and the file kept for weights', () => {
    const trained = { format: 'bpstudio-trained-model', formatVersion: 1, savedAt: 'x', appVersion: '0.1.0', seed: 0, weights: { h: { weight: { shape: [4, 2], data: [1, 2, 3, 4, 5, 6, 7, 8] } } }, document: mlpDocument() };
    const r = readProjectFile(JSON.stringify(trained));
    expect(r.issues).toEqual([]);
    expect(r.trained?.weights['h']?.['weight']?.shape).toEqual([4, 2]);
    expect(r.document.name).toBe('MLP');
    expect(JSON.parse(serializeTrained(r.trained!, { ...r.document, name: 'renamed' })).document.name).toBe('renamed');
  });

  it('migrates a version 1 document and says so', () => {
    const v1 = { formatVersion: 1, name: 'old', nodes: [{ id: 'a', type: 'Input' }, { id: 'b', type: 'Linear' }], edges: [{ from: { node: 'a', port: 'out' }, to: { node: 'b', port: 'in' } }] };
    const r = readProjectFile(JSON.stringify(v1));
    expect(r.issues).toEqual([]);
    expect(r.migratedFrom).toBe(1);
    expect(r.repaired).toBe(true);
    expect(r.document.edges[0]).toMatchObject({ source: 'a', target: 'b' });
  });

  it('a file that fails the schema opens with what can be read, and its issues name the JSON path and node', () => {
    const broken = {
      formatVersion: 2,
      name: 'broken',
      nodes: [
        { id: 'x', type: 'Input', position: { x: 0, y: 0 } },
        { id: 'h', type: 'Linear', params: { inFeatures: 2 }, position: { x: 'left', y: 0 } },
        { type: 'Linear' },
      ],
      edges: [{ id: 'e', source: 'x', sourcePort: 'out', target: 'h', targetPort: 'in' }, { id: 'bad', source: 'x' }],
    };
    const r = readProjectFile(JSON.stringify(broken));
    expect(r.repaired).toBe(true);
    expect(r.document.nodes.map((n) => n.id)).toEqual(['x', 'h']);
    expect(r.document.nodes[1]!.params).toEqual({ inFeatures: 2 });
    expect(r.document.edges.map((e) => e.id)).toEqual(['e']);
    const byPath = Object.fromEntries(r.issues.map((i) => [i.message.split(':')[0], i]));
    expect(byPath['nodes[1].position.x']).toMatchObject({ severity: 'error', code: 'schema', nodeId: 'h' });
    expect(byPath['nodes[2].id']).toBeDefined();
    expect(byPath['edges[1].target']).toMatchObject({ edgeId: 'bad' });
  });

  it('a file that is not JSON opens an empty canvas with the parse error', () => {
    const r = readProjectFile('{"formatVersion": 2, nodes: }');
    expect(r.document.nodes).toEqual([]);
    expect(r.issues[0]!.message).toMatch(/^the file is not valid JSON/);
  });

  it('a newer format is refused by message but its nodes still show', () => {
    const r = readProjectFile(JSON.stringify({ formatVersion: 99, nodes: [{ id: 'a', type: 'Input' }], edges: [] }));
    expect(r.issues[0]!.message).toContain('newer than this version');
    expect(r.document.nodes.map((n) => n.id)).toEqual(['a']);
  });

  it('salvage places nodes without a position on a grid', () => {
    const d = salvageDocument({ nodes: [{ id: 'a', type: 'Input' }, { id: 'b', type: 'Input' }, { id: 'a', type: 'Linear' }] });
    expect(d.nodes.map((n) => [n.id, n.position])).toEqual([
      ['a', { x: 0, y: 0 }],
      ['b', { x: 220, y: 0 }],
    ]);
  });
});
