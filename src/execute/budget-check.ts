import { DagbookError } from '../errors';
import type { BudgetLedger } from './budget';
import type { Policy } from './policy';

/**
 * The budget check before an attempt: when the stage's own budget or the
 * run's global budget of a resource is used up, the attempt is refused with
 * `BUDGET_EXHAUSTED` (naming whose budget, the resource and the figures) and
 * the stage's function is not called. A budget running out *during* an
 * attempt is the ledger's business (`ctx.usage` throws there).
 */

/**
 * The refusal for `stageId` when a budget it draws on is used up, else null.
 * Pure: reads the ledger, changes nothing.
 */
export function budgetRefusal(budget: BudgetLedger, stageId: string): DagbookError | null {
  const exhausted = budget.stageExhausted(stageId);
  if (exhausted === null) return null;
  const f = budget.figures(stageId, exhausted);
  const globalOut = f.globalLimit !== undefined && f.globalUsed >= f.globalLimit;
  const [used, limit] = globalOut ? [f.globalUsed, f.globalLimit] : [f.stageUsed, f.stageLimit];
  const whose = globalOut ? `the run's global \`${exhausted}\` budget` : `its \`${exhausted}\` budget`;
  return new DagbookError('BUDGET_EXHAUSTED', `Stage \`${stageId}\` was not started: ${whose} is used up (used ${used} of ${limit})`, {
    stageId,
    errorClass: 'resource',
    data: { scope: globalOut ? 'global' : 'stage', resource: exhausted, used, limit },
  });
}

/**
 * A policy that refuses a call when {@link budgetRefusal} finds a budget used up.
 * @throws DagbookError `BUDGET_EXHAUSTED` (class `resource`) from `execute`, without calling `fn`.
 */
export function budgetCheckPolicy(budget: BudgetLedger, stageId: string): Policy {
  return {
    async execute(fn, context) {
      const refusal = budgetRefusal(budget, stageId);
      if (refusal) throw refusal;
      return fn(context);
    },
  };
}
