import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { selectEnvironment } from '../../src/definition/environments';
import { loadPipelineFile } from '../../src/definition/load-file';
import type { PipelineDefinition } from '../../src/definition/types';
import { hasErrorCode, type DagbookError, type PlanIssue } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';

const STAGES = `
exports.discover = async () => [{ id: 't1', hash: 'h1' }];
exports.backtest = async (ctx) => ctx.params;
exports.stress = async () => 'stressed';
`;

const PIPELINE = `
name: trials
maxParallel: 2
environments:
  dev:
    stages:
      backtest: { params: { window: 5 } }
  prod:
    maxParallel: 8
    stages:
      stress: { enabled: true }
      backtest: { params: { window: 250 }, retry: { maxAttempts: 3 } }
stages:
  discover: { fn: ./stages#discover }
  backtest: { fn: ./stages#backtest, deps: [discover], params: { window: 20, fee: 0.001 } }
  stress: { fn: ./stages#stress, deps: [backtest], enabled: false }
`;

async function rejection(promise: Promise<unknown>): Promise<DagbookError> {
  try {
    await promise;
  } catch (e) {
    return e as DagbookError;
  }
  assert.fail('expected a rejection');
}

describe('loadPipelineFile with environments', () => {
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-env-'));
    file = path.join(dir, 'trials.yaml');
    fs.writeFileSync(path.join(dir, 'stages.js'), STAGES);
    fs.writeFileSync(file, PIPELINE);
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const stage = (def: PipelineDefinition, id: string) => {
    const { run: _run, ...rest } = def.stages.find((s) => s.id === id)!;
    return rest;
  };

  describe('when no environment is selected', () => {
    it('loads the base definition, without the overlays and without an environment', async () => {
      const def = await loadPipelineFile(file, { variables: {} });
      assert.equal(def.maxParallel, 2);
      assert.deepEqual(stage(def, 'stress'), { id: 'stress', fn: './stages#stress', deps: ['backtest'], enabled: false });
      assert.equal('environments' in def, false);
      assert.equal(def.environment, undefined);
    });
  });

  describe('when `env` names an inline environment', () => {
    it('merges its overlay: fields replaced, params merged, the stage enabled, and names what it set', async () => {
      const def = await loadPipelineFile(file, { env: 'prod', variables: {} });
      assert.equal(def.maxParallel, 8);
      assert.deepEqual(stage(def, 'backtest'), { id: 'backtest', fn: './stages#backtest', deps: ['discover'], params: { window: 250, fee: 0.001 }, retry: { maxAttempts: 3 } });
      assert.deepEqual(stage(def, 'stress'), { id: 'stress', fn: './stages#stress', deps: ['backtest'], enabled: true });
      assert.deepEqual(def.environment, {
        name: 'prod',
        overlays: [{ source: 'environments.prod', paths: ['maxParallel', 'stages.backtest.params.window', 'stages.backtest.retry', 'stages.stress.enabled'] }],
      });
      assert.deepEqual(compilePipeline(def).plan.environment, def.environment);
    });
  });

  describe('when a `<file>.<env>.yaml` lies beside the file', () => {
    it('merges it after the inline overlay, and knows an environment declared only by the file', async () => {
      fs.writeFileSync(path.join(dir, 'trials.prod.yaml'), 'stages:\n  backtest: { params: { window: 500 } }\n');
      fs.writeFileSync(path.join(dir, 'trials.staging.yml'), 'maxParallel: 3\n');
      const prod = await loadPipelineFile(file, { env: 'prod', variables: {} });
      assert.deepEqual(stage(prod, 'backtest').params, { window: 500, fee: 0.001 });
      assert.deepEqual(prod.environment?.overlays.map((o) => o.source), ['environments.prod', path.join(dir, 'trials.prod.yaml')]);
      const staging = await loadPipelineFile(file, { env: 'staging', variables: {} });
      assert.equal(staging.maxParallel, 3);
      assert.deepEqual(staging.environment, { name: 'staging', overlays: [{ source: path.join(dir, 'trials.staging.yml'), paths: ['maxParallel'] }] });
    });
  });

  describe('when the environment is unknown', () => {
    it('throws INVALID_OPTION naming it and listing the known ones', async () => {
      fs.writeFileSync(path.join(dir, 'trials.staging.yaml'), 'maxParallel: 3\n');
      const e = await rejection(loadPipelineFile(file, { env: 'prd', variables: {} }));
      assert.equal(e.code, 'INVALID_OPTION');
      assert.equal(e.message, 'Unknown environment `prd` for `trials`: its environments are `dev`, `prod`, `staging`; did you mean `prod`?');
      assert.deepEqual(e.data, { environment: 'prd', known: ['dev', 'prod', 'staging'] });
    });
  });

  describe('when DAGBOOK_ENV names the environment', () => {
    it('selects it when no env is given, and a given env wins over it', async () => {
      assert.equal((await loadPipelineFile(file, { variables: { DAGBOOK_ENV: 'dev' } })).environment?.name, 'dev');
      assert.equal((await loadPipelineFile(file, { env: 'prod', variables: { DAGBOOK_ENV: 'dev' } })).environment?.name, 'prod');
    });

    it('refuses an environment the pipeline does not declare, saying it came from DAGBOOK_ENV', async () => {
      const e = await rejection(loadPipelineFile(file, { variables: { DAGBOOK_ENV: 'qa' } }));
      assert.equal(e.message, 'Unknown environment `qa` (from `DAGBOOK_ENV`) for `trials`: its environments are `dev`, `prod`');
    });

    it('is ignored by a pipeline that declares no environments, which refuses an env given on purpose', async () => {
      fs.writeFileSync(file, 'name: plain\nstages:\n  discover: { fn: ./stages#discover }\n');
      assert.equal((await loadPipelineFile(file, { variables: { DAGBOOK_ENV: 'prod' } })).environment, undefined);
      const e = await rejection(loadPipelineFile(file, { env: 'prod', variables: {} }));
      assert.equal(e.message, 'Unknown environment `prod` for `plain`: it declares no environments');
    });
  });

  describe('when the merged definition is invalid', () => {
    it('names the field and the value, and which environment set it', async () => {
      fs.writeFileSync(path.join(dir, 'trials.prod.yaml'), 'stages:\n  stress: { timeoutMs: -1 }\n');
      fs.writeFileSync(file, PIPELINE.replace('retry: { maxAttempts: 3 }', 'retry: { maxAttempts: 0 }'));
      const e = await rejection(loadPipelineFile(file, { env: 'prod', variables: {} }));
      assert.ok(hasErrorCode(e, 'PLAN_INVALID'));
      assert.deepEqual(e.data.issues as PlanIssue[], [
        {
          code: 'PLAN_INVALID_POLICY',
          path: 'stages.backtest.retry.maxAttempts',
          stageId: 'backtest',
          message: 'Expected `stages.backtest.retry.maxAttempts` to be an integer >= 1, got `0` (set by environment `prod` in `environments.prod`)',
        },
        {
          code: 'PLAN_INVALID_POLICY',
          path: 'stages.stress.timeoutMs',
          stageId: 'stress',
          message: `Expected \`stages.stress.timeoutMs\` to be a number >= 0, got \`-1\` (set by environment \`prod\` in \`${path.join(dir, 'trials.prod.yaml')}\`)`,
        },
      ]);
    });

    it('names a stage an overlay names that the pipeline does not define', async () => {
      fs.writeFileSync(file, PIPELINE.replace('stress: { enabled: true }', 'stres: { enabled: true }'));
      const e = await rejection(loadPipelineFile(file, { env: 'prod', variables: {} }));
      assert.deepEqual(e.data.issues as PlanIssue[], [
        {
          code: 'PLAN_INVALID_FIELD',
          path: 'stages.stres',
          stageId: 'stres',
          message: 'Environment `prod` (`environments.prod`) overlays stage `stres`, which the pipeline does not define; did you mean `stress`?',
        },
      ]);
    });

    it('refuses an overlay that declares environments of its own', async () => {
      fs.writeFileSync(file, PIPELINE.replace('    maxParallel: 8\n', '    maxParallel: 8\n    environments: {}\n'));
      const e = await rejection(loadPipelineFile(file, { variables: {} }));
      assert.deepEqual((e.data.issues as PlanIssue[]).map((i) => i.message), [
        'Expected `environments.prod.environments` to be absent: an environment overlays the pipeline, it does not declare environments, got `{}`',
      ]);
    });
  });
});

