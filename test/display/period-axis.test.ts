import { strict as assert } from 'node:assert';
import { keyRanges, periodAxis } from '../../src/display/period-axis';
import { periodPlanOf } from './period-plan';
import { planOf } from './small-plan';

describe('periodAxis', () => {
  describe('when the plan has periods', () => {
    it('gives a row per template in plan order, period-less stages as spanning rows and the checkpoints last', () => {
      const plan = periodPlanOf('workforce', { name: 'year', keys: ['2025', '2026'] }, [['census', 'before'], ['needs', 'per'], ['hires', 'per'], ['summary', 'after']]);
      assert.deepEqual(periodAxis(plan), {
        name: 'year',
        keys: ['2025', '2026'],
        rows: [
          { kind: 'period-less', template: 'census', stageId: 'census' },
          { kind: 'per-period', template: 'needs', stages: { '2025': 'needs@2025', '2026': 'needs@2026' } },
          { kind: 'per-period', template: 'hires', stages: { '2025': 'hires@2025', '2026': 'hires@2026' } },
          { kind: 'period-less', template: 'summary', stageId: 'summary' },
          { kind: 'checkpoint', template: 'checkpoint', stages: { '2025': 'checkpoint@2025', '2026': 'checkpoint@2026' } },
        ],
        periodOf: {
          'needs@2025': '2025',
          'hires@2025': '2025',
          'checkpoint@2025': '2025',
          'needs@2026': '2026',
          'hires@2026': '2026',
          'checkpoint@2026': '2026',
        },
      });
    });
  });

  describe('when the plan has no periods', () => {
    it('is undefined', () => {
      assert.equal(periodAxis(planOf('etl', [['a', []]])), undefined);
    });
  });
});

describe('keyRanges', () => {
  describe('when keys run in and out of order', () => {
    it('merges neighbours in period order into ranges', () => {
      const order = ['2025', '2026', '2027', '2028', '2029'];
      assert.deepEqual(keyRanges(['2028', '2025', '2026'], order), ['2025–2026', '2028']);
      assert.deepEqual(keyRanges(['2027'], order), ['2027']);
      assert.deepEqual(keyRanges(order, order), ['2025–2029']);
      assert.deepEqual(keyRanges([], order), []);
    });
  });
});
