/**
 * CSV import: a small RFC 4180 reader (quoted fields with `""` escapes and line breaks,
 * CRLF/LF/CR line ends, a UTF-8 BOM) and the step from a table to a `Dataset`.
 *
 * Rules, in the order they apply:
 * - Blank lines (empty or only spaces) are skipped wherever they are; row numbers in
 *   messages are line numbers in the file (1-based, the header is line 1), so a person can
 *   go to the line. A record whose quoted field spans lines is numbered by its first line.
 * - Header (`header: 'auto'`, the default): row 1 is a header when some column holds a
 *   non-number in row 1 and a number in row 2 (`sepal_length,…` above `5.1,…`). A file of
 *   one row is a header when that row has a non-number. `header: true/false` overrides.
 * - Columns are chosen by header name (exact, after trimming spaces) or by 0-based index
 *   (negative counts from the end: −1 is the last column). Default: the last column is
 *   the label and every other column is a feature. Messages name a column by its header
 *   name, or by its 1-based position when the file has no header.
 * - Every feature cell must be a decimal number (`5`, `-0.5`, `.5`, `1e-3`; spaces
 *   around it are ignored). Empty cells are errors (missing values are not imputed).
 * - Task (`task: 'auto'`, the default): string labels mean classification. Numeric labels
 *   mean classification when they are all integers and there are at most 20 distinct values
 *   (and no more than half the rows, but at least 2); otherwise regression. Several label
 *   columns mean regression. A warning says when numbers were taken as classes.
 * - Classes are numbered in **sorted order of their names** — numeric order when every
 *   label is a number (`-1, 1` → 0, 1), code-unit order otherwise (`setosa, versicolor,
 *   virginica` → 0, 1, 2) — so the numbering does not depend on the order of the rows, and a
 *   train file and a test file with the same classes agree. `classNames` fixes the
 *   numbering explicitly (a label not in it is an error naming the row).
 * - A label column with a single class loads, with a warning.
 * - The whole file is one string in memory; records are streamed straight into typed
 *   arrays (linear time, no per-cell objects kept). Files over `MAX_CSV_BYTES` are refused
 *   with a message instead of exhausting memory.
 */
import { LIMITS, LimitError } from '../core/limits';
import { readRegularTextFile } from '../core/safe-read';
import { makeDataset, type Dataset, type Task } from './dataset';
import { baseName, DataError, fileReadError, excerpt, formatColumn, type WarningHandler } from './errors';

/** A column given by header name or by 0-based index (negative: from the end). */
export type ColumnRef = string | number;

/** Options for reading the table. */
export interface CsvReadOptions {
  /** File name for messages (`loadCsvFile` sets it to the path). */
  file?: string;
  /** Field separator, one character; default `,`. */
  delimiter?: string;
  /** Whether row 1 is a header; default `'auto'` (see the module comment). */
  header?: boolean | 'auto';
}

/** Options for turning the table into a dataset. */
export interface CsvOptions extends CsvReadOptions {
  /** Dataset name; default the file's base name without extension, else `csv`. */
  name?: string;
  /** Label column(s); default the last column. Several columns imply regression. */
  label?: ColumnRef | ColumnRef[];
  /** Feature columns in the order wanted; default every column that is not a label. */
  features?: ColumnRef[];
  /** `classification`, `regression`, or `auto` (default; see the module comment). */
  task?: Task | 'auto';
  /** Fixed class names; label `classNames[k]` becomes class k. Implies classification. */
  classNames?: string[];
  /** `Dataset.source`; default the file. */
  source?: string;
  /** Receives warnings (single class, numbers taken as classes, …). */
  onWarning?: WarningHandler;
}

/** One record: its fields as text and the line it starts on. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** Largest CSV file `loadCsvFile` reads (JavaScript strings stop at about 512 MiB). */
export const MAX_CSV_BYTES = LIMITS.fileSize.defaultValue * 1024 * 1024;

/** Most distinct integers that `task: 'auto'` still reads as classes. */
const AUTO_CLASS_LIMIT = 20;

const QUOTE = 34;
const LF = 10;
const CR = 13;
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLOAT32_MAX = 3.4028234663852886e38;

