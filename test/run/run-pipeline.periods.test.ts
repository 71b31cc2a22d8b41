import assert from 'node:assert/strict';
import type { PipelineDefinition, StageDefinition, StageContext, StageInputs } from '../../src/definition/types';
import { compilePipeline } from '../../src/plan/compile';
import type { PeriodCheckpoint } from '../../src/plan/period-checkpoint';
import { dryRun } from '../../src/query/dry-run';
import { runPipeline, type RunResult } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

/**
 * A small simulation: a headcount grows by `rate` each year from the census;
 * each year writes its headcount to an "external" table (a Map standing in for
 * a database) that the periods' state hash reads.
 */
function simulation(options: { rates?: Record<string, number>; table: Map<string, number>; seen?: string[]; validate?: StageDefinition['validate']; failOnValidationError?: boolean }): PipelineDefinition {
  const { table, seen = [] } = options;
  return {
    name: 'sim',
    periods: {
      name: 'year',
      from: 2025,
      to: 2027,
      stateHash: ({ periodKey }) => ({ headcount: `n=${table.get(periodKey) ?? 'none'}` }),
      ...(options.failOnValidationError === undefined ? {} : { failOnValidationError: options.failOnValidationError }),
    },
    stages: [
      { id: 'census', run: () => 1000 },
      {
        id: 'grow',
        perPeriod: true,
        deps: ['census', 'grow@previous'],
        params: { rate: 0.1 },
        periodParams: Object.fromEntries(Object.entries(options.rates ?? {}).map(([year, rate]) => [year, { rate }])),
        run: (ctx: StageContext, inputs: StageInputs) => {
          seen.push(`${ctx.stageId} period=${JSON.stringify(ctx.period)} key=${ctx.periodKey} inputs=${Object.keys(inputs).join(',')}`);
          const start = (inputs['grow@previous'] as number | undefined) ?? (inputs.census as number);
          const n = Math.round(start * (1 + (ctx.params.rate as number)));
          table.set(ctx.periodKey as string, n);
          return n;
        },
        ...(options.validate ? { validate: options.validate } : {}),
      },
      { id: 'report', perPeriod: true, deps: ['grow'], run: (ctx: StageContext, inputs: StageInputs) => `${ctx.period}: ${inputs.grow as number}` },
      { id: 'summary', deps: ['report'], run: (_ctx: StageContext, inputs: StageInputs) => inputs.report },
    ],
  };
}

function statuses(result: RunResult, status: string): string[] {
  return Object.values(result.stages).filter((s) => s.status === status).map((s) => s.stageId).sort();
}

