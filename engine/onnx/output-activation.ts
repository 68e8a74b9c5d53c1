/**
 * The activation appended to an exported model's outputs (docs/onnx.md): none (logits or raw
 * values), sigmoid (a BCE model's probability per column) or softmax (a cross-entropy model's
 * class probabilities). Pure, so that the app's export dialog picks its default the same way.
 */
import type { GraphDocument } from '../graph/document';
import { hasRole } from '../graph/nodes/specs';

export type OutputActivation = 'none' | 'sigmoid' | 'softmax';
export const OUTPUT_ACTIVATIONS: readonly OutputActivation[] = ['none', 'sigmoid', 'softmax'];

/**
 * The activation that turns the prediction a document's Loss is trained on into probabilities:
 * `sigmoid` for `bce` (binary cross-entropy on logits), `softmax` for `crossEntropy` (on logits),
 * `none` for every other loss (MSE, perceptron) and for a document without a Loss.
 */
export function lossOutputActivation(doc: Pick<GraphDocument, 'nodes'>): OutputActivation {
  const loss = doc.nodes.find((n) => hasRole(n, 'loss'));
  const fn = loss?.params['fn'];
  return fn === 'bce' ? 'sigmoid' : fn === 'crossEntropy' ? 'softmax' : 'none';
}
