import { strict as assert } from 'node:assert';
import { renderGrid } from '../../src/display/grid';

describe('renderGrid', () => {
  describe('when cells have HTML forms', () => {
    it('aligns the text twin and uses the HTML in the table', () => {
      const grid = renderGrid(
        [{ title: 'stage', mono: true }, { title: 'took', align: 'right' }],
        [['typing', '1.4 s'], [{ text: 'a<b', html: '<i>a</i>' }, '12 ms']],
      );
      assert.equal(grid.text, 'stage    took\n------  -----\ntyping  1.4 s\na<b     12 ms');
      assert.ok(grid.html.includes('<i>a</i>'));
      assert.ok(grid.html.includes('>1.4 s</td>'));
      assert.equal((grid.html.match(/<tr>/g) ?? []).length, 3);
    });
  });
});
