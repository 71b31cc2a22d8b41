import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFailures, runNotebook, type NotebookReport } from '../../src/notebook/run-notebook';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(__dirname, 'fixtures');

interface StreamOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
}

function stdoutOf(notebookPath: string, index: number): string {
  const nb = JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as { cells: { outputs?: StreamOutput[] }[] };
  return (nb.cells[index].outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? ''))
    .join('');
}

describe('runNotebook', function () {
  this.timeout(120_000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-nb-test-'));
  });

  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when running the project notebooks', () => {
    const notebooks = fs
      .readdirSync(path.join(root, 'notebooks'))
      .filter((f) => f.endsWith('.ipynb'))
      .sort();

    it('finds at least the welcome notebook', () => {
      assert.ok(notebooks.includes('00-welcome.ipynb'), `notebooks/: ${notebooks.join(', ')}`);
    });

    for (const name of notebooks) {
      it(`runs every cell of notebooks/${name} without error`, async () => {
        const out = path.join(root, 'test-output', 'notebooks', name);
        // Each notebook gets fresh state, so the project's own state/ is left alone.
        const stateDir = fs.mkdtempSync(path.join(tmp, 'state-'));
        const report = await runNotebook(path.join(root, 'notebooks', name), { outPath: out, env: { DAGBOOK_STATE_DIR: stateDir } });
        const failures = report.failures.map((f) => `cell ${f.cell} (${f.firstLine}): ${f.detail ?? f.error}`);
        assert.deepEqual(failures, []);
        assert.ok(report.cells.length > 0);
        assert.ok(fs.existsSync(out), 'the executed notebook is written');
      });
    }
  });

  describe('when a cell fails', () => {
    let report: NotebookReport;
    let out: string;

    before(async () => {
      out = path.join(tmp, 'failing.executed.ipynb');
      report = await runNotebook(path.join(fixtures, 'failing.ipynb'), { outPath: out });
    });

    it('reports the failing cell by its position among all cells, its execution count, first source line and error text', () => {
      assert.equal(report.ok, false);
      assert.equal(report.failures.length, 1);
      const [failure] = report.failures;
      // The fixture opens with a markdown cell: the second code cell is the notebook's third cell.
      assert.equal(failure.cell, 3);
      assert.equal(failure.index, 2);
      assert.equal(failure.executionCount, 2);
      assert.equal(failure.status, 'error');
      assert.equal(failure.firstLine, 'if (rows.length === 3) {');
      assert.equal(failure.error, 'Error: fixture failure: column `price` has 3 negative values');
    });

    it('still executes the cells after it and keeps their output', () => {
      assert.deepEqual(
        report.cells.map((c) => [c.cell, c.executionCount, c.status]),
        [
          [2, 1, 'ok'],
          [3, 2, 'error'],
          [4, 3, 'ok'],
        ],
      );
      const executed = JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: { execution_count?: number | null }[] };
      assert.deepEqual(
        executed.cells.map((c) => c.execution_count ?? null),
        [null, 1, 2, 3],
      );
      assert.equal(stdoutOf(out, 1), 'rows 3\n');
      assert.equal(stdoutOf(out, 3), 'after the failure: 6\n');
    });
  });

  describe('when a cell runs past the per-cell timeout', () => {
    it('reports a timeout for that cell, interrupts it and runs the next cell', async () => {
      const out = path.join(tmp, 'slow.executed.ipynb');
      const report = await runNotebook(path.join(fixtures, 'slow.ipynb'), { outPath: out, cellTimeoutMs: 2000 });
      assert.deepEqual(
        report.cells.map((c) => [c.cell, c.status]),
        [
          [1, 'ok'],
          [2, 'timeout'],
          [3, 'ok'],
        ],
      );
      assert.equal(report.failures[0].error, 'cell 2 timed out after 2 s and was interrupted');
      assert.equal(stdoutOf(out, 2), 'after the slow cell\n');
    });
  });

  describe('when describing the failures', () => {
    it('names each failing cell by position and execution count, and leaves out a count the kernel never gave', () => {
      const cell = { index: 0, firstLine: '', status: 'error' as const, durationMs: 1 };
      const report: NotebookReport = {
        notebook: 'n.ipynb',
        kernel: 'tslab',
        ok: false,
        cells: [],
        failures: [
          { ...cell, cell: 3, index: 2, executionCount: 2, firstLine: 'throw new Error("a")', error: 'Error: a' },
          { ...cell, cell: 7, index: 6, executionCount: null, firstLine: 'await slow()', status: 'timeout', error: 'cell 7 timed out after 2 s' },
        ],
        durationMs: 10,
      };
      assert.equal(describeFailures(report), 'cell 3 [2] (`throw new Error("a")`): Error: a\ncell 7 (`await slow()`): cell 7 timed out after 2 s');
    });
  });

  describe('when the notebook does not exist', () => {
    it('rejects naming the path', async () => {
      await assert.rejects(runNotebook(path.join(tmp, 'missing.ipynb')), /Notebook not found: `.*missing\.ipynb`/);
    });
  });
});
