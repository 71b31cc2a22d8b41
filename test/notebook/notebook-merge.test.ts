import { strict as assert } from 'node:assert';
import { sha256 } from '../../src/canonical-json';
import { hasErrorCode } from '../../src/errors';
import { cellSource, type NotebookCell, type NotebookDocument } from '../../src/notebook/notebook-document';
import { generateNotebook } from '../../src/notebook/notebook-merge';
import type { NotebookOutline, OutlineStage } from '../../src/notebook/notebook-outline';

const stage = (id: string, deps: string[], description: string): OutlineStage => ({ id, kind: 'stage', description, deps, dependents: [], params: {}, enabled: true });

const v1: NotebookOutline = {
  name: 'orders',
  file: '../pipelines/orders.yaml',
  stages: [stage('a', [], 'First.'), stage('b', ['a'], 'Second.')],
};

/** Each cell as `id | first source line`, so a whole notebook is one exact assertion. */
function outlineOf(notebook: NotebookDocument): string[] {
  return notebook.cells.map((c) => `${c.id} | ${cellSource(c).split('\n')[0]}`);
}

function withCells(notebook: NotebookDocument, cells: NotebookCell[]): NotebookDocument {
  return { ...notebook, cells };
}

const userCell = (id: string, source: string): NotebookCell => ({ id, cell_type: 'markdown', metadata: {}, source: [source] });

