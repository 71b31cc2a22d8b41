import type { Clock } from '../clock';
import type { Emit } from '../events/event';
import type { BudgetLedger } from '../execute/budget';
import type { BreakerRegistry } from '../execute/circuit-breaker';
import { idempotencyKey } from '../execute/idempotency';
import { noRedaction } from '../execute/redact';
import { executeStage, type StageOutcome } from '../execute/stage-executor';
import type { StageDecision } from '../plan/decide';
import { currentStageFunction } from '../plan/fingerprint';
import type { CompiledPipeline, PlanStage } from '../plan/plan';
import type { RandomSource } from '../random';
import type { Scheduler } from '../schedule/scheduler';
import type { CellEditKind, StageRecord, StageStatus } from '../records';
import type { RunStore } from '../store/run-store';
import { stateFolderValues } from '../store/shared-values';
import { interruptedAttempt } from './resume-state';
import { checkpointRun, periodValueOf, verifyPeriodState } from './period-checkpoints';
import { toStoredError } from '../execute/classify';
import { DagbookError } from '../errors';
import { runItems } from './item-stage';
import { serviceStageRun } from './service-stage-run';
import type { ServiceSupervisor } from '../service/supervisor';
import { checkItems } from '../items';
import type { ItemRunOptions } from './item-options';
import type { StageContext, StageInputs } from '../definition/types';
import type { RunCheckpoints } from './run-checkpoints';
import type { RunInputs } from './run-inputs';

