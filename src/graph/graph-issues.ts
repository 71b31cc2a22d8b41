import type { PlanIssue } from '../errors';
import { didYouMean } from '../did-you-mean';
import { findCycles, formatCycle } from './graph';

/**
 * The graph problems of a definition, found together: duplicate ids, deps on
 * stages that do not exist, and cycles. Works on leniently extracted data, so
 * these are reported alongside field errors rather than after them.
 */

/** One stage's identity and edges, as far as they could be read. */
export interface StageEdges {
  /** The stage id. */
  readonly id: string;
  /** The deps as given; entries that are not strings are skipped (field checks report them). */
  readonly deps: readonly unknown[];
}

/** Issues `PLAN_DUPLICATE_ID`, `PLAN_UNKNOWN_DEP` and `PLAN_CYCLE`, in that order. */
export function graphIssues(stages: readonly StageEdges[]): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const firstIndex = new Map<string, number>();
  const ids: string[] = [];
  // Null prototype: an id is never mistaken for an inherited property (graph code reads own properties only).
  const deps: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  stages.forEach((stage, i) => {
    const first = firstIndex.get(stage.id);
    if (first !== undefined) {
      issues.push({
        code: 'PLAN_DUPLICATE_ID',
        path: `stages.${stage.id}.id`,
        message: `Stage id \`${stage.id}\` is used by more than one stage (stages ${first} and ${i})`,
        stageId: stage.id,
      });
      return;
    }
    firstIndex.set(stage.id, i);
    ids.push(stage.id);
    deps[stage.id] = stage.deps.filter((d): d is string => typeof d === 'string');
  });
  for (const stage of stages) {
    stage.deps.forEach((dep, j) => {
      if (typeof dep !== 'string' || firstIndex.has(dep)) return;
      issues.push({
        code: 'PLAN_UNKNOWN_DEP',
        path: `stages.${stage.id}.deps.${j}`,
        message: `Stage \`${stage.id}\` depends on \`${dep}\`, which is not a stage${didYouMean(dep, ids)}`,
        stageId: stage.id,
      });
    });
  }
  for (const cycle of findCycles({ ids, deps })) {
    issues.push({
      code: 'PLAN_CYCLE',
      path: `stages.${cycle[0]}.deps`,
      message: `The dependencies form a cycle: \`${formatCycle(cycle)}\``,
      stageId: cycle[0],
    });
  }
  return issues;
}
