import { didYouMean } from '../did-you-mean';
import { DagbookError } from '../errors';
import type { Plan } from '../plan/plan';
import { isStageName, stageNames } from '../plan/select';

/**
 * The stage ids a command line names, checked against the plan before
 * anything runs: an unknown one is refused with the closest stage id and
 * every stage of the pipeline, so the next command can be typed from the
 * message.
 */

/**
 * Refuses stage ids that are not stages of `plan`.
 * @throws DagbookError `SELECTION_UNKNOWN_STAGE` naming each unknown id (with a suggestion) and listing the stages
 */
export function checkStageArguments(plan: Plan, stageIds: readonly string[]): void {
  const unknown = [...new Set(stageIds)].filter((id) => !isStageName(plan, id));
  if (unknown.length === 0) return;
  const names = stageNames(plan);
  const named = unknown.map((id) => `\`${id}\`${didYouMean(id, names)}`).join(', ');
  throw new DagbookError(
    'SELECTION_UNKNOWN_STAGE',
    `Unknown stage${unknown.length === 1 ? '' : 's'} ${named}\nthe stages of \`${plan.name}\`: ${names.join(', ')}`,
    { data: { unknown, stages: names }, ...(unknown.length === 1 ? { stageId: unknown[0] } : {}) },
  );
}
