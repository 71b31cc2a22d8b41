import { CHECKPOINT_TEMPLATE, periodStageId, periodValues, previousOf, PREVIOUS_SUFFIX } from '../definition/period-refs';
import type { PeriodsOptions, PeriodValue, StageDefinition } from '../definition/types';
import type { PlanInputKey, PlanPeriods } from './plan';

/**
 * Expands a definition with `periods` into the stages the plan holds: each
 * `perPeriod` stage once per period (`<id>@<period>`), a synthetic
 * `checkpoint@<period>` last in each period, and the period-less stages as
 * they are. Deps are rewritten the way `StageDefinition.deps` documents, and
 * each rewritten dep says where its output goes in the stage's inputs
 * (`PlanStage.inputKeys`). Pure and total: the definition was checked.
 *
 * A stage of period P that reads `x@previous` also depends on the previous
 * period's checkpoint, so a period never starts from a state that has not
 * been checkpointed (and, when restored, verified).
 */

/** One stage of the expanded plan, before its policies are resolved. */
export interface ExpandedStage {
  /** The plan stage id. */
  readonly id: string;
  /** The definition it comes from; undefined for a period's checkpoint. */
  readonly source: StageDefinition | undefined;
  /** Deps as plan stage ids, in order. */
  readonly deps: readonly string[];
  /** Params: the source's, with `periodParams` merged in up to this period. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The id as written, for an expanded stage. */
  readonly template?: string;
  /** The period key, for an expanded stage. */
  readonly period?: string;
  /** The period as declared, for an expanded stage. */
  readonly periodValue?: PeriodValue;
  /** `checkpoint` for a period's checkpoint. */
  readonly role?: 'checkpoint';
  /** Where deps' outputs go in the inputs, when not under their ids. */
  readonly inputKeys?: Readonly<Record<string, PlanInputKey>>;
}

/** The plan's period axis for a checked `periods` field. */
export function planPeriods(periods: PeriodsOptions): PlanPeriods {
  const values = periodValues(periods);
  return { name: periods.name, keys: values.map(String), values, stateHash: periods.stateHash !== undefined };
}

/** Expands the stages of a definition; without `periods`, each stage as it is. */
export function expandStages(stages: readonly StageDefinition[], periods: PeriodsOptions | undefined): ExpandedStage[] {
  // A per-item stage depends on its discovery stage first.
  const plain = (stage: StageDefinition): ExpandedStage => ({
    id: stage.id,
    source: stage,
    deps: uniq([...(stage.forEach === undefined ? [] : [stage.forEach]), ...(stage.deps ?? [])]),
    params: stage.params ?? {},
  });
  if (periods === undefined) return stages.map(plain);

  const values = periodValues(periods);
  const keys = values.map(String);
  const perPeriod = new Set(stages.filter((s) => s.perPeriod === true).map((s) => s.id));
  const templates = stages.filter((s) => perPeriod.has(s.id));

  const periodLess = (stage: StageDefinition): ExpandedStage => {
    const deps: string[] = [];
    const inputKeys: Record<string, PlanInputKey> = {};
    for (const dep of uniq(stage.deps ?? [])) {
      if (!perPeriod.has(dep)) {
        deps.push(dep);
        continue;
      }
      for (const key of keys) {
        const id = periodStageId(dep, key);
        deps.push(id);
        inputKeys[id] = { key: dep, period: key };
      }
    }
    return { ...plain(stage), deps, ...(Object.keys(inputKeys).length > 0 ? { inputKeys } : {}) };
  };

  const instance = (stage: StageDefinition, index: number): ExpandedStage => {
    const key = keys[index];
    const deps: string[] = [];
    const inputKeys: Record<string, PlanInputKey> = {};
    const add = (id: string, input: PlanInputKey) => {
      if (deps.includes(id)) return;
      deps.push(id);
      inputKeys[id] = input;
    };
    for (const dep of uniq(stage.deps ?? [])) {
      const previous = previousOf(dep);
      if (previous !== undefined) {
        if (index === 0) continue;
        add(periodStageId(previous, keys[index - 1]), { key: `${previous}${PREVIOUS_SUFFIX}` });
        add(periodStageId(CHECKPOINT_TEMPLATE, keys[index - 1]), { key: null });
      } else if (perPeriod.has(dep)) {
        add(periodStageId(dep, key), { key: dep });
      } else {
        deps.push(dep);
      }
    }
    return {
      id: periodStageId(stage.id, key),
      source: stage,
      deps,
      params: paramsFor(stage, keys, index),
      template: stage.id,
      period: key,
      periodValue: values[index],
      inputKeys,
    };
  };

  const checkpoint = (index: number): ExpandedStage => {
    const key = keys[index];
    const deps = templates.map((t) => periodStageId(t.id, key));
    return {
      id: periodStageId(CHECKPOINT_TEMPLATE, key),
      source: undefined,
      deps,
      params: {},
      template: CHECKPOINT_TEMPLATE,
      period: key,
      periodValue: values[index],
      role: 'checkpoint',
      inputKeys: Object.fromEntries(deps.map((id) => [id, { key: null }])),
    };
  };

  // Period-less stages defined before the first per-period stage, then each period, then the rest.
  const first = stages.findIndex((s) => perPeriod.has(s.id));
  const before = first < 0 ? stages : stages.slice(0, first);
  const after = first < 0 ? [] : stages.slice(first).filter((s) => !perPeriod.has(s.id));
  const expanded = before.map(periodLess);
  if (templates.length > 0) {
    keys.forEach((_, index) => {
      for (const stage of templates) expanded.push(instance(stage, index));
      expanded.push(checkpoint(index));
    });
  }
  for (const stage of after) expanded.push(periodLess(stage));
  return expanded;
}

/** The params of a per-period stage in period `index`: `params`, then every `periodParams` entry up to that period, in period order. */
function paramsFor(stage: StageDefinition, keys: readonly string[], index: number): Readonly<Record<string, unknown>> {
  const periodParams = stage.periodParams ?? {};
  let params: Record<string, unknown> = { ...(stage.params ?? {}) };
  for (let i = 0; i <= index; i += 1) {
    const own = Object.prototype.hasOwnProperty.call(periodParams, keys[i]) ? periodParams[keys[i]] : undefined;
    if (own !== undefined) params = { ...params, ...own };
  }
  return params;
}

function uniq(values: readonly string[]): string[] {
  return [...new Set(values)];
}
