import assert from 'node:assert/strict';
import { compilePipeline } from '../../src/plan/compile';
import { selectStages } from '../../src/plan/select';
import { disabledReason, withStageOverrides } from '../../src/plan/stage-overrides';

const compiled = () =>
  compilePipeline({
    name: 'p',
    stages: [
      { id: 'load', run: () => 1 },
      { id: 'stress', deps: ['load'], enabled: false, run: () => 2 },
      { id: 'report', deps: ['load'], run: () => 3 },
    ],
  });

describe('withStageOverrides', () => {
  describe('when an override disables an enabled stage and enables a disabled one', () => {
    it('wins over the definition, marks the stages, and selection follows', () => {
      const over = withStageOverrides(compiled(), { report: { enabled: false }, stress: { enabled: true } });
      assert.deepEqual(
        over.plan.order.map((id) => [id, over.plan.stages[id].enabled, over.plan.stages[id].enabledFrom]),
        [
          ['load', true, undefined],
          ['stress', true, 'dashboard'],
          ['report', false, 'dashboard'],
        ],
      );
      assert.deepEqual(selectStages(over.plan).disabled, ['report']);
      assert.equal(disabledReason(over.plan.stages.report), 'disabled from the dashboard');
    });
  });

  describe('when overrides change nothing or name no stage', () => {
    it('returns the same compiled pipeline', () => {
      const base = compiled();
      assert.equal(withStageOverrides(base, { load: { enabled: true }, gone: { enabled: false } }), base);
      assert.equal(disabledReason(base.plan.stages.stress), 'disabled in config');
    });
  });
});