describe('generateNotebook', () => {
  describe('when there is no notebook yet', () => {
    const { notebook, changes } = generateNotebook(v1);

    it('writes every cell, each marked with its place and the hash of its source, ids from the places', () => {
      assert.deepEqual(outlineOf(notebook), [
        'intro-heading | # orders',
        "intro-open | import { openWorkbench } from 'dagbook';",
        'dry-run-heading | ## Dry run',
        'dry-run-plan | await wb.plan();',
        'stage-a-heading | ## Stage `a`',
        "stage-a-run | await wb.run('a');",
        "stage-a-output | await wb.output('a')",
        'stage-b-heading | ## Stage `b`',
        "stage-b-run | await wb.run('b');",
        "stage-b-output | await wb.output('b')",
        'status-heading | ## Where everything stands',
        'status-metrics | const whole = await wb.run();',
        'status-status | await wb.status();',
      ]);
      assert.deepEqual(notebook.cells[5], {
        id: 'stage-a-run',
        cell_type: 'code',
        metadata: { dagbook: { generated: true, section: 'stage', stage: 'a', role: 'run', sourceHash: sha256("await wb.run('a');") } },
        source: ["await wb.run('a');"],
        execution_count: null,
        outputs: [],
      });
      assert.deepEqual(notebook.metadata, {
        kernelspec: { display_name: 'TypeScript (dagbook)', language: 'typescript', name: 'tslab' },
        language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
        dagbook: { pipeline: 'orders', file: '../pipelines/orders.yaml' },
      });
      assert.equal(notebook.nbformat, 4);
      assert.equal(notebook.nbformat_minor, 5);
    });

    it('reports every cell as added', () => {
      assert.equal(changes.added.length, 13);
      assert.deepEqual(changes.added[4], { section: 'stage', stage: 'a', role: 'heading' });
      assert.deepEqual([changes.removed, changes.updated, changes.keptEdited, changes.keptWritten, changes.unchanged], [[], [], [], 0, 0]);
    });
  });

  describe('when the pipeline lost a stage, gained one and changed a description, and the user wrote and edited cells', () => {
    const first = generateNotebook(v1).notebook;
    const cells = [...first.cells];
    // The user ran stage a (its run cell has outputs), edited b's run cell, wrote a note under a's output and one at the top.
    cells[5] = { ...cells[5], execution_count: 3, outputs: [{ output_type: 'stream', name: 'stdout', text: 'ran' }] };
    cells[8] = { ...cells[8], source: ["await wb.run('b', { force: true });"] };
    cells.splice(7, 0, userCell('note-a', 'My note on a.'));
    cells.unshift(userCell('top', 'Read me first.'));
    const v2: NotebookOutline = { ...v1, stages: [stage('a', [], 'First, now faster.'), stage('c', ['a'], 'Third.')] };
    const { notebook, changes } = generateNotebook(v2, withCells(first, cells));

    it('adds the new stage in plan order, removes the unedited cells of the gone one, updates the changed heading and keeps every cell the user wrote or edited where it was', () => {
      assert.deepEqual(outlineOf(notebook), [
        'top | Read me first.',
        'intro-heading | # orders',
        "intro-open | import { openWorkbench } from 'dagbook';",
        'dry-run-heading | ## Dry run',
        'dry-run-plan | await wb.plan();',
        'stage-a-heading | ## Stage `a`',
        "stage-a-run | await wb.run('a');",
        "stage-a-output | await wb.output('a')",
        'note-a | My note on a.',
        "stage-b-run | await wb.run('b', { force: true });",
        'stage-c-heading | ## Stage `c`',
        "stage-c-run | await wb.run('c');",
        "stage-c-output | await wb.output('c')",
        'status-heading | ## Where everything stands',
        'status-metrics | const whole = await wb.run();',
        'status-status | await wb.status();',
      ]);
      assert.equal(cellSource(notebook.cells[5]), '## Stage `a`\n\nFirst, now faster.\n\n- Needs: no other stage');
    });

    it('keeps the outputs of a cell whose source did not change', () => {
      assert.deepEqual(notebook.cells[6].outputs, [{ output_type: 'stream', name: 'stdout', text: 'ran' }]);
      assert.equal(notebook.cells[6].execution_count, 3);
    });

    it('says what it added, removed, updated and kept', () => {
      assert.deepEqual(changes, {
        added: [
          { section: 'stage', stage: 'c', role: 'heading' },
          { section: 'stage', stage: 'c', role: 'run' },
          { section: 'stage', stage: 'c', role: 'output' },
        ],
        removed: [
          { section: 'stage', stage: 'b', role: 'heading' },
          { section: 'stage', stage: 'b', role: 'output' },
        ],
        updated: [{ section: 'stage', stage: 'a', role: 'heading' }],
        keptEdited: [{ section: 'stage', stage: 'b', role: 'run' }],
        keptWritten: 2,
        unchanged: 9,
      });
    });
  });

  describe("when a generated cell's source was edited and its stage is still there", () => {
    it('keeps the edited cell in its place instead of the generated one', () => {
      const first = generateNotebook(v1).notebook;
      const cells = first.cells.map((c) => (c.id === 'stage-a-output' ? { ...c, source: "await wb.table('a')" } : c));
      const { notebook, changes } = generateNotebook({ ...v1, stages: [stage('a', [], 'Changed.'), v1.stages[1]] }, withCells(first, cells));
      assert.equal(cellSource(notebook.cells[6]), "await wb.table('a')");
      assert.deepEqual(changes.keptEdited, [{ section: 'stage', stage: 'a', role: 'output' }]);
      assert.deepEqual(changes.updated, [{ section: 'stage', stage: 'a', role: 'heading' }]);
    });
  });

  describe('when an unedited generated cell has a new source', () => {
    it('drops its outputs and keeps its id and its other metadata', () => {
      const first = generateNotebook(v1).notebook;
      const cells = first.cells.map((c) =>
        c.id === 'intro-open' ? { ...c, id: 'mine', metadata: { ...c.metadata, tags: ['setup'] }, execution_count: 1, outputs: [{ output_type: 'stream' }] } : c,
      );
      const { notebook } = generateNotebook({ ...v1, file: '../elsewhere/orders.yaml' }, withCells(first, cells));
      const open = notebook.cells[1];
      assert.equal(open.id, 'mine');
      assert.deepEqual(open.outputs, []);
      assert.equal(open.execution_count, null);
      assert.deepEqual((open.metadata as { tags: string[] }).tags, ['setup']);
      assert.equal(cellSource(open).split('\n')[2], "const wb = await openWorkbench('../elsewhere/orders.yaml');");
    });
  });

  describe('when a generated cell was copied (JupyterLab copies its metadata)', () => {
    it('keeps the copy as the user\'s, after the cell it followed', () => {
      const first = generateNotebook(v1).notebook;
      const cells = [...first.cells];
      cells.splice(6, 0, { ...cells[5], id: 'copy' });
      const { notebook, changes } = generateNotebook(v1, withCells(first, cells));
      assert.deepEqual(notebook.cells.slice(5, 8).map((c) => c.id), ['stage-a-run', 'copy', 'stage-a-output']);
      assert.equal(changes.keptWritten, 1);
      assert.equal(changes.unchanged, 13);
    });
  });

  describe('when a user cell has the id a new cell would take', () => {
    it('gives the new cell another id', () => {
      const first = generateNotebook(v1).notebook;
      const cells = [...first.cells, userCell('stage-c-run', 'mine')];
      const { notebook } = generateNotebook({ ...v1, stages: [...v1.stages, stage('c', ['b'], 'Third.')] }, withCells(first, cells));
      assert.deepEqual(notebook.cells.filter((c) => c.id.startsWith('stage-c')).map((c) => c.id), ['stage-c-heading', 'stage-c-run-1', 'stage-c-output', 'stage-c-run']);
    });
  });

  describe('when the notebook was not generated by dagbook', () => {
    const theirs: NotebookDocument = { cells: [userCell('x', 'Mine.')], metadata: {}, nbformat: 4, nbformat_minor: 5 };

    it('refuses with NOTEBOOK_NOT_GENERATED naming the file', () => {
      assert.throws(
        () => generateNotebook(v1, theirs, { target: 'notebooks/orders.ipynb' }),
        (e: unknown) =>
          hasErrorCode(e, 'NOTEBOOK_NOT_GENERATED') &&
          e.message ===
            'notebooks/orders.ipynb exists and was not generated by dagbook (no cell has `metadata.dagbook`): refusing to change it. Choose another --out, or add --force to add the generated cells to it (its 1 cell(s) are kept).',
      );
    });

    it('with force, keeps its cells at the top and adds the generated ones after', () => {
      const { notebook, changes } = generateNotebook(v1, theirs, { force: true });
      assert.deepEqual(notebook.cells.map((c) => c.id).slice(0, 3), ['x', 'intro-heading', 'intro-open']);
      assert.equal(changes.keptWritten, 1);
      assert.equal(changes.added.length, 13);
    });
  });

  describe('when the notebook was generated from another pipeline', () => {
    it('refuses with NOTEBOOK_NOT_GENERATED naming both pipelines', () => {
      const other = generateNotebook({ ...v1, name: 'sales', file: '../pipelines/sales.yaml' }).notebook;
      assert.throws(
        () => generateNotebook(v1, other, { target: 'n.ipynb' }),
        (e: unknown) =>
          hasErrorCode(e, 'NOTEBOOK_NOT_GENERATED') &&
          e.message === 'n.ipynb was generated from the pipeline `sales` (../pipelines/sales.yaml), not `orders`: refusing to change it. Choose another --out, or add --force.',
      );
    });
  });
});
