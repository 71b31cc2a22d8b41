import { strict as assert } from 'node:assert';
import { renderMetricsCard, retriesText, usageText } from '../../src/display/metrics-card';
import type { RunResult } from '../../src/run/run-pipeline';
import { runMetrics } from '../../src/run/run-metrics';
import type { StageRecord } from '../../src/records';
import { planOf } from './small-plan';

const plan = planOf('etl', [['extract', []], ['transform', ['extract']], ['load', ['transform']]], { transform: { budgets: { tokens: 500 } } }, { tokens: 5000 });

const base = { idempotencyKey: 'k', usage: {}, validation: [], attemptLog: [] };
const stages: Record<string, StageRecord> = {
  extract: { ...base, stageId: 'extract', status: 'CACHED', attempts: 0, outputHash: 'h1' },
  transform: {
    ...base,
    stageId: 'transform',
    status: 'SUCCEEDED',
    attempts: 2,
    durationMs: 2500,
    usage: { tokens: 420 },
    progress: { done: 48, total: 48 },
    validation: [{ rule: 'no-nulls', severity: 'warning', passed: false, detail: '3 nulls' }],
    attemptLog: [
      { attempt: 1, startedAt: 0, durationMs: 500, outcome: 'failed', code: 'STAGE_FAILED', delayMs: 1000 },
      { attempt: 2, startedAt: 1500, durationMs: 1000, outcome: 'succeeded' },
    ],
  },
  load: { ...base, stageId: 'load', status: 'FAILED', attempts: 1, durationMs: 400 },
};
const result: RunResult = { runId: 'r1', status: 'FAILED', reason: 'stage `load` failed', stages, outputHashes: {}, metrics: runMetrics(stages, 3000, { tokens: 420 }) };

