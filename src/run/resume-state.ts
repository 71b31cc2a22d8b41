import { DagbookError } from '../errors';
import type { BudgetLedgerSnapshot } from '../execute/budget';
import type { AttemptRecord, RunRecord, StageRecord, StageStatus } from '../records';
import type { RunStore } from '../store/run-store';
import { resumedBudgetUsage } from './run-policies';

/**
 * What a resumed run rebuilds from the store before it starts: the run's
 * record, its stage records, the completed stages it keeps (their outputs
 * still stored), where its event numbering goes on, the budget usage it
 * starts from — and, per stage, whether the crash interrupted an attempt.
 *
 * A stage runs again after a crash only when its last durable record says it
 * was RUNNING: the attempt after the failed ones it counts was interrupted.
 * The interruption is not a failed attempt, so that attempt number is used
 * again; an attempt that failed before the crash still counts.
 */

const DONE: readonly StageStatus[] = ['SUCCEEDED', 'CACHED'];

/** What a resumed run starts from. */
export interface ResumeState {
  /** The run's stored record. */
  readonly run: RunRecord;
  /** Its stage records by stage id, as stored. */
  readonly records: Readonly<Record<string, StageRecord>>;
  /** The selected stages it completed and whose outputs are still stored: kept, not run again. */
  readonly kept: Readonly<Record<string, StageRecord>>;
  /** Sequence number of its next event (its log goes on). */
  readonly nextSeq: number;
  /** The budget usage it starts from. */
  readonly usage: BudgetLedgerSnapshot | undefined;
}

/**
 * Loads what resuming `runId` needs for the selected `stages`.
 * @throws DagbookError `INVALID_OPTION` when the store has no run `runId`.
 */
export async function loadResumeState(store: RunStore, runId: string, stages: readonly string[]): Promise<ResumeState> {
  const run = await store.getRun(runId);
  if (!run) throw new DagbookError('INVALID_OPTION', `Expected \`resume\` to name a stored run, got \`${runId}\``);
  const records = await store.getStages(runId);
  const logged = await store.readEvents(runId);
  const kept: Record<string, StageRecord> = {};
  for (const id of stages) {
    const prior = records[id];
    if (prior && DONE.includes(prior.status) && prior.outputHash !== undefined && (await store.hasOutput(prior.outputHash))) kept[id] = prior;
  }
  const lastSeq = logged.reduce((max, e) => Math.max(max, e.seq), 0);
  return { run, records, kept, nextSeq: lastSeq + 1, usage: resumedBudgetUsage(run, records, logged) };
}

/** Where a stage interrupted by a crash starts again. */
export interface InterruptedAttempt {
  /** The interrupted attempt's number: it is made again. */
  readonly attempt: number;
  /** Why the stage runs, for its record. */
  readonly reason: string;
  /** The attempts that ended before the crash (all failed), kept in its record. */
  readonly attemptLog: readonly AttemptRecord[];
}

/**
 * The attempt a crash interrupted, from the stage's last durable record in
 * the resumed run: set when that record is RUNNING with attempts left
 * (`attempts` counts the attempts that ended, all failed). Undefined when the
 * stage has no record, ended (it runs afresh, as a failed stage does), or
 * had used up its `maxAttempts` before the crash (it failed; it runs afresh).
 */
export function interruptedAttempt(record: StageRecord | undefined, maxAttempts: number): InterruptedAttempt | undefined {
  if (record?.status !== 'RUNNING' || record.attempts >= maxAttempts) return undefined;
  const attempt = record.attempts + 1;
  return {
    attempt,
    reason: `resumed after interruption of attempt ${attempt}`,
    attemptLog: record.attemptLog.filter((a) => a.attempt < attempt),
  };
}
