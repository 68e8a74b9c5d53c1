/**
 * Reading what a user names, safely: only regular files (a FIFO would block for ever, a device
 * such as /dev/zero never ends), at most a limit of bytes (checked before reading and while
 * reading, in case the file grows), and JSON only up to a nesting depth (a 10⁵-deep document
 * would overflow the stack of every recursive walk after JSON.parse).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { LimitError, limitBytes, limitHint, limit, mib, type LimitName } from './limits';

/** Why a path cannot be read as a regular file (a message without the file name), or null when it can be opened. */
export function notRegularFile(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null; // let the open report ENOENT/EACCES as usual
  }
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  return 'is not a regular file';
}

/** An error of reading a file (the caller wraps it with the file name). */
export class FileReadError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'FileReadError';
  }
}

/**
 * The bytes of a regular file of at most `limitBytes(limitName)` bytes. Throws a LimitError
 * (`… is 900 MiB, over the limit …`), a FileReadError for a FIFO/device/directory, or the
 * system's error (ENOENT, EACCES) unchanged.
 */
export function readRegularFile(path: string, limitName: LimitName = 'fileSize'): Buffer {
  const why = notRegularFile(path);
  if (why) throw new FileReadError(why, 'ENOTREG');
  // O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not block.
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new FileReadError('is not a regular file', 'ENOTREG');
    const max = limitBytes(limitName);
    if (st.size > max) throw new LimitError(`the file is ${mib(st.size)}, over the limit ${limitHint(limitName)}`, limitName);
    const chunks: Buffer[] = [];
    let total = 0;
    const size = Math.max(st.size, 64 * 1024);
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(size, max + 1 - total) || 1);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > max) throw new LimitError(`the file grows past the limit while it is read ${limitHint(limitName)}`, limitName);
      chunks.push(n === buf.length ? buf : buf.subarray(0, n));
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/** A regular file's text (UTF-8), with readRegularFile's checks. */
export function readRegularTextFile(path: string, limitName: LimitName = 'fileSize'): string {
  return readRegularFile(path, limitName).toString('utf8');
}

/**
 * The deepest nesting of arrays and objects in JSON text, scanning no further than one level
 * past `max` (linear, no recursion). Strings are skipped with their escapes.
 */
export function jsonDepth(text: string, max = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

/**
 * JSON.parse, refusing text nested deeper than the `jsonDepth` limit first (a LimitError), so
 * that nothing after it (schema checks, serialisation) can overflow the stack. Syntax errors are
 * JSON.parse's SyntaxError.
 */
export function parseJsonSafe(text: string): unknown {
  const max = limit('jsonDepth');
  const d = jsonDepth(text, max);
  if (d > max) throw new LimitError(`JSON nested more than ${max} levels deep ${limitHint('jsonDepth')}`, 'jsonDepth');
  return JSON.parse(text);
}

/** The depth of an already-parsed value (iterative), for values that did not come from text. */
export function valueDepth(value: unknown, max = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > deepest) {
      deepest = d;
      if (deepest > max) return deepest;
    }
    if (Array.isArray(v)) {
      for (const x of v) if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
    } else {
      for (const k in v as Record<string, unknown>) {
        const x = (v as Record<string, unknown>)[k];
        if (x !== null && typeof x === 'object') stack.push([x, d + 1]);
      }
    }
  }
  return deepest;
}

/** Refuses a parsed value nested deeper than the `jsonDepth` limit (a LimitError). */
export function assertJsonDepth(value: unknown, what = 'the value'): void {
  const max = limit('jsonDepth');
  if (valueDepth(value, max) > max) throw new LimitError(`${what} is nested more than ${max} levels deep ${limitHint('jsonDepth')}`, 'jsonDepth');
}