describe('renderMetricsCard', () => {
  describe('when a per-item stage ended partial', () => {
    const docs = planOf('docs', [['discover', []], ['embed', ['discover']], ['store', ['embed']]]);
    const records: Record<string, StageRecord> = {
      discover: { ...base, stageId: 'discover', status: 'SUCCEEDED', attempts: 1, durationMs: 120 },
      embed: {
        ...base,
        stageId: 'embed',
        status: 'PARTIAL',
        attempts: 1,
        durationMs: 4500,
        items: { total: 250, succeeded: 19, failed: 1, cached: 230, blocked: 0, skipped: 0, deleted: 0 },
      },
      store: { ...base, stageId: 'store', status: 'SUCCEEDED', attempts: 1, durationMs: 380 },
    };
    const run: RunResult = { runId: 'r7', status: 'PARTIAL', stages: records, outputHashes: {}, metrics: runMetrics(records, 5000, {}) };

    it('heads the card with the stage whose items failed and counts the items in the stage table', () => {
      assert.equal(
        renderMetricsCard(docs, run).text,
        [
          'run `r7` PARTIAL: 1 of 250 items failed in `embed`',
          'wall time 5.0 s, stage time 5.0 s (parallelism ×1.0)',
          'stages: 2 succeeded, 1 partial; cache hits 0 of 3; 0 retries',
          '',
          'stage     status     duration  attempts  retries                          items  cache hit',
          '--------  ---------  --------  --------  -------  -----------------------------  ---------',
          'discover  succeeded    120 ms         1                                          no',
          'embed     partial       4.5 s         1           19 ok · 1 failed · 230 cached  no',
          'store     succeeded    380 ms         1                                          no',
        ].join('\n'),
      );
    });

    it('shows the partial badge and the failed items beside the run id in HTML', () => {
      const { html } = renderMetricsCard(docs, run);
      assert.ok(html.includes('>partial</span><span style="font-size:14px">Run '), html.slice(0, 800));
      assert.ok(html.includes(' — 1 of 250 items failed in <code'));
    });
  });

  describe('when stages ran on queue workers', () => {
    it('adds a worker column: the worker of a stage, the items per worker of a per-item stage, nothing for a stage run here', () => {
      const docs = planOf('docs', [['discover', []], ['embed', ['discover']], ['store', ['embed']]]);
      const records: Record<string, StageRecord> = {
        discover: { ...base, stageId: 'discover', status: 'SUCCEEDED', attempts: 1, durationMs: 120 },
        embed: {
          ...base,
          stageId: 'embed',
          status: 'SUCCEEDED',
          attempts: 1,
          durationMs: 4500,
          items: { total: 200, succeeded: 200, failed: 0, cached: 0, blocked: 0, skipped: 0, deleted: 0 },
          workers: { 'b:456': 96, 'a:123': 104 },
        },
        store: { ...base, stageId: 'store', status: 'SUCCEEDED', attempts: 1, durationMs: 380, worker: 'a:123' },
      };
      const run: RunResult = { runId: 'r8', status: 'SUCCEEDED', stages: records, outputHashes: {}, metrics: runMetrics(records, 5000, {}) };
      assert.deepEqual(renderMetricsCard(docs, run).text.split('\n').slice(4), [
        'stage     status     duration  attempts  retries   items  cache hit  worker',
        '--------  ---------  --------  --------  -------  ------  ---------  -------------------------------------------------',
        'discover  succeeded    120 ms         1                   no',
        'embed     succeeded     4.5 s         1           200 ok  no         worker a:123 — 104 items, worker b:456 — 96 items',
        'store     succeeded    380 ms         1                   no         a:123',
      ]);
    });
  });

  describe('when a tiny run used no budget, reported no items and passed its checks', () => {
    it('gives no parallelism figure and leaves out the usage, items and validation columns', () => {
      const tiny = planOf('tiny', [['a', []]]);
      const a: StageRecord = { ...base, stageId: 'a', status: 'SUCCEEDED', attempts: 1, durationMs: 0.4 };
      const run: RunResult = { runId: 'r2', status: 'SUCCEEDED', stages: { a }, outputHashes: {}, metrics: runMetrics({ a }, 0.9, {}) };
      const text = renderMetricsCard(tiny, run).text.split('\n');
      assert.equal(text[1], 'wall time 1 ms, stage time 0 ms (parallelism —)');
      assert.deepEqual(text.slice(4), [
        'stage  status     duration  attempts  retries  cache hit',
        '-----  ---------  --------  --------  -------  ---------',
        'a      succeeded      0 ms         1           no',
      ]);
    });
  });


  describe('when a run retried, hit the cache and failed', () => {
    it('renders the figures and an aligned table as text', () => {
      assert.equal(
        renderMetricsCard(plan, result).text,
        [
          'run `r1` failed: stage `load` failed',
          'wall time 3.0 s, stage time 2.9 s (parallelism ×1.0)',
          'stages: 1 succeeded, 1 cached, 1 failed; cache hits 1 of 3; 1 retry',
          'usage: tokens 420 / 5,000 (8%)',
          '',
          'stage      status     duration  attempts  retries         usage                   items  cache hit  validation',
          '---------  ---------  --------  --------  --------------  ----------------------  -----  ---------  ------------------',
          'extract    cached            —         —                                                 yes',
          'transform  succeeded     2.5 s         2  1 retry: 1.0 s  tokens 420 / 500 (84%)  48/48  no         1 failed: no-nulls',
          'load       failed       400 ms         1                                                 no',
        ].join('\n'),
      );
    });

    it('shows the status badge and usage near its budget in amber', () => {
      const { html } = renderMetricsCard(plan, result);
      assert.ok(html.includes('color:#b45309">tokens 420 / 500 (84%)'));
      assert.equal((html.match(/<tr>/g) ?? []).length, 4);
      assert.ok(html.includes('>failed</span><span style="font-size:14px">Run <code'));
    });
  });

  describe('when formatting parts', () => {
    it('writes usage and retries', () => {
      assert.equal(usageText('tokens', 420), 'tokens 420');
      assert.equal(usageText('cost', 12.5, 10), 'cost 12.5 / 10 (125%)');
      assert.equal(retriesText({ retries: 2, retryDelaysMs: [1000, 2100] }), '2 retries: 1.0 s, 2.1 s');
      assert.equal(retriesText({ retries: 0, retryDelaysMs: [] }), '');
    });
  });
});
