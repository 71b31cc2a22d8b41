import { strict as assert } from 'node:assert';
import { inNotebook, newLiveDisplay, show } from '../../src/display/notebook-display';

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
