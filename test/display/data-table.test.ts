import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { isDataFrame, isSeries } from '../../src/data-frame';
import { dataTableOf, formatCell, renderDataTable } from '../../src/display/data-table';

// The real library, loaded only here: the module under test must not need it.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const dfd = require('danfojs') as {
  DataFrame: new (data: unknown, options?: { index?: unknown[] }) => object;
  Series: new (data: unknown, options?: { index?: unknown[] }) => object;
};

const ROOT = path.join(__dirname, '..', '..');

describe('data-table', () => {
  describe('when given a danfojs DataFrame', () => {
    const df = new dfd.DataFrame([
      { station: 'SEA', temp: 11.25, rain: 0 },
      { station: 'PDX', temp: 12.5, rain: 3.1 },
      { station: 'SFO', temp: 15, rain: null },
    ]);

    it('recognises it by its shape', () => {
      assert.deepEqual([isDataFrame(df), isSeries(df)], [true, false]);
    });

    it('shows its index first, its first rows, and how many rows it has', () => {
      const table = dataTableOf(df, 2);
      assert.deepEqual(table, {
        columns: ['', 'station', 'temp', 'rain'],
        rows: [[0, 'SEA', 11.25, 0], [1, 'PDX', 12.5, 3.1]],
        totalRows: 3,
      });
      const rendered = renderDataTable('weather', table as NonNullable<typeof table>);
      assert.equal(rendered.text, ['weather: 3 rows', '   station  temp   rain', '-  -------  -----  ----', '0  SEA      11.25  0', '1  PDX      12.5   3.1', 'showing 2 of 3 rows'].join('\n'));
      assert.ok(rendered.html.includes('<div class="dagbook-table-note" style="color:#6b7280;font-size:12px;padding:2px 2px 0">showing 2 of 3 rows</div>'));
      assert.equal((rendered.html.match(/<tr>/g) ?? []).length, 3);
    });
  });

  describe('when given a danfojs Series', () => {
    it('shows its index and its values under its name', () => {
      const s = new dfd.Series([3, 1.5, 2], { index: ['a', 'b', 'c'] });
      assert.deepEqual([isSeries(s), isDataFrame(s)], [true, false]);
      assert.deepEqual(dataTableOf(s, 20), { columns: ['', '0'], rows: [['a', 3], ['b', 1.5], ['c', 2]], totalRows: 3 });
    });
  });

  describe('when given records or arrays', () => {
    it('takes the first record’s keys as columns, or col0, col1, ... for arrays', () => {
      assert.deepEqual(dataTableOf([{ a: 1, b: 'x' }, { a: 2, b: 'y' }], 1), { columns: ['a', 'b'], rows: [[1, 'x']], totalRows: 2 });
      assert.deepEqual(dataTableOf([[1, 2], [3]], 5), { columns: ['col0', 'col1'], rows: [[1, 2], [3]], totalRows: 2 });
    });

    it('captions the count without a note when every row is shown', () => {
      const rendered = renderDataTable('t', { columns: ['n'], rows: [[1]], totalRows: 1 });
      assert.equal(rendered.text, 't: 1 row\nn\n-\n1');
      assert.ok(!rendered.html.includes('dagbook-table-note'));
    });
  });

  describe('when given something that is not a table', () => {
    it('says undefined', () => {
      assert.deepEqual([[], [1, 2], 'abc', null, { columns: ['a'], values: [[1]] }].map((v) => dataTableOf(v, 5)), [undefined, undefined, undefined, undefined, undefined]);
    });
  });

  describe('when formatting cells', () => {
    it('rounds to 4 decimals, writes objects as JSON and nothing for null', () => {
      assert.deepEqual([1, 2.123456, null, undefined, { a: 1 }, 'x', true].map(formatCell), ['1', '2.1235', '', '', '{"a":1}', 'x', 'true']);
    });
  });

  describe('when the library is imported', () => {
    it('does not load danfojs', () => {
      const script = "require('./src/index.ts'); require('./src/display/data-table.ts'); process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes('/node_modules/danfojs/')).length))";
      assert.equal(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' }), '0');
    });
  });
});
