/**
 * Are a dataset's targets what the graph's Loss can learn from? Shapes alone do not say: the
 * XOR graph (BCE, one output, `column` targets) has the shapes to train on a 4-class CSV, and
 * then fits class indices 2 and 3 as if they were probabilities (a loss below zero, exit 0).
 * Before training (and evaluating), the Target's encoding is applied to every label and the
 * values are checked against the Loss: binary cross-entropy needs targets in [0, 1] (two classes,
 * or one-hot), cross-entropy class indices below the prediction's width, the perceptron
 * criterion −1 and +1. Losses fed by anything but a Target node are left to the runtime.
 */
import { tensor } from '../core/creation';
import { EngineError } from '../core/errors';
import type { Dataset } from '../data/dataset';
import { numClasses } from '../data/dataset';
import type { CompiledGraph } from '../graph/compile';
import { encodeTargets } from '../graph/nodes/data';
import { nodeTitle } from '../graph/names';
import { hasRole } from '../graph/nodes/specs';

const LOSS_NAMES: Record<string, string> = {
  bce: 'binary cross-entropy',
  crossEntropy: 'cross-entropy',
  perceptron: 'perceptron criterion',
};

function classList(ds: Dataset): string {
  const k = numClasses(ds);
  const names = ds.classNames ?? Array.from({ length: k }, (_, i) => String(i));
  return names.length <= 8 ? names.join(', ') : `${names.slice(0, 8).join(', ')}, …`;
}

/** Throws an EngineError naming the Loss node, the dataset and its classes when the targets cannot be what the Loss learns from. */
export function checkTargetsForLoss(model: CompiledGraph, ds: Dataset): void {
  const lossId = model.lossNodeId;
  if (!lossId || ds.numSamples === 0) return;
  const fn = String(model.validation.params.get(lossId)!['fn']);
  if (!(fn in LOSS_NAMES)) return;
  const targetEdge = model.inputEdges.get(lossId)?.get('target');
  const source = targetEdge ? model.edgeSource.get(targetEdge) : undefined;
  const targetId = source?.slice(0, source.lastIndexOf(':'));
  const targetNode = targetId ? model.nodes.get(targetId) : undefined;
  if (!targetNode || !hasRole(targetNode, 'target')) return;

  const loss = `${nodeTitle(model.nodes.get(lossId)!, model.defs.get(lossId))} (${LOSS_NAMES[fn]})`;
  const params = model.validation.params.get(targetNode.id)!;
  const encoding = String(params['encoding']);
  const classification = ds.task === 'classification';
  const k = classification ? numClasses(ds) : 0;
  const data = `dataset "${ds.name}"`;
  const classes = classification ? `${data} has ${k} class${k === 1 ? '' : 'es'} (${classList(ds)})` : '';
  const predShape = model.predictionKey ? model.validation.portShapes.get(model.predictionKey) : undefined;
  const width = predShape && predShape.length > 0 && typeof predShape[predShape.length - 1] === 'number' ? (predShape[predShape.length - 1] as number) : null;

  if (classification && encoding === 'signed' && k > 2) {
    throw new EngineError(`${loss} is given −1/+1 targets (Target encoding "signed"), which need two classes, but ${classes}`);
  }
  const values = encodeTargets(tensor(ds.labels, { shape: [ds.numSamples, ...ds.targetShape] }), params, ds.task, k).data;
  const perSample = values.length / ds.numSamples;
  let bad = -1;
  switch (fn) {
    case 'bce':
      for (let i = 0; i < values.length && bad < 0; i++) if (!(values[i]! >= 0 && values[i]! <= 1)) bad = i;
      if (bad < 0) return;
      if (classification && encoding === 'signed') {
        throw new EngineError(`${loss} needs targets 0 and 1, but the Target gives −1/+1 (encoding "signed") for ${data}; use encoding "column"`);
      }
      if (classification) {
        throw new EngineError(`${loss} needs targets 0 and 1 (two classes, or one output per class with one-hot targets), but ${classes}; for ${k} classes give the model ${k} outputs and use cross-entropy`);
      }
      throw new EngineError(`${loss} needs targets in [0, 1], but ${data} has ${values[bad]} (sample ${Math.floor(bad / perSample) + 1})`);
    case 'crossEntropy':
      if (width === null) return;
      for (let i = 0; i < values.length && bad < 0; i++) if (!(Number.isInteger(values[i]!) && values[i]! >= 0 && values[i]! < width)) bad = i;
      if (bad < 0) return;
      if (classification) {
        throw new EngineError(`${loss} gets ${width} logit${width === 1 ? '' : 's'} per sample, but ${classes}: class index ${values[bad]} is out of range; give the model ${k} outputs`);
      }
      throw new EngineError(`${loss} needs class indices 0…${width - 1}, but ${data} has ${values[bad]} (sample ${Math.floor(bad / perSample) + 1})`);
    case 'perceptron':
      for (let i = 0; i < values.length && bad < 0; i++) if (values[i] !== 1 && values[i] !== -1) bad = i;
      if (bad < 0) return;
      if (classification && k > 2) throw new EngineError(`${loss} needs two classes as −1/+1, but ${classes}`);
      throw new EngineError(`${loss} needs targets −1 and +1, but ${data} gives ${values[bad]} (sample ${Math.floor(bad / perSample) + 1})${classification ? '; set the Target\'s encoding to "signed"' : ''}`);
  }
}
