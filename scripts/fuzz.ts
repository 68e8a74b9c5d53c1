/**
 * `npm run fuzz [-- --count N --seed S --format graph,csv,…]`: seeded fuzzing of every input
 * format (engine/testing/fuzz.ts), ≥ 1,000 inputs per format by default, then a table of
 * outcomes per format and every crash, hang, out-of-memory and wrong result found. Exit 1 when
 * there is any.
 */
import { FORMATS, formatFuzzTable, runFuzz, type Format } from '../engine/testing/fuzz';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const count = Number(arg('count') ?? 1000);
const seed = Number(arg('seed') ?? 1);
const formats = (arg('format')?.split(',') ?? [...FORMATS]) as Format[];

const rep = await runFuzz({ count, seed, formats });
console.log(`fuzz: seed ${seed}, ${count} inputs per format`);
for (const l of formatFuzzTable(rep, formats)) console.log(l);
for (const f of rep.findings) console.log(`\n${f.format} #${f.index}: ${f.outcome}: ${f.detail}`);
const bad = formats.reduce((s, f) => s + rep.counts[f].crash + rep.counts[f].hang + rep.counts[f].oom + rep.counts[f].wrong, 0);
process.exitCode = bad > 0 ? 1 : 0;
