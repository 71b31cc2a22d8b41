import { strict as assert } from 'node:assert';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { ManualClock } from '../../src/clock';
import { NonRetryableError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import { loadResumeState } from '../../src/run/resume-state';
import { runPipeline } from '../../src/run/run-pipeline';
import { openDurableStore } from '../../src/store/durable-store';
import { MemoryStore } from '../../src/store/memory-store';
import type { StageRecord } from '../../src/records';
import { ProgressModel } from '../../src/display/progress-view';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { endEvents, ev, firstEvents, laterEvents, STAGES } from './progress-events';
import { periodPlanOf } from './period-plan';

function model(): ProgressModel {
  const m = new ProgressModel({ stages: STAGES, estimatesMs: { a: 1000, b: 2000, c: 3000, d: 2000 }, maxAttempts: { c: 3 }, startedAt: 0 });
  for (const e of firstEvents()) m.apply(e);
  return m;
}

describe('ProgressModel', () => {
  describe('when asked for a snapshot without a time', () => {
    it('estimates at the time of the last event', () => {
      const snap = model().snapshot();
      assert.deepEqual([snap.at, snap.elapsedMs, snap.etaMs, snap.percent], [1100, 1100, 8000, 18.8]);
    });
  });

  describe('when events arrive', () => {
    it('keeps the reduced progress as its state', () => {
      const m = model();
      for (const e of laterEvents()) m.apply(e);
      assert.deepEqual(m.state.stages.map((s) => s.status), ['CACHED', 'SUCCEEDED', 'RUNNING', 'PENDING']);
    });
  });

  describe('when viewed', () => {
    it('renders the HTML card and the text of the same snapshot', () => {
      const m = model();
      for (const e of [...laterEvents(), ...endEvents()]) m.apply(e);
      const view = m.view(9000);
      assert.equal(view.text.split('\n')[0], '3 of 4 stages settled · 75% · elapsed 4.6 s · failed');
      assert.ok(view.html.includes('width:75.0%'));
      assert.ok(view.html.includes('>failed</b>'));
    });
  });
});

describe('ProgressModel of a run with periods', () => {
  describe('when the first period finished and the second runs', () => {
    const plan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026'] }, [['a', 'per']]);
    const m = new ProgressModel({ stages: plan.order, startedAt: 0, periods: periodAxis(plan) as PeriodAxis });
    for (const [id, from, to] of [['a@2025', 0, 1500], ['checkpoint@2025', 1500, 2000]] as const) {
      m.apply(ev('STEP_START', from, id, { attempt: 1, idempotencyKey: 'k' }));
      m.apply(ev('STEP_SUCCESS', to, id, { attempt: 1, durationMs: to - from, usage: {} }));
    }
    m.apply(ev('STEP_START', 2000, 'a@2026', { attempt: 1, idempotencyKey: 'k' }));
    const view = m.view(2500);

    it('puts the line of the periods below the overall bar in the text, and their ETA in the headline when the stages have no history', () => {
      assert.deepEqual(view.text.split('\n').slice(0, 3), [
        '2 of 4 stages settled · 50% · elapsed 2.5 s · ETA 2.0 s',
        '[###############---------------] 50%',
        'year 2026 running (2 of 2) · finished: 2025 2.0 s · ETA 2.0 s for 1 year',
      ]);
    });

    it('draws a box per period coloured by its state, the running one with its bar, above the same line', () => {
      assert.ok(view.html.includes('<div data-period="2025" data-state="SUCCEEDED" title="2025: succeeded, 2 of 2 stages settled, 2.0 s" style="min-width:52px;padding:3px 6px;border-radius:5px;border:1px solid #16a34a;background:#dcfce7;color:#14532d;text-align:center">'));
      assert.ok(view.html.includes('<div data-period="2026" data-state="RUNNING" title="2026: running, 0 of 2 stages settled, 500 ms"'));
      assert.ok(view.html.includes('>2.0 s</div></div><div data-period="2026"'));
      assert.ok(view.html.includes('>year 2026 running (2 of 2) · finished: 2025 2.0 s · ETA 2.0 s for 1 year</div>'));
    });
  });

  describe('when the run has no periods', () => {
    it('shows no line of periods', () => {
      const view = model().view(1100);
      assert.ok(!view.html.includes('dagbook-periods'));
      assert.equal(view.text.split('\n')[2], '');
    });
  });
});

describe('ProgressModel of a resumed run', () => {
  describe('when a run that failed at its third stage is resumed from the durable store', () => {
    it('shows the two kept stages settled from the start, and the counts add up to the four stages', async () => {
      const stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'dagbook-progress-resume-'));
      let failC = true;
      const compiled = compilePipeline({
        name: 'resumed',
        stages: [
          { id: 'a', run: () => 1 },
          { id: 'b', deps: ['a'], run: (_c, i) => (i.a as number) + 1 },
          { id: 'c', deps: ['b'], retry: { maxAttempts: 1 }, run: (_c, i) => {
            if (failC) throw new NonRetryableError('c is not ready');
            return (i.b as number) + 1;
          } },
          { id: 'd', deps: ['c'], run: (_c, i) => (i.c as number) + 1 },
        ],
      });
      const clock = new ManualClock(1_000);
      const store = await openDurableStore({ stateDir, pipeline: 'resumed', clock });
      try {
        const first = await runPipeline(compiled, { store, clock, runId: 'run-1' });
        assert.equal(first.status, 'FAILED');
        failC = false;
        const kept = (await loadResumeState(store, 'run-1', ['a', 'b', 'c', 'd'])).kept;
        const m = new ProgressModel({ stages: ['a', 'b', 'c', 'd'], startedAt: clock.now(), kept });
        assert.equal(m.view(clock.now()).text.split('\n')[0], '2 of 4 stages settled · 50% · elapsed 0 ms · ETA —');
        const resumed = await runPipeline(compiled, { store, clock, resume: 'run-1', listeners: [(e) => m.apply(e)] });
        assert.equal(resumed.status, 'SUCCEEDED');
        const view = m.view(clock.now());
        assert.equal(view.text.split('\n')[0], '4 of 4 stages settled · 100% · elapsed 0 ms · done');
        assert.deepEqual(
          m.state.stages.map((s) => [s.stageId, s.status, s.message ?? '']),
          [
            ['a', 'SUCCEEDED', 'kept from the interrupted run'],
            ['b', 'SUCCEEDED', 'kept from the interrupted run'],
            ['c', 'SUCCEEDED', ''],
            ['d', 'SUCCEEDED', ''],
          ],
        );
      } finally {
        await store.close();
        await fs.rm(stateDir, { recursive: true, force: true });
      }
    });
  });
});

