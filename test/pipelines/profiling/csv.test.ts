import assert from 'node:assert/strict';
import * as path from 'node:path';
import { isCsvFormatError, parseCsv, type CsvErrorCode } from '../../../pipelines/profiling/csv';
import { readRawTable } from '../../../pipelines/profiling/raw-table';
import { tempTables } from './fixtures';

/** Asserts that `fn` throws a CsvFormatError with exactly these fields and message. */
function assertCsvError(fn: () => unknown, expected: { code: CsvErrorCode; file: string; row: number; line: number; message: string }): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isCsvFormatError(e), `expected a CsvFormatError, got ${String(e)}`);
    assert.deepEqual({ code: e.code, file: e.file, row: e.row, line: e.line, message: e.message }, expected);
    return true;
  });
}

describe('parseCsv', () => {
  describe('when fields are plain', () => {
    it('splits rows on LF and fields on commas', () => {
      assert.deepEqual(parseCsv('a,b\n1,2\n', 'f.csv'), { header: ['a', 'b'], rows: [['1', '2']], delimiter: ',' });
    });
    it('accepts CRLF line ends and a missing final newline', () => {
      assert.deepEqual(parseCsv('a,b\r\n1,2\r\n3,4', 'f.csv').rows, [['1', '2'], ['3', '4']]);
    });
    it('keeps empty fields, including a trailing one', () => {
      assert.deepEqual(parseCsv('a,b,c\n1,,\n', 'f.csv').rows, [['1', '', '']]);
    });
    it('drops a leading byte-order mark and blank lines, and reads a one-column file with `,`', () => {
      assert.deepEqual(parseCsv('\ufeffa\n\n1\n\n', 'f.csv'), { header: ['a'], rows: [['1']], delimiter: ',' });
    });
    it('keeps a row shorter than the header as it is', () => {
      assert.deepEqual(parseCsv('a,b,c\n1,2\n', 'f.csv').rows, [['1', '2']]);
    });
    it('reads an empty text as no header and no rows', () => {
      assert.deepEqual(parseCsv('', 'f.csv'), { header: [], rows: [], delimiter: ',' });
    });
  });

  describe('when the delimiter is not a comma', () => {
    it('sniffs semicolons, keeping decimal commas inside fields', () => {
      assert.deepEqual(parseCsv('name;price\nbread;2,50\nmilk;1,20\n', 'prices.csv'), { header: ['name', 'price'], rows: [['bread', '2,50'], ['milk', '1,20']], delimiter: ';' });
    });
    it('sniffs tabs', () => {
      assert.deepEqual(parseCsv('id\tcity\n1\tOslo, Norway\n2\tBergen\n', 'cities.csv'), { header: ['id', 'city'], rows: [['1', 'Oslo, Norway'], ['2', 'Bergen']], delimiter: '\t' });
    });
    it('sniffs pipes', () => {
      assert.deepEqual(parseCsv('a|b\n1|2\n', 'f.csv'), { header: ['a', 'b'], rows: [['1', '2']], delimiter: '|' });
    });
  });

  describe('when fields are quoted', () => {
    it('keeps embedded commas, doubled quotes and newlines', () => {
      assert.deepEqual(parseCsv('name,note\n"Smith, J","said ""hi""\nthen left"\n', 'f.csv').rows, [['Smith, J', 'said "hi"\nthen left']]);
    });
    it('keeps an embedded CRLF inside quotes', () => {
      assert.deepEqual(parseCsv('a\r\n"x\r\ny"\r\n', 'f.csv').rows, [['x\r\ny']]);
    });
    it('keeps newlines inside quoted fields of a semicolon file', () => {
      assert.deepEqual(parseCsv('id;note\n1;"two\nlines"\n2;plain\n', 'f.csv'), { header: ['id', 'note'], rows: [['1', 'two\nlines'], ['2', 'plain']], delimiter: ';' });
    });
    it('reads a quoted empty field as an empty string', () => {
      assert.deepEqual(parseCsv('a,b\n"",2\n', 'f.csv').rows, [['', '2']]);
    });
  });

  describe('when a quote is never closed', () => {
    it('throws CSV_UNTERMINATED_QUOTE naming the file, the row and the line where the quote opens', () => {
      assertCsvError(() => parseCsv('a,b\n1,2\n3,"oops\n5,6\n7,8\n', 'data/broken.csv'), {
        code: 'CSV_UNTERMINATED_QUOTE',
        file: 'data/broken.csv',
        row: 2,
        line: 3,
        message: 'CSV file `data/broken.csv`, row 2 (line 3): a quoted field is never closed',
      });
    });
    it('counts the lines of earlier quoted newlines and blank lines', () => {
      assertCsvError(() => parseCsv('a,b\n"x\ny",1\n\n2,"z\n', 'f.csv'), {
        code: 'CSV_UNTERMINATED_QUOTE',
        file: 'f.csv',
        row: 2,
        line: 5,
        message: 'CSV file `f.csv`, row 2 (line 5): a quoted field is never closed',
      });
    });

    it('names row 2 when the quote opens its first field', () => {
      assertCsvError(() => parseCsv('a,b\n1,2\n"x,3\n', 'f.csv'), {
        code: 'CSV_UNTERMINATED_QUOTE',
        file: 'f.csv',
        row: 2,
        line: 3,
        message: 'CSV file `f.csv`, row 2 (line 3): a quoted field is never closed',
      });
    });
  });

  describe('when a row is malformed', () => {
    it('throws CSV_MALFORMED_QUOTE for text after a closing quote', () => {
      assertCsvError(() => parseCsv('a,b\n1,"x"y\n', 'f.csv'), {
        code: 'CSV_MALFORMED_QUOTE',
        file: 'f.csv',
        row: 1,
        line: 2,
        message: 'CSV file `f.csv`, row 1 (line 2): text follows the closing quote of a quoted field',
      });
    });
    it('throws CSV_MALFORMED_ROW naming the line past blank lines', () => {
      assertCsvError(() => parseCsv('a,b\n\n1,2\n\n2,3,4\n', 'f.csv'), {
        code: 'CSV_MALFORMED_ROW',
        file: 'f.csv',
        row: 2,
        line: 5,
        message: "CSV file `f.csv`, row 2 (line 5): expected at most 2 fields (the header's), got 3",
      });
    });
    it('throws CSV_MALFORMED_ROW for a row longer than the header, past quoted newlines', () => {
      assertCsvError(() => parseCsv('a,b\n"p\nq",1\n2,3,4\n', 'f.csv'), {
        code: 'CSV_MALFORMED_ROW',
        file: 'f.csv',
        row: 2,
        line: 4,
        message: "CSV file `f.csv`, row 2 (line 4): expected at most 2 fields (the header's), got 3",
      });
    });
  });

  describe('when read through the table reader', () => {
    it('names the file path in the error', async () => {
      const dir = tempTables({ 'bad.csv': 'a,b\n1,"2\n' });
      const file = path.join(dir, 'bad.csv');
      await assert.rejects(readRawTable(file), { message: `CSV file \`${file}\`, row 1 (line 2): a quoted field is never closed` });
    });
  });
});
