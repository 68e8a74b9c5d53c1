/**
 * Telling files apart by content (Open and drops): each kind, by its bytes rather than its name,
 * and the one-line refusal of garbage, truncated files and broken JSON (with line and column).
 */
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportOnnx } from '../../../engine/onnx/export';
import { parseDocument, type GraphDocument } from '../../../engine/graph/document';
import { jsonErrorAt, looksLikeCsv, looksLikeOnnx, sniffFile } from './sniff';

const xorPath = fileURLToPath(new URL('../../../assets/examples/xor-mlp.json', import.meta.url));
const xorText = readFileSync(xorPath, 'utf8');
const xor = (parseDocument(JSON.parse(xorText)) as { ok: true; document: GraphDocument }).document;
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** An IDX file: magic 0 0 type rank, big-endian dims, then the values. */
function idx(dims: number[], fill = 7): Uint8Array {
  const n = dims.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(4 + 4 * dims.length + n).fill(fill);
  out.set([0, 0, 0x08, dims.length]);
  const v = new DataView(out.buffer);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  return out;
}

describe('sniffFile: what a file is, by content', () => {
  const onnx = exportOnnx(xor).bytes;

  it('a graph document (also under another extension, and with a BOM)', async () => {
    expect(await sniffFile('xor.json', enc(xorText))).toMatchObject({ kind: 'document' });
    expect((await sniffFile('graph.txt', enc(`\uFEFF${xorText}`))).kind).toBe('document');
  });

  it('a trained-model file', async () => {
    const trained = JSON.stringify({ format: 'bpstudio-trained-model', formatVersion: 1, document: xor, weights: {} });
    expect((await sniffFile('xor.trained.json', enc(trained))).kind).toBe('trained');
  });

  it('an ONNX model, also without the .onnx extension (the user saw "Unexpected token \\b" for these)', async () => {
    expect(onnx[0]).toBe(0x08); // ir_version comes first: the '\b' the user saw
    expect(await sniffFile('model.onnx', onnx)).toEqual({ kind: 'onnx' });
    expect(await sniffFile('model.bin', onnx)).toEqual({ kind: 'onnx' });
    expect(await sniffFile('model.json', onnx)).toEqual({ kind: 'onnx' });
    expect(looksLikeOnnx(onnx)).toBe(true);
    // a truncated model still goes to the importer, which says what is wrong with it
    expect(looksLikeOnnx(onnx.subarray(0, onnx.length - 20))).toBe(true);
  });

  it('a CSV table', async () => {
    const csv = 'a,b,label\n0,0,no\n1,1,yes\n0,1,yes\n1,0,no\n';
    expect(await sniffFile('tiny.csv', enc(csv))).toEqual({ kind: 'csv', text: csv });
    expect((await sniffFile('tiny.data', enc('0.5,1,0\r\n0.25,2,1\r\n'))).kind).toBe('csv');
    expect(looksLikeCsv('just one line,1')).toBe(false);
    expect(looksLikeCsv('a,b\n1,2,3\n')).toBe(false);
    expect(looksLikeCsv('hello world\nthis is prose\n')).toBe(false);
  });

  it('IDX images and labels, raw or gzipped; a truncated IDX file is refused', async () => {
    expect(await sniffFile('train-images-idx3-ubyte', idx([3, 4, 4]))).toEqual({ kind: 'idx', role: 'images', dims: [3, 4, 4], gzipped: false });
    expect(await sniffFile('train-labels-idx1-ubyte', idx([3], 1))).toEqual({ kind: 'idx', role: 'labels', dims: [3], gzipped: false });
    expect(await sniffFile('t10k-images-idx3-ubyte.gz', new Uint8Array(gzipSync(idx([2, 28, 28]))))).toEqual({ kind: 'idx', role: 'images', dims: [2, 28, 28], gzipped: true });
    const cut = await sniffFile('train-images-idx3-ubyte', idx([3, 4, 4]).subarray(0, 30));
    expect(cut).toEqual({ kind: 'refused', message: 'train-images-idx3-ubyte is an IDX file of 3×4×4 values but is truncated (30 of 64 bytes)' });
  });

  it('refuses garbage, empty and unknown files in one line that names the file', async () => {
    const garbage = Uint8Array.from({ length: 300 }, (_, i) => (i * 7919 + 13) % 251);
    for (const [name, bytes] of [
      ['garbage.bin', garbage],
      ['empty.json', new Uint8Array(0)],
      ['blank.json', enc('   \n')],
      ['notes.txt', enc('Some notes about my network.\nNothing to open here.\n')],
      ['archive.zip', Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0xff, 0xfe, 0, 1])],
      ['data.json', enc('{"hello": "world"}')],
      ['list.json', enc('[1, 2, 3]')],
      ['other.gz', new Uint8Array(gzipSync(Buffer.from('not an idx file at all')))],
    ] as const) {
      const r = await sniffFile(name, bytes);
      expect(r.kind, name).toBe('refused');
      const message = (r as { message: string }).message;
      expect(message.startsWith(name), message).toBe(true);
      expect(message).not.toContain('\n');
    }
    expect(((await sniffFile('data.json', enc('{"hello": 1}'))) as { message: string }).message).toBe(
      'data.json is JSON but not a Backprop Studio graph (it has no "nodes" list) or trained model',
    );
  });

  it('broken JSON: one line naming the line and column where it breaks', async () => {
    const broken = '{\n  "formatVersion": 2,\n  "nodes": [\n    { "id": "a" "type": "Input" }\n  ]\n}\n';
    expect(await sniffFile('broken.json', enc(broken))).toEqual({
      kind: 'refused', message: `broken.json is not valid JSON: line 4, column 17: expected ',' or '}' after a property value, found '"'`,
    });
    // a file cut short: where it ends
    const cut = xorText.slice(0, 200);
    const lines = cut.split('\n');
    const r = (await sniffFile('xor.json', enc(cut))) as { kind: string; message: string };
    expect(r.kind).toBe('refused');
    expect(r.message).toMatch(new RegExp(`^xor\\.json is not valid JSON: line ${lines.length}, column ${lines[lines.length - 1]!.length + 1}: .*cut short`));
  });

  it('jsonErrorAt agrees with JSON.parse on what is broken', () => {
    for (const bad of ['{', '{"a":}', '[1,2,]', '{"a":1,}', '{"a" 1}', 'nul', '"abc', '{"a":"x\ny"}', '[1 2]', '{} x', '-', '01']) {
      expect(() => JSON.parse(bad), bad).toThrow();
      expect(jsonErrorAt(bad), bad).toMatch(/^line \d+, column \d+: \S/);
    }
    expect(jsonErrorAt('{"a":}')).toBe("line 1, column 6: unexpected '}' where a value should be");
    expect(jsonErrorAt('[1,\n2,\n]')).toBe("line 3, column 1: unexpected ']' where a value should be");
  });
});
