import { compilePipeline } from '../../src/plan/compile';
import type { StageDefinition } from '../../src/definition/types';
import type { Plan } from '../../src/plan/plan';

/** A plan of no-op stages from `[id, deps]` pairs, with optional per-stage extras. */
export function planOf(
  name: string,
  stages: readonly (readonly [string, readonly string[]])[],
  extra: Readonly<Record<string, Partial<StageDefinition>>> = {},
  budgets: Readonly<Record<string, number>> = {},
): Plan {
  return compilePipeline({
    name,
    budgets,
    stages: stages.map(([id, deps]) => ({ id, deps, run: () => null, ...(extra[id] ?? {}) })),
  }).plan;
}
