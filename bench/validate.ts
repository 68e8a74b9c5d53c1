/**
 * `npm run bench:validate`: how long the service's `validate` takes on the Fashion-MNIST example
 * (assets/examples/fashion-mnist-mlp.json), the request the app sends after every edit. Issue 12's
 * target: under 50 ms after the first time.
 *
 *   first call        a fresh service in a fresh process (dataset shapes not yet known)
 *   later calls       the median of 30 more calls on the same document
 *   before (context)  what validate did until issue 12: load the whole dataset for its shapes and
 *                     compile the graph (initialising every weight) to count parameters
 *
 * Needs Fashion-MNIST's IDX files (Debian: apt-get install dataset-fashion-mnist, or
 * BPSTUDIO_DATA_DIR). A benchmark, not a test: nothing fails; `--json FILE` also writes the figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { EngineService } from '../engine/service/service';
import { compileDocument } from '../engine/graph/compile';
import { parseDocument } from '../engine/graph/document';
import { validateDocument } from '../engine/graph/validate';
import { bindingOf, loadDatasetRef } from '../engine/train/data-source';

const TARGET_MS = 50;
const LATER_CALLS = 30;

const text = readFileSync(new URL('../assets/examples/fashion-mnist-mlp.json', import.meta.url), 'utf8');
const document = JSON.parse(text) as Record<string, unknown>;
const service = new EngineService();

async function timed(): Promise<number> {
  const t0 = performance.now();
  const r = await service.handle('validate', { document });
  const ms = performance.now() - t0;
  const problems = r.diagnostics.filter((d) => d.severity !== 'info');
  if (!r.ok || problems.length > 0) throw new Error(`the example does not validate: ${problems.map((d) => d.message).join('; ')}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const first = await timed();
const later: number[] = [];
for (let i = 0; i < LATER_CALLS; i++) later.push(await timed());
const laterMs = median(later);

// The old path, once, for context.
const parsed = parseDocument(document);
if (!parsed.ok) throw new Error('the example is not a valid document');
const doc = parsed.document;
const t0 = performance.now();
const data = bindingOf(loadDatasetRef(doc.training!.dataset!));
validateDocument(doc, { data, purpose: 'inspect' });
compileDocument(doc, { data, requireLoss: false });
const beforeMs = performance.now() - t0;

const f = (ms: number): string => `${ms.toFixed(1).padStart(8)} ms`;
console.log('validate, Fashion-MNIST example (assets/examples/fashion-mnist-mlp.json)');
console.log(`  first call                    ${f(first)}`);
console.log(`  later calls (median of ${LATER_CALLS})    ${f(laterMs)}   ${(laterMs / TARGET_MS).toFixed(3)}× the ${TARGET_MS} ms target: ${laterMs < TARGET_MS ? 'met' : 'NOT met'}`);
console.log(`  before: load + compile         ${f(beforeMs)}   (what each call cost until issue 12)`);

const jsonAt = process.argv.indexOf('--json');
if (jsonAt >= 0 && process.argv[jsonAt + 1]) {
  writeFileSync(process.argv[jsonAt + 1]!, JSON.stringify({ firstMs: first, laterMedianMs: laterMs, targetMs: TARGET_MS, ratio: laterMs / TARGET_MS, beforeMs }, null, 2));
}
