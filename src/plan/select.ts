import { DagbookError } from '../errors';
import { didYouMean } from '../did-you-mean';
import { downstreamOf, upstreamOf, type DependencyGraph } from '../graph/graph';
import type { Plan } from './plan';

/**
 * Which stages of a plan a run covers. Each criterion given defines a set of
 * stages and the selection is their intersection (so `{ from: 'a', target:
 * 'z' }` is everything from `a` up to `z`); with no criterion, every stage.
 * An empty array counts as not given.
 */
export interface SelectionOptions {
  /** These stages and everything they need, transitively: the default when a user runs one stage. */
  readonly target?: string | readonly string[];
  /** Every stage that needs this one, transitively, without the stage itself. */
  readonly downstreamOf?: string;
  /** This stage and every stage that needs it, transitively. */
  readonly from?: string;
  /** Exactly these stages; their deps outside the selection must have stored outputs. */
  readonly only?: string | readonly string[];
  /**
   * Only these periods of the per-period stages: a period (`2027`), a range
   * (`'2027..2029'`, by position on the axis) or a list. A stage without a
   * period stays selected, unless it reads per-period outputs (a summary of
   * every period) and the periods do not reach the last one.
   */
  readonly periods?: PeriodSelector;
  /** This period and every later one; see `periods`. */
  readonly fromPeriod?: number | string;
}

/** Periods of a selection: one, a range `'<first>..<last>'`, or a list. */
export type PeriodSelector = number | string | readonly (number | string)[];

/** The outcome of {@link selectStages}. All lists are in plan order. */
export interface Selection {
  /** Selected stages that will run: neither disabled nor blocked. */
  readonly stages: readonly string[];
  /** Selected stages that are disabled: they do not run. */
  readonly disabled: readonly string[];
  /** Selected stages that cannot run, with the reason, e.g. "upstream `x` is disabled". */
  readonly blocked: Readonly<Record<string, string>>;
  /** Deps of running stages that are not selected: their stored outputs must exist (see {@link assertOutputsAvailable}). */
  readonly requiresOutputsOf: readonly string[];
}

function asList(value: string | readonly string[] | undefined, field: string): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((v) => typeof v !== 'string')) {
    throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be a stage id or an array of stage ids, got \`${String(value)}\``);
  }
  return [...list];
}

/** The dependency graph of a plan, in plan order. */
export function planGraph(plan: Plan): DependencyGraph {
  return { ids: plan.order, deps: Object.fromEntries(plan.order.map((id) => [id, plan.stages[id].deps])) };
}

/**
 * Selects the stages of a run. Disabled stages do not run; stages that need a
 * disabled stage, directly or through blocked stages, are blocked — unless the
 * disabled stage has `skipThrough`, in which case they run without its output.
 *
 * @throws DagbookError `SELECTION_UNKNOWN_STAGE` naming every unknown stage (with a suggestion);
 *   `INVALID_OPTION` when a criterion is not a stage id or a list of them.
 */
export function selectStages(plan: Plan, selection: SelectionOptions = {}): Selection {
  const target = asList(selection.target, 'target');
  const only = asList(selection.only, 'only');
  const downstream = asList(selection.downstreamOf, 'downstreamOf');
  const from = asList(selection.from, 'from');
  const instances = templateInstances(plan);
  const unknown = [...new Set([...target, ...only, ...downstream, ...from])].filter(
    (id) => !Object.prototype.hasOwnProperty.call(plan.stages, id) && !instances.has(id),
  );
  if (unknown.length > 0) {
    const lines = unknown.map((id) => `\`${id}\`${didYouMean(id, stageNames(plan))}`);
    throw new DagbookError('SELECTION_UNKNOWN_STAGE', `Unknown stage${unknown.length === 1 ? '' : 's'} in the selection: ${lines.join(', ')}`, {
      data: { unknown },
      ...(unknown.length === 1 ? { stageId: unknown[0] } : {}),
    });
  }

  const graph = planGraph(plan);
  const periodKeys = selectedPeriods(plan, selection);
  // A stage named as written means its instances in the selected periods (all of them when no period is selected).
  const inPeriods = (id: string) => periodKeys === undefined || periodKeys.includes(plan.stages[id].period as string);
  const expand = (ids: string[]): string[] => ids.flatMap((id) => instances.get(id)?.filter(inPeriods) ?? [id]);
  const targets = expand(target);
  const froms = expand(from);
  const sets: Set<string>[] = [];
  if (target.length > 0) sets.push(new Set([...targets, ...upstreamOf(graph, targets)]));
  if (downstream.length > 0) sets.push(new Set(downstreamOf(graph, expand(downstream))));
  if (from.length > 0) sets.push(new Set([...froms, ...downstreamOf(graph, froms)]));
  if (only.length > 0) sets.push(new Set(expand(only)));
  if (periodKeys !== undefined) sets.push(periodFilter(plan, graph, periodKeys));
  const selected = plan.order.filter((id) => sets.every((s) => s.has(id)));
  const isSelected = new Set(selected);

  const stages: string[] = [];
  const disabled: string[] = [];
  const blocked = new Map<string, string>();
  const required = new Set<string>();
  for (const id of selected) {
    const stage = plan.stages[id];
    if (!stage.enabled) {
      disabled.push(id);
      continue;
    }
    let reason: string | undefined;
    const needs: string[] = [];
    for (const dep of stage.deps) {
      const upstream = plan.stages[dep];
      if (!upstream.enabled) {
        if (!upstream.skipThrough) reason ??= `upstream \`${dep}\` is disabled`;
      } else if (blocked.has(dep)) {
        reason ??= blocked.get(dep);
      } else if (!isSelected.has(dep)) {
        needs.push(dep);
      }
    }
    if (reason === undefined) {
      stages.push(id);
      for (const dep of needs) required.add(dep);
    } else {
      blocked.set(id, reason);
    }
  }
  return { stages, disabled, blocked: Object.fromEntries(blocked), requiresOutputsOf: plan.order.filter((id) => required.has(id)) };
}

