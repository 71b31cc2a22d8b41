import { strict as assert } from 'node:assert';
import { levelReached, levelToRaise, median, thresholdOf } from '../../src/alerts/thresholds';

const levels = { warning: 3, critical: 5 };

describe('alert thresholds', () => {
  describe('when a value is compared with the levels', () => {
    it('reaches a level at equality and the highest one it passes', () => {
      assert.deepEqual([2, 3, 4, 5, 9].map((v) => levelReached(v, levels)), [undefined, 'WARNING', 'WARNING', 'CRITICAL', 'CRITICAL']);
    });
  });

  describe('when a level was already raised', () => {
    it('raises only a higher one, and CRITICAL alone when a value jumps past both', () => {
      assert.equal(levelToRaise(3, levels, undefined), 'WARNING');
      assert.equal(levelToRaise(4, levels, 'WARNING'), undefined);
      assert.equal(levelToRaise(5, levels, 'WARNING'), 'CRITICAL');
      assert.equal(levelToRaise(6, levels, 'CRITICAL'), undefined);
      assert.equal(levelToRaise(7, levels, undefined), 'CRITICAL');
      assert.equal(levelToRaise(3, levels, 'CRITICAL'), undefined);
      assert.deepEqual([thresholdOf(levels, 'WARNING'), thresholdOf(levels, 'CRITICAL')], [3, 5]);
    });
  });

  describe('median', () => {
    it('is the middle value, the mean of the middle two for an even count, undefined for none', () => {
      assert.equal(median([300, 100, 200]), 200);
      assert.equal(median([400, 100, 300, 200]), 250);
      assert.equal(median([]), undefined);
    });
  });
});
