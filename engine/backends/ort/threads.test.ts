import { describe, expect, it } from 'vitest';
import { chooseThreads, machineIdle } from './threads';

/** A fake workload: seconds per block for each thread count, in the order the blocks ask. */
function fake(series: Record<number, number[]>) {
  const next = new Map<number, number>();
  const calls: number[] = [];
  const time = (threads: number) => {
    calls.push(threads);
    const i = next.get(threads) ?? 0;
    next.set(threads, i + 1);
    return series[threads]![i]!;
  };
  return { time, calls };
}

describe('the intra-op thread choice', () => {
  it('is 1 on a busy machine, without timing anything', async () => {
    const f = fake({ 1: [1], 2: [0.1] });
    const c = await chooseThreads(f.time, { cores: 2, load: 3.2 });
    expect(c.threads).toBe(1);
    expect(c.reason).toContain('busy (load 3.2 on 2 cores)');
    expect(f.calls).toEqual([]);
  });

  it('is 1 on one core', async () => {
    expect((await chooseThreads(() => 1, { cores: 1, load: 0 })).threads).toBe(1);
  });

  it('times interleaved blocks on an idle machine and takes 2 threads when they win clearly', async () => {
    const f = fake({ 1: [1, 1.1, 0.9, 1, 1], 2: [0.6, 0.55, 0.7, 0.6, 0.65] });
    const c = await chooseThreads(f.time, { cores: 2, load: 1.2, blocks: 5 });
    expect(f.calls).toEqual([1, 2, 2, 1, 1, 2, 2, 1, 1, 2]);
    expect(c.threads).toBe(2);
    expect(c.medians.get(1)).toBe(1);
    expect(c.medians.get(2)).toBe(0.6);
  });

  it('stays at 1 when 2 threads win by less than 10 %, or only in some blocks', async () => {
    const close = await chooseThreads(fake({ 1: [1, 1, 1, 1, 1], 2: [0.95, 0.93, 0.95, 0.94, 0.96] }).time, { cores: 2, load: 0.5 });
    expect(close.threads).toBe(1);
    // a big median gain from a lucky run of blocks, but it loses two of five
    const noisy = await chooseThreads(fake({ 1: [1, 1, 1, 1, 1], 2: [0.5, 1.5, 0.5, 0.5, 1.2] }).time, { cores: 2, load: 0.5 });
    expect(noisy.threads).toBe(1);
  });

  it('counts the caller’s own busy thread as load', () => {
    expect(machineIdle(2, 1.4)).toBe(true);
    expect(machineIdle(2, 1.6)).toBe(false);
    expect(machineIdle(16, 6)).toBe(true);
    expect(machineIdle(1, 0)).toBe(false);
  });
});
