import assert from 'node:assert/strict';
import { run } from '../../../../pipelines/profiling/phases/import';
import { fakeContext, tempTables } from '../fixtures';

describe('import phase', () => {
  describe('when `files` is not given', () => {
    it('reads every .csv and .json of the folder, by name, with shapes and hashes, reporting progress per table', async () => {
      const dir = tempTables({ 'b.csv': 'x,y\n1,2\n3,4\n', 'a.json': '[{"k":1}]', 'notes.txt': 'skip' });
      const ctx = fakeContext({ dataDir: dir });
      const out = await run(ctx, {});
      assert.deepEqual(out.tables.map((t) => [t.name, t.format, t.rows, t.columns]), [['a', 'json', 1, ['k']], ['b', 'csv', 2, ['x', 'y']]]);
      assert.match(out.tables[1].sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual(ctx.reports.map((r) => [r[0], r[1]]), [[1, 2], [2, 2]]);
    });
  });
  describe('when a param is wrong', () => {
    it('names the param and the value', async () => {
      await assert.rejects(run(fakeContext({ files: 'a.csv' }), {}), /Expected param `files` to be an array of strings, got `"a.csv"`/);
    });
  });
});
