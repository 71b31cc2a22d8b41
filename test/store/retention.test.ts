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
      assert.deepEqual(planRetention(runs, { now }), { runs: ['f8', 'p8', 's91'], logs: ['s31'], mode: 'archive' });
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
