import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipelineFile } from '../../src/definition/load-file';
import { compilePipeline } from '../../src/plan/compile';
import { runPipeline } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { runNotebook, type NotebookReport } from '../../src/notebook/run-notebook';

/**
 * The workbench notebooks, run headlessly in a real tslab kernel, with
 * assertions on what their cells rendered.
 */
const root = path.resolve(__dirname, '..', '..');

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
}

function join(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join('') : v ?? '';
}

/** Everything a code cell showed, as plain text (HTML tags stripped, entities decoded). */
function cellText(notebookPath: string, codeCell: number): string {
  const nb = JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
  const cell = nb.cells.filter((c) => c.cell_type === 'code')[codeCell - 1];
  return (cell.outputs ?? [])
    .map((o) => (o.output_type === 'stream' ? join(o.text) : join(o.data?.['text/html']) || join(o.data?.['text/plain'])))
    .join('\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

function assertOk(report: NotebookReport): void {
  assert.deepEqual(
    report.failures.map((f) => `cell ${f.cell} (${f.firstLine}): ${f.detail ?? f.error}`),
    [],
  );
}

describe('workbench notebooks', function () {
  this.timeout(180_000);
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-notebooks-'));
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when the tutorial runs', () => {
    it('shows the failure analysis with its code and next step, a cache hit on re-run, and the changed param in the dry run', async () => {
      const out = path.join(tmp, 'tutorial.ipynb');
      const report = await runNotebook(path.join(root, 'notebooks', '01-tutorial.ipynb'), { outPath: out, env: { DAGBOOK_STATE_DIR: path.join(tmp, 'state') } });
      assertOk(report);
      const cells = report.cells.map((c) => c.firstLine);
      const cellOf = (firstLine: string) => cells.indexOf(firstLine) + 1;

      const broken = cellText(out, cellOf('const broken = await wb.run(\'validate\');'));
      assert.match(broken, /FAILED/);
      assert.match(broken, /NON_RETRYABLE/);
      assert.match(broken, /Next step: fix the input/);
      assert.match(broken, /await wb\.run\('validate'\)/);

      assert.match(cellText(out, cellOf('const again = await wb.run(\'validate\');')), /up to date.*\btrue\b/);
      const plan = cellText(out, cellOf("wb.params('validate', { max: 100 });"));
      assert.match(plan, /param max changed|param `max` changed/);
      const rerun = cellText(out, cellOf("const rerun = await wb.run('summarise');"));
      assert.match(rerun, /validate: SUCCEEDED \(param `max` changed\)/);
      assert.match(rerun, /summarise: CACHED \(up to date\)/);
    });
  });

  describe('when a section runs again in a new kernel (as after a restart)', () => {
    it('is a cache hit, for stages from a pipeline file and for stages defined in a cell', async () => {
      const env = { DAGBOOK_STATE_DIR: path.join(tmp, 'state') };
      const notebook = path.join(__dirname, 'fixtures', 'section.ipynb');
      const first = path.join(tmp, 'first.ipynb');
      const second = path.join(tmp, 'second.ipynb');
      assertOk(await runNotebook(notebook, { outPath: first, env }));
      assertOk(await runNotebook(notebook, { outPath: second, env }));
      assert.match(cellText(first, 2), /\{"upToDate":false,"statuses":\[\["load","SUCCEEDED"\],\["clean","SUCCEEDED"\]\]\}/);
      assert.match(cellText(second, 2), /\{"upToDate":true,"statuses":\[\["load","CACHED"\],\["clean","CACHED"\]\]\}/);
      // Stages defined in a cell: their code fingerprint is the same in the new kernel.
      assert.match(cellText(first, 3), /\{"upToDate":false,"statuses":\[\["numbers","SUCCEEDED"\],\["sorted","SUCCEEDED"\]\]\}/);
      assert.match(cellText(second, 3), /\{"upToDate":true,"statuses":\[\["numbers","CACHED"\],\["sorted","CACHED"\]\]\}/);
    });
  });

  describe('when stages return a Map and a danfojs DataFrame and a new kernel reads them back (as after a restart)', () => {
    it('gives back a Map and a DataFrame with the same columns, dtypes, index and values', async () => {
      const env = { DAGBOOK_STATE_DIR: path.join(tmp, 'state') };
      const notebook = path.join(__dirname, 'fixtures', 'typed-outputs.ipynb');
      const first = path.join(tmp, 'first.ipynb');
      const second = path.join(tmp, 'second.ipynb');
      assertOk(await runNotebook(notebook, { outPath: first, env }));
      assertOk(await runNotebook(notebook, { outPath: second, env }));
      assert.match(cellText(first, 2), /\{"statuses":\[\["lookup","SUCCEEDED"\],\["frame","SUCCEEDED"\]\]\}/);
      assert.match(cellText(second, 2), /\{"statuses":\[\["lookup","CACHED"\],\["frame","CACHED"\]\]\}/);
      const readBack =
        '{"lookupIsMap":true,"lookup":[["a",1],["b",2]],"frameIsDataFrame":true,"columns":["city","temp"],' +
        '"dtypes":["string","float32"],"index":["n","s"],"values":[["Oslo",-3.5],["Lima",19]]}';
      assert.equal(cellText(first, 3).trim(), readBack);
      assert.equal(cellText(second, 3).trim(), readBack);
    });
  });

  describe('when the dry-run notebook runs over a pipeline with history', () => {
    it('names the changed param and runs nothing', async () => {
      const stateDir = path.join(tmp, 'state');
      const pipelineFile = path.join(root, 'pipelines', 'example.yaml');
      const store = await openDurableStore({ stateDir, pipeline: 'orders' });
      const first = await runPipeline(compilePipeline(await loadPipelineFile(pipelineFile)), { store, baseDir: path.dirname(pipelineFile) });
      await store.close();
      assert.equal(first.status, 'SUCCEEDED');
      const runsBefore = fs.readdirSync(path.join(stateDir, 'orders', 'runs'));

      const out = path.join(tmp, 'dry-run.ipynb');
      assertOk(await runNotebook(path.join(root, 'notebooks', '00-dry-run.ipynb'), { outPath: out, env: { DAGBOOK_STATE_DIR: stateDir } }));
      assert.match(cellText(out, 2), /0 of 5 stages would run/);
      const after = cellText(out, 3);
      assert.match(after, /clean\s+will run\s+param (`)?minAmount(`)? changed/);
      const side = cellText(out, 4);
      assert.match(side, /clean skip: up to date run: param `minAmount` changed/);
      assert.match(side, /report skip: up to date run: upstream `by_region`, `by_month` will run/);
      assert.deepEqual(fs.readdirSync(path.join(stateDir, 'orders', 'runs')), runsBefore, 'no run was started');
    });
  });
});
