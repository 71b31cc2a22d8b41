import assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseRawTable, readRawTable, sha256Hex, tableFileInfo } from '../../../pipelines/profiling/raw-table';
import { tempTables } from './fixtures';

describe('raw-table', () => {
  describe('when the format is CSV', () => {
    it('pads short rows with null', () => {
      const t = parseRawTable('t', 'csv', 'a,b,c\n1,2\n', 'h', 10);
      assert.deepEqual(t.header, ['a', 'b', 'c']);
      assert.deepEqual(t.rows, [['1', '2', null]]);
    });
  });
  describe('when the format is JSON', () => {
    it('takes the union of keys in order of first appearance and keeps JSON values', () => {
      const t = parseRawTable('t', 'json', '[{"a":1,"b":true},{"c":"x","a":null}]', 'h', 10);
      assert.deepEqual(t.header, ['a', 'b', 'c']);
      assert.deepEqual(t.rows, [[1, true, null], [null, null, 'x']]);
    });
    it('rejects a document that is not an array of objects', () => {
      assert.throws(() => parseRawTable('t', 'json', '{"a":1}', 'h', 7), /Expected JSON table `t` to be an array of objects/);
    });
  });
  describe('when reading a file', () => {
    it('names the table after the file and hashes its bytes', async () => {
      const dir = tempTables({ 'my_table.csv': 'x\n1\n' });
      const t = await readRawTable(path.join(dir, 'my_table.csv'));
      assert.equal(t.name, 'my_table');
      assert.equal(t.sha256, sha256Hex('x\n1\n'));
      assert.equal(t.bytes, 4);
    });
    it('rejects an unknown extension', async () => {
      await assert.rejects(readRawTable('/tmp/x.txt'), /Expected a `.csv` or `.json` table file, got `\/tmp\/x.txt`/);
    });
    it('recognises .csv and .json only', () => {
      assert.deepEqual(tableFileInfo('/a/b/Data.JSON'), { name: 'Data', format: 'json' });
      assert.equal(tableFileInfo('a.tsv'), undefined);
    });
  });
});
