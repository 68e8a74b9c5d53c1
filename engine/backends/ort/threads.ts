/**
 * The intra-op thread count, decided rather than guessed (issue 14, item 4). A one-shot timing of
 * one thread against two is decided by whatever else the machine is doing at that moment: on the
 * small shared build machines it flipped from run to run. So:
 *
 *   1. one thread unless the machine is idle — the load average, less the caller's own busy
 *      thread, under half a core for each other core: a second thread on a busy core costs more
 *      in hand-offs than it gains;
 *   2. on an idle machine, several interleaved timed blocks (1, 2, 2, 1, 1, 2, …) so that a
 *      neighbour's burst hits both; more threads only when their median block is at least 10 %
 *      faster AND they win all blocks but at most one.
 *
 * The training step executor does not use this: its graphs always run one thread
 * (DEFAULT_STEP_THREADS), so a seed's numbers do not depend on the machine's load. The benchmark
 * uses it for the large products, and prints the choice and why.
 */
import { availableParallelism, loadavg } from 'node:os';

export interface ThreadChoice {
  readonly threads: number;
  /** Why, in words (printed by `npm run bench`). */
  readonly reason: string;
  /** Median seconds per block for each thread count timed (empty when none was). */
  readonly medians: ReadonlyMap<number, number>;
}

export interface ChooseThreadsOptions {
  /** Interleaved blocks per thread count (default 5). */
  readonly blocks?: number;
  /** The most threads to consider (default: 2, at most the cores). */
  readonly max?: number;
  /** The machine's cores and 1-minute load average (default: the OS's; tests pass their own). */
  readonly cores?: number;
  readonly load?: number;
}

/** Whether the machine is idle enough for more than one thread to be worth timing. */
export function machineIdle(cores = availableParallelism(), load = loadavg()[0]!): boolean {
  if (cores < 2) return false;
  const others = Math.max(0, load - 1); // the caller's own busy thread counts 1
  return others <= 0.5 * (cores - 1);
}

const median = (a: readonly number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Choose the intra-op threads for a workload; `time(threads)` runs one block of it with that
 * many threads and returns its seconds.
 */
export async function chooseThreads(time: (threads: number) => Promise<number> | number, o: ChooseThreadsOptions = {}): Promise<ThreadChoice> {
  const cores = o.cores ?? availableParallelism();
  const load = o.load ?? loadavg()[0]!;
  const max = Math.min(o.max ?? 2, cores);
  if (max < 2) return { threads: 1, reason: `1 thread (${cores} core${cores === 1 ? '' : 's'})`, medians: new Map() };
  if (!machineIdle(cores, load)) {
    return { threads: 1, reason: `1 thread: the machine is busy (load ${load.toFixed(1)} on ${cores} cores)`, medians: new Map() };
  }
  const blocks = Math.max(3, o.blocks ?? 5);
  const counts = Array.from({ length: max }, (_, i) => i + 1);
  const times = new Map<number, number[]>(counts.map((c) => [c, []]));
  for (let b = 0; b < blocks; b++) {
    for (const c of b % 2 === 0 ? counts : [...counts].reverse()) times.get(c)!.push(await time(c));
  }
  const medians = new Map(counts.map((c) => [c, median(times.get(c)!)]));
  const one = times.get(1)!;
  let best = 1;
  for (const c of counts.slice(1)) {
    const t = times.get(c)!;
    const wins = t.filter((v, i) => v < one[i]!).length;
    if (medians.get(c)! <= 0.9 * medians.get(best)! && wins >= blocks - 1) best = c;
  }
  const fmt = (c: number) => `${c}T ${(medians.get(c)! * 1e3).toPrecision(3)} ms`;
  return {
    threads: best,
    reason: `${best} thread${best === 1 ? '' : 's'}: median of ${blocks} interleaved blocks ${counts.map(fmt).join(', ')}${best === 1 ? ' (more threads must be ≥ 10 % faster in all blocks but one)' : ''}`,
    medians,
  };
}
