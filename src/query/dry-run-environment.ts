import type { Plan } from '../plan/plan';

/**
 * What the selected environment does to a dry run, in data the views can
 * say: the stages its overlays enable or disable, and the other fields they
 * set. A row of a stage the environment enabled or disabled says so in its
 * reason, so "`--env prod` enables the stress test" is on the stage's own
 * line, not only in the header.
 */

/** The selected environment, as the dry run reports it. */
export interface DryRunEnvironment {
  /** Its name, e.g. `prod`. */
  readonly name: string;
  /** Where its overlays came from, in order (`environments.prod`, `pipelines/trials.prod.yaml`). */
  readonly sources: readonly string[];
  /** Stages (as defined, not per period) its overlays enable, in plan order. */
  readonly enables: readonly string[];
  /** Stages its overlays disable, in plan order. */
  readonly disables: readonly string[];
  /** Every other field its overlays set, as dotted paths, sorted. */
  readonly sets: readonly string[];
}

/** What the plan's environment does; undefined when none was selected. */
export function dryRunEnvironment(plan: Plan): DryRunEnvironment | undefined {
  const environment = plan.environment;
  if (environment === undefined) return undefined;
  const enabledOf = new Map<string, boolean>();
  for (const id of plan.order) enabledOf.set(plan.stages[id].template ?? id, plan.stages[id].enabled);
  const toggled = new Set<string>();
  const sets = new Set<string>();
  for (const overlay of environment.overlays) {
    for (const path of overlay.paths) {
      const id = path.startsWith('stages.') && path.endsWith('.enabled') ? path.slice('stages.'.length, -'.enabled'.length) : undefined;
      if (id !== undefined && enabledOf.has(id)) toggled.add(id);
      else sets.add(path);
    }
  }
  const names = [...enabledOf.keys()].filter((id) => toggled.has(id));
  return {
    name: environment.name,
    sources: environment.overlays.map((o) => o.source),
    enables: names.filter((id) => enabledOf.get(id) === true),
    disables: names.filter((id) => enabledOf.get(id) === false),
    sets: [...sets].sort(),
  };
}

/**
 * The reason of a plan stage's row, with what the environment did to the
 * stage: "disabled by environment `dev`" for a stage it disabled, and
 * "...; enabled by environment `prod`" for one it enabled that runs or is
 * restored.
 */
export function environmentReason(plan: Plan, environment: DryRunEnvironment | undefined, stageId: string, action: string, reason: string): string {
  if (environment === undefined) return reason;
  const id = plan.stages[stageId]?.template ?? stageId;
  if (action === 'disabled' && environment.disables.includes(id)) return `disabled by environment \`${environment.name}\``;
  if ((action === 'run' || action === 'skip') && environment.enables.includes(id)) return `${reason}; enabled by environment \`${environment.name}\``;
  return reason;
}
