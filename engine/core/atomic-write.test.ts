import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';

const dir = mkdtempSync(join(tmpdir(), 'bpstudio-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes the file and leaves no temporary file', () => {
    const f = join(dir, 'a.json');
    writeFileAtomic(f, 'one');
    writeFileAtomic(f, 'two');
    expect(readFileSync(f, 'utf8')).toBe('two');
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('removes a killed save\'s temporary file older than a day on the next save of the same target, and nothing else', () => {
    const f = join(dir, 'm.trained.json');
    const stale = join(dir, '.m.trained.json.4242.lx2abc.deadbeef.tmp');
    const fresh = join(dir, '.m.trained.json.4243.lx2abd.cafebabe.tmp');
    const other = join(dir, '.other.json.4242.lx2abc.deadbeef.tmp');
    const mine = join(dir, 'notes.tmp');
    for (const p of [stale, fresh, other, mine]) writeFileSync(p, 'x'.repeat(1000));
    const old = (Date.now() - 2 * 86_400_000) / 1000;
    for (const p of [stale, other, mine]) utimesSync(p, old, old);
    writeFileAtomic(f, 'saved');
    const left = readdirSync(dir);
    expect(left).not.toContain('.m.trained.json.4242.lx2abc.deadbeef.tmp');
    expect(left).toEqual(expect.arrayContaining(['.m.trained.json.4243.lx2abc.cafebabe.tmp'.replace('lx2abc', 'lx2abd'), '.other.json.4242.lx2abc.deadbeef.tmp', 'notes.tmp']));
  });

  it('a failed write removes its temporary file', () => {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    const target = join(sub, 'x.json');
    mkdirSync(target); // renaming a file over a folder fails
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(readdirSync(sub)).toEqual(['x.json']);
  });
});
