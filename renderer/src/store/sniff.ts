/**
 * What kind of file a person opened or dropped, told by its content (the extension only breaks
 * ties): a graph document or a trained-model file (JSON), an ONNX model (protobuf), a CSV table,
 * an IDX images or labels file (raw or gzipped). Anything else is refused with ONE line that
 * names the file and why — broken JSON with the line and column where it breaks. Pure: no DOM,
 * no Node (gzip is peeked at with `DecompressionStream` where the platform has it).
 */
import { isTrainedModel } from '../../../engine/graph/document';

export type SniffedFile =
  | { kind: 'document' | 'trained'; text: string; value: unknown }
  | { kind: 'onnx' }
  | { kind: 'csv'; text: string }
  | { kind: 'idx'; role: 'images' | 'labels'; dims: number[]; gzipped: boolean }
  | { kind: 'refused'; message: string };


/** What Open and a drop accept, for the one-line refusal. */
export const OPENABLE = 'a graph or trained model (.json), an ONNX model (.onnx), a CSV table or an IDX images/labels file';

const extOf = (name: string): string => /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';

export async function sniffFile(name: string, bytes: Uint8Array): Promise<SniffedFile> {
  if (bytes.length === 0) return refused(`${name} is empty: it is not ${OPENABLE}`);
  const ext = extOf(name);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const head = await gunzipHead(bytes, 16);
    const idx = head ? idxHeader(head, null) : null;
    if (idx && idx.ok) return { kind: 'idx', role: idx.dims.length === 1 ? 'labels' : 'images', dims: idx.dims, gzipped: true };
    if (!head && /idx|ubyte/i.test(name)) return refused(`${name} is gzipped and cannot be unpacked here; unpack it, then open the IDX file`);
    return refused(`${name} is a gzip archive, not ${OPENABLE}`);
  }
  const idx = idxHeader(bytes, bytes.length);
  if (idx) {
    if (idx.ok) return { kind: 'idx', role: idx.dims.length === 1 ? 'labels' : 'images', dims: idx.dims, gzipped: false };
    return refused(`${name} is an IDX file of ${idx.dims.join('×')} values but ${idx.problem}`);
  }
  if (ext === 'onnx' || looksLikeOnnx(bytes)) return { kind: 'onnx' };
  const text = utf8(bytes);
  if (text === null) return refused(`${name} is a binary file that is not ${OPENABLE}`);
  const body = text.replace(/^\uFEFF/, '');
  const first = /\S/.exec(body)?.[0];
  if (first === undefined) return refused(`${name} holds only white space: it is not ${OPENABLE}`);
  if (first === '{' || first === '[' || ext === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      return refused(`${name} is not valid JSON: ${jsonErrorAt(body)}`);
    }
    if (isObject(value) && isTrainedModel(value)) return { kind: 'trained', text: body, value };
    if (isObject(value) && (Array.isArray(value['nodes']) || typeof value['formatVersion'] === 'number')) return { kind: 'document', text: body, value };
    return refused(`${name} is JSON but not a Backprop Studio graph (it has no "nodes" list) or trained model`);
  }
  if (looksLikeCsv(body)) return { kind: 'csv', text: body };
  return refused(`${name} is not ${OPENABLE}`);
}

function refused(message: string): SniffedFile {
  return { kind: 'refused', message };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function utf8(bytes: Uint8Array): string | null {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    // control characters other than tab, line breaks and form feed: not a text file
    return /[\u0000-\u0008\u000E-\u001A\u001C-\u001F]/.test(text.slice(0, 65536)) ? null : text;
  } catch {
    return null;
  }
}

// --- IDX ----------------------------------------------------------------------------------------

const IDX_TYPES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/**
 * The IDX magic (0, 0, type, rank) and dimensions; `size` (the whole file's length, null when
 * only the head is known) is checked against them. Null when it is not an IDX header at all.
 */
export function idxHeader(bytes: Uint8Array, size: number | null): { ok: true; dims: number[] } | { ok: false; dims: number[]; problem: string } | null {
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0) return null;
  const elem = IDX_TYPES[bytes[2]!];
  const rank = bytes[3]!;
  if (!elem || rank < 1 || rank > 4 || bytes.length < 4 + 4 * rank) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  if (dims.some((d) => d === 0)) return null;
  if (size === null) return { ok: true, dims };
  const expected = 4 + 4 * rank + dims.reduce((a, b) => a * b, 1) * elem;
  if (size < expected) return { ok: false, dims, problem: `is truncated (${size} of ${expected} bytes)` };
  if (size > expected) return { ok: false, dims, problem: `has ${size - expected} bytes too many (${size} instead of ${expected})` };
  return { ok: true, dims };
}

/** The first `n` bytes of a gzip stream, or null when they cannot be had. */
async function gunzipHead(bytes: Uint8Array, n: number): Promise<Uint8Array | null> {
  const DS = (globalThis as { DecompressionStream?: new (format: string) => TransformStream<Uint8Array, Uint8Array> }).DecompressionStream;
  if (!DS) return null;
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DS('gzip'));
    const reader = stream.getReader();
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const { done, value } = await reader.read();
      if (done || !value) break;
      const take = Math.min(n - got, value.length);
      out.set(value.subarray(0, take), got);
      got += take;
    }
    await reader.cancel().catch(() => undefined);
    return out.subarray(0, got);
  } catch {
    return null;
  }
}

