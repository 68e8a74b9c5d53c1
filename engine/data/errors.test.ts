import { describe, expect, it } from 'vitest';
import { EngineError } from '../core/errors';
import { DataError, baseName, fileReadError, formatDataMessage } from './errors';

describe('DataError', () => {
  it('names file, row and column like a person reads them', () => {
    const e = new DataError('"abc" is not a number', { file: '/data/iris.csv', row: 17, column: 'petal_width' });
    expect(e.message).toBe('iris.csv row 17, column "petal_width": "abc" is not a number');
    expect(e.file).toBe('/data/iris.csv');
    expect(e.row).toBe(17);
    expect(e.column).toBe('petal_width');
    expect(e.reason).toBe('"abc" is not a number');
    expect(e.name).toBe('DataError');
    expect(e).toBeInstanceOf(EngineError);
    expect(e).toBeInstanceOf(Error);
  });

  it('formats byte offsets, numeric columns and missing parts', () => {
    expect(formatDataMessage('bad', { file: 'C:\\x\\train-images.gz', byteOffset: 0 })).toBe('train-images.gz: byte 0: bad');
    expect(formatDataMessage('bad', { byteOffset: 12 })).toBe('byte 12: bad');
    expect(formatDataMessage('bad', { row: 3, column: 2 })).toBe('row 3, column 2: bad');
    expect(formatDataMessage('bad', { file: 'a.csv' })).toBe('a.csv: bad');
    expect(formatDataMessage('bad', { file: 'a.csv', row: 4 })).toBe('a.csv row 4: bad');
    expect(formatDataMessage('bad', {})).toBe('bad');
    expect(baseName('/a/b/c.csv')).toBe('c.csv');
    expect(baseName('c.csv')).toBe('c.csv');
  });

  it('turns fs errors into messages', () => {
    const err = Object.assign(new Error('x'), { code: 'ENOENT' });
    expect(fileReadError('/tmp/none.csv', err).message).toBe('none.csv: file not found (looked for /tmp/none.csv)');
    expect(fileReadError('/tmp', Object.assign(new Error('x'), { code: 'EISDIR' })).message).toBe('tmp: is a directory, not a file');
  });
});
