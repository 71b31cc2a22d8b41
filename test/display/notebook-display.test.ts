import { strict as assert } from 'node:assert';
import { inNotebook, newLiveDisplay, show } from '../../src/display/notebook-display';
import { renderTable } from '../../src/display/html';

describe('notebook display', () => {
  describe('when not in a kernel', () => {
    it('says so', () => {
      assert.equal(inNotebook(), false);
    });

    it('writes the plain-text form to the sink', () => {
      const lines: string[] = [];
      show({ html: '<b>hi</b>', text: 'hi' }, (t) => lines.push(t));
      assert.deepEqual(lines, ['hi']);
    });

    it('writes every live update as text', () => {
      const lines: string[] = [];
      const live = newLiveDisplay((t) => lines.push(t));
      live.update({ html: '<i>1</i>', text: '1 of 2' });
      live.update({ html: '<i>2</i>', text: '2 of 2' });
      assert.deepEqual(lines, ['1 of 2', '2 of 2']);
    });
  });
});

describe('renderTable', () => {
  it('renders aligned text and escaped HTML', () => {
    const table = renderTable(['stage', 'action'], [['typing', 'run <new>'], ['import', 'skip']], 'plan');
    assert.equal(table.text, 'plan\nstage   action\n------  ---------\ntyping  run <new>\nimport  skip');
    assert.ok(table.html.includes('>run &lt;new&gt;</td>'));
    assert.ok(table.html.includes('<caption'));
  });
});
