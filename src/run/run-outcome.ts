import type { RunStatus, StageRecord, StageStatus } from '../records';

/**
 * How a run ends, as pure functions of its stage records and of what stopped
 * it: the run's final status and reason, what becomes of the stages that
 * never started, and the per-status counts of the completion event.
 */

/** What stopped a run before every stage could run; all undefined when nothing did. */
export interface RunStops {
  /** The cancel reason, when the run was cancelled. */
  readonly cancelReason: string | undefined;
  /** The stage whose failure stopped a fail-fast run. */
  readonly failedStage: string | undefined;
  /** The global budget resource that was used up while a stage was ready to start. */
  readonly budgetStop: string | undefined;
}

/** The record a stage that never started gets: its status and reason. */
export interface UnstartedOutcome {
  /** `CANCELLED` when the run was cancelled or stopped fail-fast, else `BLOCKED`. */
  readonly status: Extract<StageStatus, 'CANCELLED' | 'BLOCKED'>;
  /** Why the stage did not start. */
  readonly reason: string;
}

/** Why a stage left unstarted when the run loop ended did not run. */
export function unstartedOutcome(stops: RunStops): UnstartedOutcome {
  if (stops.cancelReason !== undefined) return { status: 'CANCELLED', reason: `not started: the run was cancelled (${stops.cancelReason})` };
  if (stops.failedStage !== undefined) return { status: 'CANCELLED', reason: `not started: the run stopped after \`${stops.failedStage}\` failed (fail-fast)` };
  if (stops.budgetStop !== undefined) return { status: 'BLOCKED', reason: `the run's global \`${stops.budgetStop}\` budget is used up` };
  return { status: 'BLOCKED', reason: 'not started' };
}

/**
 * The run's final status: `CANCELLED` when cancelled; `FAILED` when a stage
 * failed, was blocked or cancelled, or the global budget stopped the run;
 * `PARTIAL` when a stage ended partial (reserved: no stage ends partial yet); else
 * `SUCCEEDED`.
 */
export function finalRunStatus(records: Readonly<Record<string, StageRecord>>, stops: RunStops): RunStatus {
  if (stops.cancelReason !== undefined) return 'CANCELLED';
  const statuses = Object.values(records).map((r) => r.status);
  if (statuses.includes('FAILED') || stops.budgetStop !== undefined) return 'FAILED';
  if (statuses.includes('BLOCKED') || statuses.includes('CANCELLED')) return 'FAILED';
  if (statuses.includes('PARTIAL')) return 'PARTIAL';
  return 'SUCCEEDED';
}

/** Why the run ended with `status`, or undefined when there is nothing to say (it succeeded). */
export function finalRunReason(status: RunStatus, records: Readonly<Record<string, StageRecord>>, stops: RunStops): string | undefined {
  if (status === 'CANCELLED') return stops.cancelReason;
  if (stops.failedStage) return `stage \`${stops.failedStage}\` failed`;
  if (stops.budgetStop) return `the global \`${stops.budgetStop}\` budget is used up`;
  const failed = Object.values(records).filter((r) => r.status === 'FAILED').map((r) => `\`${r.stageId}\``);
  if (failed.length > 0) return `stage${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed`;
  const blocked = Object.values(records).filter((r) => r.status === 'BLOCKED').map((r) => `\`${r.stageId}\``);
  if (blocked.length > 0) return `stage${blocked.length > 1 ? 's' : ''} ${blocked.join(', ')} blocked`;
  return undefined;
}

/** How many stages ended in each status (statuses no stage ended in are left out). */
export function statusCounts(records: Readonly<Record<string, StageRecord>>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of Object.values(records)) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return counts;
}
