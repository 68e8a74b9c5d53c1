/** File ▸ Open Recent: the last files opened or saved, kept in userData (written atomically). */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../engine/core/atomic-write';

const fileSchema = z.object({ version: z.literal(1), files: z.array(z.string().min(1).max(4096)).max(100) });

export class RecentFiles {
  private list: string[] = [];

  constructor(
    private readonly file: string,
    private readonly max = 10,
  ) {
    this.list = RecentFiles.read(file).slice(0, max);
  }

  /** The list in a file; a missing or corrupt file is an empty list. */
  static read(file: string): string[] {
    if (!existsSync(file)) return [];
    try {
      const r = fileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      return r.success ? r.data.files.filter((f) => isAbsolute(f)) : [];
    } catch {
      return [];
    }
  }

  get files(): readonly string[] {
    return this.list;
  }

  has(path: string): boolean {
    return this.list.includes(resolve(path));
  }

  /** Put a file first (it was just opened or saved). */
  add(path: string): void {
    const p = resolve(path);
    this.list = [p, ...this.list.filter((f) => f !== p)].slice(0, this.max);
    this.save();
  }

  remove(path: string): void {
    const p = resolve(path);
    const before = this.list.length;
    this.list = this.list.filter((f) => f !== p);
    if (this.list.length !== before) this.save();
  }

  clear(): void {
    this.list = [];
    this.save();
  }

  private save(): void {
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, `${JSON.stringify({ version: 1, files: this.list }, null, 2)}\n`);
    } catch {
      // the list is a convenience: failing to store it must not fail an open or a save
    }
  }
}
