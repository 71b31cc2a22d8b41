import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadPipelineFile } from '../../src/definition/load-file';
import { hasErrorCode, type DagbookError, type PlanIssue } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import * as stages from './fixtures/stages';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);

async function issuesOf(promise: Promise<unknown>): Promise<PlanIssue[]> {
  try {
    await promise;
  } catch (e) {
    assert.ok(hasErrorCode(e, 'PLAN_INVALID'), `expected PLAN_INVALID, got ${String(e)}`);
    return (e as DagbookError).data.issues as PlanIssue[];
  }
  assert.fail('expected loadPipelineFile to reject');
}

describe('loadPipelineFile', () => {
  describe('when the file is valid YAML with stages keyed by id', () => {
    it('returns the definition with each fn resolved to its export', async () => {
      const def = await loadPipelineFile(fixture('pipeline.yaml'));
      assert.deepEqual(def, {
        name: 'demo',
        description: 'Doubles some numbers and adds them up',
        maxParallel: 2,
        failurePolicy: 'keep-going',
        budgets: { tokens: 1000, cost: { limit: 5, criticalRatio: 0.5 } },
        defaults: { retry: { maxAttempts: 2 }, timeoutMs: 60000 },
        stages: [
          { id: 'load', run: stages.load, fn: './stages#load', description: 'Load the numbers' },
          {
            id: 'double',
            run: stages.double,
            fn: './stages#double',
            deps: ['load'],
            params: { factor: 2 },
            retry: { baseDelayMs: 10, retryOn: ['transient', 'resource'] },
            budgets: { tokens: 100 },
          },
          {
            id: 'total',
            run: stages.total,
            fn: './stages#total',
            deps: ['double'],
            version: '1',
            timeoutMs: 5000,
            breaker: { failureThreshold: 2 },
            inputs: ['data/numbers.csv'],
          },
        ],
      });
    });

    it('compiles, keeping fn in the plan', async () => {
      const { plan } = compilePipeline(await loadPipelineFile(fixture('pipeline.yaml')));
      assert.deepEqual(plan.order, ['load', 'double', 'total']);
      assert.equal(plan.stages.double.fn, './stages#double');
      assert.equal(plan.stages.double.retry.maxAttempts, 2);
      assert.equal(plan.stages.total.timeoutMs, 5000);
      assert.equal(plan.stages.load.timeoutMs, 60000);
    });
  });

  describe('when the file is JSON with an array of stages', () => {
    it('returns the same shape of definition', async () => {
      const def = await loadPipelineFile(fixture('pipeline.json'));
      assert.equal(def.name, 'demo-json');
      assert.deepEqual(
        def.stages.map((s) => [s.id, s.run, s.deps, s.enabled, s.skipThrough]),
        [
          ['load', stages.load, undefined, undefined, undefined],
          ['double', stages.double, ['load'], false, true],
          ['total', stages.total, ['double'], undefined, undefined],
        ],
      );
    });
  });

  describe('when a stage runs in a thread', () => {
    it('gives it fnPath, its fn with the module resolved to an absolute path', async () => {
      const def = await loadPipelineFile(fixture('thread.yaml'));
      assert.deepEqual(
        def.stages.map((s) => [s.id, s.fn, s.fnPath, s.isolation]),
        [
          ['load', './stages#load', `${fixture('stages.ts')}#load`, 'thread'],
          ['double', './stages#double', undefined, undefined],
        ],
      );
      const { plan } = compilePipeline(def);
      assert.equal(plan.stages.load.fnPath, `${fixture('stages.ts')}#load`);
      assert.equal(plan.stages.double.isolation, 'none');
    });
  });

  describe('when stages run on the bullmq executor', () => {
    it('gives those stages fnPath, and the plan their executor, the pipeline one unless a stage sets its own', async () => {
      const def = await loadPipelineFile(fixture('queue.yaml'));
      assert.deepEqual(
        def.stages.map((s) => [s.id, s.fnPath]),
        [
          ['load', `${fixture('stages.ts')}#load`],
          ['double', undefined],
          ['total', `${fixture('stages.ts')}#total`],
        ],
      );
      const { plan } = compilePipeline(def);
      assert.deepEqual(
        Object.values(plan.stages).map((s) => [s.id, s.executor]),
        [
          ['load', { kind: 'bullmq', connection: 'redis://127.0.0.1:6379', queue: 'dagbook', unreachableTimeoutMs: 60_000 }],
          ['double', undefined],
          ['total', { kind: 'bullmq', connection: 'redis://127.0.0.1:6380', queue: 'totals', unreachableTimeoutMs: 60_000 }],
        ],
      );
    });
  });

  describe('when a stage declares codeDeps', () => {
    it('resolves each path from the file`s folder', async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-code-deps-'));
      try {
        fs.writeFileSync(path.join(dir, 'pipeline.yaml'), `name: deps\nstages:\n  load:\n    fn: ${fixture('stages')}#load\n    codeDeps: [./lib/clean.ts]\n`);
        const def = await loadPipelineFile(path.join(dir, 'pipeline.yaml'));
        assert.deepEqual(def.stages[0].codeDeps, [path.join(dir, 'lib', 'clean.ts')]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when fn names a package', () => {
    it('resolves it from the folder of the file', async () => {
      const def = await loadPipelineFile(fixture('package-fn.yaml'));
      assert.equal(def.stages[0].run, require('yaml').parse);
    });
  });

  describe('when baseDir is given', () => {
    it('resolves module paths from it', async () => {
      const issues = await issuesOf(loadPipelineFile(fixture('pipeline.yaml'), { baseDir: __dirname }));
      assert.deepEqual(
        issues.map((i) => [i.code, i.path]),
        [
          ['PLAN_UNKNOWN_FUNCTION', 'stages.load.fn'],
          ['PLAN_UNKNOWN_FUNCTION', 'stages.double.fn'],
          ['PLAN_UNKNOWN_FUNCTION', 'stages.total.fn'],
        ],
      );
      assert.equal(issues[0].message, `Stage \`load\`: cannot find module \`./stages\` (resolved from \`${__dirname}\`)`);
    });
  });

  describe('when the file has many problems', () => {
    it('reports them all in one error: fields, policies, functions and deps', async () => {
      const issues = await issuesOf(loadPipelineFile(fixture('broken.yaml')));
      assert.deepEqual(issues, [
        { code: 'PLAN_INVALID_POLICY', path: 'maxParallel', message: 'Expected `maxParallel` to be an integer >= 1, got `0`' },
        { code: 'PLAN_INVALID_POLICY', path: 'stages.load.retry.maxAttempts', message: 'Expected `stages.load.retry.maxAttempts` to be an integer >= 1, got `0`', stageId: 'load' },
        { code: 'PLAN_INVALID_FIELD', path: 'stages.load.dep', message: 'Unknown field `stages.load.dep`; did you mean `deps`?', stageId: 'load' },
        { code: 'PLAN_UNKNOWN_FUNCTION', path: 'stages.double.fn', message: 'Stage `double`: module `./stages` has no export `dobule`; did you mean `double`?', stageId: 'double' },
        {
          code: 'PLAN_UNKNOWN_FUNCTION',
          path: 'stages.total.fn',
          message: `Stage \`total\`: cannot find module \`./missing-module\` (resolved from \`${path.join(__dirname, 'fixtures')}\`)`,
          stageId: 'total',
        },
        { code: 'PLAN_UNKNOWN_FUNCTION', path: 'stages.constant.fn', message: 'Stage `constant`: export `notAFunction` of module `./stages` is not a function, got a number', stageId: 'constant' },
        { code: 'PLAN_UNKNOWN_DEP', path: 'stages.double.deps.0', message: 'Stage `double` depends on `lod`, which is not a stage; did you mean `load`?', stageId: 'double' },
      ]);
    });
  });

  describe('when the stages form a cycle', () => {
    it('reports the cycle as a path', async () => {
      const issues = await issuesOf(loadPipelineFile(fixture('cyclic.json')));
      assert.deepEqual(issues, [{ code: 'PLAN_CYCLE', path: 'stages.a.deps', message: 'The dependencies form a cycle: `a -> c -> e -> a`', stageId: 'a' }]);
    });
  });

  describe('when the file is not valid YAML', () => {
    it('reports where parsing failed: the file, line and column in the path and the message', async () => {
      const file = fixture('bad-syntax.yaml');
      const issues = await issuesOf(loadPipelineFile(file));
      assert.deepEqual(issues, [
        {
          code: 'PLAN_INVALID_FIELD',
          path: `${file}:4:1`,
          message: `Cannot parse \`${file}\` at line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]`,
        },
      ]);
    });
  });

  describe('when the file does not exist', () => {
    it('rejects with INVALID_OPTION naming the path', async () => {
      await assert.rejects(
        loadPipelineFile(fixture('nope.yaml')),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message.startsWith(`Cannot read the pipeline file \`${fixture('nope.yaml')}\`: ENOENT`),
      );
    });
  });
});
