import { defineSpec, tensorIn } from '../node-spec';

export const OUTPUT = defineSpec({
  type: 'Output',
  category: 'Output',
  label: 'Output',
  description: 'A named model output (for prediction and ONNX export)',
  docs: 'Names a model output for `bpstudio predict` and ONNX export. In a lesson graph without a Loss, a single scalar Output is what backward starts from.',
  shapeDocs: 'Accepts any shape; has no outputs.',
  role: 'output',
  inputs: [tensorIn()],
  outputs: [],
  params: {
    name: { kind: 'string', label: 'Name', description: 'The output name in predictions and ONNX', default: 'output' },
  },
  keyParams: ['name'],
});
