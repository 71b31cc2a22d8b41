import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openWorkbench } from '../../src/notebook/workbench';
import { PROJECT_FILES } from './project-files';

/**
 * `dagbook init`, run as a person runs it: real child processes of
 * bin/dagbook.js in real temporary folders. The files-only runs
 * (`--no-install`) check what is written, what is left alone and what is
 * said; the starter pipeline then runs through the library. The set-up for
 * real (npm install, a new `.venv/` with JupyterLab, the kernels, notebooks
 * run in the project's own kernel) is tested from the packed package, as a
 * user gets it: test/package/workbench-project.ts.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'dagbook.js');


interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without a state folder of the caller's: a project's runs write into its own `state/`. */
function projectEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DAGBOOK_STATE_DIR;
  return env;
}

function dagbook(args: readonly string[], cwd: string): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: projectEnv() });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under `dir` (relative, with `/`), sorted, leaving out `skip` folders. */
function filesUnder(dir: string, skip: readonly string[] = []): string[] {
  const walk = (sub: string): string[] =>
    fs.readdirSync(path.join(dir, sub), { withFileTypes: true }).flatMap((entry) => {
      const relative = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (skip.includes(relative)) return [];
      return entry.isDirectory() ? walk(relative) : [relative];
    });
  return walk('').sort();
}

/** Each file under `dir` with its bytes, to compare before and after. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(filesUnder(dir).map((file) => [file, fs.readFileSync(path.join(dir, file), 'latin1')]));
}

/** The dagbook spec a project made here gets: this repository's folder, relative to the project. */
function folderSpec(project: string): string {
  return `file:${path.relative(project, ROOT).split(path.sep).join('/')}`;
}

/** Init's listing of `files` with `outcome`, with its header for `dir`. */
function listing(dir: string, lines: readonly string[]): string {
  return [`dagbook init: ${dir}`, ...lines].join('\n');
}

