import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import type { CacheEntry } from '../../src/records';
import type { CacheIndex } from '../../src/store/cache-history';
import { pruneCacheHistory, resolveCachePolicy } from '../../src/store/cache-policy';

const DAY = 24 * 60 * 60 * 1000;

function entry(stageId: string, key: string, recordedAt: number): CacheEntry {
  return { stageId, cacheKey: key, outputHash: `h-${key}`, durationMs: 1, runId: 'run-1', recordedAt };
}

describe('resolveCachePolicy', () => {
  describe('when nothing is given', () => {
    it('keeps 10 entries per stage for 90 days', () => {
      assert.deepEqual(resolveCachePolicy(), { maxEntriesPerStage: 10, maxAgeDays: 90 });
    });
  });

  describe('when a value is out of range', () => {
    it('throws INVALID_OPTION naming the field and the value', () => {
      assert.throws(
        () => resolveCachePolicy({ maxEntriesPerStage: 0 }),
        (e: unknown) =>
          hasErrorCode(e, 'INVALID_OPTION') &&
          e.message === 'Expected `cache.maxEntriesPerStage` to be an integer >= 1, got `0`' &&
          e.data.field === 'cache.maxEntriesPerStage',
      );
      assert.throws(
        () => resolveCachePolicy({ maxAgeDays: -1 }),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Expected `cache.maxAgeDays` to be a number of days >= 0, got `-1`',
      );
      assert.throws(() => resolveCachePolicy({ maxEntriesPerStage: 2.5 }), /got `2.5`/);
    });
  });
});

describe('pruneCacheHistory', () => {
  const now = 1000 * DAY;
  const index = (): CacheIndex => ({
    a: [entry('a', 'k1', now - 200 * DAY), entry('a', 'k2', now - 5 * DAY), entry('a', 'k3', now - 4 * DAY), entry('a', 'k4', now - 300 * DAY)],
    b: [entry('b', 'k1', now - 400 * DAY)],
  });

  describe('when only the count applies', () => {
    it('drops the least recently used entries past the limit, keeping the latest', () => {
      const cache = index();
      const dropped = pruneCacheHistory(cache, { maxEntriesPerStage: 2, maxAgeDays: 90 });
      assert.deepEqual(dropped.map((e) => e.cacheKey), ['k1', 'k2']);
      assert.deepEqual(cache.a.map((e) => e.cacheKey), ['k3', 'k4']);
    });
  });

  describe('when the age applies too', () => {
    it('drops old entries but never a stage`s latest', () => {
      const cache = index();
      const dropped = pruneCacheHistory(cache, { maxEntriesPerStage: 10, maxAgeDays: 90 }, now);
      assert.deepEqual(dropped.map((e) => `${e.stageId}:${e.cacheKey}`), ['a:k1']);
      assert.deepEqual(cache.a.map((e) => e.cacheKey), ['k2', 'k3', 'k4']);
      assert.deepEqual(cache.b.map((e) => e.cacheKey), ['k1']);
    });
  });
});