/** The number a cell holds, or undefined when it is not a decimal number. */
export function parseNumberCell(cell: string): number | undefined {
  const t = cell.trim();
  if (!NUMBER_RE.test(t)) return undefined;
  return Number(t);
}

/**
 * Calls `visit` with each non-blank record, in order; `visit` returning `false` stops.
 * Each call gets a fresh array. Throws a DataError for an unterminated quoted field.
 */
export function forEachCsvRecord(
  text: string,
  visit: (fields: string[], line: number) => boolean | void,
  options: CsvReadOptions = {},
): void {
  const file = options.file;
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new DataError(`the delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`, fileLoc(file));
  }
  const D = delimiter.charCodeAt(0);
  const len = text.length;
  let i = len > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < len) {
    const recordLine = line;
    const fields: string[] = [];
    let quoted = false;
    for (;;) {
      let value: string;
      if (i < len && text.charCodeAt(i) === QUOTE) {
        quoted = true;
        i++;
        let start = i;
        let parts: string[] | null = null;
        for (;;) {
          const j = text.indexOf('"', i);
          if (j < 0) {
            throw new DataError('unterminated quoted field (a `"` opens it and none closes it)', {
              ...fileLoc(file),
              row: recordLine,
              column: fields.length + 1,
            });
          }
          line += countLineBreaks(text, i, j);
          if (text.charCodeAt(j + 1) === QUOTE) {
            (parts ??= []).push(text.slice(start, j + 1));
            i = j + 2;
            start = i;
            continue;
          }
          value = parts ? parts.join('') + text.slice(start, j) : text.slice(start, j);
          i = j + 1;
          break;
        }
        // Not RFC 4180, but common: text between the closing quote and the delimiter is kept.
        const rest = i;
        while (i < len) {
          const c = text.charCodeAt(i);
          if (c === D || c === LF || c === CR) break;
          i++;
        }
        if (i > rest) value += text.slice(rest, i);
      } else {
        const start = i;
        while (i < len) {
          const c = text.charCodeAt(i);
          if (c === D || c === LF || c === CR) break;
          i++;
        }
        value = text.slice(start, i);
      }
      fields.push(value);
      if (i >= len) break;
      const c = text.charCodeAt(i);
      i++;
      if (c === D) continue;
      if (c === CR && i < len && text.charCodeAt(i) === LF) i++;
      line++;
      break;
    }
    if (!quoted && fields.length === 1 && fields[0]!.trim() === '') continue;
    if (visit(fields, recordLine) === false) return;
  }
}

/** All non-blank records of a CSV text (for small files and tests; `parseCsv` streams). */
export function parseCsvRecords(text: string, options: CsvReadOptions = {}): CsvRecord[] {
  const out: CsvRecord[] = [];
  forEachCsvRecord(text, (fields, line) => void out.push({ fields, line }), options);
  return out;
}

/** What the app's import dialog shows before the user picks columns. */
export interface CsvPreview {
  hasHeader: boolean;
  /** Header names, or `column 1`, `column 2`, … without a header. */
  columnNames: string[];
  columnCount: number;
  /** The first data rows (at most `maxRows`), as text. */
  rows: CsvRecord[];
  /** Per column: every previewed data cell is a number. */
  numericColumns: boolean[];
}

/** Reads the header and the first `maxRows` data rows (default 20). */
export function previewCsv(text: string, options: CsvReadOptions & { maxRows?: number } = {}): CsvPreview {
  const maxRows = options.maxRows ?? 20;
  const records: CsvRecord[] = [];
  forEachCsvRecord(text, (fields, line) => {
    records.push({ fields, line });
    return records.length < maxRows + 1;
  }, options);
  if (records.length === 0) throw emptyError(text, options.file);
  const hasHeader = options.header === undefined || options.header === 'auto' ? detectHeader(records) : options.header;
  const first = records[0]!.fields;
  const columnCount = first.length;
  const columnNames = hasHeader ? first.map((s) => s.trim()) : first.map((_, j) => `column ${j + 1}`);
  const rows = (hasHeader ? records.slice(1) : records).slice(0, maxRows);
  const numericColumns = columnNames.map((_, j) => rows.length > 0 && rows.every((r) => r.fields[j] !== undefined && parseNumberCell(r.fields[j]!) !== undefined));
  return { hasHeader, columnNames, columnCount, rows, numericColumns };
}