// --- ONNX (protobuf ModelProto) -----------------------------------------------------------------

/** ModelProto's fields and their wire types (0 varint, 2 length-delimited). */
const MODEL_FIELDS: Record<number, number> = { 1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2, 26: 2 };

/**
 * Whether the bytes read as an ONNX ModelProto at the top level: every field one a ModelProto
 * has, with its wire type, and a graph (field 7) among them; a file cut short counts when what
 * there is starts like one (IR version first), so that the importer can say it is truncated.
 */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  let i = 0;
  let fields = 0;
  let graph = false;
  let firstField = 0;
  const varint = (): number | null => {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 10; k++) {
      if (i >= bytes.length) return null;
      const b = bytes[i++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
    return NaN;
  };
  while (i < bytes.length) {
    const tag = varint();
    if (tag === null) return fields > 0 && firstField === 1;
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (MODEL_FIELDS[field] !== wire) return false;
    if (fields === 0) firstField = field;
    const v = varint();
    if (v === null || Number.isNaN(v)) return v === null && fields > 0 && firstField === 1;
    if (wire === 2) {
      if (i + v > bytes.length) return firstField === 1 || fields > 0; // cut short inside a field
      i += v;
    }
    if (field === 7) graph = true;
    fields++;
  }
  return graph;
}

// --- CSV ----------------------------------------------------------------------------------------

const isNumber = (s: string): boolean => s.trim() !== '' && Number.isFinite(Number(s.trim()));

/** Comma-separated rows of the same width (≥ 2), at least two of them, each data row with a number. */
export function looksLikeCsv(text: string): boolean {
  const lines = text.split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').slice(0, 50);
  if (lines.length < 2) return false;
  const rows = lines.map(splitLine);
  const width = rows[0]!.length;
  if (width < 2 || rows.some((r) => r.length !== width)) return false;
  return rows.slice(1).every((r) => r.some(isNumber));
}

/** One CSV line's cells (quotes honoured; a quoted line break is rare in the head and may misalign). */
function splitLine(line: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      out.push(cell);
      cell = '';
    } else cell += c;
  }
  out.push(cell);
  return out;
}

// --- where JSON breaks --------------------------------------------------------------------------

/**
 * `line 3, column 14: expected "," or "}" after a property value` — where `JSON.parse` fails,
 * found by a small JSON reader of our own (engines word and place their errors differently).
 */
export function jsonErrorAt(text: string): string {
  const r = new JsonLocator(text).run();
  const before = text.slice(0, r.at);
  const line = (before.match(/\r\n|\n|\r/g)?.length ?? 0) + 1;
  const column = r.at - Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
  return `line ${line}, column ${column}: ${r.message}`;
}

class JsonFail {
  constructor(
    readonly at: number,
    readonly message: string,
  ) {}
}

class JsonLocator {
  private i = 0;
  constructor(private readonly s: string) {}

  run(): { at: number; message: string } {
    try {
      this.ws();
      this.value();
      this.ws();
      if (this.i < this.s.length) this.fail(`unexpected ${this.what()} after the end of the JSON value`);
      return { at: this.s.length, message: 'the JSON could not be read' };
    } catch (e) {
      if (e instanceof JsonFail) return { at: e.at, message: e.message };
      throw e;
    }
  }

  private fail(message: string): never {
    throw new JsonFail(this.i, message);
  }

  private what(): string {
    if (this.i >= this.s.length) return 'end of the file';
    const c = this.s[this.i]!;
    return /[\u0000-\u001f]/.test(c) ? `character U+${c.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}` : `'${c}'`;
  }

  private ws(): void {
    while (this.i < this.s.length && ' \t\n\r'.includes(this.s[this.i]!)) this.i++;
  }

  private value(): void {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    this.fail(this.i >= this.s.length ? 'the file ends where a value should be (is it cut short?)' : `unexpected ${this.what()} where a value should be`);
  }

  private object(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail(this.i >= this.s.length ? 'the file ends inside an object (is it cut short?)' : `expected a property name in double quotes, found ${this.what()}`);
      this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail(`expected ':' after a property name, found ${this.what()}`);
      this.i++;
      this.ws();
      this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === '}') {
        this.i++;
        return;
      }
      this.fail(this.i >= this.s.length ? 'the file ends inside an object (is it cut short?)' : `expected ',' or '}' after a property value, found ${this.what()}`);
    }
  }

  private array(): void {
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      this.value();
      this.ws();
      const c = this.s[this.i];
      if (c === ',') {
        this.i++;
        continue;
      }
      if (c === ']') {
        this.i++;
        return;
      }
      this.fail(this.i >= this.s.length ? 'the file ends inside a list (is it cut short?)' : `expected ',' or ']' after a list element, found ${this.what()}`);
    }
  }

  private string(): void {
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === '\\') {
        const n = this.s[this.i + 1];
        if (n === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.s.slice(this.i + 2, this.i + 6))) this.fail('a \\u escape needs four hex digits');
          this.i += 6;
          continue;
        }
        if (n === undefined || !'"\\/bfnrt'.includes(n)) this.fail(`invalid escape in a string`);
        this.i += 2;
        continue;
      }
      if (c < ' ') this.fail(`a string holds ${this.what()} (control characters must be escaped)`);
      this.i++;
    }
    this.fail('the file ends inside a string (is it cut short?)');
  }

  private number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m || m[0] === '-') this.fail(`invalid number`);
    this.i += m[0].length;
  }
}
