/**
 * Which wires the canvas accepts while you drag: kinds must match, one edge per input, no
 * self-loops, no cycles — and each refusal says why in words.
 */
import { describe, expect, it } from 'vitest';
import { connectionProblem, isValidConnection, reaches } from './connection';
import { documentStore } from '../store/document-store';
import { catalogStore } from '../store/catalog-store';
import { NODE_TYPES, TYPES, mlpDocument } from '../test/fixtures';

const doc = mlpDocument();
const c = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({ source, sourceHandle, target, targetHandle });

describe('connectionProblem', () => {
  it('accepts a tensor into a free tensor input', () => {
    const d = { ...doc, edges: doc.edges.filter((e) => e.id !== 'a-o') };
    expect(connectionProblem(d, TYPES, c('a', 'out', 'o', 'in'))).toBeNull();
  });

  it('accepts a tensor into an input that also accepts tensors (Loss.target)', () => {
    const d = { ...doc, edges: doc.edges.filter((e) => e.id !== 'y-loss') };
    expect(connectionProblem(d, TYPES, c('a', 'out', 'loss', 'target'))).toBeNull();
  });

  it('refuses a kind the input does not take, naming both nodes', () => {
    const d = { ...doc, nodes: [...doc.nodes, { id: 'add', type: 'Add', params: {}, position: { x: 0, y: 0 } }] };
    expect(connectionProblem(d, TYPES, c('y', 'out', 'add', 'a'))).toBe('Add "add": input "a" expects a tensor, but Target "y" gives labels');
    expect(connectionProblem(d, TYPES, c('loss', 'loss', 'add', 'b'))).toBe('Add "add": input "b" expects a tensor, but Loss "loss" gives a loss');
  });

  it('refuses a second edge into an input', () => {
    expect(connectionProblem(doc, TYPES, c('a', 'out', 'h', 'in'))).toMatch(/^Linear "hidden": input "in" is already connected to Input "x"/);
  });

  it('refuses a self-loop', () => {
    const d = { ...doc, edges: [] };
    expect(connectionProblem(d, TYPES, c('h', 'out', 'h', 'in'))).toBe('Linear "hidden" cannot feed itself');
  });

  it('refuses a cycle', () => {
    const d = { ...doc, edges: doc.edges.filter((e) => e.id !== 'x-h') };
    expect(reaches(d, 'h', 'o')).toBe(true);
    expect(connectionProblem(d, TYPES, c('o', 'out', 'h', 'in'))).toBe('this would make a cycle: Linear "hidden" already feeds Linear "o"');
  });

  it('refuses ports that do not exist and nodes of unknown types', () => {
    expect(connectionProblem(doc, TYPES, c('x', 'nope', 'o', 'in'))).toContain('has no output "nope"');
    expect(connectionProblem(doc, TYPES, c('x', 'out', 'y', 'in'))).toBe('Target "y" has no inputs');
    const d = { ...doc, nodes: [...doc.nodes, { id: 'm', type: 'Mystery', params: {}, position: { x: 0, y: 0 } }] };
    expect(connectionProblem(d, TYPES, c('m', 'out', 'o', 'in'))).toBe('unknown node type "Mystery"');
    expect(connectionProblem(doc, TYPES, { source: null, target: 'o' })).toBe('connect an output to an input');
  });
});

describe('isValidConnection (module scope, over the app stores)', () => {
  it('reads the current document and node types', () => {
    catalogStore.getState().setNodeTypes(NODE_TYPES);
    documentStore.getState().loadDocument({ ...doc, edges: doc.edges.filter((e) => e.id !== 'a-o') });
    expect(isValidConnection({ source: 'a', sourceHandle: 'out', target: 'o', targetHandle: 'in' })).toBe(true);
    expect(isValidConnection({ source: 'y', sourceHandle: 'out', target: 'o', targetHandle: 'in' })).toBe(false);
    expect(isValidConnection({ source: 'o', sourceHandle: 'out', target: 'h', targetHandle: 'in' })).toBe(false); // x → h is taken
  });
});
