import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * `dagbook notebook` through bin/dagbook.js, in a project of its own in a
 * temp folder (a package.json, a pipeline file and its stage module).
 */
const root = path.resolve(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'dagbook.js');

/** Validates a notebook file with nbformat itself (the project's virtualenv); the validator's message, or '' when it is valid. */
function nbformatProblems(file: string): string {
  const script = 'import sys, nbformat\nnbformat.validate(nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT))';
  const r = spawnSync(path.join(root, '.venv', 'bin', 'python'), ['-c', script, file], { encoding: 'utf8' });
  return r.status === 0 ? '' : r.stderr;
}

const V1 = `name: shop
description: Load orders and total them.
stages:
  load:
    fn: ./stages.js#load
    description: Read the orders.
  total:
    fn: ./stages.js#total
    deps: [load]
    params: { currency: EUR }
`;

const V2 = `name: shop
description: Load orders and total them.
stages:
  load:
    fn: ./stages.js#load
    description: Read the orders.
  count:
    fn: ./stages.js#count
    deps: [load]
`;

interface Cell {
  id: string;
  cell_type: string;
  source: string[];
  metadata: { dagbook?: { section: string; stage?: string; role: string } };
}

describe('dagbook notebook', function () {
  this.timeout(60_000);
  let project: string;

  const dagbook = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, 'notebook', ...args], { cwd: project, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const cellsOf = (file: string): Cell[] => (JSON.parse(fs.readFileSync(path.join(project, file), 'utf8')) as { cells: Cell[] }).cells;
  const places = (file: string) => cellsOf(file).map((c) => (c.metadata.dagbook ? [c.metadata.dagbook.section, c.metadata.dagbook.stage ?? '', c.metadata.dagbook.role].join(' ') : `yours: ${c.source.join('')}`));

  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-notebook-cli-'));
    fs.writeFileSync(path.join(project, 'package.json'), '{ "name": "shop", "private": true }\n');
    fs.mkdirSync(path.join(project, 'pipelines'));
    fs.writeFileSync(path.join(project, 'pipelines', 'stages.js'), 'exports.load = () => [1, 2];\nexports.total = () => 3;\nexports.count = () => 2;\n');
    fs.writeFileSync(path.join(project, 'pipelines', 'shop.yaml'), V1);
  });

  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  describe('when the project has no notebook for the pipeline', () => {
    it('writes notebooks/<name>.ipynb opening the pipeline by its path from there, then finds it up to date', () => {
      const first = dagbook('pipelines/shop.yaml');
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'Wrote notebooks/shop.ipynb: 13 cells, a section for each of the 2 stages of `shop`.\n');
      assert.equal(nbformatProblems(path.join(project, 'notebooks', 'shop.ipynb')), '');
      const cells = cellsOf('notebooks/shop.ipynb');
      assert.equal(cells[1].source.join(''), "import { openWorkbench } from 'dagbook';\n\nconst wb = await openWorkbench('../pipelines/shop.yaml');");
      const second = dagbook('pipelines/shop.yaml');
      assert.equal(second.stdout, 'notebooks/shop.ipynb is up to date with pipelines/shop.yaml: nothing to change.\n');
    });
  });

  describe('when the pipeline changed and the user wrote a cell', () => {
    it('adds and removes stage sections, keeps the cell and says what it did', () => {
      assert.equal(dagbook('pipelines/shop.yaml').code, 0);
      const file = path.join(project, 'notebooks', 'shop.ipynb');
      const notebook = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: object[] };
      notebook.cells.splice(7, 0, { id: 'mine', cell_type: 'markdown', metadata: {}, source: ['A note on load.'] });
      fs.writeFileSync(file, JSON.stringify(notebook));
      fs.writeFileSync(path.join(project, 'pipelines', 'shop.yaml'), V2);

      const again = dagbook('pipelines/shop.yaml');
      assert.equal(again.code, 0, again.stderr);
      assert.equal(
        again.stdout,
        [
          'Updated notebooks/shop.ipynb from pipelines/shop.yaml:',
          '  added: stage `count` (heading, run, output)',
          '  removed: stage `total` (heading, run, output)',
          '  updated: stage `load` (heading)',
          '  kept: 1 cell you wrote',
          '',
        ].join('\n'),
      );
      assert.deepEqual(places('notebooks/shop.ipynb'), [
        'intro  heading',
        'intro  open',
        'dry-run  heading',
        'dry-run  plan',
        'stage load heading',
        'stage load run',
        'stage load output',
        'yours: A note on load.',
        'stage count heading',
        'stage count run',
        'stage count output',
        'status  heading',
        'status  metrics',
        'status  status',
      ]);
      assert.equal(nbformatProblems(file), '');
    });
  });

  describe('when --out names a notebook dagbook did not generate', () => {
    it('refuses and leaves it as it was; with --force it keeps its cells and adds the generated ones', () => {
      fs.mkdirSync(path.join(project, 'notebooks'));
      const theirs = JSON.stringify({ cells: [{ id: 'a', cell_type: 'markdown', metadata: {}, source: ['Mine.'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
      fs.writeFileSync(path.join(project, 'notebooks', 'mine.ipynb'), theirs);
      const refused = dagbook('pipelines/shop.yaml', '--out', 'notebooks/mine.ipynb');
      assert.equal(refused.code, 1);
      assert.equal(
        refused.stderr,
        'dagbook: notebooks/mine.ipynb exists and was not generated by dagbook (no cell has `metadata.dagbook`): refusing to change it. Choose another --out, or add --force to add the generated cells to it (its 1 cell(s) are kept).\n',
      );
      assert.equal(fs.readFileSync(path.join(project, 'notebooks', 'mine.ipynb'), 'utf8'), theirs);

      const forced = dagbook('pipelines/shop.yaml', '--out', 'notebooks/mine.ipynb', '--force');
      assert.equal(forced.code, 0, forced.stderr);
      assert.deepEqual(places('notebooks/mine.ipynb').slice(0, 2), ['yours: Mine.', 'intro  heading']);
    });
  });

  describe('when --out is outside the project', () => {
    it('refuses, naming the project and the path', () => {
      const outside = path.join(os.tmpdir(), 'elsewhere.ipynb');
      const refused = dagbook('pipelines/shop.yaml', '--out', outside);
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, `dagbook: Expected \`--out\` inside the project (${project}), where the notebook can import 'dagbook', got \`${outside}\`\n`);
      assert.equal(fs.existsSync(outside), false);
    });
  });
});
