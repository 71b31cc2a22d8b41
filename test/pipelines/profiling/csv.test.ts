import assert from 'node:assert/strict';
import { parseCsv } from '../../../pipelines/profiling/csv';

describe('parseCsv', () => {
  describe('when fields are plain', () => {
    it('splits rows on LF and fields on commas', () => {
      assert.deepEqual(parseCsv('a,b\n1,2\n'), [['a', 'b'], ['1', '2']]);
    });
    it('accepts CRLF line ends and a missing final newline', () => {
      assert.deepEqual(parseCsv('a,b\r\n1,2\r\n3,4'), [['a', 'b'], ['1', '2'], ['3', '4']]);
    });
    it('keeps empty fields, including a trailing one', () => {
      assert.deepEqual(parseCsv('a,b,c\n1,,\n'), [['a', 'b', 'c'], ['1', '', '']]);
    });
    it('drops a leading byte-order mark and blank lines', () => {
      assert.deepEqual(parseCsv('\ufeffa\n\n1\n\n'), [['a'], ['1']]);
    });
  });
  describe('when fields are quoted', () => {
    it('keeps embedded commas, doubled quotes and newlines', () => {
      assert.deepEqual(parseCsv('name,note\n"Smith, J","said ""hi""\nthen left"\n'), [
        ['name', 'note'],
        ['Smith, J', 'said "hi"\nthen left'],
      ]);
    });
    it('keeps an embedded CRLF inside quotes', () => {
      assert.deepEqual(parseCsv('a\r\n"x\r\ny"\r\n'), [['a'], ['x\r\ny']]);
    });
    it('reads a quoted empty field as an empty string', () => {
      assert.deepEqual(parseCsv('a,b\n"",2\n'), [['a', 'b'], ['', '2']]);
    });
  });
});
