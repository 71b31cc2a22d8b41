import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { heartbeatEveryMs, nextTickDelayMs, parseInterval } from '../../src/daemon/tick-schedule';

describe('tick schedule', () => {
  describe('when an interval is parsed', () => {
    it('reads seconds, minutes, hours, milliseconds with and without a unit', () => {
      assert.deepEqual(['30s', '5m', '1h', '250ms', '300', '1.5s'].map((t) => parseInterval(t)), [30_000, 300_000, 3_600_000, 250, 300, 1500]);
    });

    it('refuses anything else, naming the option and the text', () => {
      for (const text of ['5x', '', '-1s', '0', 'm']) {
        assert.throws(
          () => parseInterval(text, '--every'),
          (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && (e as Error).message === `Expected \`--every\` to be a duration such as \`30s\`, \`5m\`, \`1h\` or a number of milliseconds, got \`${text}\``,
        );
      }
    });
  });

  describe('when ticks fail in a row', () => {
    it('doubles the wait for each failure, up to an hour', () => {
      assert.deepEqual([0, 1, 2, 3, 4, 5].map((f) => nextTickDelayMs(5 * 60_000, f)), [300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 3_600_000]);
    });

    it('keeps an interval longer than an hour as it is', () => {
      assert.deepEqual([0, 1, 7].map((f) => nextTickDelayMs(2 * 3_600_000, f)), [7_200_000, 7_200_000, 7_200_000]);
    });

    it('does not overflow after many failures', () => {
      assert.equal(nextTickDelayMs(300, 5000), 3_600_000);
    });
  });

  describe('when the heartbeat period is asked for', () => {
    it('is the interval, at most 30 s', () => {
      assert.deepEqual([300, 30_000, 300_000].map(heartbeatEveryMs), [300, 30_000, 30_000]);
    });
  });
});