/**
 * One stage's turn in a run: decide whether it is up to date (then restore
 * it from cache) or runs; checkpoint it RUNNING, execute it through the stage
 * executor — whose success is one durable record (output reference and cache
 * entry, one fsync) written before STEP_SUCCESS — then tell the scheduler,
 * and record and block what is downstream of a stage that did not succeed.
 * A stage a crash interrupted re-runs the interrupted attempt's number.
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
  /** Aborted when the run starts no more work (cancelled, stopped, or drained): no new item starts; running ones go on until `signal` aborts. */
  readonly noNewWork: AbortSignal;
  /** Where outputs and breaker states go. */
  readonly store: RunStore;
  /** The run's event factory. */
  readonly emit: Emit;
  /** Upstream outputs, cache entries and the cache decision. */
  readonly inputs: RunInputs;
  /** Stage records and the write queue. */
  readonly checkpoints: RunCheckpoints;
  /** The run's budget ledger. */
  readonly ledger: BudgetLedger;
  /** The run's circuit breakers. */
  readonly breakers: BreakerRegistry;
  /** Stages whose definitions notebook cells edited, and how (recorded on their records). */
  readonly editedInCell: Readonly<Record<string, readonly CellEditKind[]>>;
  /** Called once a stage's FAILED record is saved, before its downstream is blocked (fail-fast acts here). */
  readonly onFailed: (stageId: string) => void;
  /** Which items of the per-item stages run. */
  readonly items: ItemRunOptions;
  /** Starts and keeps the services of service stages. */
  readonly supervisor: ServiceSupervisor;
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
  const edits = Object.prototype.hasOwnProperty.call(run.editedInCell, id) ? run.editedInCell[id] : [];
  const edited = edits.length > 0 ? { editedInCell: [...edits] } : {};
  if (decision.action === 'skip') {
    if (stage.role === 'checkpoint' && decision.entry !== undefined) {
      const started = run.clock.monotonic();
      const corrupt = await verifyPeriodState(run.compiled, stage, await run.store.getOutput(decision.entry.outputHash), { stateDir: run.store.location, signal: run.signal });
      if (corrupt) {
        await failRestoredCheckpoint(run, stage, decision, corrupt, run.clock.monotonic() - started, scheduler);
        return;
      }
    }
    const outputHash = run.inputs.useCachedOutput(id);
    await run.checkpoints.settle(id, 'CACHED', decision.reason, { cacheKey: decision.cacheKey, keyParts: decision.parts, outputHash, ...edited });
    scheduler.succeeded(id);
    return;
  }

  if (stage.forEach !== undefined) {
    await runItemStageTurn(run, stage, decision, scheduler, edited);
    return;
  }

  const interrupted = interruptedAttempt(resumedRecord, stage.retry.maxAttempts);
  const firstAttempt = interrupted?.attempt ?? 1;
  let record: StageRecord = {
    stageId: id,
    status: 'RUNNING',
    attempts: firstAttempt - 1,
    idempotencyKey: idempotencyKey(run.runId, stage),
    reason: interrupted?.reason ?? decision.reason,
    startedAt: run.clock.now(),
    cacheKey: decision.cacheKey,
    keyParts: decision.parts,
    usage: {},
    validation: [],
    attemptLog: interrupted?.attemptLog ?? [],
    ...edited,
  };
  await run.checkpoints.checkpoint(record);

  const persistBreaker = (): void => {
    // Failures below the threshold change no state but must outlive the run too.
    const breakerKey = stage.breaker?.key;
    const breakerState = breakerKey === undefined ? undefined : run.breakers.find(breakerKey)?.toJSON();
    if (breakerKey !== undefined && breakerState) run.checkpoints.persist(() => run.store.saveBreaker(breakerKey, breakerState));
  };

  const entry = run.compiled.registry[id];
  const current = (ctx: StageContext, inputs: StageInputs) => currentStageFunction(stage, entry.run, run.inputs.codeFiles)(ctx, inputs);
  const stageFn =
    stage.kind === 'service'
      ? serviceStageRun(stage, run.compiled.plan.name, decision.cacheKey, run.supervisor)
      : stage.role === 'checkpoint'
      ? checkpointRun(stage, entry.run, () => run.checkpoints.records)
      : stage.discovery === true
        ? // A discovery stage's output is checked as it ends: a bad item fails it (ITEMS_INVALID), not the stages after it.
          async (ctx: StageContext, inputs: StageInputs) => checkItems(await current(ctx, inputs), id)
        : current;
  const period = periodValueOf(run.compiled, stage);
  const outcome = await executeStage({
    runId: run.runId,
    stage,
    entry: { ...entry, run: stageFn },
    ...(period === undefined ? {} : { period }),
    inputs: await run.inputs.inputsOf(stage),
    clock: run.clock,
    random: run.random,
    breakers: run.breakers,
    budget: run.ledger,
    emit: run.emit,
    signal: run.signal,
    stateDir: run.store.location,
    sharedValues: stateFolderValues,
    secrets: run.compiled.secrets,
    // The executor redacts the pipeline's secrets (passed just above) itself: nothing to add.
    redact: noRedaction,
    correlationId: `${run.runId}/${id}`,
    firstAttempt,
    resumedAfterInterruption: interrupted !== undefined,
    onAttempt: (attempt) => {
      record = { ...record, attempts: attempt.attempt, attemptLog: [...record.attemptLog, attempt] };
      // A success is checkpointed with the success record below (one fsync fewer per stage); until then a crash
      // leaves the stage RUNNING, and it runs again, re-using the interrupted attempt's number.
      if (attempt.outcome === 'failed') run.checkpoints.persist(() => run.store.saveStage(run.runId, record));
    },
    onProgress: (progress) => {
      record = { ...record, progress };
    },
    // A store that cannot take the output fails this stage, not the run.
    storeOutput: (output) => run.store.putOutput(output ?? null, { stageId: id }),
    // The success is one durable record carrying the output reference (with the cache entry, in the same fsync);
    // the executor emits STEP_SUCCESS only after it.
    commitSuccess: async (done) => {
      persistBreaker();
      const outputHash = done.outputHash as string;
      const succeeded: StageRecord = { ...endedRecord(record, done), status: 'SUCCEEDED', outputHash };
      await run.checkpoints.checkpointSuccess(succeeded, {
        stageId: id,
        cacheKey: decision.cacheKey,
        outputHash,
        durationMs: done.durationMs,
        runId: run.runId,
        recordedAt: done.endedAt,
        parts: decision.parts,
      });
      run.inputs.useOutput(id, outputHash, done.output ?? null);
    },
  });
  if (outcome.status === 'SUCCEEDED') {
    scheduler.succeeded(id);
    return;
  }
  persistBreaker();
  await run.checkpoints.flushed();
  await finishFailedStage(run, endedRecord(record, outcome), outcome, scheduler);
}