/**
 * `'auto'` header rule: row 1 is a header when some column has a non-number in row 1 and a
 * number in row 2; with one row, when that row has a non-number.
 */
export function detectHeader(records: readonly CsvRecord[]): boolean {
  const r0 = records[0]?.fields;
  if (r0 === undefined) return false;
  const r1 = records[1]?.fields;
  if (r1 === undefined) return r0.some((s) => parseNumberCell(s) === undefined);
  for (let j = 0; j < r0.length; j++) {
    const below = r1[j];
    if (parseNumberCell(r0[j]!) === undefined && below !== undefined && parseNumberCell(below) !== undefined) return true;
  }
  return false;
}

/** Parses CSV text into a dataset (see the module comment for every rule). */
export function parseCsv(text: string, options: CsvOptions = {}): Dataset {
  const file = options.file;
  const head: CsvRecord[] = [];
  forEachCsvRecord(text, (fields, line) => {
    head.push({ fields, line });
    return head.length < 2;
  }, options);
  if (head.length === 0) throw emptyError(text, file);

  const hasHeader = options.header === undefined || options.header === 'auto' ? detectHeader(head) : options.header;
  const first = head[0]!;
  const columnCount = first.fields.length;
  const names = hasHeader ? first.fields.map((s) => s.trim()) : null;
  const colId = (j: number): string | number => (names ? names[j]! : j + 1);

  // --- choose columns
  const labelRefs = options.label === undefined ? [-1] : Array.isArray(options.label) ? options.label : [options.label];
  if (labelRefs.length === 0) throw new DataError('no label column given', fileLoc(file));
  const labelCols = labelRefs.map((r) => resolveColumn(r, names, columnCount, file));
  assertDistinct(labelCols, 'label columns', colId, file);
  let featureCols: number[];
  if (options.features !== undefined) {
    featureCols = options.features.map((r) => resolveColumn(r, names, columnCount, file));
    assertDistinct(featureCols, 'features', colId, file);
    for (const c of featureCols) {
      if (labelCols.includes(c)) throw new DataError(`${formatColumn(colId(c))} is both the label and a feature`, fileLoc(file));
    }
  } else {
    featureCols = [];
    for (let j = 0; j < columnCount; j++) if (!labelCols.includes(j)) featureCols.push(j);
  }
  if (featureCols.length === 0) {
    throw new DataError(
      columnCount === labelCols.length
        ? `no feature columns: the file has ${columnCount} column${columnCount === 1 ? '' : 's'}, all used as the label`
        : 'no feature columns given',
      fileLoc(file),
    );
  }

  let task: Task | 'auto' = options.task ?? 'auto';
  if (options.classNames !== undefined) {
    if (task === 'regression') throw new DataError('classNames were given, but task is "regression"', fileLoc(file));
    task = 'classification';
  }
  if (labelCols.length > 1) {
    if (task === 'classification') {
      throw new DataError(`classification takes one label column, got ${labelCols.length}`, fileLoc(file));
    }
    task = 'regression';
  }

  // --- stream the records into typed arrays
  const nf = featureCols.length;
  const nl = labelCols.length;
  let features = new Float32Array(1024 * nf);
  let numericLabels = task === 'regression' ? new Float32Array(1024 * nl) : null;
  let labelIds = task === 'regression' ? null : new Int32Array(1024);
  const keyIds = new Map<string, number>(); // label text → id in order of first appearance
  const keys: string[] = [];
  const keyRows: number[] = []; // the row where each label first appears

  const given = options.classNames ? new Map(options.classNames.map((c, k) => [c.trim(), k] as const)) : null;
  let n = 0;
  let skipHeader = hasHeader;

  forEachCsvRecord(text, (fields, line) => {
    if (skipHeader) {
      skipHeader = false;
      return;
    }
    if (fields.length !== columnCount) {
      throw new DataError(
        `has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${columnCount} (as in row ${first.line})`,
        { ...fileLoc(file), row: line },
      );
    }
    if ((n + 1) * nf > features.length) features = grow(features);
    const base = n * nf;
    for (let k = 0; k < nf; k++) {
      const j = featureCols[k]!;
      features[base + k] = numberCell(fields[j]!, file, line, colId(j));
    }
    if (numericLabels !== null) {
      if ((n + 1) * nl > numericLabels.length) numericLabels = grow(numericLabels);
      for (let k = 0; k < nl; k++) {
        const j = labelCols[k]!;
        numericLabels[n * nl + k] = numberCell(fields[j]!, file, line, colId(j));
      }
    } else {
      const j = labelCols[0]!;
      const key = fields[j]!.trim();
      let id = keyIds.get(key);
      if (id === undefined) {
        if (key === '') throw new DataError('empty label (missing value)', { ...fileLoc(file), row: line, column: colId(j) });
        if (given !== null && !given.has(key)) {
          throw new DataError(`"${excerpt(key)}" is not one of the classes ${options.classNames!.map((c) => excerpt(c)).join(', ')}`, {
            ...fileLoc(file),
            row: line,
            column: colId(j),
          });
        }
        id = keys.length;
        keyIds.set(key, id);
        keys.push(key);
        keyRows.push(line);
      }
      if (n + 1 > labelIds!.length) labelIds = grow(labelIds!);
      labelIds![n] = id;
    }
    n++;
  }, options);

  if (n === 0) {
    throw new DataError(hasHeader ? `no data rows after the header (row ${first.line})` : 'no data rows', fileLoc(file));
  }

  const name = options.name ?? (file !== undefined ? stripExtension(baseName(file)) : 'csv');
  const featureNames = names ? featureCols.map((j) => names[j]!) : undefined;
  const common = {
    name,
    featureShape: [nf],
    features: features.slice(0, n * nf),
    ...(featureNames ? { featureNames } : {}),
    ...(options.source ?? file ? { source: (options.source ?? file)! } : {}),
  };
  const labelColumn = formatColumn(colId(labelCols[0]!));
  const warn = (message: string): void => options.onWarning?.({ message, ...fileLoc(file), column: colId(labelCols[0]!) });

  if (numericLabels !== null) {
    return makeDataset({
      ...common,
      task: 'regression',
      targetShape: [nl],
      labels: numericLabels.slice(0, n * nl),
      ...(names ? { targetNames: labelCols.map((j) => names[j]!) } : {}),
    });
  }

  // --- classes: decide the task, then number the classes in sorted order
  const values = keys.map((k) => parseNumberCell(k));
  const allNumeric = values.every((v) => v !== undefined);
  let classNames: string[];
  let remap: Int32Array; // id → class index
  if (given !== null) {
    classNames = options.classNames!.map((c) => c.trim());
    remap = Int32Array.from(keys, (k) => given.get(k)!);
  } else if (allNumeric) {
    // Numeric labels are numbers (a class value or a regression target): 1e39 would be Infinity as float32.
    const over = values.findIndex((v) => Math.abs(v!) > FLOAT32_MAX);
    if (over >= 0) {
      throw new DataError(`${keys[over]} is too large for a 32-bit float`, { ...fileLoc(file), row: keyRows[over]!, column: colId(labelCols[0]!) });
    }
    const distinct = [...new Set(values as number[])].sort((a, b) => a - b);
    if (task === 'auto') {
      const integers = distinct.every((v) => Number.isInteger(v));
      const limit = Math.min(AUTO_CLASS_LIMIT, Math.max(2, Math.floor(n / 2)));
      if (!integers || distinct.length > limit) {
        const labels = new Float32Array(n);
        const ids = labelIds!;
        for (let i = 0; i < n; i++) labels[i] = values[ids[i]!]!;
        return makeDataset({
          ...common,
          task: 'regression',
          targetShape: [1],
          labels,
          ...(names ? { targetNames: [names[labelCols[0]!]!] } : {}),
        });
      }
      warn(
        `${labelColumn} holds ${distinct.length} distinct integers (${distinct.join(', ')}); ` +
          `read as classes (pass task "regression" to read them as numbers)`,
      );
    }
    const index = new Map(distinct.map((v, k) => [v, k] as const));
    classNames = distinct.map((v) => String(v));
    remap = Int32Array.from(values as number[], (v) => index.get(v)!);
  } else {
    classNames = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const index = new Map(classNames.map((c, k) => [c, k] as const));
    remap = Int32Array.from(keys, (k) => index.get(k)!);
  }
  const labels = new Float32Array(n);
  const ids = labelIds!;
  for (let i = 0; i < n; i++) labels[i] = remap[ids[i]!]!;

  if (keys.length === 1) warn(`${labelColumn} has a single class "${excerpt(keys[0]!)}"; a classifier has nothing to tell apart`);
  if (classNames.length > 100 && classNames.length > n / 2) {
    warn(`${labelColumn} has ${classNames.length} classes in ${n} rows; is it the right label column?`);
  }
  return makeDataset({ ...common, task: 'classification', targetShape: [], labels, classNames });
}

