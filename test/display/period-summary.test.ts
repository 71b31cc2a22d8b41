import { strict as assert } from 'node:assert';
import { periodAxis, type PeriodAxis } from '../../src/display/period-axis';
import { periodSummaryLine, type SummaryRow } from '../../src/display/period-summary';
import { periodPlanOf } from './period-plan';

const axis = periodAxis(
  periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026', '2027', '2028'] }, [['census', 'before'], ['terminations', 'per'], ['accumulate', 'per']]),
) as PeriodAxis;

/** Rows of one period: terminations, accumulate, checkpoint. */
function period(key: string, state: string, reasons: readonly [string, string, string]): SummaryRow[] {
  return ['terminations', 'accumulate', 'checkpoint'].map((t, i) => ({ stageId: `${t}@${key}`, state, reason: reasons[i] }));
}

const upToDate = ['up to date', 'up to date', 'up to date'] as const;

describe('periodSummaryLine', () => {
  describe('when a param changed from one period on', () => {
    it('merges the periods that read alike and gives the cause, not the upstream notes of the same period', () => {
      const rows = [
        { stageId: 'census', state: 'skip', reason: 'up to date' },
        ...period('2025', 'skip', upToDate),
        ...period('2026', 'skip', upToDate),
        ...period('2027', 'run', ['param `rate` changed', 'upstream `terminations@2027` will run', 'upstream `accumulate@2027` will run']),
        ...period('2028', 'run', ['param `rate` changed; upstream `checkpoint@2027` will run', 'upstream `terminations@2028` will run', 'upstream `accumulate@2028` will run']),
      ];
      assert.equal(periodSummaryLine(axis, rows, new Set(['run'])), 'year 2025–2026: 3 up to date · 2027–2028: 3 will run (param `rate` changed)');
    });
  });

  describe('when a period runs only because an earlier one does, or a period-less stage does', () => {
    it('says an earlier period will run, and names the period-less stage', () => {
      const rows = [
        ...period('2025', 'run', ['upstream `census` will run', 'upstream `terminations@2025` will run', 'upstream `accumulate@2025` will run']),
        ...period('2026', 'run', ['upstream `checkpoint@2025` will run', 'upstream `terminations@2026` will run', 'upstream `accumulate@2026` will run']),
        ...period('2027', 'run', ['upstream `checkpoint@2026` will run', 'upstream `terminations@2027` will run', 'upstream `accumulate@2027` will run']),
      ];
      assert.equal(
        periodSummaryLine(axis, rows, new Set(['run'])),
        'year 2025: 3 will run (upstream `census` will run) · 2026–2027: 3 will run (an earlier year will run)',
      );
    });
  });

  describe('when a period has stages in several states and many reasons', () => {
    it('counts each state in legend order and gives at most three reasons', () => {
      const rows = [
        { stageId: 'terminations@2025', state: 'run', reason: 'param `a` changed; param `b` changed; code changed' },
        { stageId: 'accumulate@2025', state: 'run', reason: 'never ran' },
        { stageId: 'checkpoint@2025', state: 'blocked', reason: 'upstream failed' },
      ];
      assert.equal(periodSummaryLine(axis, rows, new Set(['run'])), 'year 2025: 2 will run, 1 blocked (param `a` changed; param `b` changed; +2 more)');
    });
  });

  describe('when no row belongs to a period', () => {
    it('is empty', () => {
      assert.equal(periodSummaryLine(axis, [{ stageId: 'census', state: 'skip' }], new Set(['run'])), '');
    });
  });
});
