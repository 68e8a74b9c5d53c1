import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, parseCsvHead, safeFileName, splitCsv } from './files';

describe('splitCsv', () => {
  it('handles quotes, escaped quotes, CRLF and a BOM', () => {
    expect(splitCsv('\ufeffa,"b,c","say ""hi"""\r\n1,2,3\n')).toEqual([
      ['a', 'b,c', 'say "hi"'],
      ['1', '2', '3'],
    ]);
  });
  it('stops after the records asked for and skips blank lines', () => {
    expect(splitCsv('a\n\nb\nc\nd', 2)).toEqual([['a'], ['b']]);
  });
});

describe('parseCsvHead', () => {
  it('finds a header row and the first rows', () => {
    const h = parseCsvHead('sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n', 5);
    expect(h.hasHeader).toBe(true);
    expect(h.columns).toEqual(['sepal_length', 'sepal_width', 'species']);
    expect(h.rows).toEqual([
      ['5.1', '3.5', 'setosa'],
      ['4.9', '3.0', 'setosa'],
    ]);
  });
  it('numbers the columns when row 1 is data', () => {
    const h = parseCsvHead('0,0,0\n0,1,1\n1,0,1\n1,1,0', 2);
    expect(h.hasHeader).toBe(false);
    expect(h.columns).toEqual(['column 1', 'column 2', 'column 3']);
    expect(h.rows).toHaveLength(2);
    expect(h.rows[0]).toEqual(['0', '0', '0']);
  });
  it('does not take a text label column for a header', () => {
    const h = parseCsvHead('1.0,2.0,cat\n3.0,4.0,dog\n');
    expect(h.hasHeader).toBe(false);
  });
});

describe('base64', () => {
  it('round-trips bytes, including large arrays', () => {
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7919) % 256);
    const b64 = bytesToBase64(bytes);
    expect(b64).toBe(Buffer.from(bytes).toString('base64'));
    expect(base64ToBytes(b64)).toEqual(bytes);
  });
});

describe('safeFileName', () => {
  it('keeps a file name a save dialog accepts', () => {
    expect(safeFileName('XOR with a hidden layer', '.onnx')).toBe('XOR-with-a-hidden-layer.onnx');
    expect(safeFileName('../../etc/passwd', '.onnx')).toBe('etc-passwd.onnx');
    expect(safeFileName('', '.onnx')).toBe('model.onnx');
    expect(safeFileName('model.onnx', '.onnx')).toBe('model.onnx');
  });
});
