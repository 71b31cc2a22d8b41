import { strict as assert } from 'node:assert';
import { renderErrorAnalysis } from '../../src/display/error-analysis';
import { groupItemFailures, itemGroupStep, retryFailedCall, skipItemsCall } from '../../src/display/item-failures';
import type { ItemRecord, StageRecord, StoredError } from '../../src/records';
import { planOf } from './small-plan';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const plan = planOf('docs', [['discover', []], ['embed', ['discover']]]);

function item(itemId: string, endedAt: number, error?: StoredError): ItemRecord {
  return {
    stageId: 'embed',
    itemId,
    itemHash: `h-${itemId}`,
    cacheKey: `k-${itemId}`,
    status: error ? 'FAILED' : 'SUCCEEDED',
    attempts: error ? 3 : 1,
    durationMs: 40,
    runId: 'r7',
    endedAt,
    ...(error ? { error } : { outputHash: `o-${itemId}` }),
  };
}

const parse: StoredError = { code: 'PARSE_FAILED', errorClass: 'persistent', message: "unclosed code fence at line 12\n  in 'docs/it''s.md'" };
const rate: StoredError = { code: 'EMBED_RATE_LIMITED', errorClass: 'transient', message: '429 Too Many Requests' };
const records: ItemRecord[] = [
  item('docs/a.md', NOW - 5000),
  item('docs/rate-2.md', NOW - 3000, rate),
  item('docs/rate-1.md', NOW - 4000, rate),
  item("docs/it's.md", NOW - 3500, parse),
  item('docs/rate-3.md', NOW - 2000, rate),
  item('docs/rate-4.md', NOW - 2000, rate),
];

const partial: StageRecord = {
  stageId: 'embed',
  status: 'PARTIAL',
  attempts: 1,
  idempotencyKey: 'k',
  usage: {},
  validation: [],
  attemptLog: [],
  items: { total: 250, succeeded: 15, failed: 5, cached: 230, blocked: 0, skipped: 0, deleted: 0 },
};

