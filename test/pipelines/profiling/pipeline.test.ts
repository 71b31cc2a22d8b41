import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadPipelineFile } from '../../../src/definition/load-file';
import type { PipelineEvent } from '../../../src/events/event';
import { compilePipeline } from '../../../src/plan/compile';
import type { Plan } from '../../../src/plan/plan';
import { DEFAULT_TABLE_FILES } from '../../../pipelines/profiling/phase-io';
import type { ReportOutput } from '../../../pipelines/profiling/phases/report';
import { PROFILING_BASE_DIR, PROFILING_PIPELINE_FILE, profilingPipeline } from '../../../pipelines/profiling/pipeline';
import { runPipeline, type RunResult } from '../../../src/run/run-pipeline';
import { openDurableStore } from '../../../src/store/durable-store';
import { MemoryStore } from '../../../src/store/memory-store';
import { openWorkbench } from '../../../src/notebook/workbench';
import { tempTables, VEGA_DIR } from './fixtures';

const ALL = ['import', 'typing', 'statistics', 'relationships', 'temporal', 'statistical_quality', 'correlations', 'semantic', 'slicing', 'business_cycles', 'topology', 'validation', 'entropy', 'report'];

function comparable(plan: Plan): unknown {
  const stages = Object.fromEntries(
    Object.entries(plan.stages).map(([id, s]) => {
      const { codeHash: _c, fn: _f, ...rest } = s;
      return [id, { ...rest, inputs: s.inputs.map((f) => path.resolve(PROFILING_BASE_DIR, f)) }];
    }),
  );
  return { ...plan, stages };
}

function statuses(result: RunResult): Record<string, string> {
  return Object.fromEntries(Object.entries(result.stages).map(([id, r]) => [id, r.status]));
}

