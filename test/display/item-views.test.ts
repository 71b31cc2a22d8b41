import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import { renderMetricsCard } from '../../src/display/metrics-card';
import { ProgressModel } from '../../src/display/progress-view';
import { NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import { stageErrorAnalysis } from '../../src/notebook/workbench-errors';
import { runToEnd, T0 } from '../run/fixtures';

/**
 * The item views of a real run: a discovery of five documents, a per-item
 * stage that fails on one of them (within its maxFailureRate) and a reduce
 * stage, run by the engine on a manual clock and a memory store.
 */
function docsPipeline() {
  return compilePipeline({
    name: 'docs',
    stages: [
      { id: 'discover', discovery: true, run: () => ['a', 'b', 'bad', 'c', 'd'].map((id) => ({ id: `docs/${id}.md`, hash: `h-${id}`, payload: id })) },
      {
        id: 'parse',
        forEach: 'discover',
        maxFailureRate: 0.25,
        retry: { maxAttempts: 1 },
        run: (ctx) => {
          const item = ctx.item as { payload: string };
          if (item.payload === 'bad') throw new NonRetryableError('unclosed code fence at line 3');
          return { words: item.payload.length };
        },
      },
      { id: 'count', deps: ['parse'], run: (_ctx, inputs) => Object.keys((inputs.parse as { outputs: object }).outputs).length },
    ],
  });
}

describe('item views of a real run', () => {
  describe('when a per-item stage ends partial', () => {
    it('shows its items in the progress, names it in the metrics card and groups its failed item in the error analysis', async () => {
      const compiled = docsPipeline();
      const { result, events, store } = await runToEnd(compiled);
      assert.equal(result.status, 'PARTIAL');

      const model = new ProgressModel({ stages: compiled.plan.order, startedAt: T0 });
      for (const event of events) model.apply(event);
      const progress = model.view(T0).text.split('\n');
      assert.deepEqual([progress[0], progress[6]], [
        '3 of 3 stages settled · 100% · elapsed 0 ms · partial',
        'parse     partial    [##########] 100%              0 ms  WARNING alert · 5/5 items · 1 failed · last failed: docs/bad.md (NON_RETRYABLE)',
      ]);

      const card = renderMetricsCard(compiled.plan, result).text.split('\n');
      assert.equal(card[0], 'run `run-1` PARTIAL: 1 of 5 items failed in `parse`');
      assert.match(card.find((l) => l.startsWith('parse')) ?? '', /^parse +partial .* 4 ok · 1 failed +no$/);

      const analysis = await stageErrorAnalysis(store, compiled.plan, 'parse', result.metrics.usage, new ManualClock(T0));
      assert.deepEqual(analysis.text.split('\n'), [
        'stage `parse` partial: 1 of 5 items failed',
        'items: 4 ok · 1 failed',
        'next step: the input of the item is bad (the message says what): fix it at the source and retry, or skip it',
        "  await wb.run('parse', { items: { skip: ['docs/bad.md'] } })",
        '',
        'failed items by error code (1 item, 1 code):',
        '  NON_RETRYABLE (persistent): 1 item: docs/bad.md',
        '    first message: unclosed code fence at line 3',
        '    next step: the input of the item is bad (the message says what): fix it at the source and retry, or skip it',
        "      await wb.run('parse', { items: { skip: ['docs/bad.md'] } })",
        '',
        // 1 of 5 items is past the default warning share of failed items (10%).
        '1 alert: 1 WARNING:',
        'level    stage  metric           alert',
        '-------  -----  ---------------  -----------------------------------------------------------',
        'WARNING  parse  itemFailureRate  20% of the items of `parse` failed (1 of 5; WARNING at 10%)',
      ]);
    });
  });
});
