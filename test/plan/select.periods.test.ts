import assert from 'node:assert/strict';
import type { StageDefinition } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { compilePipeline } from '../../src/plan/compile';
import { selectStages, stageNames } from '../../src/plan/select';

const run = () => null;
const stages: Omit<StageDefinition, 'run'>[] = [
  { id: 'census' },
  { id: 'grow', perPeriod: true, deps: ['census', 'grow@previous'] },
  { id: 'report', perPeriod: true, deps: ['grow'] },
  { id: 'summary', deps: ['report'] },
];
const { plan } = compilePipeline({ name: 'sim', periods: { name: 'year', from: 2025, to: 2027 }, stages: stages.map((s) => ({ ...s, run })) });

describe('selectStages with periods', () => {
  it('names stages by their id as written', () => {
    assert.deepEqual(stageNames(plan), ['census', 'grow', 'report', 'checkpoint', 'summary']);
  });

  describe('when a target is a per-period stage', () => {
    it('selects every period of it and what each needs: a later period needs the whole earlier one, through its checkpoint', () => {
      assert.deepEqual(selectStages(plan, { target: 'grow' }).stages, [
        'census', 'grow@2025', 'report@2025', 'checkpoint@2025', 'grow@2026', 'report@2026', 'checkpoint@2026', 'grow@2027',
      ]);
    });

    it('with one period, selects it in that period and what it needs there, and needs the previous period stored', () => {
      const selection = selectStages(plan, { target: 'report', periods: 2026 });
      assert.deepEqual(selection.stages, ['census', 'grow@2026', 'report@2026']);
      assert.deepEqual(selection.requiresOutputsOf, ['grow@2025', 'checkpoint@2025']);
    });

    it('takes one period of it by its plan id', () => {
      assert.deepEqual(selectStages(plan, { only: 'report@2027' }).stages, ['report@2027']);
    });
  });

  describe('when periods are a range', () => {
    it('keeps the period-less stages, and the summary when the range reaches the last period', () => {
      const selection = selectStages(plan, { periods: '2026..2027' });
      assert.deepEqual(selection.stages, [
        'census',
        'grow@2026', 'report@2026', 'checkpoint@2026',
        'grow@2027', 'report@2027', 'checkpoint@2027',
        'summary',
      ]);
      assert.deepEqual(selection.requiresOutputsOf, ['grow@2025', 'report@2025', 'checkpoint@2025']);
    });

    it('leaves out the summary when the range stops before the last period', () => {
      assert.deepEqual(selectStages(plan, { periods: ['2025', 2026] }).stages, [
        'census', 'grow@2025', 'report@2025', 'checkpoint@2025', 'grow@2026', 'report@2026', 'checkpoint@2026',
      ]);
    });

    it('from a period selects it and every later one', () => {
      assert.deepEqual(selectStages(plan, { fromPeriod: 2027 }).stages, ['census', 'grow@2027', 'report@2027', 'checkpoint@2027', 'summary']);
    });
  });

  describe('when a period is not on the axis', () => {
    it('names the option, the value and the periods', () => {
      assert.throws(
        () => selectStages(plan, { periods: '2026..2031' }),
        (e: DagbookError) => e.code === 'INVALID_OPTION' && e.message === 'Expected `periods` to name years of the pipeline (2025, 2026, 2027), got `"2031"`',
      );
      assert.throws(
        () => selectStages(plan, { periods: '2027..2025' }),
        (e: DagbookError) => e.code === 'INVALID_OPTION' && e.message === 'Expected `periods` range `2027..2025` to go forward on the axis (2027 comes after 2025)',
      );
    });

    it('refuses periods for a pipeline without any', () => {
      const flat = compilePipeline({ name: 'flat', stages: [{ id: 'a', run }] }).plan;
      assert.throws(
        () => selectStages(flat, { fromPeriod: 2025 }),
        (e: DagbookError) => e.code === 'INVALID_OPTION' && e.message === 'Expected no `fromPeriod`: pipeline `flat` has no periods, got `2025`',
      );
    });
  });
});
