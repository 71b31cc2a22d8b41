import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { notebookCommand } from '../../src/cli/notebook-command';
import { runNotebook, type NotebookReport } from '../../src/notebook/run-notebook';
import { filesUnder } from '../store/fixtures';
import { runRecords, runStatuses } from './run-statuses';

/**
 * A notebook generated for the profiling example, run headlessly twice in a
 * real tslab kernel with its state in a temp folder: every cell clean, and
 * in the second kernel every stage comes from the cache.
 */
const root = path.resolve(__dirname, '..', '..');
const stageIds = ['import', 'typing', 'statistics', 'relationships', 'temporal', 'statistical_quality', 'correlations', 'semantic', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy', 'report'];

function failures(report: NotebookReport): string[] {
  return report.failures.map((f) => `cell ${f.cell} (${f.firstLine}): ${f.detail ?? f.error}`);
}

describe('a generated notebook', function () {
  this.timeout(300_000);
  let tmp: string;
  let folder: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-generated-'));
    // Inside the project, where the kernel resolves 'dagbook'.
    folder = fs.mkdtempSync(path.join(__dirname, 'fixtures', 'generated-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(folder, { recursive: true, force: true });
  });

  describe("when the profiling example's notebook runs twice in a real kernel", () => {
    it('runs every cell clean, and in the second kernel every stage is restored from the cache', async () => {
      const notebook = path.join(folder, 'profiling.ipynb');
      const said = await notebookCommand('pipelines/profiling.yaml', { cwd: root, out: path.relative(root, notebook) });
      assert.deepEqual(said, [`Wrote ${path.relative(root, notebook)}: 49 cells, a section for each of the 14 stages of \`profiling\`.`]);
      const repoState = filesUnder(path.join(root, 'state'));
      const env = { DAGBOOK_STATE_DIR: path.join(tmp, 'state') };

      const first = await runNotebook(notebook, { outPath: path.join(tmp, 'first.ipynb'), env });
      assert.deepEqual(failures(first), []);
      const firstRuns = await runStatuses(env.DAGBOOK_STATE_DIR, 'profiling');
      const ranInFirst = firstRuns.flat().filter(([, status]) => status === 'SUCCEEDED').map(([id]) => id);
      assert.deepEqual(ranInFirst.sort(), [...stageIds].sort(), 'the first kernel runs each stage once');
      const runsOfFirst = firstRuns.length;
      const second = await runNotebook(notebook, { outPath: path.join(tmp, 'second.ipynb'), env });
      assert.deepEqual(failures(second), []);

      const runs = await runRecords(env.DAGBOOK_STATE_DIR, 'profiling');
      // The second kernel: one run per stage section, then the whole pipeline in the status section.
      assert.equal(runs.length - runsOfFirst, 15);
      const notCached = runs.slice(runsOfFirst).flatMap((run, i) => run.filter((r) => r.status !== 'CACHED').map((r) => `run ${i + 1}: ${r.stageId} ${r.status} (${r.reason})`));
      assert.deepEqual(notCached, []);
      assert.equal(runs[runs.length - 1].length, 14);
      assert.deepEqual(filesUnder(path.join(root, 'state')), repoState, "the project's state/ is left alone");
    });
  });
});