describe('item-failures', () => {
  describe('when items failed with several codes', () => {
    it('groups the failed items by code, the largest group first, each in the order they ended', () => {
      assert.deepEqual(groupItemFailures(records), [
        { code: 'EMBED_RATE_LIMITED', errorClass: 'transient', itemIds: ['docs/rate-1.md', 'docs/rate-2.md', 'docs/rate-3.md', 'docs/rate-4.md'], message: '429 Too Many Requests' },
        { code: 'PARSE_FAILED', errorClass: 'persistent', itemIds: ["docs/it's.md"], message: parse.message },
      ]);
    });

    it('has nothing to group when every item succeeded', () => {
      assert.deepEqual(groupItemFailures([item('docs/a.md', NOW)]), []);
    });
  });

  describe('when the next step is taken in a notebook', () => {
    it('retries the failed items of a temporary fault and skips items whose input is bad, quoting their ids', () => {
      const [temporary, bad] = groupItemFailures(records);
      assert.deepEqual(itemGroupStep({ stageId: 'embed' }, temporary), { advice: 'the error looks temporary: retry the failed items', call: "await wb.retryFailed('embed')" });
      assert.deepEqual(itemGroupStep({ stageId: 'embed' }, bad), {
        advice: 'the input of the item is bad (the message says what): fix it at the source and retry, or skip it',
        call: "await wb.run('embed', { items: { skip: ['docs/it\\'s.md'] } })",
      });
    });

    it('asks for a fix of the code for a bug, and of the limit for a timeout', () => {
      const bug = { code: 'STAGE_FAILED', errorClass: 'logic', itemIds: ['x'], message: "TypeError: cannot read 'length'\n at f" };
      assert.equal(itemGroupStep({ stageId: 'embed' }, bug).advice, "a bug in the stage's code (TypeError: cannot read 'length'): fix it, then retry the failed items");
      const slow = { code: 'STAGE_TIMEOUT', errorClass: 'transient', itemIds: ['x', 'y'], message: 'timed out' };
      assert.equal(itemGroupStep({ stageId: 'embed' }, slow).advice, "the items ran past the stage's timeoutMs: raise `timeoutMs`, then retry the failed items");
    });

    it('retries rather than lists more than 10 bad items', () => {
      const many = { code: 'PARSE_FAILED', errorClass: 'persistent', itemIds: Array.from({ length: 11 }, (_, i) => `d${i}`), message: 'bad' };
      assert.deepEqual(itemGroupStep({ stageId: 'embed' }, many), {
        advice: 'the input of 11 items is bad (the message says what): fix them at the source, then retry the failed items',
        call: "await wb.retryFailed('embed')",
      });
    });
  });

  describe('when the next step is taken in a terminal', () => {
    const target = { kind: 'cli' as const, pipelineFile: 'pipelines/docs-etl.yaml', stateDir: 'my state' };

    it('gives the dagbook commands, quoted for the shell', () => {
      assert.equal(retryFailedCall({ stageId: 'embed', target }), "npx dagbook run pipelines/docs-etl.yaml --retry-failed --state-dir 'my state'");
      assert.equal(
        skipItemsCall({ stageId: 'embed', target }, ["docs/it's.md", 'docs/b.md']),
        "npx dagbook run pipelines/docs-etl.yaml embed --skip-item 'docs/it'\\''s.md' --skip-item docs/b.md --state-dir 'my state'",
      );
    });
  });

  describe('when the error analysis shows a partial stage', () => {
    const view = () => renderErrorAnalysis({ plan, stageId: 'embed', record: partial, runUsage: {}, now: NOW, itemRecords: records });

    it('heads it with the failed items, counts the items, takes the largest group\'s step and lists the groups', () => {
      assert.equal(
        view().text,
        [
          'stage `embed` partial: 5 of 250 items failed',
          'items: 15 ok · 5 failed · 230 cached',
          'next step: the error looks temporary: retry the failed items',
          "  await wb.retryFailed('embed')",
          '',
          'failed items by error code (5 items, 2 codes):',
          '  EMBED_RATE_LIMITED (transient): 4 items: docs/rate-1.md, docs/rate-2.md, docs/rate-3.md and 1 more',
          '    first message: 429 Too Many Requests',
          '    next step: the error looks temporary: retry the failed items',
          "      await wb.retryFailed('embed')",
          "  PARSE_FAILED (persistent): 1 item: docs/it's.md",
          '    first message: unclosed code fence at line 12',
          '    next step: the input of the item is bad (the message says what): fix it at the source and retry, or skip it',
          "      await wb.run('embed', { items: { skip: ['docs/it\\'s.md'] } })",
        ].join('\n'),
      );
    });

    it('draws the partial badge and escapes the ids and messages in HTML', () => {
      const { html } = view();
      assert.ok(html.includes('>partial</span>'));
      assert.ok(html.includes('Stage <code'));
      assert.ok(html.includes(': 5 of 250 items failed</span>'));
      assert.ok(html.includes('docs/it&#39;s.md'));
      assert.ok(!html.includes("docs/it's.md"));
    });
  });

  describe('when a per-item stage failed for too many failed items', () => {
    it('keeps the error head and takes the largest group\'s step', () => {
      const failed: StageRecord = {
        ...partial,
        status: 'FAILED',
        error: { code: 'ITEMS_FAILED', errorClass: 'persistent', message: '5 of 250 items failed (2%), above maxFailureRate 1%' },
      };
      const lines = renderErrorAnalysis({ plan, stageId: 'embed', record: failed, runUsage: {}, now: NOW, itemRecords: records }).text.split('\n');
      assert.deepEqual(lines.slice(0, 5), [
        'stage `embed` failed: ITEMS_FAILED (persistent: needs a fix to the input or config)',
        'message: 5 of 250 items failed (2%), above maxFailureRate 1%',
        'items: 15 ok · 5 failed · 230 cached',
        'next step: the error looks temporary: retry the failed items',
        "  await wb.retryFailed('embed')",
      ]);
    });
  });
});