describe('selectEnvironment', () => {
  const base: PipelineDefinition = {
    name: 'trials',
    stages: [
      { id: 'backtest', run: () => 1, params: { window: 20 } },
      { id: 'stress', run: () => 2, deps: ['backtest'], enabled: false },
    ],
    environments: { prod: { stages: { stress: { enabled: true }, backtest: { params: { window: 250 } } } } },
  };

  describe('when a TS definition selects an environment', () => {
    it('merges its overlay by stage id and compiles with the environment in the plan', () => {
      const def = selectEnvironment(base, { env: 'prod' });
      assert.deepEqual(
        def.stages.map((s) => [s.id, s.params, s.enabled]),
        [
          ['backtest', { window: 250 }, undefined],
          ['stress', undefined, true],
        ],
      );
      const { plan } = compilePipeline(def);
      assert.equal(plan.stages.stress.enabled, true);
      assert.deepEqual(plan.environment, { name: 'prod', overlays: [{ source: 'environments.prod', paths: ['stages.backtest.params.window', 'stages.stress.enabled'] }] });
    });
  });

  describe('when none is selected', () => {
    it('returns the definition itself', () => {
      assert.equal(selectEnvironment(base, { variables: {} }), base);
    });
  });

  describe('when the merged TS definition is invalid', () => {
    it('says which environment set the field, when compiling', () => {
      const def = selectEnvironment({ ...base, environments: { prod: { maxParallel: 0 } } }, { env: 'prod' });
      assert.throws(() => compilePipeline(def), (e: DagbookError) => {
        assert.deepEqual(
          (e.data.issues as PlanIssue[]).map((i) => i.message),
          ['Expected `maxParallel` to be an integer >= 1, got `0` (set by environment `prod` in `environments.prod`)'],
        );
        return true;
      });
    });
  });
});
