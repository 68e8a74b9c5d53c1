/**
 * `npm test`'s share of the fuzzer (engine/testing/fuzz.ts; `npm run fuzz` runs ≥ 1,000 per
 * format): a few hundred seeded inputs per format, and no crash, hang, out-of-memory or silently
 * wrong result among them.
 */
import { describe, expect, it } from 'vitest';
import { FORMATS, formatFuzzTable, runFuzz } from './fuzz';

describe('fuzzing every input format', () => {
  it('200 inputs per format: each accepted (and its invariant holds) or refused with a clear error', async () => {
    const rep = await runFuzz({ seed: 7, count: 200 });
    const bad = rep.findings.map((f) => `${f.format} #${f.index} ${f.outcome}: ${f.detail}`);
    expect(bad, formatFuzzTable(rep).join('\n')).toEqual([]);
    for (const f of FORMATS) {
      expect(rep.counts[f].accepted + rep.counts[f].refused).toBe(200);
      expect(rep.counts[f].accepted, `${f}: some inputs are accepted`).toBeGreaterThan(0);
    }
  }, 300_000);
});
