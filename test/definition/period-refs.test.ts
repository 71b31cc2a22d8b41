import assert from 'node:assert/strict';
import type { PipelineDefinition, StageDefinition } from '../../src/definition/types';
import { loadPipelineText } from '../../src/definition/load-file';
import { DagbookError, type PlanIssue } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import { planIssuesOf } from './plan-issues';

const run = () => null;

const issuesOf = (stages: Omit<StageDefinition, 'run'>[], periods?: unknown) => planIssuesOf(stages, periods === undefined ? {} : { periods: periods as PipelineDefinition['periods'] });

const YEARS = { name: 'year', from: 2025, to: 2027 };

describe('period references', () => {
  describe('when a definition misuses periods', () => {
    it('reports every problem at once, naming the field and the value', () => {
      assert.deepEqual(
        issuesOf(
          [
            { id: 'census', deps: ['grow@previous'] },
            { id: 'grow', perPeriod: true, deps: ['census@previous', 'grwo@previous', 'grow@2025'], periodParams: { '2031': { rate: 1 } } },
            { id: 'report', periodParams: { '2026': {} } },
            { id: 'checkpoint' },
          ],
          YEARS,
        ),
        [
          { code: 'PLAN_INVALID_FIELD', path: 'stages.census.deps.0', message: 'Stage `census` depends on `grow@previous`, but only a `perPeriod` stage has a previous period' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.grow.periodParams.2031', message: 'Stage `grow` has `periodParams` for `2031`, which is not a period: the periods are `2025`, `2026`, `2027`' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.grow.deps.0', message: 'Stage `grow` depends on `census@previous`, but `census` is not `perPeriod`: it has no previous period (depend on `census`)' },
          { code: 'PLAN_UNKNOWN_DEP', path: 'stages.grow.deps.1', message: 'Stage `grow` depends on `grwo@previous`, but `grwo` is not a stage; did you mean `grow`?' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.grow.deps.2', message: "Stage `grow` depends on `grow@2025`: expected a stage id, or `<stage>@previous` for the previous period's output" },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.report.periodParams', message: 'Stage `report` has `periodParams` but is not `perPeriod`' },
          { code: 'PLAN_INVALID_FIELD', path: 'stages.checkpoint.id', message: "Stage id `checkpoint` is reserved in a pipeline with `periods`: it names each period's checkpoint (`checkpoint@<period>`)" },
        ],
      );
    });

    it('refuses a per-period stage in a pipeline without periods', () => {
      assert.deepEqual(issuesOf([{ id: 'grow', perPeriod: true }]), [
        { code: 'PLAN_INVALID_FIELD', path: 'stages.grow.perPeriod', message: 'Stage `grow` has `perPeriod: true` but the pipeline declares no `periods`' },
      ]);
    });

    it('finds a cycle through a period-less stage, and none through a previous-period dep', () => {
      const cycle = issuesOf(
        [
          { id: 'grow', perPeriod: true, deps: ['total', 'grow@previous'] },
          { id: 'total', deps: ['grow'] },
        ],
        YEARS,
      );
      assert.deepEqual(cycle.map((i) => i.code), ['PLAN_CYCLE']);
      assert.doesNotThrow(() => compilePipeline({ name: 'sim', periods: YEARS, stages: [{ id: 'grow', perPeriod: true, deps: ['grow@previous'], run }] }));
    });

    it('checks the axis: a range that goes back, both a range and values, a repeated period', () => {
      assert.deepEqual(issuesOf([], { name: 'year', from: 2027, to: 2025 }).map((i) => [i.path, i.message]), [
        ['periods.to', 'Expected `periods.to` to be an integer >= `from` (2027), got `2025`'],
      ]);
      assert.deepEqual(issuesOf([], { name: 'year', from: 2025, to: 2026, values: [1] }).map((i) => i.path), ['periods.values']);
      assert.deepEqual(issuesOf([], { name: 'q', values: ['a', 'b', 'a'] }).map((i) => i.path), ['periods.values.2']);
      assert.deepEqual(issuesOf([], { name: 'q', values: ['2025 Q1'] }).map((i) => i.path), ['periods.values.0']);
    });
  });

  describe('when a pipeline file declares periods', () => {
    it('loads the axis, per-period stages, previous-period deps and the state hash function', () => {
      const text = [
        'name: sim',
        'periods: { name: year, from: 2025, to: 2026, stateHash: "./state#yearHash" }',
        'stages:',
        '  grow: { fn: "./stages#grow", perPeriod: true, deps: [grow@previous], periodParams: { "2026": { rate: 2 } } }',
      ].join('\n');
      const fs = require('node:fs') as typeof import('node:fs');
      const os = require('node:os') as typeof import('node:os');
      const path = require('node:path') as typeof import('node:path');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-periods-'));
      fs.writeFileSync(path.join(dir, 'stages.js'), 'exports.grow = (ctx) => ctx.period;\n');
      fs.writeFileSync(path.join(dir, 'state.js'), "exports.yearHash = (ctx) => 'h' + ctx.periodKey;\n");
      const def = loadPipelineText(text, { source: 'sim.yaml', baseDir: dir });
      assert.equal(def.periods?.name, 'year');
      assert.equal(typeof def.periods?.stateHash, 'function');
      const { plan } = compilePipeline(def);
      assert.deepEqual(plan.order, ['grow@2025', 'checkpoint@2025', 'grow@2026', 'checkpoint@2026']);
      assert.deepEqual(plan.stages['grow@2026'].params, { rate: 2 });
      assert.equal(plan.periods?.stateHash, true);
    });

    it('names a state hash module that cannot be found', () => {
      const text = 'name: sim\nperiods: { name: year, from: 1, to: 2, stateHash: "./nowhere#h" }\nstages: {}\n';
      assert.throws(
        () => loadPipelineText(text, { source: 'sim.yaml', baseDir: __dirname }),
        (e: DagbookError) => {
          const issues = (e.data as { issues: PlanIssue[] }).issues;
          assert.deepEqual(issues.map((i) => [i.code, i.path]), [['PLAN_UNKNOWN_FUNCTION', 'periods.stateHash']]);
          assert.match(issues[0].message, /^The periods' `stateHash`: cannot find module `\.\/nowhere`/);
          return true;
        },
      );
    });
  });
});