/**
 * Throws when deps outside a selection have no stored outputs. The runner
 * calls it with the entries of `requiresOutputsOf` it could not find.
 *
 * @param missing Stages whose outputs are needed but not stored.
 * @param neededBy The selected stages that need them.
 * @throws DagbookError `SELECTION_MISSING_OUTPUTS` naming them, when `missing` is not empty.
 */
export function assertOutputsAvailable(missing: readonly string[], neededBy: readonly string[]): void {
  if (missing.length === 0) return;
  const names = missing.map((id) => `\`${id}\``).join(', ');
  const users = neededBy.map((id) => `\`${id}\``).join(', ');
  throw new DagbookError(
    'SELECTION_MISSING_OUTPUTS',
    `No stored outputs for ${names}, needed by ${users || 'the selection'}: run ${missing.length === 1 ? 'it' : 'them'} first or add ${missing.length === 1 ? 'it' : 'them'} to the selection`,
    { data: { missing: [...missing], neededBy: [...neededBy] }, ...(missing.length === 1 ? { stageId: missing[0] } : {}) },
  );
}

/**
 * The names a selection can use for whole stages, in plan order: each stage
 * id, except that the stages expanded per period are named once by their id
 * as written (`hires`, not `hires@2025`, ...).
 */
export function stageNames(plan: Plan): string[] {
  const names = new Set<string>();
  for (const id of plan.order) names.add(plan.stages[id].template ?? id);
  return [...names];
}

/** True when `name` is a stage id of the plan, or the id as written of stages expanded per period. */
export function isStageName(plan: Plan, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(plan.stages, name) || templateInstances(plan).has(name);
}

/** The plan stages of each template of a multi-period plan (`hires` → `hires@2025`, ...), in plan order. */
function templateInstances(plan: Plan): Map<string, string[]> {
  const instances = new Map<string, string[]>();
  for (const id of plan.order) {
    const template = plan.stages[id].template;
    if (template === undefined) continue;
    const list = instances.get(template) ?? [];
    list.push(id);
    instances.set(template, list);
  }
  return instances;
}

/**
 * The period keys a selection names, in axis order; undefined when it names none.
 * @throws DagbookError `INVALID_OPTION` naming the option and the value: the plan has no periods, or a period is not on its axis.
 */
export function selectedPeriods(plan: Plan, selection: Pick<SelectionOptions, 'periods' | 'fromPeriod'>): string[] | undefined {
  const { periods, fromPeriod } = selection;
  if (periods === undefined && fromPeriod === undefined) return undefined;
  const axis = plan.periods;
  const field = periods !== undefined ? 'periods' : 'fromPeriod';
  const shown = JSON.stringify(periods ?? fromPeriod);
  if (axis === undefined) {
    throw new DagbookError('INVALID_OPTION', `Expected no \`${field}\`: pipeline \`${plan.name}\` has no periods, got \`${shown}\``);
  }
  const keys = axis.keys;
  const indexOf = (value: unknown): number => {
    const index = typeof value === 'number' || typeof value === 'string' ? keys.indexOf(String(value)) : -1;
    if (index < 0) {
      const list = keys.length <= 8 ? keys.join(', ') : `${keys[0]} to ${keys[keys.length - 1]}`;
      throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to name ${axis.name}s of the pipeline (${list}), got \`${JSON.stringify(value)}\`${didYouMean(String(value), keys)}`);
    }
    return index;
  };
  const chosen = new Set<number>();
  if (fromPeriod !== undefined) for (let i = indexOf(fromPeriod); i < keys.length; i += 1) chosen.add(i);
  if (periods !== undefined) {
    const inRange = new Set<number>();
    for (const item of Array.isArray(periods) ? (periods as readonly unknown[]) : [periods]) {
      const range = typeof item === 'string' ? /^(.+)\.\.(.+)$/.exec(item) : null;
      if (range) {
        const [first, last] = [indexOf(range[1]), indexOf(range[2])];
        if (last < first) throw new DagbookError('INVALID_OPTION', `Expected \`periods\` range \`${item}\` to go forward on the axis (${range[1]} comes after ${range[2]})`);
        for (let i = first; i <= last; i += 1) inRange.add(i);
      } else inRange.add(indexOf(item));
    }
    if (fromPeriod === undefined) for (const i of inRange) chosen.add(i);
    else for (const i of [...chosen]) if (!inRange.has(i)) chosen.delete(i);
  }
  return keys.filter((_, i) => chosen.has(i));
}

/** The stages a period filter keeps: the per-period stages of those periods, and the period-less stages that read no per-period output unless the periods reach the last one. */
function periodFilter(plan: Plan, graph: DependencyGraph, keys: readonly string[]): Set<string> {
  const wanted = new Set(keys);
  const axis = plan.periods as NonNullable<Plan['periods']>;
  const reachesLast = wanted.has(axis.keys[axis.keys.length - 1]);
  const kept = new Set<string>();
  for (const id of plan.order) {
    const stage = plan.stages[id];
    if (stage.period !== undefined) {
      if (wanted.has(stage.period)) kept.add(id);
    } else if (reachesLast || !upstreamOf(graph, [id]).some((up) => plan.stages[up].period !== undefined)) {
      kept.add(id);
    }
  }
  return kept;
}
