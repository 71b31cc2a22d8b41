import assert from 'node:assert/strict';
import { BudgetLedger, type BudgetWarning } from '../../src/execute/budget';
import { hasErrorCode } from '../../src/errors';
import { smvmPlan } from './fixtures';

function smvmLedger(warnings: BudgetWarning[] = []): BudgetLedger {
  return BudgetLedger.fromPlan(smvmPlan(), { onWarning: (w) => warnings.push(w) });
}

describe('BudgetLedger', () => {
  describe('when a stage records usage within its budget', () => {
    it('returns the stage and global figures', () => {
      const ledger = smvmLedger();
      assert.deepEqual(ledger.record('validate_idea', 'tokens', 300), {
        resource: 'tokens',
        amount: 300,
        stageUsed: 300,
        stageLimit: 500,
        globalUsed: 300,
        globalLimit: 10_000,
      });
      assert.deepEqual(ledger.record('ingest_data', 'tokens', 1200), {
        resource: 'tokens',
        amount: 1200,
        stageUsed: 1200,
        stageLimit: 2000,
        globalUsed: 1500,
        globalLimit: 10_000,
      });
      assert.deepEqual(ledger.totals(), { tokens: 1500 });
      assert.deepEqual(ledger.stageUsage('ingest_data'), { tokens: 1200 });
    });
  });

  describe('when usage crosses the critical ratio (80%)', () => {
    it('warns once for the stage at 400 of 500, not again after', () => {
      const warnings: BudgetWarning[] = [];
      const ledger = smvmLedger(warnings);
      ledger.record('validate_idea', 'tokens', 399);
      assert.deepEqual(warnings, []);
      ledger.record('validate_idea', 'tokens', 1);
      ledger.record('validate_idea', 'tokens', 50);
      assert.deepEqual(warnings, [
        { scope: 'stage', stageId: 'validate_idea', resource: 'tokens', used: 400, limit: 500, ratio: 0.8 },
      ]);
    });

    it('warns once for the run at 8000 of 10000', () => {
      const warnings: BudgetWarning[] = [];
      const ledger = smvmLedger(warnings);
      ledger.record('run_simulation', 'tokens', 3000);
      ledger.record('analyze_results', 'tokens', 3000);
      ledger.record('synthesize_personas', 'tokens', 2000);
      ledger.record('generate_report', 'tokens', 100);
      assert.deepEqual(
        warnings.filter((w) => w.scope === 'global'),
        [{ scope: 'global', stageId: 'synthesize_personas', resource: 'tokens', used: 8000, limit: 10_000, ratio: 0.8 }],
      );
    });
  });

  describe('when a stage goes over its own budget', () => {
    it('throws BUDGET_EXHAUSTED naming stage, resource, used and limit, and keeps the usage recorded', () => {
      const ledger = smvmLedger();
      ledger.record('validate_idea', 'tokens', 450);
      assert.throws(
        () => ledger.record('validate_idea', 'tokens', 150),
        (e: unknown) =>
          hasErrorCode(e, 'BUDGET_EXHAUSTED') &&
          e.errorClass === 'resource' &&
          e.stageId === 'validate_idea' &&
          e.message === 'Stage `validate_idea` exhausted its `tokens` budget: used 600 of 500',
      );
      assert.deepEqual(ledger.figures('validate_idea', 'tokens'), {
        resource: 'tokens',
        amount: 0,
        stageUsed: 600,
        stageLimit: 500,
        globalUsed: 600,
        globalLimit: 10_000,
      });
    });
  });

  describe('when the run uses its whole global budget', () => {
    it('reports the resource as exhausted at exactly the limit, and throws past it', () => {
      const ledger = smvmLedger();
      ledger.record('run_simulation', 'tokens', 5000);
      ledger.record('analyze_results', 'tokens', 3000);
      assert.equal(ledger.globalExhausted(), null);
      ledger.record('generate_report', 'tokens', 2000);
      assert.equal(ledger.globalExhausted(), 'tokens');
      assert.throws(
        () => ledger.record('validate_idea', 'tokens', 1),
        (e: unknown) =>
          hasErrorCode(e, 'BUDGET_EXHAUSTED') &&
          e.message === "Stage `validate_idea` exhausted the run's global `tokens` budget: used 10001 of 10000",
      );
    });
  });

  describe('when asked what remains', () => {
    it('gives the lower of the stage and global remainders, never below 0', () => {
      const ledger = smvmLedger();
      ledger.record('run_simulation', 'tokens', 5000);
      assert.equal(ledger.remaining('analyze_results', 'tokens'), 4000);
      ledger.record('analyze_results', 'tokens', 3000);
      assert.equal(ledger.remaining('analyze_results', 'tokens'), 1000);
      assert.equal(ledger.remaining('generate_report', 'tokens'), 2000);
      ledger.record('synthesize_personas', 'tokens', 1500);
      assert.equal(ledger.remaining('generate_report', 'tokens'), 500);
      assert.throws(() => ledger.record('validate_idea', 'tokens', 501));
      assert.equal(ledger.remaining('validate_idea', 'tokens'), 0);
    });

    it('gives Infinity for an unbudgeted resource, while still tracking its use', () => {
      const ledger = smvmLedger();
      assert.deepEqual(ledger.record('ingest_data', 'cost', 2.5), { resource: 'cost', amount: 2.5, stageUsed: 2.5, globalUsed: 2.5 });
      assert.equal(ledger.remaining('ingest_data', 'cost'), Infinity);
    });
  });

  describe('when a stage has used all of its own budget', () => {
    it('names the resource in stageExhausted, other stages are unaffected', () => {
      const ledger = smvmLedger();
      ledger.record('validate_idea', 'tokens', 500);
      assert.equal(ledger.stageExhausted('validate_idea'), 'tokens');
      assert.equal(ledger.stageExhausted('ingest_data'), null);
    });
  });

  describe('when restored from toJSON after a restart', () => {
    it('keeps the usage and does not warn again for a scope already warned', () => {
      const first: BudgetWarning[] = [];
      const ledger = smvmLedger(first);
      ledger.record('run_simulation', 'tokens', 4000);
      ledger.record('analyze_results', 'tokens', 4000);
      const snapshot = JSON.parse(JSON.stringify(ledger.toJSON()));
      assert.deepEqual(snapshot, {
        global: { tokens: 8000 },
        stages: { run_simulation: { tokens: 4000 }, analyze_results: { tokens: 4000 } },
        warned: ['stage:run_simulation:tokens', 'stage:analyze_results:tokens', 'global:tokens'],
      });
      const second: BudgetWarning[] = [];
      const plan = smvmPlan();
      const restored = BudgetLedger.fromJSON(snapshot, {
        budgets: plan.budgets,
        stageBudgets: { generate_report: { tokens: 2000 } },
        onWarning: (w) => second.push(w),
      });
      assert.deepEqual(restored.record('generate_report', 'tokens', 100), {
        resource: 'tokens',
        amount: 100,
        stageUsed: 100,
        stageLimit: 2000,
        globalUsed: 8100,
        globalLimit: 10_000,
      });
      assert.deepEqual(second, []);
    });
  });

  describe('when the amount is not a finite number >= 0', () => {
    for (const amount of [-1, Number.NaN, Infinity]) {
      it(`throws INVALID_OPTION for ${String(amount)}`, () => {
        assert.throws(
          () => smvmLedger().record('validate_idea', 'tokens', amount),
          (e: unknown) =>
            hasErrorCode(e, 'INVALID_OPTION') &&
            e.message === `Expected \`amount\` of \`tokens\` to be a finite number >= 0, got \`${String(amount)}\``,
        );
      });
    }
  });
});
