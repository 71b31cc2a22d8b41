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
}

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
  const unknown = [...new Set([...target, ...only, ...downstream, ...from])].filter((id) => !Object.prototype.hasOwnProperty.call(plan.stages, id));
  if (unknown.length > 0) {
    const lines = unknown.map((id) => `\`${id}\`${didYouMean(id, plan.order)}`);
    throw new DagbookError('SELECTION_UNKNOWN_STAGE', `Unknown stage${unknown.length === 1 ? '' : 's'} in the selection: ${lines.join(', ')}`, {
      data: { unknown },
      ...(unknown.length === 1 ? { stageId: unknown[0] } : {}),
    });
  }

  const graph = planGraph(plan);
  const sets: Set<string>[] = [];
  if (target.length > 0) sets.push(new Set([...target, ...upstreamOf(graph, target)]));
  if (downstream.length > 0) sets.push(new Set(downstreamOf(graph, downstream)));
  if (from.length > 0) sets.push(new Set([...from, ...downstreamOf(graph, from)]));
  if (only.length > 0) sets.push(new Set(only));
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
