import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNotebook, type NotebookReport } from '../../src/notebook/run-notebook';
import { runStatuses } from './run-statuses';

/**
 * The workbench notebooks, run headlessly in a real tslab kernel, with
 * assertions on what their cells rendered.
 */
const root = path.resolve(__dirname, '..', '..');
const tutorial = path.join(root, 'notebooks', '01-tutorial.ipynb');

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

/** The code cells' sources of a notebook, in order. */
function codeSources(notebookPath: string): string[] {
  const nb = JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
  return nb.cells.filter((c) => c.cell_type === 'code').map((c) => join(c.source));
}

/** The number (from 1) of the only code cell of a notebook with `line` among its source lines. */
function codeCellWith(notebookPath: string, line: string): number {
  const found = codeSources(notebookPath).flatMap((source, i) => (source.split('\n').includes(line) ? [i + 1] : []));
  assert.equal(found.length, 1, `code cells with the line ${JSON.stringify(line)}: ${found.join(', ')}`);
  return found[0];
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

  describe('when a newcomer reads the welcome notebook', () => {
    it('says, in the markdown before the first import, that the first import reads the built library and takes about a second', () => {
      const nb = JSON.parse(fs.readFileSync(path.join(root, 'notebooks', '00-welcome.ipynb'), 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
      const firstImport = nb.cells.findIndex((c) => c.cell_type === 'code' && join(c.source).includes("from 'dagbook'"));
      const before = nb.cells.slice(0, firstImport).filter((c) => c.cell_type === 'markdown').map((c) => join(c.source)).join('\n');
      assert.match(before, /\*\*The first cell takes about a second\*\* \(the later ones are quick\)/);
      assert.match(before, /the first `import … from 'dagbook'` in a kernel reads the library's declarations \(`dist\/\*\.d\.ts`\) and loads its compiled JavaScript/);
    });
  });

  describe('when the tutorial runs', () => {
    it('shows the failure analysis with its code and next step, a cache hit on re-run, and the changed param in the dry run', async () => {
      const out = path.join(tmp, 'tutorial.ipynb');
      const report = await runNotebook(tutorial, { outPath: out, env: { DAGBOOK_STATE_DIR: path.join(tmp, 'state') } });
      assertOk(report);
      const cellOf = (line: string) => codeCellWith(out, line);

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

    it('says on the first line of every code cell what it needs, and wipes no state unless asked', () => {
      const sources = codeSources(tutorial);
      assert.equal(sources[0].split('\n')[0], '// The definition cell: run it first, and again after every kernel restart.');
      for (const source of sources.slice(1)) assert.match(source.split('\n')[0], /^\/\/ (Optional, needs|Needs) the definition cell \(section 1\)/);
      assert.deepEqual(
        sources.filter((source) => source.includes('wb.reset(')),
        ["// Optional, needs the definition cell (section 1): set startOver to true to forget every stored output and start from scratch.\nconst startOver = false;\nif (startOver) await wb.reset();"],
      );
    });
  });

  describe('when the tutorial ran and a new kernel (as after a restart) runs its definition cell and some sections', () => {
    it('restores their stages from the cache, and the status says `validate` last ran with a definition edited in a cell', async () => {
      const stateDir = path.join(tmp, 'state');
      assertOk(await runNotebook(tutorial, { outPath: path.join(tmp, 'first.ipynb'), env: { DAGBOOK_STATE_DIR: stateDir } }));
      const runsBefore = (await runStatuses(stateDir, 'tutorial')).length;

      // The new kernel runs the tutorial's own cells: the definition, section 3 (fetch), section 9 (status),
      // then section 5 (the fix) and section 6 (summarise). The notebook sits beside the fixtures, where 'dagbook' resolves.
      const sources = codeSources(tutorial);
      const pick = (line: string) => sources[codeCellWith(tutorial, line) - 1];
      const cells = [
        pick('const wb = await openWorkbench(pipeline);'),
        pick("await wb.run('fetch');"),
        pick('await wb.status();'),
        pick('const fixed = await wb.run(\'validate\');'),
        pick("await wb.run('summarise');"),
      ];
      const tutorialJson = JSON.parse(fs.readFileSync(tutorial, 'utf8')) as { metadata: unknown };
      const folder = fs.mkdtempSync(path.join(__dirname, 'fixtures', 'restart-'));
      try {
        const sections = path.join(folder, 'sections.ipynb');
        fs.writeFileSync(
          sections,
          JSON.stringify({
            cells: cells.map((source, i) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null, id: `cell-${i + 1}` })),
            metadata: tutorialJson.metadata,
            nbformat: 4,
            nbformat_minor: 5,
          }),
        );
        const second = path.join(tmp, 'second.ipynb');
        assertOk(await runNotebook(sections, { outPath: second, env: { DAGBOOK_STATE_DIR: stateDir } }));

        assert.deepEqual((await runStatuses(stateDir, 'tutorial')).slice(runsBefore), [
          [['fetch', 'CACHED']],
          [['fetch', 'CACHED'], ['validate', 'CACHED']],
          [['fetch', 'CACHED'], ['validate', 'CACHED'], ['summarise', 'CACHED']],
        ]);
        assert.match(cellText(second, 3), /stage `?validate`? was last run with a definition edited in a cell; the current one differs/);
      } finally {
        fs.rmSync(folder, { recursive: true, force: true });
      }
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

  describe('when the dry-run notebook runs on a fresh clone (no history)', () => {
    it('runs the pipeline once in its scratch state, then shows stages up to date before the param change and the changed param after, with no backticks', async () => {
      const stateDir = path.join(tmp, 'state');
      const out = path.join(tmp, 'dry-run.ipynb');
      assertOk(await runNotebook(path.join(root, 'notebooks', '00-dry-run.ipynb'), { outPath: out, env: { DAGBOOK_STATE_DIR: stateDir } }));
      const scratch = path.join(stateDir, 'scratch-dry-run');
      assert.deepEqual(await runStatuses(scratch, 'orders'), [
        [['load', 'SUCCEEDED'], ['clean', 'SUCCEEDED'], ['by_region', 'SUCCEEDED'], ['by_month', 'SUCCEEDED'], ['report', 'SUCCEEDED']],
      ]);
      assert.equal(fs.existsSync(path.join(stateDir, 'orders')), false, "the pipeline's own state is left alone");

      assert.match(cellText(out, codeCellWith(out, 'const before = await wb.plan();')), /0 of 5 stages would run/);
      const after = cellText(out, codeCellWith(out, 'const after = await wb.plan();'));
      assert.match(after, /clean\s+will run\s+param (`)?minAmount(`)? changed/);
      const side = cellText(out, codeCellWith(out, "    'what a run would do',"));
      assert.match(side, /load skip: up to date skip: up to date/);
      assert.match(side, /clean skip: up to date run: param minAmount changed/);
      assert.match(side, /report skip: up to date run: upstream by_region , by_month will run/);
      assert.doesNotMatch(side, /`/);
    });
  });
});
