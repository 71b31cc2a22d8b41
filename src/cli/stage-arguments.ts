import { didYouMean } from '../did-you-mean';
import { DagbookError } from '../errors';
import type { Plan } from '../plan/plan';

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
  const unknown = [...new Set(stageIds)].filter((id) => !Object.prototype.hasOwnProperty.call(plan.stages, id));
  if (unknown.length === 0) return;
  const named = unknown.map((id) => `\`${id}\`${didYouMean(id, plan.order)}`).join(', ');
  throw new DagbookError(
    'SELECTION_UNKNOWN_STAGE',
    `Unknown stage${unknown.length === 1 ? '' : 's'} ${named}\nthe stages of \`${plan.name}\`: ${plan.order.join(', ')}`,
    { data: { unknown, stages: plan.order }, ...(unknown.length === 1 ? { stageId: unknown[0] } : {}) },
  );
}
