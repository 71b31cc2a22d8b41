import { strict as assert } from 'node:assert';
import { itemCountsText, partialHeadline } from '../../src/display/item-counts';
import type { StageRecord } from '../../src/records';

const base = { idempotencyKey: 'k', usage: {}, validation: [], attemptLog: [], attempts: 1 };

describe('item-counts', () => {
  describe('when a per-item stage ran some items and reused others', () => {
    it('says the counts that are not 0', () => {
      assert.equal(itemCountsText({ total: 480, succeeded: 248, failed: 2, cached: 230, blocked: 0, skipped: 0, deleted: 1 }), '248 ok · 2 failed · 230 cached · 1 deleted');
      assert.equal(itemCountsText({ total: 12_000, succeeded: 0, failed: 0, cached: 11_990, blocked: 4, skipped: 6, deleted: 0 }), '11,990 cached · 4 blocked · 6 skipped');
    });
  });

  describe('when a stage has no items', () => {
    it('says 0 items', () => {
      assert.equal(itemCountsText({ total: 0, succeeded: 0, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0 }), '0 items');
    });
  });

  describe('when a run ended partial', () => {
    const embed: StageRecord = { ...base, stageId: 'embed', status: 'PARTIAL', items: { total: 250, succeeded: 249, failed: 1, cached: 0, blocked: 0, skipped: 0, deleted: 0 } };
    const chunk: StageRecord = { ...base, stageId: 'chunk', status: 'PARTIAL', items: { total: 1, succeeded: 0, failed: 1, cached: 0, blocked: 0, skipped: 0, deleted: 0 } };
    const store: StageRecord = { ...base, stageId: 'store', status: 'SUCCEEDED' };

    it('names every partial stage with how many of its items failed', () => {
      assert.equal(partialHeadline([embed, store]), 'PARTIAL: 1 of 250 items failed in `embed`');
      assert.equal(partialHeadline([chunk, embed, store]), 'PARTIAL: 1 of 1 item failed in `chunk`; 1 of 250 items failed in `embed`');
    });
  });
});
