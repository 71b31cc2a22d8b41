import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { definePipeline } from '../../src/definition/define-pipeline';
import { NonRetryableError } from '../../src/errors';
import { openWorkbench, type Workbench } from '../../src/notebook/workbench';
import type { PipelineDefinition } from '../../src/definition/types';

function pipeline(calls: string[]): PipelineDefinition {
  return definePipeline({
    name: 'wbtest',
    stages: [
      { id: 'fetch', run: () => { calls.push('fetch'); return [3, 1, 2]; } },
      { id: 'sort', deps: ['fetch'], params: { descending: false }, run: (ctx, inputs) => { calls.push('sort'); const v = [...(inputs.fetch as number[])].sort((a, b) => a - b); return ctx.params.descending ? v.reverse() : v; } },
      { id: 'count', deps: ['fetch'], run: (_c, inputs) => { calls.push('count'); return (inputs.fetch as number[]).length; } },
      { id: 'table', deps: ['sort'], run: (_c, inputs) => { calls.push('table'); return (inputs.sort as number[]).map((v, i) => ({ rank: i + 1, value: v })); } },
    ],
  });
}

describe('Workbench', function () {
  this.timeout(30_000);
  let stateDir: string;
  let lines: string[];
  let calls: string[];
  let wb: Workbench;

  beforeEach(async () => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-wb-'));
    lines = [];
    calls = [];
    wb = await openWorkbench(pipeline(calls), { stateDir, sink: (t) => lines.push(t) });
  });

  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('when only reading the state (status, plan, output, errors)', () => {
    it('rewrites, syncs and creates nothing: db.json keeps its inode and mtime and no file appears', async () => {
      await wb.run();
      const root = path.join(stateDir, 'wbtest');
      const files = () => fs.readdirSync(root, { recursive: true }).map(String).sort();
      const db = () => {
        const stat = fs.statSync(path.join(root, 'db.json'));
        return { ino: stat.ino, mtimeMs: stat.mtimeMs, size: stat.size };
      };
      const before = { files: files(), db: db() };
      await wb.status();
      await wb.plan();
      await wb.plan('table', { force: true });
      assert.deepEqual(await wb.output('sort'), [1, 2, 3]);
      await wb.errors();
      assert.deepEqual({ files: files(), db: db() }, before);
    });
  });

  describe('when a call returns the data of a view it has shown', () => {
    it('prints nothing more for it (tslab inspects a cell\'s last value): the view is all there is', async () => {
      const status = await wb.status();
      const dry = await wb.plan();
      const run = await wb.run();
      assert.deepEqual([inspect(status), inspect(dry), inspect(run)], ['', '', '']);
      assert.equal(lines[0].split('\n')[0], 'status of `wbtest`: 4 stages — 4 never run; 4 to run: 4 never ran');
    });
  });

  describe('when the latest run restored every stage from cache', () => {
    it('gives each stage\'s status the time computing its output took, from the run that did', async () => {
      const first = await wb.run();
      await wb.run();
      const rows = await wb.status();
      assert.deepEqual(
        rows.map((r) => [r.stageId, r.status, r.producedInMs]),
        rows.map((r) => [r.stageId, 'CACHED', first.stages[r.stageId].durationMs]),
      );
    });
  });

  describe('when the workbench is quiet', () => {
    it('sums up what its calls return in one line each, never-run stages counted among those to run', async () => {
      const quiet = await openWorkbench(pipeline(calls), { stateDir, quiet: true });
      assert.equal(inspect(await quiet.status()), '[Status wbtest: 4 to run: 4 never ran]');
      assert.equal(inspect(await quiet.plan()), '[DryRun wbtest: 4 of 4 stages would run]');
      const run = await quiet.run();
      assert.equal(inspect(run), `[RunResult ${run.runId}: SUCCEEDED]`);
      assert.equal(inspect(await quiet.status()), '[Status wbtest: 0 to run]');
    });
  });

  describe('when there is nothing to resume', () => {
    it('rejects with an error a cell prints as one line with its code', async () => {
      const error = await wb.resume().then(
        () => assert.fail('resume() resolved'),
        (e: unknown) => e,
      );
      assert.equal(inspect(error), 'DagbookError [INVALID_OPTION]: `wbtest` has no run to resume');
    });
  });

  describe('when a run option is out of range', () => {
    it('refuses the run with INVALID_OPTION naming the field and the value, and runs nothing', async () => {
      await assert.rejects(wb.run(undefined, { maxParallel: -1 }), { code: 'INVALID_OPTION', message: 'Expected `maxParallel` to be an integer >= 1, got `-1`' });
      assert.deepEqual(calls, []);
    });
  });

  describe('when running one stage', () => {
    it('runs it and its upstream only, and prints progress lines and a metrics card as text', async () => {
      const result = await wb.run('sort');
      assert.equal(result.status, 'SUCCEEDED');
      assert.deepEqual(calls, ['fetch', 'sort']);
      assert.deepEqual(Object.keys(result.stages).sort(), ['fetch', 'sort']);
      assert.equal(result.upToDate, false);
      const text = lines.join('\n');
      assert.match(text, /Stage `sort` succeeded/);
      assert.ok(lines.length > 2);
    });
  });

  describe('when a completed section runs again', () => {
    it('returns at once marked up to date, running nothing', async () => {
      await wb.run('sort');
      calls.length = 0;
      lines.length = 0;
      const again = await wb.run('sort');
      assert.equal(again.upToDate, true);
      assert.deepEqual(calls, []);
      assert.match(lines[lines.length - 1], /up to date/);
    });

    it('is a cache hit for a new workbench on the same state (as after a kernel restart)', async () => {
      await wb.run('sort');
      const calls2: string[] = [];
      const reopened = await openWorkbench(pipeline(calls2), { stateDir, quiet: true });
      const again = await reopened.run('sort');
      assert.equal(again.upToDate, true);
      assert.deepEqual(calls2, []);
    });
  });

  describe('when a param changes', () => {
    it('names it in the dry run, marks downstream stale, and re-runs only what changed', async () => {
      await wb.run();
      wb.params('sort', { descending: true });
      const dry = await wb.plan();
      assert.deepEqual(
        dry.rows.map((r) => [r.stageId, r.action, r.reason]),
        [
          ['fetch', 'skip', 'up to date'],
          ['sort', 'run', 'param `descending` changed'],
          ['count', 'skip', 'up to date'],
          ['table', 'run', 'upstream `sort` will run'],
        ],
      );
      const status = await wb.status();
      assert.deepEqual(
        status.filter((s) => s.stale).map((s) => s.stageId),
        ['sort', 'table'],
      );
      calls.length = 0;
      await wb.run();
      assert.deepEqual(calls.sort(), ['sort', 'table']);
    });
  });

  describe('when a stage defined in a cell changes', () => {
    it('re-runs it because its code changed', async () => {
      await wb.run('count');
      wb.stage({ id: 'count', deps: ['fetch'], run: (_c, inputs) => (inputs.fetch as number[]).length * 10 });
      const dry = await wb.plan('count');
      assert.deepEqual(dry.rows.map((r) => [r.stageId, r.reason]), [
        ['fetch', 'up to date'],
        ['count', 'code changed'],
      ]);
      await wb.run('count');
      assert.equal(await wb.output('count'), 30);
    });

    it('rejects a change that breaks the pipeline and keeps the old definition', async () => {
      assert.throws(() => wb.stage({ id: 'count', deps: ['nope'], run: () => 0 }), /PLAN_UNKNOWN_DEP|unknown/i);
      await wb.run('count');
      assert.equal(await wb.output('count'), 3);
    });
  });

  describe('when a stage ran with a definition edited in a cell', () => {
    it('records the edits on the records of the stages edited, and only on theirs', async () => {
      wb.stage({ id: 'count', deps: ['fetch'], run: (_c, inputs) => (inputs.fetch as number[]).length * 10 });
      wb.params('count', { scale: 10 });
      wb.params('sort', { descending: true });
      wb.params('sort', { descending: false });
      const result = await wb.run();
      assert.deepEqual(
        Object.values(result.stages).map((r) => [r.stageId, r.status, r.editedInCell]),
        [
          ['fetch', 'SUCCEEDED', undefined],
          ['sort', 'SUCCEEDED', ['params']],
          ['count', 'SUCCEEDED', ['stage', 'params']],
          ['table', 'SUCCEEDED', undefined],
        ],
      );
      const again = await wb.run('count');
      assert.deepEqual(again.stages.count.status, 'CACHED');
      assert.deepEqual(again.stages.count.editedInCell, ['stage', 'params']);
    });

    it('says in a new workbench on the original definition (as after a kernel restart) that the current one differs', async () => {
      wb.params('sort', { descending: true });
      await wb.run('sort');
      const reopened = await openWorkbench(pipeline([]), { stateDir, quiet: true });
      const status = await reopened.status();
      assert.deepEqual(
        status.map((s) => [s.stageId, s.stale, s.reason, s.editedInCell]),
        [
          ['fetch', false, 'up to date', undefined],
          ['sort', true, 'param `descending` changed; stage `sort` was last run with a definition edited in a cell; the current one differs (edited with `wb.params`)', ['params']],
          ['count', false, 'never ran', undefined],
          ['table', false, 'never ran', undefined],
        ],
      );
    });

    it('says nothing of the edit once a cell makes the same definition again', async () => {
      wb.params('sort', { descending: true });
      await wb.run('sort');
      const reopened = await openWorkbench(pipeline([]), { stateDir, quiet: true });
      reopened.params('sort', { descending: true });
      const status = await reopened.status();
      assert.deepEqual(
        status.map((s) => [s.stageId, s.reason, s.editedInCell]),
        [
          ['fetch', 'up to date', undefined],
          ['sort', 'up to date', undefined],
          ['count', 'never ran', undefined],
          ['table', 'never ran', undefined],
        ],
      );
    });
  });

  describe('when a stage fails', () => {
    it('does not throw, and the error analysis names the code and the next step', async () => {
      wb.stage({ id: 'count', deps: ['fetch'], run: () => { throw new NonRetryableError('column `value` has 2 negative numbers'); } });
      const result = await wb.run('count');
      assert.equal(result.status, 'FAILED');
      const analysis = await wb.errors('count');
      assert.ok(analysis);
      assert.match(analysis.text, /NON_RETRYABLE/);
      assert.match(analysis.text, /fix the input/i);
      assert.match(analysis.text, /await wb\.run\('count'\)/);
    });
  });

  describe('when reading outputs', () => {
    it('returns the stored output, and shows a tabular one as a table', async () => {
      await wb.run('table');
      assert.deepEqual(await wb.output('table'), [
        { rank: 1, value: 1 },
        { rank: 2, value: 2 },
        { rank: 3, value: 3 },
      ]);
      lines.length = 0;
      const df = (await wb.table('table')) as { shape: number[] };
      assert.deepEqual(df.shape, [3, 2]);
      assert.equal(lines[0], 'table: 3 rows\nrank  value\n----  -----\n1     1\n2     2\n3     3');
    });

    it('says how to produce an output that does not exist yet', async () => {
      await assert.rejects(wb.output('table'), /has no stored output yet: run it first with `await wb.run\('table'\)`/);
    });
  });

  describe('when resetting a stage', () => {
    it('forgets it and its downstream', async () => {
      await wb.run();
      assert.deepEqual(await wb.reset('sort'), ['sort', 'table']);
      const dry = await wb.plan();
      assert.deepEqual(dry.rows.filter((r) => r.action === 'run').map((r) => r.stageId), ['sort', 'table']);
    });
  });
  describe('when a run failed and is resumed', () => {
    it('continues the same run: completed stages kept, the failed one runs again', async () => {
      let broken = true;
      const def = definePipeline({
        name: 'resumable',
        failurePolicy: 'keep-going',
        stages: [
          { id: 'a', run: () => { calls.push('a'); return 1; } },
          { id: 'b', deps: ['a'], retry: { maxAttempts: 1 }, run: (_c, i) => { calls.push('b'); if (broken) throw new NonRetryableError('not yet'); return (i.a as number) + 1; } },
        ],
      });
      const rwb = await openWorkbench(def, { stateDir, quiet: true });
      const failed = await rwb.run();
      assert.equal(failed.status, 'FAILED');
      broken = false;
      calls.length = 0;
      const resumed = await rwb.resume();
      assert.equal(resumed.runId, failed.runId);
      assert.equal(resumed.status, 'SUCCEEDED');
      assert.deepEqual(calls, ['b']);
      assert.equal(resumed.stages.b.reason, 'last attempt failed');
      await assert.rejects(rwb.resume(), /succeeded: there is nothing to resume/);
    });
  });
});

