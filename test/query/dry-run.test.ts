import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PipelineDefinition, StageDefinition } from '../../src/definition/types';
import { renderPlanView } from '../../src/display/plan-view';
import { compilePipeline } from '../../src/plan/compile';
import { dryRun } from '../../src/query/dry-run';
import { runPipeline } from '../../src/run/run-pipeline';
import { MemoryStore } from '../../src/store/memory-store';

function pipeline(overrides: Partial<Record<string, Partial<StageDefinition>>> = {}): PipelineDefinition {
  const stages: StageDefinition[] = [
    { id: 'import', inputs: ['a.csv'], run: () => 'rows' },
    { id: 'typing', deps: ['import'], params: { sample: 100 }, run: (_c, i) => `typed ${String(i.import)}` },
    { id: 'stats', deps: ['typing'], run: (_c, i) => `stats of ${String(i.typing)}` },
    { id: 'audit', deps: ['import'], run: () => 'audit' },
  ];
  return { name: 'dry', failurePolicy: 'keep-going', stages: stages.map((s) => ({ ...s, ...(overrides[s.id] ?? {}) }) as StageDefinition) };
}

describe('dryRun', () => {
  let dir: string;
  let store: MemoryStore;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-dry-'));
    fs.writeFileSync(path.join(dir, 'a.csv'), 'x\n1\n');
    store = new MemoryStore();
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const reasons = async (def: PipelineDefinition, force?: boolean | string[]) =>
    (await dryRun(compilePipeline(def), { store, baseDir: dir, ...(force ? { force } : {}) })).rows.map((r) => [r.stageId, r.action, r.reason]);

  describe('when the pipeline never ran', () => {
    it('would run every stage because it never ran', async () => {
      assert.deepEqual(await reasons(pipeline()), [
        ['import', 'run', 'never ran'],
        ['typing', 'run', 'never ran'],
        ['stats', 'run', 'never ran'],
        ['audit', 'run', 'never ran'],
      ]);
    });
  });

  describe('when it ran and something changed', () => {
    beforeEach(async () => {
      const result = await runPipeline(compilePipeline(pipeline()), { store, baseDir: dir });
      assert.equal(result.status, 'SUCCEEDED');
    });

    it('skips everything when nothing changed', async () => {
      const rows = await reasons(pipeline());
      assert.deepEqual(rows.map((r) => r[2]), ['up to date', 'up to date', 'up to date', 'up to date']);
    });

    it('names a changed param, and the stages after it run because their upstream will', async () => {
      assert.deepEqual(await reasons(pipeline({ typing: { params: { sample: 500 } } })), [
        ['import', 'skip', 'up to date'],
        ['typing', 'run', 'param `sample` changed'],
        ['stats', 'run', 'upstream `typing` will run'],
        ['audit', 'skip', 'up to date'],
      ]);
    });

    it('restores a param value an earlier run computed, naming that run, and judges what follows by its output', async () => {
      const [firstRun] = await store.listRuns();
      await runPipeline(compilePipeline(pipeline({ typing: { params: { sample: 500 } } })), { store, baseDir: dir, runId: 'run-2' });
      assert.deepEqual(await reasons(pipeline()), [
        ['import', 'skip', 'up to date'],
        ['typing', 'skip', `restored from an earlier run (${firstRun.runId})`],
        // typing's output does not depend on `sample`: stats saw the same input in both runs.
        ['stats', 'skip', 'up to date'],
        ['audit', 'skip', 'up to date'],
      ]);
    });

    it('names changed code', async () => {
      const rows = await reasons(pipeline({ stats: { run: (_c, i) => `new stats of ${String(i.typing)}` } }));
      assert.deepEqual(rows[2], ['stats', 'run', 'code changed']);
    });

    it('names a changed input file', async () => {
      fs.writeFileSync(path.join(dir, 'a.csv'), 'x\n2\n');
      const rows = await reasons(pipeline());
      assert.deepEqual(rows[0], ['import', 'run', 'input file `a.csv` changed']);
      assert.deepEqual(rows[1], ['typing', 'run', 'upstream `import` will run']);
    });

    it('says forced for forced stages', async () => {
      assert.deepEqual((await reasons(pipeline(), ['audit']))[3], ['audit', 'run', 'forced']);
    });

    it('says disabled for a disabled stage', async () => {
      assert.deepEqual((await reasons(pipeline({ audit: { enabled: false } })))[3], ['audit', 'disabled', 'disabled in config']);
    });

    it('names an upstream output that changed under a stage', async () => {
      // Re-run import with new content: typing's recorded upstream hash is now stale.
      fs.writeFileSync(path.join(dir, 'a.csv'), 'x\n3\n');
      await runPipeline(compilePipeline(pipeline({ import: { run: () => 'other rows' } })), { store, baseDir: dir, selection: { only: 'import' } });
      const rows = await reasons(pipeline({ import: { run: () => 'other rows' } }));
      assert.deepEqual(rows[1], ['typing', 'run', 'upstream `import` output changed']);
    });

    it('estimates durations from history', async () => {
      const dry = await dryRun(compilePipeline(pipeline({ typing: { params: { sample: 1 } } })), { store, baseDir: dir });
      assert.ok(dry.rows.every((r) => typeof r.estimatedMs === 'number' && r.estimatedMs >= 0));
      assert.equal(dry.toRun, 2);
    });
  });

  describe('when the last attempt failed', () => {
    it('says so', async () => {
      const failing = pipeline({ audit: { run: () => { throw new Error('boom'); }, retry: { maxAttempts: 1 } } });
      const result = await runPipeline(compilePipeline(failing), { store, baseDir: dir });
      assert.equal(result.stages.audit.status, 'FAILED');
      assert.deepEqual((await reasons(failing))[3], ['audit', 'run', 'last attempt failed']);
    });
  });

  describe('when a stage captures names that nothing tracks', () => {
    it('lists them on its row, and the plan view shows them as not tracked', async () => {
      const factor = 3;
      const def: PipelineDefinition = { name: 'captures', stages: [{ id: 'scale', run: () => 2 * factor }, { id: 'plain', run: () => 2 }] };
      const compiled = compilePipeline(def);
      const dry = await dryRun(compiled, { store, baseDir: dir });
      assert.deepEqual(dry.rows, [
        { stageId: 'scale', action: 'run', reason: 'never ran', deps: [], untracked: ['factor'] },
        { stageId: 'plain', action: 'run', reason: 'never ran', deps: [] },
      ]);
      assert.deepEqual(renderPlanView(compiled.plan, dry).text.split('\n').slice(4), [
        'scale  will run  never ran; not tracked: `factor`         —',
        'plain  will run  never ran                                —',
      ]);
    });
  });

  describe('when a module the stage imports is edited after the plan was compiled', () => {
    const cwd = process.cwd();
    afterEach(() => process.chdir(cwd));

    it('reads the module again and names it as the reason', async () => {
      process.chdir(dir);
      fs.writeFileSync(path.join(dir, 'helper.ts'), 'export const helper = () => 1;\n');
      fs.writeFileSync(path.join(dir, 'stage.ts'), "import { helper } from './helper';\nexport const stage = () => helper();\n");
      const def: PipelineDefinition = { name: 'edited', stages: [{ id: 'a', run: require(path.join(dir, 'stage.ts')).stage }, { id: 'b', run: () => 2 }] };
      const compiled = compilePipeline(def);
      await runPipeline(compiled, { store, baseDir: dir });
      fs.writeFileSync(path.join(dir, 'helper.ts'), 'export const helper = () => 100;\n');
      const dry = await dryRun(compiled, { store, baseDir: dir });
      assert.deepEqual(
        dry.rows.map((r) => [r.stageId, r.action, r.reason]),
        [
          ['a', 'run', 'code changed: helper.ts'],
          ['b', 'skip', 'up to date'],
        ],
      );
    });
  });
});
