/**
 * New documents from a template: "MLP for this dataset", like Keras' Sequential — an Input, a
 * Flatten for image data, `Linear → Activation` per hidden layer, an output Linear, a Target and
 * a Loss that suits the task (BCE for two classes, cross-entropy for more, MSE for regression).
 * The sizes are left to follow the graph (engine/graph/validate.ts: a Linear's in_features its
 * input, the output Linear's out_features the Loss), so the document stays right when the user
 * edits it. Pure: no tensors, so the renderer builds documents with it too.
 */
import { CURRENT_FORMAT_VERSION, trainingSchema, type GraphDocument, type GraphEdge, type GraphNode } from './document';

/** What a template needs to know about the dataset (a built-in's `BuiltinDatasetInfo` has it). */
export interface TemplateDataset {
  readonly name: string;
  readonly featureShape: readonly number[];
  readonly task: 'classification' | 'regression';
  readonly numClasses: number;
}

export interface MlpTemplateOptions {
  readonly dataset: TemplateDataset;
  /** Units of each hidden layer, first to last ([] for a linear model). */
  readonly hidden: readonly number[];
  /** The hidden layers' activation (an Activation node's `fn`). */
  readonly activation: string;
  readonly name?: string;
}

/** The Loss `fn` a template picks for a dataset. */
export function templateLoss(dataset: TemplateDataset): 'bce' | 'crossEntropy' | 'mse' {
  if (dataset.task === 'regression') return 'mse';
  return dataset.numClasses === 2 ? 'bce' : 'crossEntropy';
}

const STEP_X = 300;

export function mlpTemplate(o: MlpTemplateOptions): GraphDocument {
  for (const h of o.hidden) {
    if (!Number.isInteger(h) || h < 1) throw new RangeError(`hidden layer sizes must be positive whole numbers, got ${h}`);
  }
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  let x = 0;
  const add = (id: string, type: string, params: Record<string, unknown>, label?: string): string => {
    nodes.push({ id, type, params, position: { x, y: 0 }, ...(label ? { label } : {}) });
    x += STEP_X;
    return id;
  };
  const wire = (source: string, target: string, targetPort = 'in'): void => {
    edges.push({ id: `${source}-out->${target}-${targetPort}`, source, sourcePort: 'out', target, targetPort });
  };
  let last = add('x', 'Input', {}, 'x');
  if (o.dataset.featureShape.length > 1) {
    const f = add('flatten', 'Flatten', {});
    wire(last, f);
    last = f;
  }
  o.hidden.forEach((units, i) => {
    const n = i + 1;
    const dense = add(`dense${n}`, 'Linear', { outFeatures: units }, `dense ${n}`);
    wire(last, dense);
    const act = add(`act${n}`, 'Activation', { fn: o.activation }, o.activation);
    wire(dense, act);
    last = act;
  });
  const out = add('out', 'Linear', {}, 'out');
  wire(last, out);
  const loss = templateLoss(o.dataset);
  const lossX = x;
  nodes.push({ id: 'y', type: 'Target', params: {}, position: { x: lossX - STEP_X, y: 200 }, label: 'y' });
  nodes.push({ id: 'loss', type: 'Loss', params: { fn: loss }, position: { x: lossX, y: 75 }, label: loss === 'bce' ? 'BCE' : loss === 'crossEntropy' ? 'cross-entropy' : 'MSE' });
  wire(out, 'loss', 'prediction');
  wire('y', 'loss', 'target');
  const sizes = [...o.hidden].join('→');
  return {
    formatVersion: CURRENT_FORMAT_VERSION,
    name: o.name ?? `MLP for ${o.dataset.name}`,
    description: `An MLP ${o.hidden.length > 0 ? `with hidden layers ${sizes} (${o.activation}) ` : ''}for ${o.dataset.name}, trained with ${loss === 'bce' ? 'binary cross-entropy' : loss === 'crossEntropy' ? 'cross-entropy' : 'mean squared error'}.`,
    nodes,
    edges,
    // every training default (engine/graph/document.ts, engine/train/defaults.ts) but the dataset
    training: trainingSchema.parse({ dataset: { name: o.dataset.name } }),
  };
}
