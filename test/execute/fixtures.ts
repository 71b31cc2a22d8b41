import type { Plan, PlanStage } from '../../src/plan/plan';

/** A resolved plan stage with test defaults: 3 attempts, 1 s base, no jitter, no timeout, no breaker. */
export function planStage(id: string, overrides: Partial<PlanStage> = {}): PlanStage {
  return {
    id,
    deps: [],
    dependents: [],
    params: {},
    secretParams: [],
    codeHash: 'code-hash',
    enabled: true,
    skipThrough: false,
    retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000, jitter: 0, minDelayMs: 100, retryOn: ['transient'] },
    timeoutMs: 0,
    graceMs: 1000,
    breaker: null,
    budgets: {},
    validation: [],
    failOnValidationError: false,
    inputs: [],
    isolation: 'none',
    ...overrides,
  };
}

/** The SMVM token budgets: per stage, and 10000 for the run with a critical ratio of 0.8. */
export const SMVM_STAGE_TOKENS: Readonly<Record<string, number>> = {
  validate_idea: 500,
  ingest_data: 2000,
  synthesize_personas: 3000,
  synthesize_competitors: 3000,
  run_simulation: 5000,
  analyze_results: 4000,
  generate_report: 2000,
};

/** A plan of the SMVM stages (a chain is enough here) with their token budgets. */
export function smvmPlan(): Plan {
  const ids = Object.keys(SMVM_STAGE_TOKENS);
  const stages: Record<string, PlanStage> = {};
  for (const id of ids) stages[id] = planStage(id, { budgets: { tokens: SMVM_STAGE_TOKENS[id] } });
  return {
    name: 'smvm_e2e_pipeline',
    stages,
    order: ids,
    roots: [ids[0]],
    maxParallel: 4,
    failurePolicy: 'fail-fast',
    budgets: { tokens: { limit: 10_000, criticalRatio: 0.8 } },
    secretNames: [],
  };
}
