import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { PipelineDefinition } from '../../src/definition/types';
import { hasErrorCode, type DagbookError, type PlanIssue } from '../../src/errors';
import { canonicalJson, sha256 } from '../../src/canonical-json';
import { compilePipeline, planHash } from '../../src/plan/compile';

const load = () => [1, 2, 3];
const double = (_ctx: unknown, inputs: Readonly<Record<string, unknown>>) => (inputs.load as number[]).map((n) => n * 2);

/** The issues of the PLAN_INVALID error that `fn` throws. */
function issuesOf(fn: () => unknown): PlanIssue[] {
  try {
    fn();
  } catch (e) {
    assert.ok(hasErrorCode(e, 'PLAN_INVALID'), `expected PLAN_INVALID, got ${String(e)}`);
    return (e as DagbookError).data.issues as PlanIssue[];
  }
  assert.fail('expected compilePipeline to throw');
}

describe('compilePipeline', () => {
  describe('when the definition is valid and sets few options', () => {
    const def: PipelineDefinition = {
      name: 'demo',
      stages: [
        { id: 'double', deps: ['load'], run: double },
        { id: 'load', run: load },
      ],
    };

    it('resolves every default', () => {
      const { plan } = compilePipeline(def);
      assert.deepEqual(plan.stages.load, {
        id: 'load',
        deps: [],
        dependents: ['double'],
        params: {},
        secretParams: [],
        codeHash: sha256(canonicalJson({ 'code:fn': sha256(load.toString()) })),
        code: {
          root: path.resolve(__dirname, '..', '..'),
          fixed: { 'code:fn': sha256(load.toString()) },
          modules: [],
          parts: { 'code:fn': sha256(load.toString()) },
          untracked: [],
        },
        enabled: true,
        skipThrough: false,
        retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30000, jitter: 0.1, minDelayMs: 100, retryOn: ['transient'] },
        timeoutMs: 0,
        graceMs: 1000,
        breaker: null,
        budgets: {},
        validation: [],
        failOnValidationError: false,
        inputs: [],
        isolation: 'none',
      });
      assert.equal(plan.maxParallel, 4);
      assert.equal(plan.failurePolicy, 'fail-fast');
      assert.deepEqual(plan.budgets, {});
      assert.deepEqual(plan.secretNames, []);
    });

    it('orders deps first and lists roots', () => {
      const { plan } = compilePipeline(def);
      assert.deepEqual(plan.order, ['load', 'double']);
      assert.deepEqual(plan.roots, ['load']);
    });

    it('puts the functions in the registry', () => {
      const { registry } = compilePipeline(def);
      assert.equal(registry.load.run, load);
      assert.deepEqual(registry.load.validate, []);
      assert.equal('classify' in registry.load, false);
    });

    it('yields plain JSON data', () => {
      const { plan } = compilePipeline(def);
      assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
    });
  });

  describe('when the definition sets every option', () => {
    const check = (n: unknown) => Array.isArray(n);
    const classify = () => 'logic' as const;
    const def: PipelineDefinition = {
      name: 'full',
      description: 'Every option set',
      maxParallel: 2,
      failurePolicy: 'keep-going',
      budgets: { tokens: 1000, cost: { limit: 5, criticalRatio: 0.5 } },
      defaults: { retry: { maxAttempts: 5, jitter: 0 }, timeoutMs: 60000, graceMs: 10 },
      secrets: { API_KEY: 'hunter2' },
      stages: [
        { id: 'load', run: load, version: '2', description: 'Load', params: { when: { year: 2024 }, list: [1, 'a', null] } },
        {
          id: 'double',
          deps: ['load', 'load'],
          run: double,
          retry: { maxAttempts: 2, baseDelayMs: 5, retryOn: ['transient', 'resource'] },
          timeoutMs: 500,
          breaker: { failureThreshold: 1 },
          budgets: { tokens: 100 },
          validate: [{ name: 'is-array', check }, { name: 'soft', severity: 'warning', check }],
          failOnValidationError: true,
          classify,
          inputs: ['data/a.csv'],
          secretParams: ['token'],
          params: { token: 'x' },
          enabled: false,
          skipThrough: true,
        },
      ],
    };

    it('keeps the stage values, falling back to the pipeline defaults', () => {
      const { plan } = compilePipeline(def);
      assert.deepEqual(plan.stages.double.retry, { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 30000, jitter: 0, minDelayMs: 100, retryOn: ['transient', 'resource'] });
      assert.deepEqual(plan.stages.load.retry, { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 30000, jitter: 0, minDelayMs: 100, retryOn: ['transient'] });
      assert.equal(plan.stages.double.timeoutMs, 500);
      assert.equal(plan.stages.load.timeoutMs, 60000);
      assert.equal(plan.stages.load.graceMs, 10);
      assert.deepEqual(plan.stages.double.breaker, { key: 'double', failureThreshold: 1, recoveryTimeoutMs: 300000 });
      assert.deepEqual(plan.stages.double.deps, ['load']);
      assert.deepEqual(plan.stages.double.validation, [{ name: 'is-array', severity: 'error' }, { name: 'soft', severity: 'warning' }]);
      assert.equal(plan.stages.double.enabled, false);
      assert.equal(plan.stages.double.skipThrough, true);
      assert.equal(plan.stages.load.version, '2');
      assert.deepEqual(plan.stages.load.params, { when: { year: 2024 }, list: [1, 'a', null] });
    });

    it('resolves the pipeline options and keeps secret values out of the plan', () => {
      const compiled = compilePipeline(def);
      assert.equal(compiled.plan.maxParallel, 2);
      assert.equal(compiled.plan.failurePolicy, 'keep-going');
      assert.deepEqual(compiled.plan.budgets, { tokens: { limit: 1000, criticalRatio: 0.8 }, cost: { limit: 5, criticalRatio: 0.5 } });
      assert.deepEqual(compiled.plan.secretNames, ['API_KEY']);
      assert.deepEqual(compiled.secrets, { API_KEY: 'hunter2' });
      assert.equal(JSON.stringify(compiled.plan).includes('hunter2'), false);
    });

    it('puts the rules and the classifier in the registry', () => {
      const { registry } = compilePipeline(def);
      assert.equal(registry.double.validate[0].check, check);
      assert.equal(registry.double.classify, classify);
    });

    it('yields plain JSON data', () => {
      const { plan } = compilePipeline(def);
      assert.deepEqual(JSON.parse(JSON.stringify(plan)), plan);
    });

    it('copies params so later changes to the definition do not reach the plan', () => {
      const params = { n: 1 };
      const { plan } = compilePipeline({ name: 'p', stages: [{ id: 'a', run: load, params }] });
      params.n = 2;
      assert.deepEqual(plan.stages.a.params, { n: 1 });
    });
  });

  describe('when a dep is missing, an id is duplicated and there is a cycle', () => {
    it('reports all three in one error, with codes and paths', () => {
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'broken',
          stages: [
            { id: 'typing', run: load },
            { id: 'stats', deps: ['typng'], run: load },
            { id: 'typing', run: load },
            { id: 'a', deps: ['c'], run: load },
            { id: 'c', deps: ['e'], run: load },
            { id: 'e', deps: ['a'], run: load },
          ],
        }),
      );
      assert.deepEqual(issues, [
        { code: 'PLAN_DUPLICATE_ID', path: 'stages.typing.id', message: 'Stage id `typing` is used by more than one stage (stages 0 and 2)', stageId: 'typing' },
        { code: 'PLAN_UNKNOWN_DEP', path: 'stages.stats.deps.0', message: 'Stage `stats` depends on `typng`, which is not a stage; did you mean `typing`?', stageId: 'stats' },
        { code: 'PLAN_CYCLE', path: 'stages.a.deps', message: 'The dependencies form a cycle: `a -> c -> e -> a`', stageId: 'a' },
      ]);
    });

    it('says so in the error message', () => {
      assert.throws(
        () => compilePipeline({ name: 'p', stages: [{ id: 'a', deps: ['a'], run: load }] }),
        (e: unknown) =>
          hasErrorCode(e, 'PLAN_INVALID') &&
          e.message === 'The pipeline definition has 1 problem:\n  - [PLAN_CYCLE] stages.a.deps: The dependencies form a cycle: `a -> a`',
      );
    });
  });

  describe('when policies are out of range', () => {
    it('reports each field with its path and value', () => {
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'p',
          maxParallel: 0,
          budgets: { tokens: -1, cost: { limit: 1, criticalRatio: 0 } },
          stages: [
            {
              id: 'a',
              run: load,
              retry: { maxAttempts: 0, baseDelayMs: -1, jitter: 1.5 },
              timeoutMs: -5,
              breaker: { failureThreshold: 2.5 },
              budgets: { tokens: 0 },
            },
          ],
        }),
      );
      assert.deepEqual(
        issues.map((i) => [i.code, i.path, i.message]),
        [
          ['PLAN_INVALID_POLICY', 'maxParallel', 'Expected `maxParallel` to be an integer >= 1, got `0`'],
          ['PLAN_INVALID_POLICY', 'budgets.tokens', 'Expected `budgets.tokens` to be a number > 0, got `-1`'],
          ['PLAN_INVALID_POLICY', 'budgets.cost.criticalRatio', 'Expected `budgets.cost.criticalRatio` to be a number > 0 and <= 1, got `0`'],
          ['PLAN_INVALID_POLICY', 'stages.a.retry.maxAttempts', 'Expected `stages.a.retry.maxAttempts` to be an integer >= 1, got `0`'],
          ['PLAN_INVALID_POLICY', 'stages.a.retry.baseDelayMs', 'Expected `stages.a.retry.baseDelayMs` to be a number >= 0, got `-1`'],
          ['PLAN_INVALID_POLICY', 'stages.a.retry.jitter', 'Expected `stages.a.retry.jitter` to be a number from 0 to 1, got `1.5`'],
          ['PLAN_INVALID_POLICY', 'stages.a.timeoutMs', 'Expected `stages.a.timeoutMs` to be a number >= 0, got `-5`'],
          ['PLAN_INVALID_POLICY', 'stages.a.breaker.failureThreshold', 'Expected `stages.a.breaker.failureThreshold` to be an integer >= 1, got `2.5`'],
          ['PLAN_INVALID_POLICY', 'stages.a.budgets.tokens', 'Expected `stages.a.budgets.tokens` to be a number > 0, got `0`'],
        ],
      );
      assert.ok(issues.slice(3).every((i) => i.stageId === 'a'));
    });
  });

  describe('when retry policies set a delay schedule (`delaysMs`)', () => {
    const exponential = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 30000, jitter: 0.1, minDelayMs: 100, retryOn: ['transient'] };

    it('keeps the schedule of a stage, and of the pipeline default for a stage that sets no delay field', () => {
      const { plan } = compilePipeline({
        name: 'p',
        defaults: { retry: { delaysMs: [5000, 30000, 300000], jitter: 0 } },
        stages: [
          { id: 'own', run: load, retry: { maxAttempts: 4, delaysMs: [100, 200] } },
          { id: 'inherits', run: load, retry: { maxAttempts: 2 } },
        ],
      });
      assert.deepEqual(plan.stages.own.retry, { ...exponential, maxAttempts: 4, delaysMs: [100, 200], jitter: 0 });
      assert.deepEqual(plan.stages.inherits.retry, { ...exponential, maxAttempts: 2, delaysMs: [5000, 30000, 300000], jitter: 0 });
    });

    it('backs off exponentially in a stage that sets baseDelayMs or maxDelayMs under a default schedule', () => {
      const { plan } = compilePipeline({
        name: 'p',
        defaults: { retry: { delaysMs: [5000, 30000] } },
        stages: [
          { id: 'base', run: load, retry: { baseDelayMs: 50 } },
          { id: 'cap', run: load, retry: { maxDelayMs: 400 } },
        ],
      });
      assert.deepEqual([plan.stages.base.retry, plan.stages.cap.retry], [{ ...exponential, baseDelayMs: 50 }, { ...exponential, maxDelayMs: 400 }]);
    });

    it('leaves a plan without schedules as it was: no `delaysMs` field', () => {
      const { plan } = compilePipeline({ name: 'p', defaults: { retry: { baseDelayMs: 20 } }, stages: [{ id: 'a', run: load, retry: { maxDelayMs: 80 } }] });
      assert.deepEqual(plan.stages.a.retry, { ...exponential, baseDelayMs: 20, maxDelayMs: 80 });
    });

    it('reports PLAN_INVALID_POLICY at `delaysMs` for a policy that also sets baseDelayMs or maxDelayMs, or an empty schedule', () => {
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'p',
          defaults: { retry: { delaysMs: [5000], maxDelayMs: 60000 } },
          stages: [
            { id: 'a', run: load, retry: { delaysMs: [5000, 30000, 300000], baseDelayMs: 5000 } },
            { id: 'b', run: load, retry: { delaysMs: [] } },
          ],
        }),
      );
      assert.deepEqual(
        issues.map((i) => [i.code, i.path, i.message, i.stageId]),
        [
          [
            'PLAN_INVALID_POLICY',
            'defaults.retry.delaysMs',
            'Expected `defaults.retry.delaysMs` to be left out when `maxDelayMs` is set (a delay schedule replaces the exponential backoff: keep one or the other), got `[5000]`',
            undefined,
          ],
          [
            'PLAN_INVALID_POLICY',
            'stages.a.retry.delaysMs',
            'Expected `stages.a.retry.delaysMs` to be left out when `baseDelayMs` is set (a delay schedule replaces the exponential backoff: keep one or the other), got `[5000,30000,300000]`',
            'a',
          ],
          ['PLAN_INVALID_POLICY', 'stages.b.retry.delaysMs', 'Expected `stages.b.retry.delaysMs` to be an array of at least one delay in ms, got `[]`', 'b'],
        ],
      );
    });
  });

  describe('when fields have the wrong types', () => {
    it('reports PLAN_INVALID_FIELD naming the field and the value', () => {
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'p',
          stages: [{ id: 'a', run: 'not a function', deps: 'b', params: { when: new Date(0) } }, { id: 42, run: load }],
        } as unknown as PipelineDefinition),
      );
      assert.deepEqual(
        issues.map((i) => [i.code, i.path, i.message]),
        [
          ['PLAN_INVALID_FIELD', 'stages.a.run', 'Expected `stages.a.run` to be a function, got `"not a function"`'],
          ['PLAN_INVALID_FIELD', 'stages.a.deps', 'Expected `stages.a.deps` to be an array of stage ids, got `"b"`'],
          ['PLAN_INVALID_FIELD', 'stages.a.params.when', 'Expected `stages.a.params.when` to be JSON data, got `[Date]`'],
          ['PLAN_INVALID_FIELD', 'stages.1.id', 'Expected `stages.1.id` to be an id of letters, digits, `_`, `-` or `.`, got `42`'],
        ],
      );
    });

    it('reports an id with characters outside the allowed set, naming the stage by its position', () => {
      const issues = issuesOf(() => compilePipeline({ name: 'p', stages: [{ id: 'a b', run: load }] }));
      assert.deepEqual(issues, [
        { code: 'PLAN_INVALID_FIELD', path: 'stages.0.id', message: 'Expected `stages.0.id` to be an id of letters, digits, `_`, `-` or `.`, got `"a b"`' },
      ]);
    });
  });

  describe('when a stage runs in a thread', () => {
    const stagesFile = path.join(__dirname, '..', 'definition', 'fixtures', 'stages.ts');

    it('keeps fn and resolves fnPath from an absolute fn, leaving other stages on the main thread', () => {
      const { plan } = compilePipeline({
        name: 'p',
        stages: [
          { id: 'a', run: load, fn: `${path.join(__dirname, '..', 'definition', 'fixtures', 'stages')}#load`, isolation: 'thread' },
          { id: 'b', run: load, isolation: 'none' },
        ],
      });
      assert.equal(plan.stages.a.isolation, 'thread');
      assert.equal(plan.stages.a.fn, `${stagesFile.slice(0, -3)}#load`);
      assert.equal(plan.stages.a.fnPath, `${stagesFile}#load`);
      assert.equal(plan.stages.b.isolation, 'none');
      assert.equal('fnPath' in plan.stages.b, false);
    });

    it('prefers fnPath, as loadPipelineFile sets it', () => {
      const { plan } = compilePipeline({ name: 'p', stages: [{ id: 'a', run: load, fn: './stages#load', fnPath: `${stagesFile}#load`, isolation: 'thread' }] });
      assert.equal(plan.stages.a.fn, './stages#load');
      assert.equal(plan.stages.a.fnPath, `${stagesFile}#load`);
    });

    it('reports a thread stage it cannot load in a worker, at its isolation field', () => {
      const missing = path.join(__dirname, 'no-such-module.ts');
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'p',
          stages: [
            { id: 'bare', run: load, isolation: 'thread' },
            { id: 'relative', run: load, fn: './stages#load', isolation: 'thread' },
            { id: 'missing', run: load, fn: `${missing}#load`, isolation: 'thread' },
            { id: 'main', run: load },
          ],
        }),
      );
      const tail = ': a worker thread loads the stage from `fn` (`module#export`, with an absolute module path, or in a pipeline file a path relative to the file)';
      assert.deepEqual(issues, [
        { code: 'PLAN_INVALID_FIELD', path: 'stages.bare.isolation', message: `Stage \`bare\` has \`isolation: thread\` but no \`fn\`${tail}`, stageId: 'bare' },
        {
          code: 'PLAN_INVALID_FIELD',
          path: 'stages.relative.isolation',
          message: `Stage \`relative\` has \`isolation: thread\` but the module of its \`fn\` is not an absolute path, got \`"./stages#load"\`${tail}`,
          stageId: 'relative',
        },
        {
          code: 'PLAN_INVALID_FIELD',
          path: 'stages.missing.isolation',
          message: `Stage \`missing\` has \`isolation: thread\` but the module of its \`fn\` cannot be found, got \`${JSON.stringify(`${missing}#load`)}\`${tail}`,
          stageId: 'missing',
        },
      ]);
    });

    it('reports an isolation that is neither none nor thread', () => {
      const issues = issuesOf(() => compilePipeline({ name: 'p', stages: [{ id: 'a', run: load, isolation: 'process' }] } as unknown as PipelineDefinition));
      assert.deepEqual(issues.map((i) => [i.code, i.path, i.message]), [
        ['PLAN_INVALID_FIELD', 'stages.a.isolation', 'Expected `stages.a.isolation` to be one of `none`, `thread`, got `"process"`'],
      ]);
    });
  });

  describe('when attempts run on the bullmq executor', () => {
    const stagesFile = path.join(__dirname, '..', 'definition', 'fixtures', 'stages.ts');
    const fn = `${stagesFile.slice(0, -3)}#load`;

    it('gives every stage the pipeline executor with the default queue and Redis wait and its fnPath, unless the stage runs locally', () => {
      const { plan } = compilePipeline({
        name: 'p',
        executor: { kind: 'bullmq', connection: 'redis://127.0.0.1:6379' },
        stages: [
          { id: 'a', run: load, fn },
          { id: 'b', run: load, executor: { kind: 'local' } },
          { id: 'c', run: load, fn, executor: { kind: 'bullmq', connection: 'redis://10.0.0.2:6380', queue: 'etl', unreachableTimeoutMs: 5000 } },
        ],
      });
      assert.deepEqual(plan.stages.a.executor, { kind: 'bullmq', connection: 'redis://127.0.0.1:6379', queue: 'dagbook', unreachableTimeoutMs: 60_000 });
      assert.equal(plan.stages.a.fnPath, `${stagesFile}#load`);
      assert.equal('executor' in plan.stages.b, false);
      assert.equal('fnPath' in plan.stages.b, false);
      assert.deepEqual(plan.stages.c.executor, { kind: 'bullmq', connection: 'redis://10.0.0.2:6380', queue: 'etl', unreachableTimeoutMs: 5000 });
    });

    it('refuses a stage without a module fn, naming the stage at its executor field', () => {
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'p',
          stages: [{ id: 'cell', run: load, executor: { kind: 'bullmq', connection: 'redis://127.0.0.1:6379' } }],
        }),
      );
      assert.deepEqual(issues, [
        {
          code: 'PLAN_INVALID_FIELD',
          path: 'stages.cell.executor',
          message:
            'Stage `cell` runs on the `bullmq` executor but no `fn`: a queue worker loads the stage from `fn` (`module#export`, with an absolute module path, or in a pipeline file a path relative to the file); it cannot run a function defined in a notebook cell',
          stageId: 'cell',
        },
      ]);
    });

    it('reports an executor of an unknown kind and a connection that is not a Redis URL', () => {
      const issues = issuesOf(() =>
        compilePipeline({
          name: 'p',
          stages: [
            { id: 'a', run: load, fn, executor: { kind: 'temporal' } },
            { id: 'b', run: load, fn, executor: { kind: 'bullmq', connection: 'localhost:6379' } },
          ],
        } as unknown as PipelineDefinition),
      );
      assert.deepEqual(issues.map((i) => [i.code, i.path, i.message]), [
        ['PLAN_INVALID_FIELD', 'stages.a.executor.kind', 'Expected `stages.a.executor.kind` to be `local` or `bullmq`, got `"temporal"`'],
        ['PLAN_INVALID_FIELD', 'stages.b.executor.connection', 'Expected `stages.b.executor.connection` to be a Redis URL, e.g. `redis://127.0.0.1:6379`, got `"localhost:6379"`'],
      ]);
    });
  });

  describe('when the input is garbage', () => {
    const cases: [string, unknown, string[]][] = [
      ['an empty object', {}, ['Missing required field `name`: expected a string', 'Missing required field `stages`: expected an array']],
      ['null', null, ['Expected the definition to be a pipeline definition object, got `null`']],
      ['stages that are not an array', { name: 'p', stages: { a: {} } }, ['Expected `stages` to be an array of stages, got `{"a":{}}`']],
      ['a stage that is null', { name: 'p', stages: [null] }, ['Expected `stages.0` to be a stage object, got `null`']],
      ['a stage without id or run', { name: 'p', stages: [{}] }, ['Missing required field `stages.0.id`: expected a string', 'Missing required field `stages.0.run`: expected a function']],
      ['deps that hold a number', { name: 'p', stages: [{ id: 'a', run: load, deps: [1] }] }, ['Expected `stages.a.deps.0` to be a string, got `1`']],
    ];
    for (const [label, input, messages] of cases) {
      it(`reports ${label} without a TypeError`, () => {
        const issues = issuesOf(() => compilePipeline(input as PipelineDefinition));
        assert.deepEqual(issues.map((i) => i.message), messages);
      });
    }
  });
});

describe('planHash', () => {
  const def = (params: Record<string, unknown>): PipelineDefinition => ({ name: 'p', stages: [{ id: 'a', run: load, params }] });

  describe('when two plans hold the same data with keys in another order', () => {
    it('gives the same hash', () => {
      assert.equal(planHash(compilePipeline(def({ x: 1, y: 2 })).plan), planHash(compilePipeline(def({ y: 2, x: 1 })).plan));
    });
  });

  describe('when a param changes', () => {
    it('gives another hash', () => {
      assert.notEqual(planHash(compilePipeline(def({ x: 1 })).plan), planHash(compilePipeline(def({ x: 2 })).plan));
    });
  });

  it('is a hex sha256', () => {
    assert.match(planHash(compilePipeline(def({})).plan), /^[0-9a-f]{64}$/);
  });
});
