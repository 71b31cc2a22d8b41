import type { DryRunEnvironment } from '../query/dry-run-environment';

/**
 * The line a dry run gives the selected environment: its name, where its
 * overlays came from and what they change — "environment: prod (from
 * `environments.prod`): enables `stress`; sets `stages.backtest.params.window`".
 */

/** Headline words naming the environment: " (environment: prod)", or "" when none is selected. */
export function environmentTag(name: string | undefined): string {
  return name === undefined ? '' : ` (environment: ${name})`;
}

/** The environment line of a dry run. */
export function environmentLine(environment: DryRunEnvironment): string {
  const ids = (list: readonly string[]) => list.map((id) => `\`${id}\``).join(', ');
  const changes = [
    ...(environment.enables.length === 0 ? [] : [`enables ${ids(environment.enables)}`]),
    ...(environment.disables.length === 0 ? [] : [`disables ${ids(environment.disables)}`]),
    ...(environment.sets.length === 0 ? [] : [`sets ${ids(environment.sets)}`]),
  ];
  const from = environment.sources.length === 0 ? ' (no overlay)' : ` (from ${ids(environment.sources)})`;
  return `environment: ${environment.name}${from}: ${changes.length === 0 ? 'changes nothing' : changes.join('; ')}`;
}
