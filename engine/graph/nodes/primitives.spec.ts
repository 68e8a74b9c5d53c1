import { boolParam, defineSpec, floatParam, tensorIn, tensorOut, type NodeSpec } from '../node-spec';

function binary(type: string, description: string, shapeDocs: string): NodeSpec {
  return defineSpec({ type, category: 'Operations', label: type, description, shapeDocs, inputs: [tensorIn('a'), tensorIn('b')], outputs: [tensorOut()], params: {} });
}
function unary(type: string, description: string, shapeDocs: string): NodeSpec {
  return defineSpec({ type, category: 'Operations', label: type, description, shapeDocs, inputs: [tensorIn()], outputs: [tensorOut()], params: {} });
}
function reduction(type: string, description: string, shapeDocs: string): NodeSpec {
  return defineSpec({
    type,
    category: 'Operations',
    label: type,
    description,
    shapeDocs,
    inputs: [tensorIn()],
    outputs: [tensorOut()],
    params: {
      dims: { kind: 'dims', label: 'Dims', description: 'Dimensions to reduce (empty: all, giving a scalar)', default: null },
      keepDim: boolParam('Keep dims', 'Keep reduced dimensions with size 1', false),
    },
    keyParams: ['dims'],
  });
}

/** The lecture's add gate: passes the upstream gradient through to both inputs. */
export const ADD = binary('Add', 'a + b (the add gate: the gradient passes through to both inputs)', 'Broadcast of `a` and `b` (NumPy/PyTorch rules; `N` matches only `N` or 1).');
/** The multiply gate: each input's gradient is the upstream gradient times the other input. */
export const MULTIPLY = binary('Multiply', 'a · b elementwise (the multiply gate: the gradients swap inputs)', 'Broadcast of `a` and `b` (as Add).');
/** The max gate: routes the gradient to the larger input. */
export const MAX = binary('Max', 'max(a, b) elementwise (the max gate: the gradient routes to the larger input)', 'Broadcast of `a` and `b` (as Add).');
export const MATMUL = binary('MatMul', 'Matrix product a·b', '`torch.matmul` rules: `…×n×k · k×m` → `…×n×m`; a 1-D `a` is a row, a 1-D `b` a column, and that dimension is dropped from the result (vector · vector → scalar). Leading (batch) dimensions broadcast.');

export const POWER = defineSpec({
  type: 'Power',
  category: 'Operations',
  label: 'Power',
  description: 'xᵖ for a fixed exponent p',
  shapeDocs: 'Same shape as the input.',
  inputs: [tensorIn()],
  outputs: [tensorOut()],
  params: { exponent: floatParam('Exponent', 'The power p', 2) },
  keyParams: ['exponent'],
  variant: (params) => (params['exponent'] !== undefined ? `^${String(params['exponent'])}` : null),
});
export const EXP = unary('Exp', 'eˣ elementwise', 'Same shape as the input.');
export const LOG = unary('Log', 'Natural logarithm elementwise', 'Same shape as the input.');
export const SUM = reduction('Sum', 'Sum over dimensions (all by default)', 'The input without the dimensions in `dims` (negative dims count from the end; `null` or `[]`: all, giving a scalar); with `keepDim` they stay as size 1.');
export const MEAN = reduction('Mean', 'Mean over dimensions (all by default)', 'As Sum.');