/**
 * A per-item stage's turn: its items run (`item-stage.ts`), then the stage
 * ends with one record: SUCCEEDED (with its cache entry), PARTIAL (its
 * output is the manifest of the items that succeeded; no cache entry, so the
 * next run retries the failed items), FAILED or CANCELLED.
 */
async function runItemStageTurn(run: StageRunContext, stage: PlanStage, decision: StageDecision, scheduler: Scheduler, edited: Partial<StageRecord>): Promise<void> {
  const id = stage.id;
  const correlationId = `${run.runId}/${id}`;
  const startedAt = run.clock.now();
  const started = run.clock.monotonic();
  const key = idempotencyKey(run.runId, stage);
  const running: StageRecord = {
    stageId: id,
    status: 'RUNNING',
    attempts: 0,
    idempotencyKey: key,
    reason: decision.reason,
    startedAt,
    cacheKey: decision.cacheKey,
    keyParts: decision.parts,
    usage: {},
    validation: [],
    attemptLog: [],
    ...edited,
  };
  await run.checkpoints.checkpoint(running);
  run.emit('STEP_START', { stageId: id, correlationId, message: `Stage \`${id}\`: its items`, metadata: { attempt: 1, idempotencyKey: key } });
  const outcome = await runItems(run, stage, decision, run.items);
  const durationMs = run.clock.monotonic() - started;
  const ended: StageRecord = {
    ...running,
    // The stage ran once; its items' attempts are in their records.
    attempts: 1,
    endedAt: run.clock.now(),
    durationMs,
    usage: outcome.usage,
    items: outcome.counts,
    ...(outcome.workers === undefined ? {} : { workers: outcome.workers }),
  };
  const { counts } = outcome;
  if ((outcome.status === 'SUCCEEDED' || outcome.status === 'PARTIAL') && outcome.manifest) {
    const outputHash = await run.store.putOutput(outcome.manifest, { stageId: id });
    const failedIds = Object.entries(outcome.manifest.failed).filter(([, f]) => f.code !== 'UPSTREAM_ITEM_FAILED').map(([itemId]) => itemId);
    const partialReason = `${counts.failed} of ${counts.total} item(s) failed: ${failedIds.slice(0, 5).map((i) => `\`${i}\``).join(', ')}${failedIds.length > 5 ? `, and ${failedIds.length - 5} more` : ''}`;
    const record: StageRecord = { ...ended, status: outcome.status, outputHash, ...(outcome.status === 'PARTIAL' ? { reason: partialReason } : {}) };
    if (outcome.status === 'SUCCEEDED') {
      await run.checkpoints.checkpointSuccess(record, { stageId: id, cacheKey: decision.cacheKey, outputHash, durationMs, runId: run.runId, recordedAt: record.endedAt as number, parts: decision.parts });
    } else {
      await run.checkpoints.checkpoint(record);
    }
    run.inputs.useOutput(id, outputHash, outcome.manifest);
    const summary = `${counts.succeeded} ran, ${counts.cached} kept, ${counts.failed} failed of ${counts.total} item(s)${counts.deleted > 0 ? `, ${counts.deleted} deleted` : ''}`;
    run.emit('STEP_SUCCESS', {
      stageId: id,
      correlationId,
      level: outcome.status === 'PARTIAL' ? 'WARN' : 'INFO',
      message: outcome.status === 'PARTIAL' ? `Stage \`${id}\` ended PARTIAL: ${summary}` : `Stage \`${id}\` succeeded: ${summary}`,
      metadata: { attempt: 1, durationMs, stageDurationMs: durationMs, outputHash, usage: outcome.usage },
    });
    scheduler.succeeded(id);
    return;
  }
  const error = outcome.error ?? new DagbookError('RUN_CANCELLED', `Stage \`${id}\` was cancelled`, { stageId: id });
  if (outcome.status === 'FAILED') {
    run.emit('STEP_FAILURE', {
      stageId: id,
      correlationId,
      level: 'ERROR',
      message: error.message,
      metadata: { attempt: 1, durationMs, stageDurationMs: durationMs, code: error.code, errorClass: 'persistent', final: true },
    });
  }
  await run.checkpoints.flushed();
  await finishFailedStage(run, ended, { status: outcome.status === 'FAILED' ? 'FAILED' : 'CANCELLED', error: toStoredError(error, 'persistent', noRedaction) }, scheduler);
}

