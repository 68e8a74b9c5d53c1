/**
 * Errors and warnings about user data (CSV, IDX, built-in dataset parameters, splits).
 *
 * Principle 5 of DESIGN.md: user input never crashes anything, and a diagnostic names the
 * file, row, column or byte at fault. Every problem with data is thrown as a `DataError`
 * whose fields say where it is and whose message reads, for example,
 *
 *   iris.csv row 17, column "petal_width": "abc" is not a number
 *   train-images.gz: byte 0: bad magic number 0x12345678, expected an IDX header 0x0000 08xx
 */
import { EngineError } from '../core/errors';

/** Where in the user's data a problem is. All fields optional; the message uses those present. */
export interface DataLocation {
  /** The file as the caller named it (a path or a bare name); the message shows its base name. */
  file?: string;
  /** 1-based line number of the record in the file, as a person counts lines (the header is line 1). */
  row?: number;
  /** The column: its header name (a string), or its 1-based position when the file has no header. */
  column?: string | number;
  /** 0-based byte offset in a binary file (for a .gz file: in the decompressed content). */
  byteOffset?: number;
}

/** A problem with user data. `reason` is the message without the location prefix. */
export class DataError extends EngineError {
  readonly file?: string;
  readonly row?: number;
  readonly column?: string | number;
  readonly byteOffset?: number;
  /** What is wrong, without the location (for UIs that show the location in their own columns). */
  readonly reason: string;

  constructor(reason: string, location: DataLocation = {}) {
    super(formatDataMessage(reason, location));
    this.name = 'DataError';
    this.reason = reason;
    if (location.file !== undefined) this.file = location.file;
    if (location.row !== undefined) this.row = location.row;
    if (location.column !== undefined) this.column = location.column;
    if (location.byteOffset !== undefined) this.byteOffset = location.byteOffset;
  }
}

/** Something suspicious but loadable (a label column with one class, …); same location fields. */
export interface DataWarning extends DataLocation {
  message: string;
}

/** Called with each warning a loader finds; loaders never print. */
export type WarningHandler = (warning: DataWarning) => void;

/** The last path segment (both `/` and `\` separate), so messages stay short. */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/**
 * A cell or name from a user's file as messages quote it: at most `max` characters (then `…`),
 * control characters escaped. Messages never carry more of a file's content than this, so an
 * error about a file the engine should not have read cannot leak it.
 */
export function excerpt(text: string, max = 16): string {
  const chars = [...text.slice(0, 2 * max + 2)];
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text;
  return cut.replace(/[\x00-\x1f\x7f-\x9f"\\]/g, (c) => (c === '"' ? '\\"' : c === '\\' ? '\\\\' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** `column "name"` or `column 3`. */
export function formatColumn(column: string | number): string {
  return typeof column === 'string' ? `column "${excerpt(column)}"` : `column ${column}`;
}

/**
 * `file row R, column C: reason` for text files, `file: byte B: reason` for binary ones,
 * `file: reason` with no finer location, and just `row R, column C: reason` with no file.
 */
export function formatDataMessage(reason: string, loc: DataLocation): string {
  const file = loc.file !== undefined && loc.file !== '' ? baseName(loc.file) : undefined;
  const cell: string[] = [];
  if (loc.row !== undefined) cell.push(`row ${loc.row}`);
  if (loc.column !== undefined) cell.push(formatColumn(loc.column));
  const where = cell.join(', ');
  if (loc.byteOffset !== undefined) {
    const byte = `byte ${loc.byteOffset}`;
    return file !== undefined ? `${file}: ${byte}: ${reason}` : `${byte}: ${reason}`;
  }
  if (file !== undefined && where !== '') return `${file} ${where}: ${reason}`;
  if (file !== undefined) return `${file}: ${reason}`;
  if (where !== '') return `${where}: ${reason}`;
  return reason;
}

/** Turns a failed `fs` call into a DataError that names the file ("file not found", …). */
export function fileReadError(path: string, err: unknown): DataError {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : '';
  const reason =
    code === 'ENOENT'
      ? `file not found (looked for ${path})`
      : code === 'EISDIR'
        ? 'is a directory, not a file'
        : code === 'ENOTREG' && err instanceof Error
          ? err.message
          : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : `cannot be read (${err instanceof Error ? err.message : String(err)})`;
  return new DataError(reason, { file: path });
}
