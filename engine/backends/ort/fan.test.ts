/**
 * Step graphs keep every Split and Concat to MAX_FAN pieces: WebGPU runs an op as one shader
 * with a capped number of storage buffers, and Iris' 16 parameters in one Split failed there
 * ("Too many storage buffers in shader. Current: 17, Max is 16").
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileDocument } from '../../graph/compile';
import { parseDocument } from '../../graph/document';
import { decodeModel } from '../../onnx/builder';
import { bindingOf, datasetFeed, prepareDocumentData } from '../../train/data-source';
import { effectiveSettings } from '../../train/settings';
import { makeOptimizer } from '../../train/trainer';
import { buildTrainGraph, stateLayout } from './step-graph';
import { traceStep } from '../step-program';

describe('ort step graphs on WebGPU-sized shaders', () => {
  it('the Iris net with BatchNorm and Adam: no Split or Concat with more than 8 buffers, in both state layouts', () => {
    const r = parseDocument(readFileSync(new URL('../../../assets/examples/iris-mlp.json', import.meta.url), 'utf8'));
    if (!r.ok) throw new Error('iris-mlp');
    const settings = effectiveSettings(r.document, { optimizer: 'adam' });
    const data = prepareDocumentData(settings, process.cwd());
    const model = compileDocument(r.document, { data: bindingOf(data.full) });
    expect(model.parameterTensors().length).toBe(16);
    const optimizer = makeOptimizer(model.parameterTensors(), settings.optimizer);
    const feed = datasetFeed(data.train);
    for (const mode of ['packed', 'tensors'] as const) {
      const trace = traceStep(model, feed, { training: true, restore: true });
      const graph = buildTrainGraph(model, trace, { optimizer, layout: stateLayout(model, optimizer, mode) });
      const nodes = decodeModel(graph.bytes).graph!.node!;
      // WebGPU's default: 8 storage buffers per shader stage (the data in and the pieces out)
      const wide = nodes.filter((n) => (n.opType === 'Split' && 1 + n.output!.length > 8) || (n.opType === 'Concat' && n.input!.length + 1 > 8));
      expect(wide.map((n) => `${n.opType}(${n.input!.length}→${n.output!.length})`), mode).toEqual([]);
      expect(nodes.some((n) => n.opType === 'Split' || n.opType === 'Concat'), mode).toBe(true);
    }
  });
});
