/** Node types and documents for the renderer's unit tests (the shapes `listNodeTypes` sends). */
import type { NodeTypeInfo } from '../../../engine/service/protocol';
import type { GraphDocument } from '../../../engine/graph/document';
import { typeMap } from '../lib/node-types';

const tensorIn = (name = 'in') => ({ name, kind: 'tensor' as const });
const tensorOut = (name = 'out') => ({ name, kind: 'tensor' as const });

export const NODE_TYPES: NodeTypeInfo[] = [
  { type: 'Input', category: 'Data', label: 'Input', description: 'Features', inputs: [], outputs: [tensorOut()], params: { shape: { kind: 'shape', label: 'Shape', description: '', default: [], allowEmpty: true } }, keyParams: ['shape'] },
  { type: 'Target', category: 'Data', label: 'Target', description: 'Labels', inputs: [], outputs: [{ name: 'out', kind: 'labels' }], params: { encoding: { kind: 'enum', label: 'Encoding', description: '', default: 'index', options: ['index', 'onehot', 'column', 'signed'] } }, keyParams: ['encoding'] },
  {
    type: 'Linear', category: 'Layers', label: 'Linear', description: 'Fully connected layer', inputs: [tensorIn()], outputs: [tensorOut()],
    params: {
      inFeatures: { kind: 'int', label: 'In features', description: '', default: 1, min: 1, max: 1 << 20 },
      outFeatures: { kind: 'int', label: 'Out features', description: '', default: 1, min: 1, max: 1 << 20 },
      bias: { kind: 'bool', label: 'Bias', description: '', default: true },
      init: {
        kind: 'enum', label: 'Init', description: '', default: 'kaiming-uniform',
        options: ['kaiming-uniform', 'kaiming-normal', 'he-uniform', 'glorot-uniform', 'glorot-normal', 'zeros'],
        optionLabels: ['Kaiming uniform (PyTorch)', 'Kaiming normal (He)', 'He uniform', 'Glorot uniform (Keras)', 'Glorot normal', 'Zeros'],
      },
    },
    keyParams: ['inFeatures', 'outFeatures'],
  },
  { type: 'Activation', category: 'Activations', label: 'Activation', description: 'A nonlinearity', inputs: [tensorIn()], outputs: [tensorOut()], params: { fn: { kind: 'enum', label: 'Function', description: '', default: 'relu', options: ['relu', 'sigmoid'], optionLabels: ['ReLU', 'Sigmoid'] } }, keyParams: ['fn'] },
  { type: 'Add', category: 'Operations', label: 'Add', description: 'a + b', inputs: [tensorIn('a'), tensorIn('b')], outputs: [tensorOut()], params: {}, keyParams: [] },
  {
    type: 'Loss', category: 'Loss', label: 'Loss', description: 'The objective',
    inputs: [{ name: 'prediction', kind: 'tensor' }, { name: 'target', kind: 'labels', accepts: ['tensor'] }], outputs: [{ name: 'loss', kind: 'loss' }],
    params: { fn: { kind: 'enum', label: 'Function', description: '', default: 'mse', options: ['mse', 'crossEntropy', 'bce'] } }, keyParams: ['fn'],
  },
  { type: 'Output', category: 'Output', label: 'Output', description: 'A named output', inputs: [tensorIn()], outputs: [], params: { name: { kind: 'string', label: 'Name', description: '', default: 'output' } }, keyParams: ['name'] },
];

export const TYPES = typeMap(NODE_TYPES);

/** x → h (Linear 2→4) → a (ReLU) → o (Linear 4→1) → loss ← y */
export function mlpDocument(): GraphDocument {
  return {
    formatVersion: 3,
    name: 'MLP',
    nodes: [
      { id: 'x', type: 'Input', params: { shape: [2] }, position: { x: 0, y: 0 } },
      { id: 'h', type: 'Linear', label: 'hidden', params: { inFeatures: 2, outFeatures: 4 }, position: { x: 220, y: 0 } },
      { id: 'a', type: 'Activation', params: { fn: 'relu' }, position: { x: 440, y: 0 } },
      { id: 'o', type: 'Linear', params: { inFeatures: 4, outFeatures: 1 }, position: { x: 660, y: 0 } },
      { id: 'y', type: 'Target', params: {}, position: { x: 660, y: 160 } },
      { id: 'loss', type: 'Loss', params: { fn: 'bce' }, position: { x: 880, y: 60 } },
    ],
    edges: [
      { id: 'x-h', source: 'x', sourcePort: 'out', target: 'h', targetPort: 'in' },
      { id: 'h-a', source: 'h', sourcePort: 'out', target: 'a', targetPort: 'in' },
      { id: 'a-o', source: 'a', sourcePort: 'out', target: 'o', targetPort: 'in' },
      { id: 'o-loss', source: 'o', sourcePort: 'out', target: 'loss', targetPort: 'prediction' },
      { id: 'y-loss', source: 'y', sourcePort: 'out', target: 'loss', targetPort: 'target' },
    ],
  };
}
