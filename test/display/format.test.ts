import { strict as assert } from 'node:assert';
import { formatDuration, formatIso, formatNumber, formatRelative, shortHash, textBar, truncate } from '../../src/display/format';

describe('format', () => {
  describe('when formatting durations', () => {
    it('picks the unit people read', () => {
      assert.deepEqual(
        [0, 12, 999.6, 1000, 1440, 9949, 9950, 42_400, 60_000, 125_000, 599_000, 720_000, 3_600_000, 3_900_000, -1, NaN].map(formatDuration),
        ['0 ms', '12 ms', '1.0 s', '1.0 s', '1.4 s', '9.9 s', '10 s', '42 s', '1 min', '2 min 5 s', '9 min 59 s', '12 min', '1 h', '1 h 5 min', '—', '—'],
      );
    });
  });

  describe('when formatting relative times', () => {
    it('says ago, in, or just now', () => {
      const now = 1_000_000_000;
      assert.deepEqual(
        [now - 2000, now - 12_000, now - 180_000, now - 7_200_000, now - 3 * 86_400_000, now + 240_000].map((at) => formatRelative(at, now)),
        ['just now', '12 s ago', '3 min ago', '2 h ago', '3 d ago', 'in 4 min'],
      );
    });
  });

  describe('when formatting numbers, hashes and bars', () => {
    it('groups thousands, shortens hashes, draws bars', () => {
      assert.equal(formatNumber(1234567), '1,234,567');
      assert.equal(formatNumber(-1500.256), '-1,500.26');
      assert.equal(shortHash('3fa2c9d1e0c4b8a6'), '3fa2c9d1');
      assert.equal(textBar(0.5), '[#####-----] 50%');
      assert.equal(textBar(1.7, 4), '[####] 100%');
      assert.equal(truncate('temporal_coverage_and_gaps', 10), 'temporal_…');
      assert.equal(formatIso(Date.UTC(2024, 4, 1, 12, 5, 38, 810)), '2024-05-01T12:05:38Z');
    });
  });
});
