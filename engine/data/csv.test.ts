import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachCsvRecord, loadCsvFile, parseCsv, parseCsvRecords, previewCsv } from './csv';
import type { DataWarning } from './errors';
import { dataErrorOf } from '../testing/errors';


const IRIS_HEAD = `sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.3,3.3,6.0,2.5,virginica
4.9,3.0,1.4,0.2,setosa
`;

describe('CSV records (RFC 4180)', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks, and numbers rows by line', () => {
    const recs = parseCsvRecords('a,b\n"x, y","say ""hi"""\n"multi\nline",2\n3,4');
    expect(recs).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['x, y', 'say "hi"'], line: 2 },
      { fields: ['multi\nline', '2'], line: 3 },
      { fields: ['3', '4'], line: 5 },
    ]);
  });

  it('handles CRLF, lone CR, a BOM, blank lines anywhere, and empty trailing fields', () => {
    const recs = parseCsvRecords('\uFEFFa,b\r\n1,2\r\n\r\n3,\r4,5\n\n   \n\n');
    expect(recs).toEqual([
      { fields: ['a', 'b'], line: 1 },
      { fields: ['1', '2'], line: 2 },
      { fields: ['3', ''], line: 4 },
      { fields: ['4', '5'], line: 5 },
    ]);
  });

  it('supports another delimiter and stops when the visitor says so', () => {
    const seen: string[][] = [];
    forEachCsvRecord('1;2\n3;4\n5;6', (f) => {
      seen.push(f);
      return seen.length < 2;
    }, { delimiter: ';' });
    expect(seen).toEqual([['1', '2'], ['3', '4']]);
  });

  it('reports an unterminated quote with its row and column', () => {
    expect(dataErrorOf(() => parseCsvRecords('a,b\n1,"oops\n2,3\n', { file: 'x.csv' })).message).toBe(
      'x.csv row 2, column 2: unterminated quoted field (a `"` opens it and none closes it)',
    );
  });
});

