import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { planRetention, resolveRetention, retentionBatch } from '../../src/store/retention';
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

  describe('with a `countBatch`', () => {
    it('retires runs past `maxRuns` only once that many are past it, then all of them; an aged-out run goes regardless', () => {
      const runs = [run('a', 'SUCCEEDED', 3), run('b', 'FAILED', 1), run('c', 'SUCCEEDED', 2), run('old', 'FAILED', 8)];
      // Past maxRuns 2: a and old, but old is past its age limit anyway.
      assert.deepEqual(planRetention(runs, { now, maxRuns: 2, countBatch: 3 }), { runs: ['old'], logs: [], mode: 'delete' });
      assert.deepEqual(planRetention(runs, { now, maxRuns: 2, countBatch: 2 }), { runs: ['a', 'old'], logs: [], mode: 'delete' });
      assert.deepEqual(planRetention(runs, { now, maxRuns: 1, countBatch: 3 }), { runs: ['a', 'c', 'old'], logs: [], mode: 'delete' });
    });

    it('is a tenth of `maxRuns` at a run`s start, at least one', () => {
      assert.deepEqual([0, 1, 10, 11, 100].map((maxRuns) => retentionBatch(resolveRetention({ maxRuns }))), [1, 1, 1, 2, 10]);
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
