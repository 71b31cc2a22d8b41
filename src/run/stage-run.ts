import type { Clock } from '../clock';
import type { Emit } from '../events/event';
import type { BudgetLedger } from '../execute/budget';
import type { BreakerRegistry } from '../execute/circuit-breaker';
import { idempotencyKey } from '../execute/idempotency';
import { executeStage, type StageOutcome } from '../execute/stage-executor';
import type { StageDecision } from '../plan/decide';
import type { CompiledPipeline } from '../plan/plan';
import type { RandomSource } from '../random';
import type { Scheduler } from '../schedule/scheduler';
import type { StageRecord, StageStatus } from '../records';
import type { RunStore } from '../store/run-store';
import type { RunCheckpoints } from './run-checkpoints';
import type { StageInputs } from './stage-inputs';

/**
 * One stage's turn in a run: decide whether it is up to date (then restore
 * it from cache) or runs; checkpoint it RUNNING, execute it through the stage
 * executor, then record its outcome, tell the scheduler, and block what is
 * downstream of a stage that did not succeed.
 */

/** What a stage's turn works with: the run's shared state. */
export interface StageRunContext {
  /** The pipeline being run. */
  readonly compiled: CompiledPipeline;
  /** Run id. */
  readonly runId: string;
  /** The run's time source. */
  readonly clock: Clock;
  /** The run's jitter source. */
  readonly random: RandomSource;
  /** Aborted when the run is cancelled or stops fail-fast. */
  readonly signal: AbortSignal;
  /** Where outputs and breaker states go. */
  readonly store: RunStore;
  /** The run's event factory. */
  readonly emit: Emit;
  /** Upstream outputs, cache entries and the cache decision. */
  readonly inputs: StageInputs;
  /** Stage records and the write queue. */
  readonly checkpoints: RunCheckpoints;
  /** The run's budget ledger. */
  readonly ledger: BudgetLedger;
  /** The run's circuit breakers. */
  readonly breakers: BreakerRegistry;
  /** Called once a stage's FAILED record is saved, before its downstream is blocked (fail-fast acts here). */
  readonly onFailed: (stageId: string) => void;
}

/**
 * Runs one stage's turn to its end (it never rejects for a stage failure).
 * @param resumedRecord The stage's record in the run being resumed, if any.
 * @param lastStatus The stage's state in its last try, for "last attempt failed".
 */
export async function runStage(
  run: StageRunContext,
  id: string,
  scheduler: Scheduler,
  resumedRecord: StageRecord | undefined,
  lastStatus: StageStatus | undefined,
): Promise<void> {
  const stage = run.compiled.plan.stages[id];
  const decision = await run.inputs.decide(stage, lastStatus);
  if (decision.action === 'skip') {
    const outputHash = run.inputs.useCachedOutput(id);
    await run.checkpoints.settle(id, 'CACHED', decision.reason, { cacheKey: decision.cacheKey, keyParts: decision.parts, outputHash });
    scheduler.succeeded(id);
    return;
  }

  // A RUNNING record counts the attempts that finished; the one after them was interrupted.
  const interrupted = resumedRecord?.status === 'RUNNING';
  const firstAttempt = interrupted ? resumedRecord.attempts + 2 : 1;
  const reason = interrupted ? `resumed: interrupted during attempt ${resumedRecord.attempts + 1}` : decision.reason;
  let record: StageRecord = {
    stageId: id,
    status: 'RUNNING',
    attempts: firstAttempt - 1,
    idempotencyKey: idempotencyKey(run.runId, id, stage.params),
    reason,
    startedAt: run.clock.now(),
    cacheKey: decision.cacheKey,
    keyParts: decision.parts,
    usage: {},
    validation: [],
    attemptLog: interrupted ? resumedRecord.attemptLog : [],
  };
  await run.checkpoints.checkpoint(record);

  const outcome = await executeStage({
    runId: run.runId,
    stage,
    entry: run.compiled.registry[id],
    inputs: await run.inputs.inputsOf(stage),
    clock: run.clock,
    random: run.random,
    breakers: run.breakers,
    budget: run.ledger,
    emit: run.emit,
    signal: run.signal,
    secrets: run.compiled.secrets,
    // The executor redacts the pipeline's secrets (passed just above) itself: nothing to add.
    redact: (text) => text,
    correlationId: `${run.runId}/${id}`,
    firstAttempt,
    onAttempt: (attempt) => {
      record = { ...record, attempts: attempt.attempt, attemptLog: [...record.attemptLog, attempt] };
      // A success is checkpointed with the final record (one fsync fewer per stage); a crash before that re-runs the stage anyway.
      if (attempt.outcome === 'failed') run.checkpoints.persist(() => run.store.saveStage(run.runId, record));
    },
    onProgress: (progress) => {
      record = { ...record, progress };
    },
  });
  // Failures below the threshold change no state but must outlive the run too.
  const breakerKey = stage.breaker?.key;
  const breakerState = breakerKey === undefined ? undefined : run.breakers.find(breakerKey)?.toJSON();
  if (breakerKey !== undefined && breakerState) run.checkpoints.persist(() => run.store.saveBreaker(breakerKey, breakerState));
  await run.checkpoints.flushed();
  await finishStage(run, record, outcome, decision, scheduler);
}

/** Records a stage's outcome, then tells the scheduler and blocks what the stage's failure leaves unrunnable. */
async function finishStage(run: StageRunContext, record: StageRecord, outcome: StageOutcome, decision: StageDecision, scheduler: Scheduler): Promise<void> {
  const id = record.stageId;
  const common = {
    ...record,
    attempts: outcome.attempts,
    endedAt: outcome.endedAt,
    durationMs: outcome.durationMs,
    usage: outcome.usage,
    validation: outcome.validation,
    attemptLog: [...record.attemptLog.filter((a) => !outcome.attemptLog.some((b) => b.attempt === a.attempt)), ...outcome.attemptLog],
  };
  if (outcome.status === 'SUCCEEDED') {
    const outputHash = await run.store.putOutput(outcome.output ?? null, { stageId: id });
    run.inputs.useOutput(id, outputHash, outcome.output ?? null);
    const done: StageRecord = { ...common, status: 'SUCCEEDED', outputHash };
    await run.checkpoints.checkpointSuccess(done, {
      stageId: id,
      cacheKey: decision.cacheKey,
      outputHash,
      durationMs: outcome.durationMs,
      runId: run.runId,
      recordedAt: outcome.endedAt,
      parts: decision.parts,
    });
    scheduler.succeeded(id);
    return;
  }
  const failed: StageRecord = { ...common, status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) };
  await run.checkpoints.checkpoint(failed);
  const blocked = scheduler.failed(id);
  if (outcome.status === 'FAILED') run.onFailed(id);
  // A failure blocks what needs it; a cancelled stage's dependents were stopped with the run.
  for (const b of blocked) {
    if (outcome.status === 'FAILED') await run.checkpoints.settle(b, 'BLOCKED', `upstream \`${id}\` failed`);
    else await run.checkpoints.settle(b, 'CANCELLED', `not started: upstream \`${id}\` was cancelled`);
  }
}