describe('openWorkbench with an environment', function () {
  this.timeout(30_000);
  let stateDir: string;
  let lines: string[];
  const definition = (): PipelineDefinition =>
    definePipeline({
      name: 'wbenv',
      stages: [
        { id: 'fetch', version: '1', params: { limit: 10 }, run: (ctx) => ctx.params.limit },
        { id: 'stress', version: '1', deps: ['fetch'], enabled: false, run: () => 'stressed' },
      ],
      environments: { prod: { stages: { stress: { enabled: true }, fetch: { params: { limit: 1000 } } } } },
    });

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-wbenv-'));
    lines = [];
  });

  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('when `env` names one of the definition’s environments', () => {
    it('works on the merged definition, and its plan, run and status name the environment', async () => {
      const wb = await openWorkbench(definition(), { stateDir, env: 'prod', sink: (t) => lines.push(t) });
      assert.equal(wb.environment, 'prod');
      const dry = await wb.plan();
      assert.deepEqual(dry.environment, { name: 'prod', sources: ['environments.prod'], enables: ['stress'], disables: [], sets: ['stages.fetch.params.limit'] });
      assert.deepEqual(dry.rows.map((r) => [r.stageId, r.action, r.reason]), [
        ['fetch', 'run', 'never ran'],
        ['stress', 'run', 'never ran; enabled by environment `prod`'],
      ]);
      const result = await wb.run();
      assert.equal(result.status, 'SUCCEEDED');
      assert.equal(await wb.output('fetch'), 1000);
      lines.length = 0;
      await wb.status();
      assert.equal(lines.join('\n').split('\n')[0], 'status of `wbenv` (environment: prod): 2 stages — 2 succeeded; 0 to run');
    });
  });

  describe('when `env` names an environment the definition lacks', () => {
    it('throws INVALID_OPTION listing the known ones', async () => {
      await assert.rejects(openWorkbench(definition(), { stateDir, env: 'staging' }), {
        code: 'INVALID_OPTION',
        message: 'Unknown environment `staging` for `wbenv`: its environments are `prod`',
      });
    });
  });
});