describe('ProgressModel and the metrics of the same run', () => {
  describe('when writing checkpoints takes time of its own', () => {
    it('shows each ended stage and the run with the durations the run measured: the figures of its records and metrics card', async () => {
      const clock = new ManualClock(1_000);
      // Each checkpoint and run update costs time, as an fsync does: event timestamps then drift from the run's own measures.
      class SlowStore extends MemoryStore {
        override async saveStage(runId: string, record: StageRecord): Promise<void> {
          await clock.advance(7);
          return super.saveStage(runId, record);
        }
        override async updateRun(runId: string, patch: Parameters<MemoryStore['updateRun']>[1]): Promise<void> {
          await clock.advance(5);
          return super.updateRun(runId, patch);
        }
      }
      const compiled = compilePipeline({
        name: 'timed',
        stages: [
          { id: 'a', run: async () => { await clock.advance(40); return 1; } },
          { id: 'b', deps: ['a'], run: async () => { await clock.advance(60); return 2; } },
        ],
      });
      const m = new ProgressModel({ stages: ['a', 'b'], startedAt: clock.now() });
      const result = await runPipeline(compiled, { store: new SlowStore(), clock, listeners: [(e) => m.apply(e)] });
      assert.equal(result.status, 'SUCCEEDED');
      const snap = m.snapshot(clock.now() + 1_000);
      assert.equal(snap.elapsedMs, result.metrics.durationMs);
      assert.deepEqual(
        snap.stages.map((s) => [s.stageId, s.durationMs]),
        [
          ['a', result.stages.a.durationMs],
          ['b', result.stages.b.durationMs],
        ],
      );
      assert.deepEqual(
        ['a', 'b'].map((id) => [id, result.metrics.stages[id].durationMs]),
        [
          ['a', result.stages.a.durationMs],
          ['b', result.stages.b.durationMs],
        ],
      );
      // And the drift is real: the events' own timestamps would have given other figures.
      assert.notEqual(snap.stages[0].endedAt! - snap.stages[0].startedAt!, result.stages.a.durationMs);
    });
  });
});