describe('dagbook init', function () {
  this.timeout(60_000);
  let tmp: string;

  beforeEach(() => {
    tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-init-')));
  });

  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('when the folder does not exist yet', () => {
    let dir: string;
    let result: Result;

    beforeEach(() => {
      dir = path.join(tmp, 'My Workbench');
      result = dagbook(['init', 'My Workbench', '--no-install'], tmp);
    });

    it('makes it and writes exactly the project files, listing each as created', () => {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.deepEqual(filesUnder(dir), [...PROJECT_FILES].sort());
      assert.equal(
        result.stdout,
        `${listing(dir, [
          `  created  package.json  (dagbook "${folderSpec(dir)}": the folder dagbook runs from)`,
          ...PROJECT_FILES.slice(1).map((file) => `  created  ${file}`),
        ])}\nCreated 9 of 9 files; 0 already there.\nFiles only (--no-install). To set up and open JupyterLab: cd "My Workbench" && npm install && npm start\n`,
      );
    });

    it('writes a package.json that depends on dagbook and tslab, overrides xlsx and starts JupyterLab', () => {
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')), {
        name: 'my-workbench',
        version: '0.1.0',
        private: true,
        description: 'A dagbook workbench: pipelines run from notebooks.',
        scripts: { start: 'exec dagbook lab --setup' },
        engines: { node: '>=20.19' },
        dependencies: { dagbook: folderSpec(dir), tslab: '1.0.22' },
        devDependencies: { '@types/node': '^20.19.0' },
        overrides: { xlsx: '0.18.5' },
        allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
      });
    });

    it("pins JupyterLab as this repository does, and git-ignores state/ but its README", () => {
      assert.equal(fs.readFileSync(path.join(dir, 'requirements-dev.txt'), 'utf8'), fs.readFileSync(path.join(ROOT, 'requirements-dev.txt'), 'utf8'));
      assert.equal(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8'), 'node_modules/\n.venv/\nstate/*\n!state/README.md\n.ipynb_checkpoints/\n*.log\n');
    });
  });

  describe('when run a second time', () => {
    it('creates nothing, changes no byte, and says so', () => {
      assert.equal(dagbook(['init', '--no-install'], tmp).code, 0);
      const before = snapshot(tmp);
      const second = dagbook(['init', '--no-install'], tmp);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(snapshot(tmp), before);
      assert.equal(
        second.stdout,
        `${listing(tmp, PROJECT_FILES.map((file) => `  exists   ${file}  (already there, left as it is)`))}\n` +
          'Nothing to create: all 9 files are already there.\n' +
          'package.json was already there and has what dagbook needs.\n' +
          'Files only (--no-install). To set up and open JupyterLab: npm install && npm start\n',
      );
    });
  });

  describe('when some of its files are already there', () => {
    it('leaves them byte for byte, lists them as already there, and creates the others', () => {
      fs.mkdirSync(path.join(tmp, 'notebooks'));
      fs.writeFileSync(path.join(tmp, 'notebooks', '00-welcome.ipynb'), 'my own notebook\n');
      fs.writeFileSync(path.join(tmp, 'tsconfig.json'), '{ "compilerOptions": { "strict": false } }\n');
      const r = dagbook(['init', '.', '--no-install'], tmp);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(tmp, 'notebooks', '00-welcome.ipynb'), 'utf8'), 'my own notebook\n');
      assert.equal(fs.readFileSync(path.join(tmp, 'tsconfig.json'), 'utf8'), '{ "compilerOptions": { "strict": false } }\n');
      assert.deepEqual(filesUnder(tmp), [...PROJECT_FILES].sort());
      const lines = r.stdout.split('\n');
      assert.deepEqual(lines.slice(1, 10), [
        `  created  package.json  (dagbook "${folderSpec(tmp)}": the folder dagbook runs from)`,
        '  created  requirements-dev.txt',
        '  created  .gitignore',
        '  exists   tsconfig.json  (already there, left as it is)',
        '  exists   notebooks/00-welcome.ipynb  (already there, left as it is)',
        '  created  pipelines/starter.yaml',
        '  created  pipelines/starter/stages.ts',
        '  created  pipelines/data/readings.csv',
        '  created  state/README.md',
      ]);
      assert.equal(lines[10], 'Created 7 of 9 files; 2 already there.');
    });
  });

  describe('when the folder has a package.json of its own', () => {
    const own = '{\n  "name": "analysis",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "echo \\"Error: no test specified\\" && exit 1"\n  },\n  "license": "ISC"\n}\n';

    it('leaves it byte for byte, says so, and prints exactly what to add', () => {
      fs.writeFileSync(path.join(tmp, 'package.json'), own);
      const r = dagbook(['init', '--no-install'], tmp);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(tmp, 'package.json'), 'utf8'), own);
      assert.equal(r.stdout.split('\n')[1], '  exists   package.json  (already there, left as it is)');
      const after = r.stdout.slice(r.stdout.indexOf('Created 8 of 9 files; 1 already there.\n') + 'Created 8 of 9 files; 1 already there.\n'.length);
      assert.equal(
        after,
        'package.json was already there and is left as it is. For `npm start` to open JupyterLab here, add this to it:\n' +
          `${JSON.stringify(
            {
              scripts: { start: 'exec dagbook lab --setup' },
              dependencies: { dagbook: folderSpec(tmp), tslab: '1.0.22' },
              overrides: { xlsx: '0.18.5' },
              allowScripts: { 'core-js': false, esbuild: true, zeromq: true },
            },
            null,
            2,
          )}\n` +
          'Files only (--no-install). To set up and open JupyterLab: npm install && npm start\n',
      );
    });

    it('keeps the dagbook spec it already names, and waits with the set-up until it depends on tslab', () => {
      const named = '{ "name": "analysis", "dependencies": { "dagbook": "file:../vendor/dagbook-0.1.0.tgz" } }\n';
      fs.writeFileSync(path.join(tmp, 'package.json'), named);
      const r = dagbook(['init'], tmp);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(path.join(tmp, 'package.json'), 'utf8'), named);
      assert.match(r.stdout, /\n {4}"tslab": "1\.0\.22"\n/);
      assert.doesNotMatch(r.stdout, /"dagbook":/);
      assert.ok(r.stdout.endsWith('Set-up waits until package.json depends on tslab: add the above, then run `npx dagbook init` again.\n'), r.stdout);
      assert.equal(fs.existsSync(path.join(tmp, 'node_modules')), false);
      assert.equal(fs.existsSync(path.join(tmp, '.venv')), false);
    });
  });

  describe('when the path is a file', () => {
    it('refuses, naming it', () => {
      fs.writeFileSync(path.join(tmp, 'notes.txt'), 'x\n');
      const r = dagbook(['init', 'notes.txt', '--no-install'], tmp);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `dagbook: Cannot make a project in \`${path.join(tmp, 'notes.txt')}\`: it is a file, not a folder\n`);
    });
  });

  describe("when the starter pipeline runs through the library", () => {
    it('runs every stage clean, reports from the data, and restores every stage from cache on a second run', async () => {
      assert.equal(dagbook(['init', '--no-install'], tmp).code, 0);
      const lines: string[] = [];
      const wb = await openWorkbench(path.join(tmp, 'pipelines', 'starter.yaml'), { stateDir: path.join(tmp, 'state'), sink: (text) => lines.push(text) });
      const first = await wb.run();
      assert.equal(first.status, 'SUCCEEDED', lines.join('\n'));
      assert.deepEqual(
        Object.fromEntries(Object.entries(first.stages).map(([id, stage]) => [id, stage.status])),
        { load: 'SUCCEEDED', by_city: 'SUCCEEDED', by_month: 'SUCCEEDED', report: 'SUCCEEDED' },
      );
      assert.deepEqual(await wb.output('report'), { warmestCity: 'Nairobi', widestRange: { city: 'Oslo', degrees: 19.5 }, warmestMonth: '2024-06' });
      assert.deepEqual(await wb.output('by_city'), [
        { city: 'Oslo', months: 6, min: -4.3, max: 15.2, mean: 3.7 },
        { city: 'Lisbon', months: 6, min: 11.6, max: 21.4, mean: 15.8 },
        { city: 'Nairobi', months: 6, min: 17.4, max: 20.6, mean: 19.4 },
      ]);
      const second = await wb.run();
      assert.equal(second.upToDate, true);
      assert.deepEqual(
        Object.fromEntries(Object.entries(second.stages).map(([id, stage]) => [id, stage.status])),
        { load: 'CACHED', by_city: 'CACHED', by_month: 'CACHED', report: 'CACHED' },
      );
    });
  });
});
