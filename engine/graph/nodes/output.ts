import { defineNode } from '../node-def';
import { inShape, stateless, tensorIn } from './common';

/** Names a model output: what `predict` returns and what ONNX export exposes. */
export const OutputNode = defineNode({
  type: 'Output',
  category: 'Output',
  label: 'Output',
  description: 'A named model output (for prediction and ONNX export)',
  inputs: [tensorIn()],
  outputs: [],
  params: {
    name: { kind: 'string', label: 'Name', description: 'The output name in predictions and ONNX', default: 'output' },
  },
  keyParams: ['name'],
  inferShapes: ({ inputs }) => {
    inShape(inputs);
    return {};
  },
  build: () => stateless(() => ({})),
});
