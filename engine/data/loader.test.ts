import { describe, expect, it } from 'vitest';
import { Generator } from '../core/random';
import { makeDataset } from './dataset';
import { DataLoader, epochSeed, type Batch } from './loader';

const ds = makeDataset({
  name: 'ten',
  task: 'classification',
  featureShape: [1, 2],
  features: Float32Array.from({ length: 20 }, (_, k) => k),
  targetShape: [],
  labels: Float32Array.from({ length: 10 }, (_, i) => i % 3),
  classNames: ['a', 'b', 'c'],
});

describe('DataLoader', () => {
  it('batches in order without shuffle; the last batch is short', () => {
    const dl = new DataLoader(ds, { batchSize: 4 });
    expect(dl.numBatches).toBe(3);
    const batches = [...dl];
    expect(batches.map((b) => b.xShape)).toEqual([[4, 1, 2], [4, 1, 2], [2, 1, 2]]);
    expect(batches.map((b) => b.yShape)).toEqual([[4], [4], [2]]);
    expect(Array.from(batches[2]!.indices)).toEqual([8, 9]);
    expect(Array.from(batches[2]!.x)).toEqual([16, 17, 18, 19]);
    expect(Array.from(batches[2]!.y)).toEqual([2, 0]);
    expect(batches.map((b) => [b.epoch, b.batchIndex])).toEqual([[0, 0], [0, 1], [0, 2]]);
  });

  it('an unshuffled batch is a view of the dataset (no copy); a shuffled one gathers its rows into fresh arrays', () => {
    const view = new DataLoader(ds, { batchSize: 4 }).batch(0, 1);
    expect(view.x.buffer).toBe(ds.features.buffer);
    expect(view.x.byteOffset).toBe(8 * Float32Array.BYTES_PER_ELEMENT);
    expect(Array.from(view.x)).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
    expect(view.y.buffer).toBe(ds.labels.buffer);
    expect(Array.from(view.y)).toEqual([1, 2, 0, 1]);
    const shuffled = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 3 }).batch(0, 0);
    expect(shuffled.x.buffer).not.toBe(ds.features.buffer);
    const rows = Array.from(shuffled.indices);
    expect(Array.from(shuffled.x)).toEqual(rows.flatMap((i) => [2 * i, 2 * i + 1]));
    expect(Array.from(shuffled.y)).toEqual(rows.map((i) => i % 3));
  });

  it('dropLast drops the short batch', () => {
    const dl = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dl.numBatches).toBe(2);
    expect(dl.samplesPerEpoch).toBe(8);
    expect([...dl].length).toBe(2);
    expect(new DataLoader(ds, { batchSize: 20, dropLast: true }).numBatches).toBe(0);
    expect(new DataLoader(ds, { batchSize: 20 }).numBatches).toBe(1);
  });

  it('shuffles per epoch from (seed, epoch) alone, so a resumed run sees the same batches', () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 11 });
    const e0 = [...a].map((b) => Array.from(b.indices));
    const e1 = [...a].map((b) => Array.from(b.indices));
    const e2 = [...a].map((b) => Array.from(b.indices));
    expect(e0).not.toEqual(e1);
    expect(e0.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(a.order(0))).toEqual(Array.from(new Generator(epochSeed(11, 0)).permutation(10)));
    const resumed = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 11 });
    resumed.setEpoch(2);
    expect(resumed.epoch).toBe(2);
    expect([...resumed].map((b) => Array.from(b.indices))).toEqual(e2);
    expect(Array.from(resumed.batch(1, 2).indices)).toEqual(e1[2]);
    const other = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 12 });
    expect(Array.from(other.order(0))).not.toEqual(e0.flat());
  });

  it('batches carry the right rows and own their arrays', () => {
    const dl = new DataLoader(ds, { batchSize: 4, shuffle: true, seed: 5 });
    const kept: Batch[] = [...dl.batches(0)];
    for (const b of kept) {
      b.indices.forEach((i, j) => {
        expect([b.x[2 * j], b.x[2 * j + 1]]).toEqual([2 * i, 2 * i + 1]);
        expect(b.y[j]).toBe(i % 3);
      });
    }
    kept[0]!.x.fill(-1);
    const again = dl.batch(0, 0);
    expect(again.x).not.toBe(kept[0]!.x);
    expect(Array.from(again.x)).not.toContain(-1);
    expect(ds.features[0]).toBe(0);
    expect(kept[0]!.x.buffer).not.toBe(kept[1]!.x.buffer);
  });

  it('regression targets keep their shape', () => {
    const reg = makeDataset({
      name: 'r',
      task: 'regression',
      featureShape: [1],
      features: Float32Array.of(1, 2, 3),
      targetShape: [2],
      labels: Float32Array.of(10, 11, 20, 21, 30, 31),
    });
    const b = new DataLoader(reg, { batchSize: 2 }).batch(0, 1);
    expect(b.yShape).toEqual([1, 2]);
    expect(Array.from(b.y)).toEqual([30, 31]);
  });

  it('epochSeed separates seeds and epochs', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 20; s++) for (let e = 0; e < 20; e++) seen.add(epochSeed(s, e));
    expect(seen.size).toBe(400);
    expect(epochSeed(3, 4)).toBe(epochSeed(3, 4));
  });

  it('rejects a bad batch size or batch index', () => {
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow('batch size must be a positive integer, got 0');
    expect(() => new DataLoader(ds, { batchSize: 2.5 })).toThrow('batch size must be a positive integer, got 2.5');
    expect(() => new DataLoader(ds, { batchSize: 4 }).batch(0, 3)).toThrow('batch index 3 is out of range: an epoch has 3 batches');
  });
});
