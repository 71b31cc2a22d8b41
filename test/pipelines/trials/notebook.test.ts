import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNotebook } from '../../../src/notebook/run-notebook';
import { failures, shown } from '../notebook-output';
import { isProcessAlive } from '../../../src/process-alive';
import { readServiceStates } from '../../../src/service/service-state-file';

/** `notebooks/04-trials.ipynb`, run headlessly in a real tslab kernel. */
const NOTEBOOK = path.resolve(__dirname, '../../../notebooks/04-trials.ipynb');

describe('notebooks/04-trials.ipynb', function () {
  this.timeout(300_000);
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-trials-nb-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when run headlessly', () => {
    it('runs every cell, backtests 6 then only the 4 new trials, names the prod stress test, and leaves no trader running', async () => {
      const state = path.join(tmp, 'state');
      const out = path.join(tmp, 'out.ipynb');
      assert.deepEqual(failures(await runNotebook(NOTEBOOK, { outPath: out, env: { DAGBOOK_STATE_DIR: state } })), []);
      assert.match(shown(out, 'const first ='), /stage total succeeded failed cached blocked skipped deleted backtest 6 6 0 0 0 0 0 deploy 3 3 0 0 0 0 0/);
      assert.match(shown(out, 'const incremental'), /backtest 10 4 0 6 0 0 0 deploy 3 1 0 2 0 0 1/);
      assert.match(shown(out, 'const prod ='), /environment: prod \(from environments\.prod \): enables stress .* stress will run 10 new, 0 changed, 0 deleted, 0 unchanged, 0 failed last time — 10 will run; enabled by environment prod /);
      const services = readServiceStates(path.join(state, 'trials'));
      assert.deepEqual(services.map((s) => s.status), ['stopped', 'stopped', 'stopped', 'stopped']);
      assert.deepEqual(services.filter((s) => s.pid !== undefined && isProcessAlive(s.pid)).map((s) => s.name), []);
    });
  });
});
