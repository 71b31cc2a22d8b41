import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runRecords } from '../notebook/run-statuses';
import { nodeProgram, npm, repositoryRoot, timed, type PackedProject } from './package-fixture';
import { PROJECT_FILES } from '../cli/project-files';

/**
 * A user's flow with the packed package, from `npx dagbook init` to
 * notebooks run in a real tslab kernel, on the project of
 * `package-fixture.ts` (a fresh `npm init -y` project with the tarball
 * installed). Two cases, in order:
 *   1. `npx dagbook init` in that project, whose package.json exists: the
 *      workbench files are written beside it, package.json is left byte for
 *      byte and init prints what to add; merged as printed, init finds nothing
 *      missing (this project is not set up: one virtualenv is enough);
 *   2. `npx dagbook init workbench` there: a new sub-folder with its own
 *      package.json, set up by init (npm install, `.venv/` with JupyterLab
 *      from pip, the tslab kernel registered with an absolute path).
 *      The repository's `orders` example is copied in as a user would copy
 *      it; both pipelines type-check with tslab's TypeScript, and the notebook
 *      that `npx dagbook notebook` generates for each runs headless with
 *      `npx dagbook nb run` twice: every cell clean, then every stage cached;
 *      the welcome notebook runs clean too.
 * Each step prints its time.
 */

/** A pipeline of the workbench and what its generated notebook holds. */
interface NotebookCase {
  readonly pipelineFile: string;
  readonly name: string;
  readonly stageIds: readonly string[];
  readonly cells: number;
  readonly codeCells: number;
}

const STARTER: NotebookCase = { pipelineFile: 'pipelines/starter.yaml', name: 'starter', stageIds: ['load', 'by_city', 'by_month', 'report'], cells: 19, codeCells: 12 };
const ORDERS: NotebookCase = { pipelineFile: 'pipelines/example.yaml', name: 'orders', stageIds: ['load', 'clean', 'by_region', 'by_month', 'report'], cells: 22, codeCells: 14 };


/** What `dagbook init` prints for a package.json that exists and lacks all but the dagbook dependency. */
const TO_ADD = {
  scripts: { start: 'exec dagbook lab --setup' },
  dependencies: { tslab: '1.0.22' },
  overrides: { xlsx: '0.18.5' },
  allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
};

/** `manifest` with each section of `additions` merged into it, as a user pastes them. */
function merged(manifest: Record<string, unknown>, additions: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const result = { ...manifest };
  for (const [section, entries] of Object.entries(additions)) result[section] = { ...(result[section] as Record<string, unknown> | undefined), ...entries };
  return result;
}

/** The file of `from` (a path in this repository) copied to the same path under `project`. */
function copyFromRepository(project: string, from: string): void {
  fs.cpSync(path.join(repositoryRoot, from), path.join(project, from), { recursive: true });
}

