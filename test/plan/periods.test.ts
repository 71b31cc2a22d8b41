import assert from 'node:assert/strict';
import type { PipelineDefinition, StageDefinition } from '../../src/definition/types';
import { compilePipeline } from '../../src/plan/compile';

const run = () => null;

function compile(stages: Omit<StageDefinition, 'run'>[], periods: PipelineDefinition['periods'] = { name: 'year', from: 2025, to: 2027 }) {
  return compilePipeline({ name: 'sim', periods, stages: stages.map((s) => ({ ...s, run })) });
}

/** census -> needs(year) -> hires(year) -> accumulate(year) -> needs(next year); summary reads every year's accumulate. */
const SIMULATION: Omit<StageDefinition, 'run'>[] = [
  { id: 'census' },
  { id: 'needs', perPeriod: true, deps: ['census', 'accumulate@previous'] },
  { id: 'hires', perPeriod: true, deps: ['needs'], params: { rate: 0.1 }, periodParams: { '2026': { rate: 0.2 }, '2027': { cap: 5 } } },
  { id: 'accumulate', perPeriod: true, deps: ['hires'] },
  { id: 'summary', deps: ['accumulate'] },
];

describe('compilePipeline with periods', () => {
  describe('when stages are per period', () => {
    const { plan } = compile(SIMULATION);

    it('expands each per-period stage once per period, each period closed by its checkpoint, in period order', () => {
      assert.deepEqual(plan.order, [
        'census',
        'needs@2025', 'hires@2025', 'accumulate@2025', 'checkpoint@2025',
        'needs@2026', 'hires@2026', 'accumulate@2026', 'checkpoint@2026',
        'needs@2027', 'hires@2027', 'accumulate@2027', 'checkpoint@2027',
        'summary',
      ]);
      assert.deepEqual(plan.periods, { name: 'year', keys: ['2025', '2026', '2027'], values: [2025, 2026, 2027], stateHash: false });
    });

    it('reads the same period, the period-less stage, and the previous period (with its checkpoint) as deps', () => {
      assert.deepEqual(plan.stages['needs@2025'].deps, ['census']);
      assert.deepEqual(plan.stages['needs@2026'].deps, ['census', 'accumulate@2025', 'checkpoint@2025']);
      assert.deepEqual(plan.stages['needs@2026'].inputKeys, { 'accumulate@2025': { key: 'accumulate@previous' }, 'checkpoint@2025': { key: null } });
      assert.deepEqual(plan.stages['hires@2026'].deps, ['needs@2026']);
      assert.deepEqual(plan.stages['hires@2026'].inputKeys, { 'needs@2026': { key: 'needs' } });
      assert.equal(plan.stages['hires@2026'].template, 'hires');
      assert.equal(plan.stages['hires@2026'].period, '2026');
      assert.equal(plan.stages.census.template, undefined);
    });

    it('gives a period-less stage every period of a per-period dep, keyed by period', () => {
      assert.deepEqual(plan.stages.summary.deps, ['accumulate@2025', 'accumulate@2026', 'accumulate@2027']);
      assert.deepEqual(plan.stages.summary.inputKeys, {
        'accumulate@2025': { key: 'accumulate', period: '2025' },
        'accumulate@2026': { key: 'accumulate', period: '2026' },
        'accumulate@2027': { key: 'accumulate', period: '2027' },
      });
    });

    it("makes each period's checkpoint depend on every stage of its period, passing no output", () => {
      const checkpoint = plan.stages['checkpoint@2026'];
      assert.deepEqual(checkpoint.deps, ['needs@2026', 'hires@2026', 'accumulate@2026']);
      assert.equal(checkpoint.role, 'checkpoint');
      assert.equal(checkpoint.template, 'checkpoint');
      assert.deepEqual(Object.values(checkpoint.inputKeys ?? {}), [{ key: null }, { key: null }, { key: null }]);
      assert.deepEqual(checkpoint.dependents, ['needs@2027']);
    });

    it('merges each periodParams entry over params from its period on', () => {
      assert.deepEqual(plan.stages['hires@2025'].params, { rate: 0.1 });
      assert.deepEqual(plan.stages['hires@2026'].params, { rate: 0.2 });
      assert.deepEqual(plan.stages['hires@2027'].params, { rate: 0.2, cap: 5 });
    });

    it('stops the chain on an ERROR validation rule by default in per-period stages only', () => {
      assert.equal(plan.stages['hires@2025'].failOnValidationError, true);
      assert.equal(plan.stages.census.failOnValidationError, false);
      const relaxed = compile(SIMULATION, { name: 'year', from: 2025, to: 2027, failOnValidationError: false }).plan;
      assert.equal(relaxed.stages['hires@2025'].failOnValidationError, false);
    });

    it('shares the code identity of a stage across its periods', () => {
      assert.equal(plan.stages['hires@2025'].codeHash, plan.stages['hires@2027'].codeHash);
    });
  });

  describe('when the periods are a list', () => {
    it('uses the values as keys, in the order given', () => {
      const { plan } = compile([{ id: 'close', perPeriod: true, deps: ['close@previous'] }], { name: 'quarter', values: ['2025Q3', '2025Q4', 2026] });
      assert.deepEqual(plan.order, ['close@2025Q3', 'checkpoint@2025Q3', 'close@2025Q4', 'checkpoint@2025Q4', 'close@2026', 'checkpoint@2026']);
      assert.deepEqual(plan.stages['close@2026'].deps, ['close@2025Q4', 'checkpoint@2025Q4']);
      assert.deepEqual(plan.periods?.values, ['2025Q3', '2025Q4', 2026]);
    });
  });
});
