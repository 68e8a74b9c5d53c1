/** Feeds for a compiled graph's forward pass, from plain arrays (batches, datasets). */
import { tensor } from '../core/creation';
import { Tensor } from '../core/tensor';
import type { BatchFeed } from './node-def';

/** A batch of plain arrays as the feed of a forward pass (the tensors own copies of the arrays). */
export function feedOf(x: Float32Array, xShape: readonly number[], y: Float32Array, yShape: readonly number[]): BatchFeed & { features: Tensor; targets: Tensor } {
  return { features: tensor(x, { shape: xShape }), targets: tensor(y, { shape: yShape }) };
}

/**
 * The same feed with tensors over the arrays themselves, no copies — for a step that only reads
 * the batch (a replay copies it into its traced inputs; onnxruntime reads it in place). The
 * arrays may be views of a dataset (DataLoader), so nothing may write into these tensors: where
 * a tensor can be written or outlive the step (a traced step's inputs, which later replays
 * overwrite; values sent to the UI), use `feedOf`.
 */
export function viewFeedOf(x: Float32Array, xShape: readonly number[], y: Float32Array, yShape: readonly number[]): BatchFeed & { features: Tensor; targets: Tensor } {
  return { features: Tensor.fromData(x, xShape), targets: Tensor.fromData(y, yShape) };
}
