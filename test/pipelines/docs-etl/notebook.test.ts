import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNotebook } from '../../../src/notebook/run-notebook';
import { failures, shown } from '../notebook-output';

/** `notebooks/03-document-etl.ipynb`, run headlessly in a real tslab kernel, twice on one state folder. */
const NOTEBOOK = path.resolve(__dirname, '../../../notebooks/03-document-etl.ipynb');

describe('notebooks/03-document-etl.ipynb', function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-docs-nb-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when run headlessly twice on one state folder', () => {
    it('runs every cell both times and shows the dry run of 5 pages, the 5 reprocessed and the search hit', async () => {
      const env = { DAGBOOK_STATE_DIR: path.join(tmp, 'state') };
      for (const name of ['first.ipynb', 'second.ipynb']) {
        const out = path.join(tmp, name);
        assert.deepEqual(failures(await runNotebook(NOTEBOOK, { outPath: out, env })), [], name);
        assert.match(shown(out, 'await wb.reset();'), /246 pages committed on main at 60bf4f7520ee/);
        assert.match(shown(out, 'const secondPlan'), /stage new changed deleted unchanged failedLastTime toRun parse 2 3 1 242 0 5 chunk 2 3 1 242 0 5 embed 2 3 1 242 0 5 enrich 2 3 1 242 0 5/);
        assert.match(shown(out, 'const incremental'), /parse 247 5 0 242 0 0 1 chunk 247 5 0 242 0 0 1 embed 247 5 0 242 0 0 1 enrich 247 5 0 242 0 0 1/);
        assert.match(shown(out, 'const hits'), /page title heading distance text docs\/expressions\/security\.md Security Security > Security risks > Less vulnerable expression parser/);
      }
    });
  });
});