/** Registers the cases of the flow; `fixture` gives the packed project once `before` has made it. */
export function describeWorkbenchProject(fixture: () => PackedProject): void {
  describe('when `npx dagbook init` runs in the project, whose package.json exists', () => {
    it('writes the workbench files beside it, leaves package.json byte for byte, prints what to add and waits for it before setting up', () => {
      const { project } = fixture();
      const manifest = path.join(project, 'package.json');
      const before = fs.readFileSync(manifest);
      const out = timed('npx dagbook init (existing package.json)', () => npm('npx', ['dagbook', 'init'], project));
      assert.deepEqual(fs.readFileSync(manifest), before);
      assert.equal(
        out,
        [
          `dagbook init: ${project}`,
          '  exists   package.json  (already there, left as it is)',
          ...PROJECT_FILES.slice(1).map((file) => `  created  ${file}`),
          'Created 8 of 9 files; 1 already there.',
          'package.json was already there and is left as it is. For `npm start` to open JupyterLab here, add this to it:',
          JSON.stringify(TO_ADD, null, 2),
          'Set-up waits until package.json depends on tslab: add the above, then run `npx dagbook init` again.',
          '',
        ].join('\n'),
      );
      assert.equal(fs.existsSync(path.join(project, '.venv')), false);
    });

    it('once what it printed is merged into package.json, creates nothing and finds nothing missing', () => {
      const { project } = fixture();
      const manifest = path.join(project, 'package.json');
      fs.writeFileSync(manifest, `${JSON.stringify(merged(JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, unknown>, TO_ADD), null, 2)}\n`);
      const out = timed('npx dagbook init --no-install (again, package.json completed)', () => npm('npx', ['dagbook', 'init', '--no-install'], project));
      assert.equal(
        out,
        [
          `dagbook init: ${project}`,
          ...PROJECT_FILES.map((file) => `  exists   ${file}  (already there, left as it is)`),
          'Nothing to create: all 9 files are already there.',
          'package.json was already there and has what dagbook needs.',
          'Files only (--no-install). To set up and open JupyterLab: npm install && npm start',
          '',
        ].join('\n'),
      );
    });
  });

  describe('when `npx dagbook init workbench` makes a workbench in a new sub-folder', () => {
    let workbench: string;
    let initOutput: string;

    before(() => {
      const { project } = fixture();
      workbench = path.join(project, 'workbench');
      initOutput = timed('npx dagbook init workbench (files, npm install, .venv with JupyterLab, kernels)', () => npm('npx', ['dagbook', 'init', 'workbench'], project));
    });

    it('writes every file, its package.json naming the same tarball, and sets the project up', () => {
      const { project, packed } = fixture();
      const lines = initOutput.trimEnd().split('\n');
      // Between the file list and the last line come npm's and tslab's own output (the set-up runs them on this terminal).
      assert.deepEqual(lines.slice(0, 11), [
        `dagbook init: ${workbench}`,
        `  created  package.json  (dagbook "file:../../${packed.filename}": as ${path.join(project, 'package.json')} names it)`,
        ...PROJECT_FILES.slice(1).map((file) => `  created  ${file}`),
        'Created 9 of 9 files; 0 already there.',
      ]);
      assert.equal(lines[lines.length - 1], 'Ready. Open the workbench (JupyterLab, the welcome notebook first): cd workbench && npm start');
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(workbench, 'package.json'), 'utf8')), {
        name: 'workbench',
        version: '0.1.0',
        private: true,
        description: 'A dagbook workbench: pipelines run from notebooks.',
        scripts: { start: 'exec dagbook lab --setup' },
        engines: { node: '>=20.19' },
        dependencies: { dagbook: `file:../../${packed.filename}`, tslab: '1.0.22' },
        devDependencies: { '@types/node': '^20.19.0' },
        overrides: { xlsx: '0.18.5' },
        allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
      });
    });

    it("registers the tslab kernel into the workbench's own .venv with the absolute path of its tslab", () => {
      const spec = JSON.parse(fs.readFileSync(path.join(workbench, '.venv', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json'), 'utf8')) as { argv: string[]; display_name: string };
      assert.equal(spec.argv[0], path.join(workbench, 'node_modules', '.bin', 'tslab'));
      assert.equal(spec.display_name, 'TypeScript (dagbook)');
    });

    it("type-checks the starter pipeline and the repository's orders example copied in, with tslab's TypeScript and the workbench's tsconfig", () => {
      for (const file of ['pipelines/example.yaml', 'pipelines/example', 'pipelines/data/orders.csv']) copyFromRepository(workbench, file);
      const tsc = path.join(path.dirname(require.resolve('@tslab/typescript-for-tslab/package.json', { paths: [workbench] })), 'bin', 'tsc');
      const result = timed("tsc -p . (tslab's TypeScript 5.0)", () => nodeProgram(tsc, ['-p', '.'], workbench));
      assert.deepEqual({ status: result.status, output: result.stdout + result.stderr }, { status: 0, output: '' });
    });

    for (const nb of [STARTER, ORDERS]) {
      it(`generates the ${nb.name} pipeline's notebook and runs it headless in the workbench's kernel twice: every cell clean, then every stage cached`, async () => {
        const notebook = `notebooks/${nb.name}.ipynb`;
        const generated = timed(`npx dagbook notebook ${nb.pipelineFile}`, () => npm('npx', ['dagbook', 'notebook', nb.pipelineFile], workbench));
        assert.equal(generated, `Wrote ${notebook}: ${nb.cells} cells, a section for each of the ${nb.stageIds.length} stages of \`${nb.name}\`.\n`);
        const okLine = new RegExp(`^${notebook.replace('.', '\\.')}: all ${nb.codeCells} cells ok \\([^)]+\\)\\n$`);

        assert.match(timed(`npx dagbook nb run ${notebook} (first kernel)`, () => npm('npx', ['dagbook', 'nb', 'run', notebook], workbench)), okLine);
        const stateDir = path.join(workbench, 'state');
        const firstRuns = await runRecords(stateDir, nb.name);
        const ran = firstRuns.flat().filter((r) => r.status === 'SUCCEEDED').map((r) => r.stageId);
        assert.deepEqual(ran.sort(), [...nb.stageIds].sort(), 'the first kernel runs each stage once');

        assert.match(timed(`npx dagbook nb run ${notebook} (second kernel)`, () => npm('npx', ['dagbook', 'nb', 'run', notebook], workbench)), okLine);
        const runs = await runRecords(stateDir, nb.name);
        // The second kernel: one run per stage section, then the whole pipeline in the status section.
        const second = runs.slice(firstRuns.length);
        assert.equal(second.length, nb.stageIds.length + 1);
        assert.deepEqual(
          second.flatMap((run, i) => run.filter((r) => r.status !== 'CACHED').map((r) => `run ${i + 1}: ${r.stageId} ${r.status} (${r.reason})`)),
          [],
        );
        assert.deepEqual(second[second.length - 1].map((r) => r.stageId).sort(), [...nb.stageIds].sort());
      });
    }

    it('runs the welcome notebook that `npm start` opens first, every cell clean', () => {
      const notebook = 'notebooks/00-welcome.ipynb';
      const out = timed(`npx dagbook nb run ${notebook}`, () => npm('npx', ['dagbook', 'nb', 'run', notebook], workbench));
      assert.match(out, /^notebooks\/00-welcome\.ipynb: all 5 cells ok \([^)]+\)\n$/);
    });
  });
}
