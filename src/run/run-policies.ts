import type { Clock } from '../clock';
import type { Emit, PipelineEvent } from '../events/event';
import { BudgetLedger, type BudgetLedgerOptions, type BudgetLedgerSnapshot } from '../execute/budget';
import { BreakerRegistry } from '../execute/circuit-breaker';
import type { Plan } from '../plan/plan';
import type { BreakerSnapshot, RunRecord, StageRecord } from '../records';

/**
 * The policy state a run shares among its stages — the budget ledger and the
 * circuit breakers — wired to the run's events and resumed from what the
 * store remembers.
 */

/** A run's budget ledger, resumed from `usage`; emits BUDGET_WARNING on each warning, and tells `onUsage` of every use. */
export function runBudgetLedger(plan: Plan, usage: BudgetLedgerSnapshot | undefined, emit: Emit, onUsage?: BudgetLedgerOptions['onUsage']): BudgetLedger {
  return BudgetLedger.fromPlan(plan, {
    usage,
    ...(onUsage === undefined ? {} : { onUsage }),
    onWarning: (w) =>
      emit('BUDGET_WARNING', {
        stageId: w.stageId,
        level: 'WARN',
        message: `${w.scope === 'global' ? 'Run' : `Stage \`${w.stageId}\``} has used ${Math.round(w.ratio * 100)}% of its \`${w.resource}\` budget (${w.used} of ${w.limit})`,
        metadata: { resource: w.resource, used: w.used, limit: w.limit, ratio: w.ratio, scope: w.scope },
      }),
  });
}

/**
 * A run's circuit breakers, resumed from `snapshots`; on each state change
 * emits CIRCUIT_BREAKER, then hands the breaker's new snapshot to `save`.
 */
export function runBreakers(
  clock: Clock,
  snapshots: Readonly<Record<string, BreakerSnapshot>>,
  emit: Emit,
  save: (key: string, snapshot: BreakerSnapshot) => void,
): BreakerRegistry {
  const breakers: BreakerRegistry = new BreakerRegistry({
    clock,
    snapshots,
    onStateChange: (change) => {
      const halfOpenAt = change.halfOpenAt === undefined ? undefined : new Date(change.halfOpenAt).toISOString();
      emit('CIRCUIT_BREAKER', {
        stageId: change.stageId,
        level: change.to === 'OPEN' ? 'WARN' : 'INFO',
        message: `Circuit breaker \`${change.key}\` ${change.from} -> ${change.to}${halfOpenAt ? ` (half-opens at ${halfOpenAt})` : ''}`,
        metadata: { key: change.key, from: change.from, to: change.to, failures: change.failures, ...(halfOpenAt ? { halfOpenAt } : {}) },
      });
      const snapshot = breakers.find(change.key)?.toJSON();
      if (snapshot) save(change.key, snapshot);
    },
  });
  return breakers;
}

/**
 * The budget usage a resumed run starts from, or undefined for a new run
 * (no stored run record). The run record's totals are written only when a
 * run ends, so after a crash the checkpointed stage records know more: each
 * global figure is the larger of the two.
 */
export function resumedBudgetUsage(
  run: RunRecord | undefined,
  records: Readonly<Record<string, StageRecord>>,
  logged: readonly PipelineEvent[] = [],
): BudgetLedgerSnapshot | undefined {
  if (!run) return undefined;
  const fromStages: Record<string, number> = {};
  for (const r of Object.values(records)) for (const [k, v] of Object.entries(r.usage)) fromStages[k] = (fromStages[k] ?? 0) + v;
  const global: Record<string, number> = { ...run.usage };
  for (const [k, v] of Object.entries(fromStages)) global[k] = Math.max(global[k] ?? 0, v);
  const stages: Record<string, Record<string, number>> = {};
  for (const [id, r] of Object.entries(records)) stages[id] = { ...r.usage };
  // Warnings the run already gave are in its log: a resume does not give them again.
  const warned = logged.flatMap((e) =>
    e.type === 'BUDGET_WARNING' ? [e.metadata.scope === 'global' ? `global:${e.metadata.resource}` : `stage:${e.stageId}:${e.metadata.resource}`] : [],
  );
  return { global, stages, warned };
}
