import type { CompiledPipeline, PlanStage } from './plan';

/**
 * Stages enabled or disabled from the dashboard, applied over a compiled
 * pipeline: the store keeps the overrides (`store/stage-overrides.ts`), this
 * pure step puts them on the plan, so selection, the dry run, the status and
 * the run loop need no other change — a stage's `enabled` is the override's,
 * and `enabledFrom: 'dashboard'` says why. An override names a plan stage id,
 * or a per-period stage as written (`hires` for every `hires@<period>`).
 * Overrides of stages the plan does not have are ignored: a stage removed
 * from the definition leaves its override behind, harmlessly.
 */

/** A compiled pipeline with `enabled` overridden for the stages `overrides` names (stage id → its override). */
export function withStageOverrides(compiled: CompiledPipeline, overrides: Readonly<Record<string, { readonly enabled: boolean }>>): CompiledPipeline {
  const { plan } = compiled;
  let changed = false;
  const stages: Record<string, PlanStage> = {};
  for (const id of plan.order) {
    const stage = plan.stages[id];
    const own = Object.prototype.hasOwnProperty.call(overrides, id) ? overrides[id].enabled : undefined;
    const enabled = own ?? (stage.template !== undefined && Object.prototype.hasOwnProperty.call(overrides, stage.template) ? overrides[stage.template].enabled : undefined);
    if (enabled === undefined || enabled === stage.enabled) {
      stages[id] = stage;
      continue;
    }
    changed = true;
    stages[id] = { ...stage, enabled, enabledFrom: 'dashboard' };
  }
  return changed ? { ...compiled, plan: { ...plan, stages } } : compiled;
}

/** Why a disabled stage does not run, as the dry run, the status and the run's records say it. */
export function disabledReason(stage: Pick<PlanStage, 'enabledFrom'>): string {
  return stage.enabledFrom === 'dashboard' ? 'disabled from the dashboard' : 'disabled in config';
}
