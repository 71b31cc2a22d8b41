import { strict as assert } from 'node:assert';
import { WorkbenchDisplay } from '../../src/notebook/workbench-display';

describe('WorkbenchDisplay', () => {
  describe('when not quiet, outside a notebook', () => {
    it('sends the text of views and lines to the sink', () => {
      const lines: string[] = [];
      const display = new WorkbenchDisplay({ sink: (t) => lines.push(t), quiet: false });
      display.render({ html: '<b>card</b>', text: 'card' });
      display.text('a < b & c');
      assert.deepEqual(lines, ['card', 'a < b & c']);
      assert.equal(display.shows, true);
    });
  });

  describe('when quiet', () => {
    it('shows nothing', () => {
      const lines: string[] = [];
      const display = new WorkbenchDisplay({ sink: (t) => lines.push(t), quiet: true });
      display.render({ html: '<b>card</b>', text: 'card' });
      display.text('line');
      assert.deepEqual(lines, []);
      assert.equal(display.shows, false);
    });
  });
});
