/**
 * The training settings a run uses: the document's, with overrides (the CLI's flags, the
 * service's) applied and checked, and defaults filled.
 */
import { EngineError } from '../core/errors';
import { defaultOptimizer, optimizerSchema, trainingSchema, type GraphDocument, type OptimizerType, type TrainingSettings } from '../graph/document';

export interface TrainOverrides {
  epochs?: number;
  batchSize?: number;
  lr?: number;
  optimizer?: OptimizerType;
  seed?: number;
  dataset?: string;
}

/** The document's training settings with command-line overrides applied (and defaults filled). */
export function effectiveSettings(doc: GraphDocument, o: TrainOverrides = {}): TrainingSettings {
  const base = doc.training ?? trainingSchema.parse({});
  let optimizer = base.optimizer;
  if (o.optimizer && o.optimizer !== optimizer.type) {
    optimizer = { ...defaultOptimizer(o.optimizer), ...(o.lr !== undefined ? { lr: o.lr } : {}) };
  } else if (o.lr !== undefined) optimizer = { ...optimizer, lr: o.lr };
  // Overrides (--lr, the service's) skip the document schema: check the settings that will run.
  const checked = optimizerSchema.safeParse(optimizer);
  if (!checked.success) {
    const i = checked.error.issues[0]!;
    const key = i.path.join('.');
    const value = (optimizer as Record<string, unknown>)[key];
    throw new EngineError(`invalid optimizer setting: ${optimizer.type} ${key} ${typeof value === 'number' ? `${value} ` : ''}${i.message}`);
  }
  const dataset = o.dataset ? { name: o.dataset, params: {} } : base.dataset;
  return {
    ...base,
    ...(dataset ? { dataset } : {}),
    optimizer,
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
  };
}
