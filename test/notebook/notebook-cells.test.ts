import { strict as assert } from 'node:assert';
import { generatedCells, stageSectionCells } from '../../src/notebook/notebook-cells';
import type { NotebookOutline } from '../../src/notebook/notebook-outline';

const outline: NotebookOutline = {
  name: 'orders',
  description: 'Load orders and total them.',
  file: '../pipelines/orders.yaml',
  stages: [
    { id: 'load', kind: 'stage', description: 'Read the CSV.', deps: [], dependents: ['total'], params: {}, fn: './orders/stages.ts#load', enabled: true },
    { id: 'total', kind: 'stage', deps: ['load'], dependents: [], params: { currency: 'EUR', tag: 'a`b' }, enabled: false },
  ],
};

describe('generatedCells', () => {
  describe('when given a two-stage outline', () => {
    const cells = generatedCells(outline);

    it('gives the title, the workbench cell, the dry run, three cells per stage in plan order and the status section', () => {
      assert.deepEqual(
        cells.map((c) => [c.section, c.stage ?? '', c.role, c.cellType]),
        [
          ['intro', '', 'heading', 'markdown'],
          ['intro', '', 'open', 'code'],
          ['dry-run', '', 'heading', 'markdown'],
          ['dry-run', '', 'plan', 'code'],
          ['stage', 'load', 'heading', 'markdown'],
          ['stage', 'load', 'run', 'code'],
          ['stage', 'load', 'output', 'code'],
          ['stage', 'total', 'heading', 'markdown'],
          ['stage', 'total', 'run', 'code'],
          ['stage', 'total', 'output', 'code'],
          ['status', '', 'heading', 'markdown'],
          ['status', '', 'metrics', 'code'],
          ['status', '', 'status', 'code'],
        ],
      );
    });

    it('opens the workbench on the pipeline file relative to the notebook', () => {
      assert.equal(cells[1].source, "import { openWorkbench } from 'dagbook';\n\nconst wb = await openWorkbench('../pipelines/orders.yaml');");
      assert.equal(cells[3].source, 'await wb.plan();');
    });

    it("describes each stage with its description, deps, dependents, params and code, and runs and shows it", () => {
      assert.equal(
        cells[4].source,
        '## Stage `load`\n\nRead the CSV.\n\n- Needs: no other stage\n- Needed by: `total`\n- Code: `./orders/stages.ts#load`',
      );
      assert.equal(cells[5].source, "await wb.run('load');");
      assert.equal(cells[6].source, "await wb.output('load')");
      assert.equal(
        cells[7].source,
        '## Stage `total`\n\n- Needs: `load`\n- Params:\n  - `currency`: `"EUR"`\n  - `tag`: `` "a`b" ``\n- Disabled in the definition: a run does not run it.',
      );
    });

    it('ends with a run of the whole pipeline and its figures, then the status', () => {
      assert.match(cells[10].source, /^## Where everything stands\n\n/);
      assert.equal(cells[11].source.split('\n')[0], 'const whole = await wb.run();');
      assert.equal(cells[12].source, 'await wb.status();');
    });
  });

  describe('when the pipeline file path holds a quote', () => {
    it('escapes it in the string literal', () => {
      const cells = generatedCells({ ...outline, file: "../it's/p.yaml", stages: [] });
      assert.equal(cells[1].source.split('\n')[2], "const wb = await openWorkbench('../it\\'s/p.yaml');");
    });
  });

  describe('when a param value is long', () => {
    it('cuts it at 120 characters', () => {
      const [heading] = stageSectionCells({ ...outline.stages[1], enabled: true, params: { text: 'x'.repeat(200) } });
      assert.equal(heading.source, `## Stage \`total\`\n\n- Needs: \`load\`\n- Params:\n  - \`text\`: \`"${'x'.repeat(118)}…\``);
    });
  });
});
