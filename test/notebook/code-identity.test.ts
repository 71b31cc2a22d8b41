import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runNotebook } from '../../src/notebook/run-notebook';

/**
 * Code identity in a real tslab kernel: a stage function imported by a cell
 * from a local `.ts` file (which tslab compiles and loads itself, outside
 * `require.cache`) is tracked by its module graph, an edit of its helper is
 * named by the dry run, and the stage refuses to run the old code.
 */
const root = path.resolve(__dirname, '..', '..');

/** A project in a temp dir with `node_modules/dagbook` linked to this package, `lib/stages.ts` importing `lib/helper.ts`, and the notebook. */
function project(cells: readonly string[]): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-nb-code-')));
  fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "nb-code", "private": true }\n');
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(root, path.join(dir, 'node_modules', 'dagbook'), 'dir');
  fs.mkdirSync(path.join(dir, 'lib'));
  fs.writeFileSync(path.join(dir, 'lib', 'helper.ts'), 'export const helper = (n: number) => n * 2;\n');
  fs.writeFileSync(path.join(dir, 'lib', 'stages.ts'), "import { helper } from './helper';\nexport const doubled = () => helper(21);\n");
  const notebook = {
    cells: cells.map((source, i) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null, id: `cell-${i + 1}` })),
    metadata: { kernelspec: { display_name: 'TypeScript (dagbook)', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(path.join(dir, 'code.ipynb'), JSON.stringify(notebook));
  return dir;
}

/** What each code cell printed on stdout. */
function stdoutByCell(notebookPath: string): string[] {
  const nb = JSON.parse(fs.readFileSync(notebookPath, 'utf8')) as { cells: { outputs?: { output_type: string; name?: string; text?: string | string[] }[] }[] };
  return nb.cells.map((c) =>
    (c.outputs ?? [])
      .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
      .map((o) => (Array.isArray(o.text) ? o.text.join('') : o.text ?? ''))
      .join(''),
  );
}

describe('code identity in a tslab kernel', function () {
  this.timeout(120_000);
  let dir: string;

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when a cell imports a stage function from a local .ts file and its helper is edited', () => {
    it('tracks the .ts file and its helper, names the helper in the dry run, and refuses to run the old code', async () => {
      dir = project([
        "import * as fs from 'fs';\nimport { definePipeline, openWorkbench } from 'dagbook';\nimport { doubled } from './lib/stages';",
        "const wb = await openWorkbench(definePipeline({ name: 'code', stages: [{ id: 'doubled', run: doubled }] }), { stateDir: 'state', quiet: true });\n" +
          "const code = wb.compiled().plan.stages.doubled.code;\nconsole.log(JSON.stringify([code?.fixed, Object.keys(code?.parts ?? {}).sort(), code?.untracked]));",
        "const first = await wb.run();\nconsole.log(JSON.stringify([first.stages.doubled.status, await wb.output('doubled')]));",
        "fs.writeFileSync('lib/helper.ts', 'export const helper = (n: number) => n * 3;\\n');\nconst dry = await wb.plan();\nconsole.log(JSON.stringify(dry.rows.map((r) => [r.stageId, r.action, r.reason])));",
        "const second = await wb.run();\nconsole.log(JSON.stringify([second.stages.doubled.status, second.stages.doubled.error?.code, second.stages.doubled.error?.message]));",
      ]);
      const out = path.join(dir, 'code.executed.ipynb');
      const report = await runNotebook(path.join(dir, 'code.ipynb'), { outPath: out });
      assert.deepEqual(report.failures.map((f) => `cell ${f.cell}: ${f.detail ?? f.error}`), []);
      assert.deepEqual(stdoutByCell(out), [
        '',
        '[{"code:fn":"lib/stages.ts#doubled"},["code:file:lib/helper.ts","code:file:lib/stages.ts","code:fn"],[]]\n',
        '["SUCCEEDED",42]\n',
        '[["doubled","run","code changed: lib/helper.ts"]]\n',
        '["FAILED","STAGE_CODE_STALE","Stage `doubled` would run code loaded before `lib/helper.ts` changed, and only the notebook can load it again: ' +
          'restart the kernel (the notebook loads `lib/helper.ts` again, but not `lib/stages.ts`, which imports it)"]\n',
      ]);
    });
  });
});