describe('profilingPipeline', function () {
  this.timeout(60000);

  describe('when compared with pipelines/profiling.yaml', () => {
    it('compiles to the same plan, code hashes and fn references aside', async () => {
      const fromFile = compilePipeline(await loadPipelineFile(PROFILING_PIPELINE_FILE)).plan;
      const fromTs = compilePipeline(profilingPipeline()).plan;
      assert.deepEqual(comparable(fromTs), comparable(fromFile));
      assert.deepEqual(fromTs.order.length, 14);
    });
  });

  describe('when run three times over a copy of the data, one file changed before the third', () => {
    const dataDir = tempTables({});
    const stateDir = tempTables({});
    for (const f of DEFAULT_TABLE_FILES) fs.copyFileSync(path.join(VEGA_DIR, f), path.join(dataDir, f));
    const compiled = compilePipeline(profilingPipeline({ dataDir, stateDir, maxParallel: 3 }));
    const runs: RunResult[] = [];
    const events: PipelineEvent[] = [];

    before(async () => {
      const store = await openDurableStore({ stateDir, pipeline: 'profiling' });
      try {
        runs.push(await runPipeline(compiled, { store, listeners: [(e) => events.push(e)] }));
        runs.push(await runPipeline(compiled, { store }));
        const people = path.join(dataDir, 'lookup_people.csv');
        fs.writeFileSync(people, fs.readFileSync(people, 'utf8').replace('Alan,25,180', 'Alan,25,181'));
        runs.push(await runPipeline(compiled, { store }));
      } finally {
        await store.close();
      }
    });

    it('runs every phase on the first run and writes the report into the given state folder (the last run writes it again)', async () => {
      assert.deepEqual(statuses(runs[0]), Object.fromEntries(ALL.map((id) => [id, 'SUCCEEDED'])));
      const store = await openDurableStore({ stateDir, pipeline: 'profiling' });
      try {
        const first = (await store.getOutput(runs[0].outputHashes.report)) as ReportOutput;
        const last = (await store.getOutput(runs[2].outputHashes.report)) as ReportOutput;
        assert.equal(last.path, path.join(stateDir, 'profiling', 'reports', 'profiling-report.html'));
        assert.ok(fs.readFileSync(last.path, 'utf8') === last.html, 'the file holds the last report');
        assert.ok(first.html !== last.html, 'the changed file shows in the report');
      } finally {
        await store.close();
      }
    });

    it('overlaps the three branches after typing', () => {
      const at = (type: string, id: string) => events.find((e) => e.type === type && e.stageId === id)!.seq;
      const branches = ['statistics', 'relationships', 'temporal'];
      const overlapping = branches.flatMap((a) => branches.filter((b) => b !== a && at('STEP_START', a) < at('STEP_SUCCESS', b) && at('STEP_START', b) < at('STEP_SUCCESS', a)).map((b) => `${a}|${b}`));
      assert.ok(overlapping.length > 0, 'no two branches were running at once');
      assert.ok(branches.every((b) => at('STEP_START', b) > at('STEP_SUCCESS', 'typing')));
      assert.ok(runs[0].metrics.stageTimeMs > runs[0].metrics.durationMs);
    });

    it('restores every phase from cache on the second run', () => {
      assert.deepEqual(statuses(runs[1]), Object.fromEntries(ALL.map((id) => [id, 'CACHED'])));
    });

    it('re-runs only what depends on the changed file, and keeps what its unchanged outputs feed', () => {
      const cached = ['slicing', 'business_cycles', 'validation'];
      assert.deepEqual(statuses(runs[2]), Object.fromEntries(ALL.map((id) => [id, cached.includes(id) ? 'CACHED' : 'SUCCEEDED'])));
      // These re-ran but produced the same output, which is why their dependents were cached.
      for (const id of ['temporal', 'semantic', 'relationships']) assert.equal(runs[2].outputHashes[id], runs[1].outputHashes[id], id);
      for (const id of ['import', 'typing', 'statistics', 'correlations']) assert.notEqual(runs[2].outputHashes[id], runs[1].outputHashes[id], id);
    });
  });

  describe('when the three branches after typing run in worker threads', () => {
    it('produces the same outputs as on the main thread', async () => {
      const stateDir = tempTables({});
      const options = { stateDir };
      const threaded = compilePipeline(profilingPipeline({ ...options, threadPhases: ['statistics', 'relationships', 'temporal'] }));
      assert.deepEqual(ALL.filter((id) => threaded.plan.stages[id].isolation === 'thread'), ['statistics', 'relationships', 'temporal']);
      assert.equal(threaded.plan.stages.statistics.fnPath, `${path.resolve(__dirname, '../../../pipelines/profiling/phases/statistics.ts')}#run`);
      const onMain = await runPipeline(compilePipeline(profilingPipeline(options)), { store: new MemoryStore() });
      const inThreads = await runPipeline(threaded, { store: new MemoryStore() });
      assert.deepEqual(statuses(inThreads), Object.fromEntries(ALL.map((id) => [id, 'SUCCEEDED'])));
      assert.deepEqual(inThreads.outputHashes, onMain.outputHashes);
    });

    it('refuses a phase that does not exist', () => {
      assert.throws(() => profilingPipeline({ threadPhases: ['statistics', 'stats'] }), (e: unknown) => (e as Error).message.endsWith('got `["stats"]`'));
    });
  });

  describe('when run with a durable store and no DAGBOOK_STATE_DIR', () => {
    const saved = process.env.DAGBOOK_STATE_DIR;
    after(() => {
      if (saved !== undefined) process.env.DAGBOOK_STATE_DIR = saved;
    });
    it("writes the report beside the run's state, in the store's folder", async () => {
      delete process.env.DAGBOOK_STATE_DIR;
      const stateDir = tempTables({});
      const store = await openDurableStore({ stateDir, pipeline: 'profiling' });
      try {
        const result = await runPipeline(compilePipeline(profilingPipeline()), { store });
        assert.equal(result.status, 'SUCCEEDED', result.reason);
        const report = (await store.getOutput(result.outputHashes.report)) as ReportOutput;
        assert.equal(report.path, path.join(stateDir, 'profiling', 'reports', 'profiling-report.html'));
        assert.equal(fs.readFileSync(report.path, 'utf8'), report.html);
      } finally {
        await store.close();
      }
    });
  });

  describe('when run from the workbench with DAGBOOK_STATE_DIR set, as the notebook is', () => {
    const saved = process.env.DAGBOOK_STATE_DIR;
    after(() => {
      if (saved === undefined) delete process.env.DAGBOOK_STATE_DIR;
      else process.env.DAGBOOK_STATE_DIR = saved;
    });
    it('keeps the run state and writes the report in that folder', async () => {
      const stateDir = tempTables({});
      process.env.DAGBOOK_STATE_DIR = stateDir;
      const wb = await openWorkbench(profilingPipeline(), { quiet: true });
      const result = await wb.run('report');
      assert.equal(result.status, 'SUCCEEDED', result.reason);
      const report = await wb.output<ReportOutput>('report');
      assert.equal(report.path, path.join(stateDir, 'profiling', 'reports', 'profiling-report.html'));
      assert.equal(fs.readFileSync(report.path, 'utf8'), report.html);
      assert.ok(fs.existsSync(path.join(stateDir, 'profiling', 'db.json')), 'the run state is there too');
    });
  });

  describe('when the pipeline file is run from the command line', () => {
    it('runs every phase headless with `dagbook run`, writes the report under DAGBOOK_STATE_DIR, and a second run is all cache hits', () => {
      const stateDir = path.join(tempTables({}), 'state');
      const root = path.resolve(__dirname, '..', '..', '..');
      const dagbook = () =>
        execFileSync(process.execPath, [path.join(root, 'bin', 'dagbook.js'), 'run', 'pipelines/profiling.yaml'], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, DAGBOOK_STATE_DIR: stateDir },
        });
      const first = dagbook();
      for (const id of ALL) assert.match(first, new RegExp(`Stage \`${id}\` succeeded`));
      assert.match(first, /14 succeeded/);
      assert.match(dagbook(), /all 14 stages are up to date/);
      assert.match(fs.readFileSync(path.join(stateDir, 'profiling', 'reports', 'profiling-report.html'), 'utf8'), /^<!DOCTYPE html>/);
    });

    it('with `--state-dir` and no DAGBOOK_STATE_DIR, writes the report under the given folder', () => {
      const stateDir = path.join(tempTables({}), 'state');
      const root = path.resolve(__dirname, '..', '..', '..');
      const { DAGBOOK_STATE_DIR: _unset, ...env } = process.env;
      const out = execFileSync(process.execPath, [path.join(root, 'bin', 'dagbook.js'), 'run', 'pipelines/profiling.yaml', '--state-dir', stateDir], {
        cwd: root,
        encoding: 'utf8',
        env,
      });
      assert.match(out, /14 succeeded/);
      assert.match(fs.readFileSync(path.join(stateDir, 'profiling', 'reports', 'profiling-report.html'), 'utf8'), /^<!DOCTYPE html>/);
      assert.ok(fs.existsSync(path.join(stateDir, 'profiling', 'db.json')), 'the run state is there too');
    });
  });
});
