/** Feeds for a compiled graph's forward pass, from plain arrays (batches, datasets). */
import { tensor } from '../core/creation';
import type { Tensor } from '../core/tensor';
import type { BatchFeed } from './node-def';

/** A batch of plain arrays as the feed of a forward pass. */
export function feedOf(x: Float32Array, xShape: readonly number[], y: Float32Array, yShape: readonly number[]): BatchFeed & { features: Tensor; targets: Tensor } {
  return { features: tensor(x, { shape: xShape }), targets: tensor(y, { shape: yShape }) };
}
