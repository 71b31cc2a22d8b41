import { didYouMean } from '../did-you-mean';
import type { PlanIssue } from '../errors';
import { isRecord } from '../object-kind';

/**
 * The item vocabulary of a definition, read the same way by the TS API and
 * the file loader: a per-item stage's `forEach` names a discovery stage
 * (which it depends on), and the problems only items can have.
 */

/**
 * The item problems of the stages of a definition: a `forEach` naming no
 * stage or a stage that is not a discovery, a stage both discovery and
 * per-item, per-item fields on a stage that is not, a per-item stage over
 * periods, and a per-item stage reading a per-item stage of another discovery.
 * @param stages `[id, stage]` of every stage with a usable id, as given.
 */
export function itemIssues(stages: readonly (readonly [string, unknown])[]): PlanIssue[] {
  const byId = new Map(stages.map(([id, s]) => [id, isRecord(s) ? s : {}]));
  const ids = [...byId.keys()];
  const issues: PlanIssue[] = [];
  const issue = (code: PlanIssue['code'], stageId: string, path: string, message: string) => issues.push({ code, path: `stages.${stageId}.${path}`, message, stageId });
  for (const [id, stage] of byId) {
    const forEach = stage.forEach;
    if (typeof forEach !== 'string') {
      for (const field of ['concurrency', 'maxFailureRate'] as const) {
        if (stage[field] !== undefined) issue('PLAN_INVALID_FIELD', id, field, `Stage \`${id}\` has \`${field}\` but no \`forEach\`: only a per-item stage runs items`);
      }
      continue;
    }
    const source = byId.get(forEach);
    if (source === undefined) {
      issue('PLAN_UNKNOWN_DEP', id, 'forEach', `Stage \`${id}\` runs for each item of \`${forEach}\`, which is not a stage${didYouMean(forEach, ids)}`);
    } else if (source.discovery !== true) {
      issue('PLAN_INVALID_FIELD', id, 'forEach', `Stage \`${id}\` runs for each item of \`${forEach}\`, which is not a discovery stage: give \`${forEach}\` \`discovery: true\` and make it return its items`);
    }
    if (stage.discovery === true) issue('PLAN_INVALID_FIELD', id, 'discovery', `Stage \`${id}\` is both a discovery stage and per-item (\`forEach\`): a per-item stage cannot discover items`);
    if (stage.perPeriod === true) issue('PLAN_INVALID_FIELD', id, 'perPeriod', `Stage \`${id}\` is both per-period and per-item (\`forEach\`): not supported`);
    const deps = Array.isArray(stage.deps) ? stage.deps : [];
    deps.forEach((dep, j) => {
      const upstream = typeof dep === 'string' ? byId.get(dep) : undefined;
      if (upstream === undefined || typeof upstream.forEach !== 'string' || upstream.forEach === forEach) return;
      issue(
        'PLAN_INVALID_FIELD',
        id,
        `deps.${j}`,
        `Stage \`${id}\` runs for each item of \`${forEach}\` but depends on \`${String(dep)}\`, which runs for each item of \`${upstream.forEach}\`: per-item stages read item by item over one discovery`,
      );
    });
  }
  return issues;
}