describe('parseCsv', () => {
  it('detects the header, uses the last column as label, numbers classes in sorted order', () => {
    const ds = parseCsv(IRIS_HEAD, { file: 'iris.csv' });
    expect(ds.name).toBe('iris');
    expect(ds.task).toBe('classification');
    expect(ds.numSamples).toBe(4);
    expect(ds.featureShape).toEqual([4]);
    expect(ds.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 0]);
    expect(Array.from(ds.features.slice(0, 4))).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    expect(ds.targetShape).toEqual([]);
    expect(ds.source).toBe('iris.csv');
  });

  it('sorts string classes by name, not by first appearance', () => {
    const ds = parseCsv('x,y\n1,zebra\n2,apple\n3,mango\n4,apple\n');
    expect(ds.classNames).toEqual(['apple', 'mango', 'zebra']);
    expect(Array.from(ds.labels)).toEqual([2, 0, 1, 0]);
  });

  it('reads a file without header; numeric labels are classes in numeric order', () => {
    const warnings: DataWarning[] = [];
    const ds = parseCsv('0,0,-1\n0,1,1\n1,0,1\n1,1,-1\n', { onWarning: (w) => warnings.push(w) });
    expect(ds.featureNames).toBeUndefined();
    expect(ds.task).toBe('classification');
    expect(ds.classNames).toEqual(['-1', '1']);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1, 0]);
    expect(warnings.map((w) => w.message)).toEqual([
      'column 3 holds 2 distinct integers (-1, 1); read as classes (pass task "regression" to read them as numbers)',
    ]);
  });

  it('reads non-integer numeric labels as regression, with targetShape [1]', () => {
    const ds = parseCsv('a,b,price\n1,2,3.5\n2,3,4.25\n3,4,1\n');
    expect(ds.task).toBe('regression');
    expect(ds.targetShape).toEqual([1]);
    expect(ds.targetNames).toEqual(['price']);
    expect(Array.from(ds.labels)).toEqual([3.5, 4.25, 1]);
  });

  it('takes the regression option and several label columns', () => {
    const one = parseCsv('a,y\n1,0\n2,1\n3,0\n', { task: 'regression' });
    expect(one.task).toBe('regression');
    expect(Array.from(one.labels)).toEqual([0, 1, 0]);
    const two = parseCsv('a,y1,b,y2\n1,10,2,20\n3,30,4,40\n', { label: ['y1', 'y2'] });
    expect(two.task).toBe('regression');
    expect(two.targetShape).toEqual([2]);
    expect(two.featureNames).toEqual(['a', 'b']);
    expect(Array.from(two.features)).toEqual([1, 2, 3, 4]);
    expect(Array.from(two.labels)).toEqual([10, 20, 30, 40]);
  });

  it('chooses feature and label columns by name or index (negative from the end)', () => {
    const text = 'id,kind,w,h\n1,cat,2,3\n2,dog,4,5\n';
    const ds = parseCsv(text, { label: 'kind', features: ['h', 2] });
    expect(ds.featureNames).toEqual(['h', 'w']);
    expect(Array.from(ds.features)).toEqual([3, 2, 5, 4]);
    expect(ds.classNames).toEqual(['cat', 'dog']);
    const byIndex = parseCsv(text, { label: 1, features: [-1] });
    expect(byIndex.featureNames).toEqual(['h']);
  });

  it('honours fixed classNames and rejects a label outside them', () => {
    const ds = parseCsv('x,c\n1,b\n2,a\n', { classNames: ['b', 'a', 'c'] });
    expect(Array.from(ds.labels)).toEqual([0, 1]);
    expect(ds.classNames).toEqual(['b', 'a', 'c']);
    expect(dataErrorOf(() => parseCsv('x,c\n1,b\n2,z\n', { classNames: ['a', 'b'], file: 't.csv' })).message).toBe(
      't.csv row 3, column "c": "z" is not one of the classes a, b',
    );
  });

  it('allows a single class, with a warning', () => {
    const warnings: DataWarning[] = [];
    const ds = parseCsv('x,c\n1,a\n2,a\n', { file: 'one.csv', onWarning: (w) => warnings.push(w) });
    expect(ds.classNames).toEqual(['a']);
    expect(warnings).toEqual([
      { message: 'column "c" has a single class "a"; a classifier has nothing to tell apart', file: 'one.csv', column: 'c' },
    ]);
  });

  it('forces or suppresses the header', () => {
    expect(parseCsv('1,2\n3,4\n', { header: true }).featureNames).toEqual(['1']);
    const e = dataErrorOf(() => parseCsv('a,b\n1,2\n', { header: false, file: 'h.csv' }));
    expect(e.message).toBe('h.csv row 1, column 1: "a" is not a number');
  });

  it('keeps quoted numbers and spaces around numbers', () => {
    const ds = parseCsv('a,b\n" 1.5 ", 2 \n"-3e1",4\n', { task: 'regression' });
    expect(Array.from(ds.features)).toEqual([1.5, -30]);
  });

  describe('errors name the file, row and column', () => {
    it('empty file, blank file, header only', () => {
      expect(dataErrorOf(() => parseCsv('', { file: 'e.csv' })).message).toBe('e.csv: the file is empty');
      expect(dataErrorOf(() => parseCsv('')).message).toBe('the CSV text is empty');
      expect(dataErrorOf(() => parseCsv('\n \r\n\n', { file: 'e.csv' })).message).toBe('e.csv: the file has only blank lines');
      expect(dataErrorOf(() => parseCsv('a,b,c\n\n', { file: 'e.csv' })).message).toBe('e.csv: no data rows after the header (row 1)');
    });

    it('ragged rows', () => {
      const e = dataErrorOf(() => parseCsv('a,b,c,d,e\n1,2,3,4,x\n\n1,2,3\n', { file: 'r.csv' }));
      expect(e.message).toBe('r.csv row 4: has 3 fields, expected 5 (as in row 1)');
      expect(e.row).toBe(4);
      expect(e.column).toBeUndefined();
    });

    it('non-numeric and empty cells', () => {
      const text = IRIS_HEAD.replace('7.0,3.2,4.7,1.4', '7.0,3.2,4.7,abc');
      const e = dataErrorOf(() => parseCsv(text, { file: '/some/dir/iris.csv' }));
      expect(e.message).toBe('iris.csv row 3, column "petal_width": "abc" is not a number');
      expect([e.file, e.row, e.column, e.reason]).toEqual(['/some/dir/iris.csv', 3, 'petal_width', '"abc" is not a number']);
      expect(dataErrorOf(() => parseCsv('a,b,y\n1,,0\n2,3,1\n', { file: 'm.csv' })).message).toBe(
        'm.csv row 2, column "b": empty cell (missing value)',
      );
      expect(dataErrorOf(() => parseCsv('1,2,a\n1,2,\n')).message).toBe('row 2, column 3: empty label (missing value)');
      expect(dataErrorOf(() => parseCsv('a,y\n1e39,1\n2,0\n')).message).toBe('row 2, column "a": 1e39 is too large for a 32-bit float');
      expect(dataErrorOf(() => parseCsv('a,y\n1,2\n3,q\n', { task: 'regression' })).message).toBe('row 3, column "y": "q" is not a number');
    });

    it('bad column choices', () => {
      const text = 'a,b,a2,y\n1,2,3,4\n';
      expect(dataErrorOf(() => parseCsv(text, { label: 'z', file: 'c.csv' })).message).toBe(
        'c.csv: unknown column "z"; the columns are "a", "b", "a2", "y"',
      );
      expect(dataErrorOf(() => parseCsv(text, { label: 4 })).message).toBe(
        'column index 4 is out of range: the file has 4 columns (indices 0..3, or -4..-1 from the end)',
      );
      expect(dataErrorOf(() => parseCsv(text, { features: ['a', 'y'] })).message).toBe('column "y" is both the label and a feature');
      expect(dataErrorOf(() => parseCsv(text, { features: ['a', 0] })).message).toBe('column "a" is listed twice in features');
      expect(dataErrorOf(() => parseCsv('1,2\n3,4\n', { label: 'y' })).message).toBe(
        'column "y" is named, but the file has no header row; give a 0-based column index instead',
      );
      expect(dataErrorOf(() => parseCsv('a,a,y\n1,2,3\n', { features: ['a'] })).message).toBe(
        'column name "a" is ambiguous: columns 1 and 2 have it; give a 0-based index instead',
      );
      expect(dataErrorOf(() => parseCsv('y\n1\n2\n')).message).toBe('no feature columns: the file has 1 column, all used as the label');
      expect(dataErrorOf(() => parseCsv('a,b,c\n1,2,3\n', { label: ['b', 'c'], task: 'classification' })).message).toBe(
        'classification takes one label column, got 2',
      );
    });
  });

  it('parses 200,000 rows in linear time', () => {
    const n = 200_000;
    const lines = ['f1,f2,f3,f4,label'];
    for (let i = 0; i < n; i++) lines.push(`${i},${(i % 97) / 10},${-i},"${i % 7}.5",${i % 3 === 0 ? 'a' : 'b'}`);
    const text = lines.join('\r\n');
    const t0 = performance.now();
    const ds = parseCsv(text);
    const ms = performance.now() - t0;
    expect(ds.numSamples).toBe(n);
    expect(ds.features.length).toBe(4 * n);
    expect(ds.features[4 * (n - 1)]).toBe(n - 1);
    expect(ds.features[4 * (n - 1) + 3]).toBe(((n - 1) % 7) + 0.5);
    expect(ds.labels[n - 1]).toBe((n - 1) % 3 === 0 ? 0 : 1);
    expect(ms).toBeLessThan(10_000);
  });
});

describe('previewCsv', () => {
  it('shows the header, the first rows and which columns are numeric', () => {
    const p = previewCsv(IRIS_HEAD, { maxRows: 2 });
    expect(p.hasHeader).toBe(true);
    expect(p.columnCount).toBe(5);
    expect(p.rows.map((r) => r.line)).toEqual([2, 3]);
    expect(p.numericColumns).toEqual([true, true, true, true, false]);
    expect(previewCsv('1,2\n3,4').columnNames).toEqual(['column 1', 'column 2']);
  });
});

describe('loadCsvFile', () => {
  it('reads a file and names it in messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bp-csv-'));
    const good = join(dir, 'gates.csv');
    writeFileSync(good, 'x1,x2,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n');
    const ds = loadCsvFile(good);
    expect(ds.name).toBe('gates');
    expect(ds.source).toBe(good);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1, 0]);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'x1,x2,y\n0,0,0\n0,1\n');
    expect(dataErrorOf(() => loadCsvFile(bad)).message).toBe('bad.csv row 3: has 2 fields, expected 3 (as in row 1)');
    expect(dataErrorOf(() => loadCsvFile(join(dir, 'none.csv'))).message).toBe(`none.csv: file not found (looked for ${join(dir, 'none.csv')})`);
  });
});