/**
 * Reads a CSV file and parses it (`parseCsv`); messages name the file. Files over
 * `MAX_CSV_BYTES` are refused.
 */
export function loadCsvFile(path: string, options: CsvOptions = {}): Dataset {
  let text: string;
  try {
    text = readRegularTextFile(path);
  } catch (err) {
    if (err instanceof LimitError) throw new DataError(err.message, { file: path });
    throw fileReadError(path, err);
  }
  return parseCsv(text, { ...options, file: options.file ?? path });
}

// ---------------------------------------------------------------------------- helpers

function fileLoc(file: string | undefined): { file?: string } {
  return file !== undefined ? { file } : {};
}

function emptyError(text: string, file: string | undefined): DataError {
  const what = file !== undefined ? 'the file' : 'the CSV text';
  const bom = text.length > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
  return new DataError(text.length <= bom ? `${what} is empty` : `${what} has only blank lines`, fileLoc(file));
}

function numberCell(cell: string, file: string | undefined, row: number, column: string | number): number {
  const v = parseNumberCell(cell);
  if (v === undefined) {
    const reason = cell.trim() === '' ? 'empty cell (missing value)' : `"${excerpt(cell.trim())}" is not a number`;
    throw new DataError(reason, { ...fileLoc(file), row, column });
  }
  if (Math.abs(v) > FLOAT32_MAX) {
    throw new DataError(`${excerpt(cell.trim())} is too large for a 32-bit float`, { ...fileLoc(file), row, column });
  }
  return v;
}

