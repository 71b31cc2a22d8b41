import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { planRetention } from '../../src/store/retention';
import type { RunRecord } from '../../src/records';

const DAY_MS = 24 * 60 * 60 * 1000;
const now = 1000 * DAY_MS;
const run = (runId: string, status: RunRecord['status'], endedDaysAgo: number): RunRecord => ({
  runId,
  pipeline: 'etl',
  status,
  stages: [],
  startedAt: now - endedDaysAgo * DAY_MS - 1,
  endedAt: now - endedDaysAgo * DAY_MS,
  usage: {},
});

describe('planRetention', () => {
  describe('with the default ages', () => {
    it('retires failed runs after 7 days, succeeded after 90, logs after 30, never running ones', () => {
      const runs = [
        run('f6', 'FAILED', 6),
        run('f8', 'FAILED', 8),
        run('p8', 'PARTIAL', 8),
        run('s31', 'SUCCEEDED', 31),
        run('s29', 'SUCCEEDED', 29),
        run('s91', 'SUCCEEDED', 91),
        run('r999', 'RUNNING', 999),
      ];
      assert.deepEqual(planRetention(runs, { now }), { runs: ['f8', 'p8', 's91'], logs: ['s31'], mode: 'delete' });
    });
  });

  describe('when more runs ended than `maxRuns`', () => {
    it('retires the ones that ended first, never a running one', () => {
      const runs = [run('a', 'SUCCEEDED', 3), run('b', 'FAILED', 1), run('c', 'SUCCEEDED', 2), run('r', 'RUNNING', 5)];
      assert.deepEqual(planRetention(runs, { now, maxRuns: 1 }), { runs: ['a', 'c'], logs: [], mode: 'delete' });
    });
  });

  describe('when a kept run`s log is already gone', () => {
    it('plans nothing for it, so a second pass has nothing to do', () => {
      assert.deepEqual(planRetention([run('s31', 'SUCCEEDED', 31)], { now }, () => false), { runs: [], logs: [], mode: 'delete' });
    });
  });

  describe('when `maxRuns` is not a whole number', () => {
    it('throws INVALID_OPTION naming the field and value', () => {
      assert.throws(
        () => planRetention([], { now, maxRuns: 1.5 }),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `maxRuns` to be an integer >= 0, got `1.5`',
      );
    });
  });

  describe('when an age is negative', () => {
    it('throws INVALID_OPTION naming the field and value', () => {
      assert.throws(
        () => planRetention([], { now, logDays: -1 }),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `logDays` to be a number of days >= 0, got `-1`',
      );
    });
  });
});
