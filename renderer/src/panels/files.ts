/**
 * Reading the files a person picks (CSV text, IDX bytes as base64) and a quick look at a CSV's
 * head for the column mapping. The engine parses the file for real (and names the row at
 * fault); this only has to show the header and a few rows.
 */

export interface CsvHead {
  /** Header names, or `column 1`, `column 2`, … when row 1 holds only numbers. */
  columns: string[];
  hasHeader: boolean;
  /** The first data rows, as text. */
  rows: string[][];
}

/** Split CSV text into records (RFC 4180 quotes, CRLF or LF), stopping after `maxRecords`. */
export function splitCsv(text: string, maxRecords = Infinity, delimiter = ','): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const n = text.length;
  const endRow = () => {
    row.push(cell);
    cell = '';
    if (!(row.length === 1 && row[0] === '')) out.push(row);
    row = [];
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  for (; i < n && out.length < maxRecords; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      row.push(cell);
      cell = '';
    } else if (c === '\n') endRow();
    else if (c === '\r') {
      if (text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  if (out.length < maxRecords && (cell !== '' || row.length > 0)) endRow();
  return out;
}

const isNumber = (s: string) => s.trim() !== '' && Number.isFinite(Number(s.trim()));

/** The header and the first `maxRows` rows of a CSV (header: row 1 has a cell that is not a number while row 2 has one there). */
export function parseCsvHead(text: string, maxRows = 5): CsvHead {
  const records = splitCsv(text, maxRows + 1);
  const first = records[0] ?? [];
  const second = records[1];
  const width = Math.max(0, ...records.map((r) => r.length));
  const hasHeader =
    first.length > 0 &&
    (second ? first.some((cell, j) => !isNumber(cell) && second[j] !== undefined && isNumber(second[j]!)) || first.every((c) => !isNumber(c)) : first.some((c) => !isNumber(c)));
  const columns = Array.from({ length: width }, (_, j) => (hasHeader ? (first[j] ?? '').trim() || `column ${j + 1}` : `column ${j + 1}`));
  const rows = (hasHeader ? records.slice(1) : records).slice(0, maxRows);
  return { columns, hasHeader, rows };
}

/** Bytes → base64 (chunked, so large IDX files do not overflow the argument list). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + chunk)));
  }
  return btoa(binary);
}

export async function readFileAsText(file: Blob): Promise<string> {
  return file.text();
}

export async function readFileAsBase64(file: Blob): Promise<string> {
  return bytesToBase64(new Uint8Array(await file.arrayBuffer()));
}

/** A file name made safe to save: letters, digits, dot, dash and underscore. */
export function safeFileName(name: string, extension: string): string {
  const base = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'model';
  return base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`;
}

/** base64 → bytes. */
export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
