import { defineNode } from '../node-def';
import { inShape, stateless } from './common';
import { OUTPUT } from './output.spec';

/** Names a model output: what `predict` returns and what ONNX export exposes. */
export const OutputNode = defineNode({
  ...OUTPUT,
  inferShapes: ({ inputs }) => {
    inShape(inputs);
    return {};
  },
  build: () => stateless(() => ({})),
  toPyTorch: () => ({ kind: 'output' }),
});