/**
 * A restored period checkpoint whose external state no longer matches: the
 * checkpoint stage fails with the `CHECKPOINT_CORRUPT` error (which names the
 * period and what differs) and the later periods are blocked.
 */
async function failRestoredCheckpoint(run: StageRunContext, stage: PlanStage, decision: StageDecision, error: DagbookError, durationMs: number, scheduler: Scheduler): Promise<void> {
  const now = run.clock.now();
  run.emit('STEP_FAILURE', {
    stageId: stage.id,
    correlationId: `${run.runId}/${stage.id}`,
    level: 'ERROR',
    message: error.message,
    metadata: { attempt: 0, durationMs, stageDurationMs: durationMs, code: error.code, errorClass: 'persistent', final: true },
  });
  const ended: StageRecord = {
    stageId: stage.id,
    status: 'RUNNING',
    attempts: 0,
    idempotencyKey: idempotencyKey(run.runId, stage),
    reason: 'its state no longer matches its checkpoint',
    startedAt: now - durationMs,
    endedAt: now,
    durationMs,
    cacheKey: decision.cacheKey,
    keyParts: decision.parts,
    usage: {},
    validation: [],
    attemptLog: [],
  };
  await finishFailedStage(run, ended, { status: 'FAILED', error: toStoredError(error, 'persistent', noRedaction) }, scheduler);
}

/** The record of a stage execution that ended, before its final status. */
function endedRecord(record: StageRecord, outcome: StageOutcome): StageRecord {
  return {
    ...record,
    attempts: outcome.attempts,
    endedAt: outcome.endedAt,
    durationMs: outcome.durationMs,
    usage: outcome.usage,
    validation: outcome.validation,
    attemptLog: [...record.attemptLog.filter((a) => !outcome.attemptLog.some((b) => b.attempt === a.attempt)), ...outcome.attemptLog],
    ...(outcome.worker === undefined ? {} : { worker: outcome.worker }),
  };
}

/** Records a stage that failed or was cancelled, then tells the scheduler and blocks what its failure leaves unrunnable. */
async function finishFailedStage(run: StageRunContext, ended: StageRecord, outcome: Pick<StageOutcome, 'status' | 'error'>, scheduler: Scheduler): Promise<void> {
  const id = ended.stageId;
  const failed: StageRecord = { ...ended, status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) };
  await run.checkpoints.checkpoint(failed);
  const blocked = scheduler.failed(id);
  if (outcome.status === 'FAILED') run.onFailed(id);
  // A failure blocks what needs it; a cancelled stage's dependents were stopped with the run.
  for (const b of blocked) {
    if (outcome.status === 'FAILED') await run.checkpoints.settle(b, 'BLOCKED', `upstream \`${id}\` failed`);
    else await run.checkpoints.settle(b, 'CANCELLED', `not started: upstream \`${id}\` was cancelled`);
  }
}
