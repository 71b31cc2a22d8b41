import assert from 'node:assert/strict';
import { mergeOverlay, overlaidField } from '../../src/definition/environment-overlay';

describe('mergeOverlay', () => {
  describe('when the overlay sets nested fields', () => {
    it('merges objects key by key at any depth, replaces arrays and scalars, and lists what it set', () => {
      const base = { name: 'p', maxParallel: 2, budgets: { tokens: 100, cost: { limit: 5, criticalRatio: 0.5 } }, defaults: { retry: { maxAttempts: 3, retryOn: ['transient'] } } };
      const result = mergeOverlay(base, { maxParallel: 8, budgets: { cost: { limit: 50 } }, defaults: { retry: { retryOn: ['resource'] } } });
      assert.deepEqual(result, {
        merged: { name: 'p', maxParallel: 8, budgets: { tokens: 100, cost: { limit: 50, criticalRatio: 0.5 } }, defaults: { retry: { maxAttempts: 3, retryOn: ['resource'] } } },
        paths: ['budgets.cost.limit', 'defaults.retry.retryOn', 'maxParallel'],
      });
      assert.deepEqual(base.budgets, { tokens: 100, cost: { limit: 5, criticalRatio: 0.5 } });
    });
  });

  describe('when the overlay gives stages as a map', () => {
    it('overlays stages of the map form by id, params merged and deps replaced', () => {
      const base = { stages: { fetch: { fn: './s#fetch', params: { limit: 10, source: 'a' } }, stress: { fn: './s#stress', deps: ['fetch'], enabled: false } } };
      const result = mergeOverlay(base, { stages: { fetch: { params: { limit: 1000 } }, stress: { enabled: true, deps: [] } } });
      assert.deepEqual(result, {
        merged: { stages: { fetch: { fn: './s#fetch', params: { limit: 1000, source: 'a' } }, stress: { fn: './s#stress', deps: [], enabled: true } } },
        paths: ['stages.fetch.params.limit', 'stages.stress.deps', 'stages.stress.enabled'],
      });
    });

    it('overlays stages of the array form by id, and adds a stage the base lacks at the end', () => {
      const base = { stages: [{ id: 'fetch', fn: './s#fetch' }, { id: 'stress', fn: './s#stress', enabled: false }] };
      const result = mergeOverlay(base, { stages: { stress: { enabled: true }, report: { fn: './s#report', deps: ['stress'] } } });
      assert.deepEqual(result, {
        merged: { stages: [{ id: 'fetch', fn: './s#fetch' }, { id: 'stress', fn: './s#stress', enabled: true }, { id: 'report', fn: './s#report', deps: ['stress'] }] },
        paths: ['stages.report.deps', 'stages.report.fn', 'stages.stress.enabled'],
      });
    });
  });

  describe('when the overlay gives stages as an array', () => {
    it('replaces the stages', () => {
      const result = mergeOverlay({ stages: { a: { fn: './s#a' } } }, { stages: [{ id: 'b', fn: './s#b' }] });
      assert.deepEqual(result, { merged: { stages: [{ id: 'b', fn: './s#b' }] }, paths: ['stages'] });
    });
  });

  describe('when the overlay names another kind of executor', () => {
    it('replaces the executor instead of merging into it, and merges one of the same kind', () => {
      const base = { executor: { kind: 'bullmq', connection: 'redis://127.0.0.1:6379', queue: 'etl' } };
      assert.deepEqual(mergeOverlay(base, { executor: { kind: 'local' } }).merged, { executor: { kind: 'local' } });
      assert.deepEqual(mergeOverlay(base, { executor: { kind: 'bullmq', queue: 'prod' } }).merged, {
        executor: { kind: 'bullmq', connection: 'redis://127.0.0.1:6379', queue: 'prod' },
      });
    });
  });

  describe('when the overlay sets a field the definition does not know', () => {
    it('merges it like any other, so a later top-level field overlays too', () => {
      assert.deepEqual(mergeOverlay({ name: 'p', alerts: { retries: { warning: 3 } } }, { alerts: { retries: { critical: 5 } } }), {
        merged: { name: 'p', alerts: { retries: { warning: 3, critical: 5 } } },
        paths: ['alerts.retries.critical'],
      });
    });
  });
});

describe('overlaidField', () => {
  describe('when an issue is at, inside or above a field the overlay set', () => {
    it('names that field, and none for a field beside it', () => {
      const paths = ['stages.stress.params.window', 'stages.stress.retry'];
      assert.equal(overlaidField(paths, 'stages.stress.retry.maxAttempts'), 'stages.stress.retry');
      assert.equal(overlaidField(paths, 'stages.stress.params.window'), 'stages.stress.params.window');
      assert.equal(overlaidField(paths, 'stages.stress.params'), 'stages.stress.params.window');
      assert.equal(overlaidField(paths, 'stages.stress.params.windows'), undefined);
      assert.equal(overlaidField(paths, 'stages.fetch.retry'), undefined);
    });
  });
});
