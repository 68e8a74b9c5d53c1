/**
 * The lecture's Fashion-MNIST MLP (row 17 of DESIGN.md's table), trained in full: 60,000
 * training images, 5 epochs, Adam, evaluated on the official 10,000 test images. Too slow for
 * `npm test`; run it with `npm run example:fashion [-- --backend ts]`. One run's accuracy varies
 * by about ±0.5 points with the seed; `npx tsx scripts/fashion-parity.ts` compares the mean over
 * seeds with PyTorch's.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from '../engine/graph/document';
import { trainDocument } from '../engine/train/train-document';

const doc = parseDocument(readFileSync(new URL('../assets/examples/fashion-mnist-mlp.json', import.meta.url), 'utf8'));
if (!doc.ok) throw new Error(JSON.stringify(doc.issues));
const t0 = performance.now();
const result = await trainDocument(doc.document, {
  onEvent: (e) => {
    if (e.type === 'epoch') {
      console.log(
        `epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, train accuracy ${e.accuracy?.toFixed(4)}, ` +
          `test loss ${e.testLoss?.toFixed(4)}, test accuracy ${e.testAccuracy?.toFixed(4)}, ${e.seconds.toFixed(1)} s`,
      );
    }
  },
});
const last = result.history[result.history.length - 1]!;
console.log(`test accuracy after ${result.history.length} epochs: ${last.testAccuracy?.toFixed(4)} (expected ≈ 0.87–0.88); ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
if ((last.testAccuracy ?? 0) < 0.85) process.exitCode = 1;
