import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import type { Rendered } from '../../src/display/html';
import { showTable } from '../../src/notebook/workbench-table';
import { danfo, type DataFrame } from '../danfo';

describe('showTable', function () {
  this.timeout(30_000);
  let views: Rendered[];
  const render = (view: Rendered) => views.push(view);

  beforeEach(() => {
    views = [];
  });

  describe('when given records', () => {
    it('shows them titled with the stage and returns them as a DataFrame', () => {
      const df = showTable([{ a: 1, b: 'x' }, { a: 2, b: 'y' }], { stageId: 'clean', maxRows: 20, render }) as DataFrame;
      assert.deepEqual(df.columns, ['a', 'b']);
      assert.deepEqual(df.values, [[1, 'x'], [2, 'y']]);
      assert.equal(views.length, 1);
      assert.equal(views[0].text, 'clean: 2 rows\na  b\n-  -\n1  x\n2  y');
      assert.equal(inspect(df), '[DataFrame 2 rows x 2 columns]');
    });
  });

  describe('when given arrays', () => {
    it('returns records under the column titles shown', () => {
      const df = showTable([[1, 2], [3, 4], [5, 6]], { maxRows: 2, render }) as DataFrame;
      assert.deepEqual(df.columns, ['col0', 'col1']);
      assert.deepEqual(df.values, [[1, 2], [3, 4], [5, 6]]);
      assert.match(views[0].text, /^table: 3 rows/);
      assert.equal(inspect(df), '[DataFrame 3 rows x 2 columns]');
    });
  });

  describe('when given a DataFrame', () => {
    it('returns the same DataFrame, its index shown as a first column but not counted', () => {
      const frame = new (danfo().DataFrame)([{ n: 1 }, { n: 2 }]);
      const returned = showTable(frame, { maxRows: 20, render });
      assert.equal(returned, frame);
      assert.equal(inspect(returned), '[DataFrame 2 rows x 1 columns]');
      assert.match(views[0].text, /^DataFrame: 2 rows/);
    });
  });

  describe('when the view was shown in the notebook', () => {
    it('returns the table without a summary line of its own, so the cell shows the table once', () => {
      const df = showTable([{ a: 1 }], { maxRows: 20, render, shown: true });
      assert.equal(views.length, 1);
      assert.equal(inspect(df), '');
    });
  });

  describe('when the value is not a table', () => {
    it('refuses an object, naming the stage and what it got, and shows nothing', () => {
      assert.throws(
        () => showTable(new Map(), { stageId: 'load', maxRows: 20, render }),
        (e: Error & { code?: string; stageId?: string }) =>
          e.code === 'INVALID_OPTION' &&
          e.stageId === 'load' &&
          e.message === 'The output of `load` is not a table (a danfojs DataFrame or Series, an array of records or of arrays): got an object (Map)',
      );
      assert.deepEqual(views, []);
    });

    it('refuses an empty array given directly', () => {
      assert.throws(
        () => showTable([], { maxRows: 20, render }),
        { message: 'The value given to wb.table is not a table (a danfojs DataFrame or Series, an array of records or of arrays): got an empty array' },
      );
    });

    it('refuses a number', () => {
      assert.throws(() => showTable(3, { maxRows: 20, render }), /: got a number$/);
    });
  });
});
