import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/** Temporary files of ours: `.<target name>.<pid>.<time>.<random>.tmp` beside the target. */
const TMP_PATTERN = /^\.(.+)\.\d+\.[0-9a-z]+\.[0-9a-f]{8}\.tmp$/;

/** Temporary files older than this, left by a save that was killed, are removed by the next save of the same target. */
export const STALE_TMP_MS = 24 * 60 * 60 * 1000;

/**
 * Write a file atomically: the bytes go to a temporary file beside the target (a name no other
 * writer uses), are flushed to disk, the temporary file is renamed over the target and the
 * folder is flushed too, so that the rename itself survives a power cut. A failure removes the
 * temporary file; a crash leaves either the old file or the new one, never half of one. A
 * temporary file a killed save left behind (our naming pattern, for the same target, older than
 * a day) is removed by the next save.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, now = Date.now()): void {
  const dir = dirname(path);
  removeStaleTemporaries(path, now);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${now.toString(36)}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dir);
}

/** Flush a folder's entries (the rename); a no-op where folders cannot be opened (Windows). */
function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // EINVAL/EPERM on file systems without directory fsync
  } finally {
    closeSync(fd);
  }
}

/** Remove our temporary files for `path` older than STALE_TMP_MS; never throws. Returns how many. */
export function removeStaleTemporaries(path: string, now = Date.now()): number {
  const dir = dirname(path);
  const target = basename(path);
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const m = TMP_PATTERN.exec(name);
    if (!m || m[1] !== target) continue;
    const file = join(dir, name);
    try {
      const st = statSync(file);
      if (st.isFile() && now - st.mtimeMs > STALE_TMP_MS) {
        rmSync(file, { force: true });
        removed++;
      }
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}
