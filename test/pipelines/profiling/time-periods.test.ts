import assert from 'node:assert/strict';
import { detectGranularity, periodIndex, periodLabel, periodStart } from '../../../pipelines/profiling/time-periods';

const day = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);

describe('time-periods', () => {
  describe('when detecting granularity', () => {
    it('reads daily, monthly and minute steps', () => {
      assert.equal(detectGranularity([day(2012, 1, 1), day(2012, 1, 2), day(2012, 1, 3)]), 'day');
      assert.equal(detectGranularity([day(2000, 1, 1), day(2000, 2, 1), day(2000, 3, 1), day(2000, 4, 1)]), 'month');
      assert.equal(detectGranularity([0, 60_000, 120_000, 300_000]), 'minute');
    });
    it('is undefined for a single timestamp', () => {
      assert.equal(detectGranularity([5]), undefined);
    });
  });
  describe('when indexing periods', () => {
    it('makes consecutive months consecutive across a year end', () => {
      assert.equal(periodIndex(day(2001, 1, 15), 'month') - periodIndex(day(2000, 12, 31), 'month'), 1);
      assert.equal(periodStart(periodIndex(day(2001, 3, 9), 'month'), 'month'), day(2001, 3, 1));
    });
    it('labels years, months, quarters and days', () => {
      assert.equal(periodLabel(day(2014, 3, 9), 'year'), '2014');
      assert.equal(periodLabel(day(2014, 3, 9), 'month'), '2014-03');
      assert.equal(periodLabel(day(2014, 3, 9), 'quarter'), '2014-Q1');
      assert.equal(periodLabel(day(2014, 3, 9) + 5000, 'day'), '2014-03-09');
    });
  });
});
