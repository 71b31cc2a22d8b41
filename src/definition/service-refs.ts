import type { PlanIssue } from '../errors';
import { isRecord } from '../object-kind';

/**
 * The service vocabulary of a definition, read the same way by the TS API
 * and the file loader: a stage of `kind: service` has a `service` (the
 * process to start) and nothing that only a task has: no `fn` in a file, no
 * discovery, no periods, no worker thread and no queue executor (its
 * process is started and supervised by the process that runs the stage).
 * Every other stage of a file has an `fn`, and no `service`.
 */

/**
 * The service problems of the stages of a definition.
 * @param stages `[id, stage]` of every stage with a usable id, as given.
 * @param file Whether the stages come from a pipeline file (where a task names its `fn`).
 */
export function serviceIssues(stages: readonly (readonly [string, unknown])[], file: boolean): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const issue = (stageId: string, path: string, message: string) => issues.push({ code: 'PLAN_INVALID_FIELD', path: `stages.${stageId}.${path}`, message, stageId });
  for (const [id, raw] of stages) {
    const stage = isRecord(raw) ? raw : {};
    if (stage.kind !== 'service') {
      if (stage.service !== undefined) issue(id, 'service', `Stage \`${id}\` has \`service\` but is not \`kind: service\`: add \`kind: service\` to start it as a service`);
      else if (file && stage.fn === undefined) {
        issue(id, 'fn', `Missing required field \`stages.${id}.fn\`: expected \`module#export\`, e.g. \`./stages#typing\` (a stage of \`kind: service\` has \`service\` instead)`);
      }
      continue;
    }
    if (stage.service === undefined) issue(id, 'service', `Missing required field \`stages.${id}.service\`: a stage of \`kind: service\` names its process (\`{ command, args?, readiness? }\`)`);
    if (file && stage.fn !== undefined) issue(id, 'fn', `Stage \`${id}\` is \`kind: service\` and has \`fn\`: a service stage runs its \`service.command\`, not a function`);
    if (stage.discovery === true) issue(id, 'discovery', `Stage \`${id}\` is both a service and a discovery stage: a discovery stage returns items`);
    if (stage.perPeriod === true) issue(id, 'perPeriod', `Stage \`${id}\` is both a service and per-period: not supported`);
    if (stage.isolation === 'thread') issue(id, 'isolation', `Stage \`${id}\` is a service with \`isolation: thread\`: a service is a process of its own`);
    if (isRecord(stage.executor) && stage.executor.kind === 'bullmq') {
      issue(id, 'executor', `Stage \`${id}\` is a service on the \`bullmq\` executor: a service is started and supervised by the process that runs the stage`);
    }
  }
  return issues;
}
