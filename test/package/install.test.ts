import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { markedJson, node, npm, packAndInstall, removePackedProject, repositoryRoot as root, type PackResult, type PackedProject } from './package-fixture';
import { describeWorkbenchProject } from './workbench-project';

/**
 * The package as a user gets it. `before` packs this repository and installs
 * the tarball into a fresh `npm init -y` project (`package-fixture.ts`), once
 * for every case here: plain Node, the `dagbook` command, tslab's TypeScript
 * 5.0 reading the declarations, and then a user's whole flow from `dagbook
 * init` to notebooks run in a real kernel (`workbench-project.ts`).
 */

describe('the packed package', function () {
  this.timeout(600_000);
  let fixture: PackedProject | undefined;
  let project: string;
  let packed: PackResult;

  before(() => {
    fixture = packAndInstall();
    ({ project, packed } = fixture);
  });

  after(() => {
    removePackedProject(fixture);
  });

  describe('when its files are listed', () => {
    it('ships dist/ (JavaScript, declarations, the worker script), bin/, the set-up, the project template, the notebook runner, README and package.json only', () => {
      const files = packed.files.map((f) => f.path).sort();
      assert.deepEqual(
        files.filter((f) => !f.startsWith('dist/')),
        [
          'README.md',
          'bin/dagbook.js',
          'jupyter/overrides.json',
          'package.json',
          'requirements-dev.txt',
          'scripts/nb_run.py',
          'setup/project-setup.js',
          'templates/project/gitignore',
          'templates/project/notebooks/00-welcome.ipynb',
          'templates/project/pipelines/data/readings.csv',
          'templates/project/pipelines/starter.yaml',
          'templates/project/pipelines/starter/stages.ts',
          'templates/project/state/README.md',
          'templates/project/tsconfig.json',
        ],
      );
      for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/execute/stage-worker.js']) assert.ok(files.includes(file), file);
      // The repository's tests, benchmarks, notebooks, example pipelines and their data stay out; the template's starter project (a 19-line CSV) is what `dagbook init` writes.
      assert.deepEqual(files.filter((f) => /^(test|bench|notebooks|pipelines|state|src|docs)\//.test(f) || (!f.startsWith('templates/') && /(^|\/)(pipelines\/data|state)\//.test(f))), []);
      assert.deepEqual(files.filter((f) => f.startsWith('dist/') && !/\.(js|d\.ts)$/.test(f)), []);
    });
  });

  describe('when installed into a fresh project from the registries', () => {
    it('brings the runtime dependencies only: no danfojs, xlsx, tslab or example packages', () => {
      const installed = fs.readdirSync(path.join(project, 'node_modules'));
      for (const name of ['danfojs', 'xlsx', 'tslab', 'date-fns', 'papaparse', 'vega-datasets', 'typescript', 'mocha']) {
        assert.equal(installed.includes(name), false, `${name} is installed`);
      }
      for (const name of ['dagbook', 'zod', 'lowdb', 'yaml', 'commander', 'tsx', 'esbuild']) assert.ok(installed.includes(name), `${name} is missing`);
    });

    it('loads with require() in plain Node, from dist/', () => {
      const out = node("process.stdout.write(JSON.stringify({ version: require('dagbook').VERSION, file: require.resolve('dagbook') }))", project);
      const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
      assert.deepEqual(JSON.parse(out), { version, file: fs.realpathSync(path.join(project, 'node_modules', 'dagbook', 'dist', 'index.js')) });
    });

    it('runs a pipeline defined in plain Node, then restores it from cache', () => {
      const script = `
        const { definePipeline, openWorkbench } = require('dagbook');
        const pipeline = definePipeline({ name: 'hello', stages: [
          { id: 'greet', run: () => 'hello' },
          { id: 'shout', deps: ['greet'], run: (_ctx, inputs) => inputs.greet.toUpperCase() + '!' },
        ] });
        (async () => {
          const wb = await openWorkbench(pipeline, { stateDir: 'state', quiet: true, sink: () => {} });
          const first = await wb.run();
          const second = await wb.run();
          const statuses = (r) => Object.fromEntries(Object.entries(r.stages).map(([id, s]) => [id, s.status]));
          process.stdout.write('RESULT ' + JSON.stringify({ first: statuses(first), second: statuses(second), output: await wb.output('shout') }) + '\\n');
        })().catch((e) => { console.error(e); process.exit(1); });`;
      assert.deepEqual(markedJson(node(script, project), 'RESULT '), {
        first: { greet: 'SUCCEEDED', shout: 'SUCCEEDED' },
        second: { greet: 'CACHED', shout: 'CACHED' },
        output: 'HELLO!',
      });
    });

    it('answers `npx dagbook --help`', () => {
      assert.match(npm('npx', ['dagbook', '--help'], project), /^Usage: dagbook \[options\] \[command\]\n/);
    });

    it('runs a pipeline file whose stages are a TypeScript module with `npx dagbook run`, the second time from cache', () => {
      const dir = path.join(project, 'pipelines');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(
        path.join(dir, 'sum.ts'),
        'export function load(): number[] {\n  return [1, 2, 3];\n}\n\nexport function total(_ctx: unknown, inputs: { load?: unknown }): number {\n  return (inputs.load as number[]).reduce((a, b) => a + b, 0);\n}\n',
      );
      fs.writeFileSync(path.join(dir, 'sum.yaml'), 'name: sum\nstages:\n  load:\n    fn: ./sum.ts#load\n  total:\n    fn: ./sum.ts#total\n    deps: [load]\n');
      const first = npm('npx', ['dagbook', 'run', 'pipelines/sum.yaml', '--state-dir', 'state'], project);
      assert.match(first, /stages: 2 succeeded; cache hits 0 of 2/);
      const second = npm('npx', ['dagbook', 'run', 'pipelines/sum.yaml', '--state-dir', 'state'], project);
      assert.match(second, /all 2 stages are up to date/);
    });

    it('refuses DataFrames without danfojs, naming the package and the override to add', () => {
      const script = `
        const { definePipeline, openWorkbench } = require('dagbook');
        (async () => {
          const wb = await openWorkbench(definePipeline({ name: 'frames', stages: [{ id: 'a', run: () => 1 }] }), { stateDir: 'state', quiet: true, sink: () => {} });
          try { await wb.table([{ city: 'Oslo', n: 1 }]); process.stdout.write('RESULT null\\n'); }
          catch (e) { process.stdout.write('RESULT ' + JSON.stringify({ code: e.code, message: e.message }) + '\\n'); }
        })();`;
      assert.deepEqual(markedJson(node(script, project), 'RESULT '), {
        code: 'DEPENDENCY_MISSING',
        message:
          'DataFrames need the package `danfojs`, which is not installed: add {"overrides":{"xlsx":"0.18.5"}} to your project\'s package.json (danfojs depends on an xlsx tarball served outside the npm registry), then run `npm install danfojs`.',
      });
    });
  });

  describe('when tslab’s TypeScript 5.0 reads a consumer file', () => {
    /** Diagnostics of `source` as the project's `consumer.ts`, compiled as tslab compiles a cell (node10 resolution, CommonJS, ES2022). */
    function diagnostics(source: string, skipLibCheck: boolean): string[] {
      const ts = require('@tslab/typescript-for-tslab') as typeof import('@tslab/typescript-for-tslab');
      assert.equal(ts.version, '5.0.4');
      const file = path.join(project, 'consumer.ts');
      fs.writeFileSync(file, source);
      const program = ts.createProgram([file], {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        moduleResolution: ts.ModuleResolutionKind.Node10,
        lib: ['lib.es2022.d.ts'],
        strict: true,
        esModuleInterop: true,
        skipLibCheck,
        noEmit: true,
        types: ['node'],
        // The project has no @types/node; tslab then falls back to its own, as this does.
        typeRoots: [path.join(root, 'node_modules', '@types')],
      });
      return ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${path.relative(project, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
      });
    }

    const consumer = [
      "import { definePipeline, openWorkbench, isDagbookError, type RunResult, type StageContext } from 'dagbook';",
      '',
      "const pipeline = definePipeline({ name: 'orders', stages: [{ id: 'load', run: (ctx: StageContext) => ctx.params }] });",
      'export async function main(): Promise<RunResult> {',
      "  const wb = await openWorkbench(pipeline, { stateDir: 'state' });",
      '  return wb.run();',
      '}',
      'export const guard: (e: unknown) => boolean = isDagbookError;',
      '',
    ].join('\n');

    it('type-checks it, the way a notebook cell imports dagbook', () => {
      assert.deepEqual(diagnostics(consumer, true), []);
    });

    it('finds no error in the declarations it reads (dagbook’s and its dependencies’) with the library check on', () => {
      assert.deepEqual(diagnostics(consumer, false), []);
    });

    it('reports a misuse with the declared types, not `any`', () => {
      const wrong = "import { definePipeline } from 'dagbook';\nexport const p = definePipeline({ name: 'x', stages: [{ id: 'a', deps: 'b', run: () => 1 }] });\n";
      assert.deepEqual(diagnostics(wrong, true), ["consumer.ts:2 Type 'string' is not assignable to type 'readonly string[]'."]);
    });
  });

  describeWorkbenchProject(() => {
    assert.ok(fixture !== undefined, 'the package was not packed and installed');
    return fixture;
  });
});
