import { strict as assert } from 'node:assert';
import { ManualClock } from '../../src/clock';
import type { StageDefinition } from '../../src/definition/types';
import { renderMetricsCard } from '../../src/display/metrics-card';
import { renderPlanView } from '../../src/display/plan-view';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { ProgressModel } from '../../src/display/progress-view';
import { compilePipeline } from '../../src/plan/compile';
import { dryRun } from '../../src/query/dry-run';
import { pipelineStatus } from '../../src/query/status';
import { renderStatusView } from '../../src/display/status-view';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

/** A small simulation compiled by the engine: a census, three per-year stages carrying headcount from year to year, a summary of every year. */
function simulation(hireRates: Readonly<Record<string, { rate: number }>> = {}) {
  const stages: StageDefinition[] = [
    { id: 'census', run: () => ({ headcount: 100 }) },
    {
      id: 'needs',
      perPeriod: true,
      deps: ['census', 'accumulate@previous'],
      run: (_ctx, inputs) => ({ start: ((inputs['accumulate@previous'] ?? inputs.census) as { headcount: number }).headcount }),
    },
    { id: 'hires', perPeriod: true, deps: ['needs'], params: { rate: 0.1 }, periodParams: hireRates, run: (ctx, inputs) => Math.round((inputs.needs as { start: number }).start * (ctx.params.rate as number)) },
    { id: 'accumulate', perPeriod: true, deps: ['needs', 'hires'], run: (_ctx, inputs) => ({ headcount: (inputs.needs as { start: number }).start + (inputs.hires as number) }) },
    { id: 'summary', deps: ['accumulate'], run: (_ctx, inputs) => Object.keys(inputs.accumulate as object).length },
  ];
  return compilePipeline({ name: 'workforce', periods: { name: 'year', from: 2025, to: 2028 }, stages });
}

describe('views of a compiled pipeline with periods', () => {
  describe('when it ran once and a param changes from 2027 on', () => {
    it('draws the dry run as a grid of the years, with the years that re-run and why, and the run as a card per year', async () => {
      const store = new MemoryStore();
      const clock = new ManualClock(1_000);
      const first = simulation();
      const axis = periodAxis(first.plan) as PeriodAxis;
      const progress = new ProgressModel({ stages: first.plan.order, startedAt: clock.now(), periods: axis });
      const result = await runPipeline(first, { store, clock, listeners: [(e) => progress.apply(e)] });
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(renderMetricsCard(first.plan, result).text.split('\n').slice(4, 10), [
        'year  ran  cached  failed  duration',
        '----  ---  ------  ------  --------',
        '2025    4       0       0      0 ms',
        '2026    4       0       0      0 ms',
        '2027    4       0       0      0 ms',
        '2028    4       0       0      0 ms',
      ]);
      assert.equal(progress.view(clock.now()).text.split('\n')[2], '4 of 4 years finished · 2025 0 ms, 2026 0 ms, 2027 0 ms, 2028 0 ms');

      const changed = simulation({ '2027': { rate: 0.2 } });
      const dry = await dryRun(changed, { store });
      assert.equal(
        renderPlanView(changed.plan, dry).text,
        [
          'dry run of `workforce`: 8 of 18 stages would run, ~0 ms estimated',
          'year 2025–2026: 4 up to date · 2027: 1 up to date, 3 will run (param `rate` changed) · 2028: 4 will run (param `rate` changed)',
          '',
          'year        2025  2026  2027  2028',
          'census      ✓ (not per year)',
          'needs       ✓     ✓     ✓     ▶',
          'hires       ✓     ✓     ▶     ▶',
          'accumulate  ✓     ✓     ▶     ▶',
          'summary     ▶ (not per year)',
          'checkpoint  ✓     ✓     ▶     ▶',
          'legend: ✓ up to date · ▶ will run',
        ].join('\n'),
      );
      const status = renderStatusView(changed.plan, await pipelineStatus(changed, store), clock.now()).text.split('\n');
      assert.deepEqual(status.slice(1, 2), ['year 2025–2026: 4 succeeded · 2027: 1 succeeded, 3 stale (param `rate` changed) · 2028: 4 stale (param `rate` changed)']);
      assert.deepEqual(status.slice(5, 7), ['needs       ✓     ✓     ✓     !', 'hires       ✓     ✓     !     !']);
    });
  });
});