function resolveColumn(ref: ColumnRef, names: string[] | null, count: number, file: string | undefined): number {
  if (typeof ref === 'number') {
    if (!Number.isInteger(ref) || ref >= count || ref < -count) {
      throw new DataError(
        `column index ${ref} is out of range: the file has ${count} column${count === 1 ? '' : 's'} ` +
          `(indices 0..${count - 1}, or -${count}..-1 from the end)`,
        fileLoc(file),
      );
    }
    return ref < 0 ? count + ref : ref;
  }
  const want = ref.trim();
  if (names === null) {
    throw new DataError(`column "${excerpt(want)}" is named, but the file has no header row; give a 0-based column index instead`, fileLoc(file));
  }
  const hits: number[] = [];
  names.forEach((nm, j) => {
    if (nm === want) hits.push(j);
  });
  if (hits.length === 0) {
    throw new DataError(`unknown column "${excerpt(want)}"; the columns are ${names.slice(0, 12).map((nm) => `"${excerpt(nm)}"`).join(', ')}${names.length > 12 ? `, … (${names.length} in all)` : ''}`, fileLoc(file));
  }
  if (hits.length > 1) {
    throw new DataError(
      `column name "${excerpt(want)}" is ambiguous: columns ${hits.map((j) => j + 1).join(' and ')} have it; give a 0-based index instead`,
      fileLoc(file),
    );
  }
  return hits[0]!;
}

function assertDistinct(cols: number[], what: string, colId: (j: number) => string | number, file: string | undefined): void {
  const seen = new Set<number>();
  for (const c of cols) {
    if (seen.has(c)) throw new DataError(`${formatColumn(colId(c))} is listed twice in ${what}`, fileLoc(file));
    seen.add(c);
  }
}

function grow<T extends Float32Array | Int32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

function stripExtension(name: string): string {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(0, i) : name;
}

function countLineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === LF) n++;
    else if (c === CR && text.charCodeAt(k + 1) !== LF) n++;
  }
  return n;
}
