import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { BudgetLedger } from '../../src/execute/budget';
import { budgetCheckPolicy, budgetRefusal } from '../../src/execute/budget-check';

const CONTEXT = { attempt: 2, signal: new AbortController().signal };

describe('budgetRefusal', () => {
  describe('when the stage\'s own budget is used up', () => {
    it('is BUDGET_EXHAUSTED naming its budget and the figures', () => {
      const ledger = new BudgetLedger({ stageBudgets: { enrich: { tokens: 500 } } });
      ledger.record('enrich', 'tokens', 500);
      const refusal = budgetRefusal(ledger, 'enrich');
      assert.equal(refusal?.code, 'BUDGET_EXHAUSTED');
      assert.equal(refusal?.message, 'Stage `enrich` was not started: its `tokens` budget is used up (used 500 of 500)');
      assert.deepEqual(refusal?.data, { scope: 'stage', resource: 'tokens', used: 500, limit: 500 });
      assert.equal(refusal?.errorClass, 'resource');
    });
  });

  describe('when the run\'s global budget is used up', () => {
    it('names the global budget', () => {
      const ledger = new BudgetLedger({ budgets: { tokens: { limit: 1000, criticalRatio: 0.8 } } });
      ledger.record('other', 'tokens', 1000);
      assert.equal(budgetRefusal(ledger, 'enrich')?.message, "Stage `enrich` was not started: the run's global `tokens` budget is used up (used 1000 of 1000)");
    });
  });

  describe('when budget remains', () => {
    it('is null', () => {
      const ledger = new BudgetLedger({ stageBudgets: { enrich: { tokens: 500 } } });
      ledger.record('enrich', 'tokens', 499);
      assert.equal(budgetRefusal(ledger, 'enrich'), null);
    });
  });
});

describe('budgetCheckPolicy', () => {
  describe('when budget remains', () => {
    it('calls the function with the context as given and settles as it does', async () => {
      const seen: unknown[] = [];
      const value = await budgetCheckPolicy(new BudgetLedger(), 'enrich').execute(async (ctx) => (seen.push(ctx), 'ok'), CONTEXT);
      assert.equal(value, 'ok');
      assert.deepEqual(seen, [CONTEXT]);
    });
  });

  describe('when a budget is used up', () => {
    it('rejects with the refusal without calling the function', async () => {
      const ledger = new BudgetLedger({ stageBudgets: { enrich: { tokens: 1 } } });
      ledger.record('enrich', 'tokens', 1);
      let called = false;
      await assert.rejects(
        budgetCheckPolicy(ledger, 'enrich').execute(async () => (called = true), CONTEXT),
        (e: unknown) => hasErrorCode(e, 'BUDGET_EXHAUSTED') && e.stageId === 'enrich',
      );
      assert.equal(called, false);
    });
  });
});