describe('runPipeline with periods', () => {
  describe('when every period runs', () => {
    const table = new Map<string, number>();
    const seen: string[] = [];
    const store = new MemoryStore();
    let result: RunResult;
    before(async () => {
      result = await runPipeline(compilePipeline(simulation({ table, seen })), { store });
    });

    it('runs the periods in order, each from the previous one, with the period in the context', () => {
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(seen, [
        'grow@2025 period=2025 key=2025 inputs=census',
        'grow@2026 period=2026 key=2026 inputs=census,grow@previous',
        'grow@2027 period=2027 key=2027 inputs=census,grow@previous',
      ]);
      assert.deepEqual([...table], [['2025', 1100], ['2026', 1210], ['2027', 1331]]);
    });

    it('gives a period-less stage every period of its per-period dep, by period', async () => {
      assert.deepEqual(await store.getOutput(result.outputHashes.summary), { '2025': '2025: 1100', '2026': '2026: 1210', '2027': '2027: 1331' });
    });

    it("checkpoints each period: its stages' cache keys and output hashes, and its state's hash by part", async () => {
      const checkpoint = (await store.getOutput(result.outputHashes['checkpoint@2026'])) as PeriodCheckpoint;
      assert.deepEqual(checkpoint.stages, {
        'grow@2026': { cacheKey: result.stages['grow@2026'].cacheKey, outputHash: result.outputHashes['grow@2026'] },
        'report@2026': { cacheKey: result.stages['report@2026'].cacheKey, outputHash: result.outputHashes['report@2026'] },
      });
      assert.deepEqual({ period: checkpoint.period, periodKey: checkpoint.periodKey, parts: checkpoint.state?.parts }, { period: 2026, periodKey: '2026', parts: { headcount: 'n=1210' } });
    });
  });

  describe('when a param changes from a period on', () => {
    it('re-runs that period and the later ones, keeps the earlier ones, and the dry run says why per period', async () => {
      const table = new Map<string, number>();
      const store = new MemoryStore();
      await runPipeline(compilePipeline(simulation({ table })), { store });
      const changed = compilePipeline(simulation({ table, rates: { '2026': 0.2 } }));
      const dry = await dryRun(changed, { store });
      assert.deepEqual(
        dry.rows.map((r) => `${r.stageId}: ${r.action} (${r.reason})`),
        [
          'census: skip (up to date)',
          'grow@2025: skip (up to date)',
          'report@2025: skip (up to date)',
          'checkpoint@2025: skip (up to date)',
          'grow@2026: run (param `rate` changed)',
          'report@2026: run (upstream `grow@2026` will run)',
          'checkpoint@2026: run (upstream `grow@2026`, `report@2026` will run)',
          'grow@2027: run (param `rate` changed; upstream `grow@2026`, `checkpoint@2026` will run)',
          'report@2027: run (upstream `grow@2027` will run)',
          'checkpoint@2027: run (upstream `grow@2027`, `report@2027` will run)',
          'summary: run (upstream `report@2026`, `report@2027` will run)',
        ],
      );
      const result = await runPipeline(changed, { store });
      assert.deepEqual(statuses(result, 'CACHED'), ['census', 'checkpoint@2025', 'grow@2025', 'report@2025']);
      assert.deepEqual(statuses(result, 'SUCCEEDED'), ['checkpoint@2026', 'checkpoint@2027', 'grow@2026', 'grow@2027', 'report@2026', 'report@2027', 'summary']);
      assert.deepEqual([...table], [['2025', 1100], ['2026', 1320], ['2027', 1584]]);
    });
  });

  describe("when a period's external state changed since its checkpoint", () => {
    it('refuses the checkpoint, naming the period and the part, and blocks the later periods', async () => {
      const table = new Map<string, number>();
      const store = new MemoryStore();
      const compiled = compilePipeline(simulation({ table }));
      await runPipeline(compiled, { store });
      table.set('2026', 7);
      const result = await runPipeline(compiled, { store });
      assert.equal(result.status, 'FAILED');
      const failed = result.stages['checkpoint@2026'];
      assert.equal(failed.status, 'FAILED');
      assert.equal(failed.error?.code, 'CHECKPOINT_CORRUPT');
      assert.equal(
        failed.error?.message.replace(/\(checkpoint \S+, now \S+\)/, '(…)'),
        'The checkpoint of year 2026 does not match its state: `headcount` (…) differs. Re-run from that year with force: `dagbook run --from-period 2026 --force` (in a notebook, `wb.run(undefined, { fromPeriod: 2026, force: true })`)',
      );
      assert.deepEqual(statuses(result, 'BLOCKED'), ['checkpoint@2027', 'grow@2027', 'report@2027', 'summary']);
      assert.deepEqual(statuses(result, 'CACHED'), ['census', 'checkpoint@2025', 'grow@2025', 'grow@2026', 'report@2025', 'report@2026']);

      const repaired = await runPipeline(compiled, { store, selection: { fromPeriod: 2026 }, force: true });
      assert.equal(repaired.status, 'SUCCEEDED');
      assert.equal(table.get('2026'), 1210);
      assert.equal((await runPipeline(compiled, { store })).status, 'SUCCEEDED');
    });
  });

  describe('when a run that failed in a later period is resumed', () => {
    it("checks the kept periods' state first and refuses to build on a changed one", async () => {
      const table = new Map<string, number>();
      const store = new MemoryStore();
      const def = simulation({ table });
      let fail = true;
      const flaky = {
        ...def,
        stages: def.stages.map((stage) =>
          stage.id !== 'report'
            ? stage
            : { ...stage, retry: { maxAttempts: 1 }, run: (ctx: StageContext, inputs: StageInputs) => {
                if (ctx.periodKey === '2027' && fail) throw new Error('report service down');
                return `${ctx.period}: ${inputs.grow as number}`;
              } },
        ),
      };
      const compiled = compilePipeline(flaky);
      const first = await runPipeline(compiled, { store });
      assert.equal(first.status, 'FAILED');
      fail = false;
      table.set('2025', 1);
      await assert.rejects(runPipeline(compiled, { store, resume: first.runId }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'CHECKPOINT_CORRUPT');
        assert.match(e.message, /^The checkpoint of year 2025 does not match its state: `headcount` \(checkpoint n=1100, now n=1\) differs\./);
        return true;
      });
      table.set('2025', 1100);
      const resumed = await runPipeline(compiled, { store, resume: first.runId });
      assert.equal(resumed.status, 'SUCCEEDED');
      assert.deepEqual(statuses(resumed, 'SUCCEEDED').filter((id) => id.endsWith('2025')), ['checkpoint@2025', 'grow@2025', 'report@2025']);
    });
  });

  describe('when a per-period stage fails an ERROR validation rule', () => {
    const tooBig = [{ name: 'headcount below 1200', check: (n: unknown) => (n as number) < 1200 || `headcount ${n as number}` }];

    it('stops the chain at that period by default', async () => {
      const result = await runPipeline(compilePipeline(simulation({ table: new Map(), validate: tooBig })), { store: new MemoryStore() });
      assert.equal(result.status, 'FAILED');
      assert.equal(result.stages['grow@2026'].status, 'FAILED');
      assert.equal(result.stages['grow@2026'].error?.code, 'STAGE_VALIDATION_FAILED');
      assert.deepEqual(statuses(result, 'SUCCEEDED'), ['census', 'checkpoint@2025', 'grow@2025', 'report@2025']);
    });

    it('records it and goes on with failOnValidationError: false', async () => {
      const result = await runPipeline(compilePipeline(simulation({ table: new Map(), validate: tooBig, failOnValidationError: false })), { store: new MemoryStore() });
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(
        result.stages['grow@2027'].validation.map((v) => [v.rule, v.passed, v.detail]),
        [['headcount below 1200', false, 'headcount 1331']],
      );
    });
  });
});
