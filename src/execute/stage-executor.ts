import type { Clock } from '../clock';
import type { Item, PeriodValue, StageInputs } from '../definition/types';
import { DagbookError, errorMessage, hasErrorCode, type ErrorClass } from '../errors';
import type { Emit, EventDraft, EventType } from '../events/event';
import type { PlanStage, StageRegistry } from '../plan/plan';
import type { RandomSource } from '../random';
import type { AttemptRecord, StoredError, ValidationResult } from '../records';
import { AttemptTimeline } from './attempt-timeline';
import { budgetCheckPolicy } from './budget-check';
import type { BudgetLedger } from './budget';
import { breakerPolicy } from './breaker-policy';
import type { BreakerRegistry } from './circuit-breaker';
import { classifyError, storedErrorCode, toStoredError } from './classify';
import { idempotencyKey } from './idempotency';
import { wrap, type Policy, type PolicyContext } from './policy';
import { composeRedactors, createRedactor, redactDeep, type Redactor } from './redact';
import { retryPolicy, type RetryFailure } from './retry-policy';
import { attemptExecutorFor } from './executor';
import type { SharedValues } from '../shared-values';
import { createStageContext } from './stage-context';
import { timeoutPolicy } from './timeout';
import { runValidation, validationFailure } from './validation';

/**
 * Executes one stage: an attempt wrapped in its policies, composed here in
 * the written order in which an attempt meets them — budget check, circuit
 * breaker, retry loop, per-attempt timeout:
 *
 *   wrap(retry, budgetCheck, breaker, timeout).execute(attempt)
 *
 * The retry loop is the outermost wrapper (as cockatiel's `wrap(retry,
 * breaker)`) so that the budget and the breaker are consulted before *every*
 * attempt, and the breaker counts each attempt's failure: a breaker opened by
 * attempt 2 refuses attempt 3. Never retried whatever `retry.retryOn` says:
 * `NonRetryableError`, `BUDGET_EXHAUSTED`, `CIRCUIT_OPEN` and
 * `STAGE_VALIDATION_FAILED` (trying again cannot help). Run cancellation ends
 * it as CANCELLED at once. The attempt itself runs on the stage's executor
 * (`executor.ts`: this thread, a worker thread), inside its timeout.
 *
 * The successful attempt's value then goes through its steps, in order:
 * validation (rules; a blocking failure fails the stage), redaction (every
 * secret out of the output), storing (`storeOutput`: a rejection fails the
 * stage with that error, not retried) and committing (`commitSuccess`: the
 * durable success record). Only then is STEP_SUCCESS emitted, so no success
 * event can be durable before the success it announces.
 *
 * This module only maps what the policies report to events and the outcome;
 * messages, stacks, metadata and the output are redacted of every secret.
 */

/** Options of {@link executeStage}. */
export interface ExecuteStageOptions {
  /** Run id. */
  readonly runId: string;
  /** The stage, from the plan. */
  readonly stage: PlanStage;
  /** The stage's functions, from the registry. */
  readonly entry: StageRegistry[string];
  /** Outputs of its dependencies by stage id. */
  readonly inputs: StageInputs;
  /** Time source. */
  readonly clock: Clock;
  /** Random source for backoff jitter. */
  readonly random: RandomSource;
  /** The run's breakers. */
  readonly breakers: BreakerRegistry;
  /** The run's budget ledger. */
  readonly budget: BudgetLedger;
  /** Event sink. */
  readonly emit: Emit;
  /** Run cancellation. */
  readonly signal: AbortSignal;
  /** `ctx.stateDir`: the pipeline's state folder when the run keeps its state on disk. @default undefined */
  readonly stateDir?: string;
  /** Where large inputs and outputs of an attempt run in another process travel (`shared-values.ts`). @default none: in the job */
  readonly sharedValues?: SharedValues;
  /** `ctx.period`: the stage's period as declared, for a per-period stage (its key is `stage.period`). @default undefined */
  readonly period?: PeriodValue;
  /** `ctx.item`: the item a per-item stage runs for. @default undefined */
  readonly item?: Item;
  /** The idempotency key, when not the stage's own (`idempotencyKey(runId, stage)`): a per-item stage's is per item. */
  readonly idempotencyKey?: string;
  /** Secret values by name, for `ctx.secret`; always redacted. */
  readonly secrets: Readonly<Record<string, string>>;
  /** The run's redactor; the executor adds the values of `secrets` and of the stage's secret params. */
  readonly redact: Redactor;
  /** Correlation id of this stage execution's events. */
  readonly correlationId: string;
  /** Number of the first attempt (resume after attempts already made). @default 1 */
  readonly firstAttempt?: number;
  /** Set when `firstAttempt` re-runs an attempt a crash interrupted: its STEP_START says so. @default false */
  readonly resumedAfterInterruption?: boolean;
  /** Told of each progress report (to checkpoint it). @default no-op */
  readonly onProgress?: (progress: { done: number; total: number; message?: string }) => void;
  /** Told of each finished attempt (to checkpoint the attempt count). @default no-op */
  readonly onAttempt?: (record: AttemptRecord) => void;
  /**
   * Stores the (redacted) output and returns its reference. A rejection fails
   * the stage with that error (class from its error, not retried). @default none: no `outputHash`
   */
  readonly storeOutput?: (output: unknown) => Promise<string>;
  /**
   * Makes the success durable (the stage's success record). STEP_SUCCESS is
   * emitted only after it resolves; a rejection rejects `executeStage` (the
   * run cannot record its own state). @default none
   */
  readonly commitSuccess?: (outcome: StageOutcome) => Promise<void>;
}

/** What {@link executeStage} returns. */
export interface StageOutcome {
  /** How it ended. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  /** The (redacted) output, when it succeeded. */
  readonly output?: unknown;
  /** The stored output's reference, when it succeeded and `storeOutput` was given. */
  readonly outputHash?: string;
  /** The final error, redacted, when it did not succeed. */
  readonly error?: StoredError;
  /** Number of the last attempt started (attempts before `firstAttempt` included). */
  readonly attempts: number;
  /** The attempts made by this call. */
  readonly attemptLog: AttemptRecord[];
  /** The stage's resource usage in this run. */
  readonly usage: Record<string, number>;
  /** Validation outcomes of the successful attempt's output. */
  readonly validation: ValidationResult[];
  /** From the call to its end, ms. */
  readonly durationMs: number;
  /** Wall-clock start, ms since epoch. */
  readonly startedAt: number;
  /** Wall-clock end, ms since epoch. */
  readonly endedAt: number;
  /** Each backoff delay waited, ms. */
  readonly retryDelaysMs: number[];
  /** The idempotency key of this stage execution. */
  readonly idempotencyKey: string;
  /** When the open breaker that stopped the stage half-opens, ms since epoch. */
  readonly halfOpenAt?: number;
  /** The queue worker that ran the last attempt (`bullmq` executor), when it answered; absent when it ran in this process. */
  readonly worker?: string;
}

interface Ending {
  readonly output?: unknown;
  readonly outputHash?: string;
  readonly error?: StoredError;
  readonly validation?: ValidationResult[];
  readonly halfOpenAt?: number;
  /** The stage's duration when an event already reported it (so the record and the event give one figure). @default now - start */
  readonly durationMs?: number;
}

/**
 * Runs a stage to its end. Never rejects for a stage failure: the outcome says
 * how it ended.
 * @throws DagbookError `INVALID_OPTION` when `firstAttempt` is not an integer >= 1;
 *   whatever `commitSuccess` rejects with.
 */
export async function executeStage(options: ExecuteStageOptions): Promise<StageOutcome> {
  const { stage, entry, clock, budget, signal, correlationId } = options;
  const firstAttempt = options.firstAttempt ?? 1;
  if (!Number.isInteger(firstAttempt) || firstAttempt < 1) {
    throw new DagbookError(
      'INVALID_OPTION',
      `Expected \`firstAttempt\` to be an integer >= 1, got \`${String(firstAttempt)}\``,
      { stageId: stage.id, errorClass: 'logic' },
    );
  }
  const secretParamValues = stage.secretParams.map((name) => stage.params[name]).filter((v): v is string => typeof v === 'string');
  const redact = composeRedactors(options.redact, createRedactor([...Object.values(options.secrets), ...secretParamValues]));
  const key = options.idempotencyKey ?? idempotencyKey(options.runId, stage);
  // A resume past the policy's attempts still makes one attempt.
  const lastAttempt = Math.max(stage.retry.maxAttempts, firstAttempt);
  const classify = (error: unknown): ErrorClass => classifyError(error, entry.classify);
  const startedAt = clock.now();
  const started = clock.monotonic();
  const timeline = new AttemptTimeline(clock, firstAttempt, options.onAttempt);
  const retryDelaysMs: number[] = [];

  const emit = <T extends EventType>(type: T, draft: EventDraft<T>): void =>
    options.emit(type, { stageId: stage.id, correlationId, ...draft });

  const finish = (status: StageOutcome['status'], ending: Ending = {}): StageOutcome => {
    const last = timeline.records.length === 0 ? undefined : timeline.records[timeline.records.length - 1];
    return {
      status,
      ...(ending.output === undefined ? {} : { output: ending.output }),
      ...(ending.outputHash === undefined ? {} : { outputHash: ending.outputHash }),
      ...(ending.error === undefined ? {} : { error: ending.error }),
      attempts: timeline.lastStarted,
      attemptLog: timeline.records,
      usage: budget.stageUsage(stage.id),
      validation: ending.validation ?? [],
      durationMs: ending.durationMs ?? clock.monotonic() - started,
      startedAt,
      endedAt: clock.now(),
      retryDelaysMs,
      idempotencyKey: key,
      ...(ending.halfOpenAt === undefined ? {} : { halfOpenAt: ending.halfOpenAt }),
      ...(last?.worker === undefined || last.attempt !== timeline.lastStarted ? {} : { worker: last.worker }),
    };
  };

  /** A final failure after the attempt returned (validation, storing): not retried. */
  const failedAfter = (attempt: AttemptRecord, error: unknown, errorClass: ErrorClass, message: string, validation?: ValidationResult[]): StageOutcome => {
    const stageDurationMs = clock.monotonic() - started;
    emit('STEP_FAILURE', {
      level: 'ERROR',
      message: redact(message),
      metadata: { attempt: attempt.attempt, durationMs: attempt.durationMs, stageDurationMs, code: storedErrorCode(error), errorClass, final: true, ...workerOf(attempt) },
    });
    return finish('FAILED', { error: toStoredError(error, errorClass, redact), validation, durationMs: stageDurationMs });
  };

  // The policies report each failed attempt (or refused one) here.
  let lastFailure: RetryFailure | undefined;
  // The stage's duration as the final failure's event gave it: the outcome keeps the same figure.
  let finalFailureMs: number | undefined;
  const onFailure = (failure: RetryFailure): void => {
    const { attempt, error } = failure;
    const code = storedErrorCode(error);
    if (!timeline.isOpen(attempt)) {
      // Refused before it could start (budget used up, breaker open): the refusal is the stage's final failure.
      const errorClass = classifyError(error);
      lastFailure = { ...failure, errorClass };
      // The breaker's error speaks of the breaker; the event also names the stage it kept from starting.
      const text = code === 'CIRCUIT_OPEN'
        ? `Stage \`${stage.id}\` was not started: ${errorMessage(error).charAt(0).toLowerCase()}${errorMessage(error).slice(1)}`
        : errorMessage(error);
      finalFailureMs = clock.monotonic() - started;
      emit('STEP_FAILURE', { level: 'ERROR', message: redact(text), metadata: { attempt, durationMs: 0, stageDurationMs: finalFailureMs, code, errorClass, final: true } });
      return;
    }
    lastFailure = failure;
    const retry = failure.delayMs !== undefined;
    const record = timeline.end('failed', { code, delayMs: failure.delayMs });
    if (!retry) finalFailureMs = clock.monotonic() - started;
    emit('STEP_FAILURE', {
      level: retry ? 'WARN' : 'ERROR',
      message: redact(`Stage \`${stage.id}\` attempt ${attempt} of ${lastAttempt} failed (${failure.errorClass}): ${errorMessage(error)}`),
      metadata: {
        attempt,
        durationMs: record?.durationMs ?? 0,
        ...(retry ? {} : { stageDurationMs: finalFailureMs }),
        code,
        errorClass: failure.errorClass,
        final: !retry,
        ...workerOf(record),
      },
    });
    if (failure.delayMs === undefined) return;
    retryDelaysMs.push(failure.delayMs);
    emit('STEP_RETRY', {
      level: 'WARN',
      message: `Retrying stage \`${stage.id}\` in ${failure.delayMs} ms (attempt ${attempt + 1} of ${lastAttempt})`,
      metadata: { attempt, nextAttempt: attempt + 1, delayMs: failure.delayMs, code },
    });
  };

  const breaker = stage.breaker ? options.breakers.get(stage.breaker) : null;
  const policies: Policy[] = [
    retryPolicy({ retry: stage.retry, firstAttempt, lastAttempt, clock, random: options.random, classify, onFailure }),
    budgetCheckPolicy(budget, stage.id),
    ...(breaker ? [breakerPolicy(breaker, stage.id, classify)] : []),
    timeoutPolicy({ timeoutMs: stage.timeoutMs, graceMs: stage.graceMs, clock, stageId: stage.id }),
  ];

  /** One attempt of the stage's function, under the attempt's signal. */
  const attemptOnce = async (policy: PolicyContext): Promise<unknown> => {
    const { attempt } = policy;
    timeline.start(attempt);
    const resumed = options.resumedAfterInterruption === true && attempt === firstAttempt;
    emit('STEP_START', {
      message: `Stage \`${stage.id}\` attempt ${attempt} of ${lastAttempt}${resumed ? ` (resumed after interruption of attempt ${attempt})` : ''}`,
      metadata: { attempt, idempotencyKey: key },
    });
    const context = createStageContext({
      runId: options.runId,
      stageId: stage.id,
      attempt,
      idempotencyKey: key,
      params: stage.params,
      // The attempt's signal, made when the stage first reads `ctx.signal`.
      get signal() {
        return policy.signal;
      },
      clock,
      stateDir: options.stateDir,
      ...(stage.period === undefined ? {} : { period: options.period ?? stage.period, periodKey: stage.period }),
      ...(options.item === undefined ? {} : { item: options.item }),
      budget,
      secrets: options.secrets,
      redact,
      emit,
      isLive: () => timeline.isOpen(attempt),
      onProgress: options.onProgress,
    });
    return attemptExecutorFor(stage).runAttempt({
      stage,
      run: entry.run,
      ...(stage.fnPath === undefined ? {} : { fnPath: stage.fnPath }),
      context,
      inputs: options.inputs,
      secrets: options.secrets,
      resources: budget.budgetedResources(stage.id),
      graceMs: stage.graceMs,
      clock,
      ranOn: (worker) => timeline.ranOn(attempt, worker),
      ...(options.sharedValues === undefined ? {} : { sharedValues: options.sharedValues }),
    });
  };

  let value: unknown;
  try {
    value = await wrap(...policies).execute(attemptOnce, { attempt: firstAttempt, signal });
  } catch (error) {
    if (signal.aborted) {
      timeline.end('failed', { code: 'STAGE_CANCELLED' });
      const reason = signal.reason === undefined ? 'the run was cancelled' : redact(errorMessage(signal.reason));
      const cancelled = new DagbookError('STAGE_CANCELLED', `Stage \`${stage.id}\` was cancelled: ${reason}`, {
        stageId: stage.id,
        errorClass: 'transient',
      });
      emit('CANCELLED', { level: 'WARN', message: cancelled.message, metadata: { reason } });
      return finish('CANCELLED', { error: toStoredError(cancelled, 'transient', redact) });
    }
    const reported = lastFailure as RetryFailure | undefined;
    const errorClass = reported !== undefined && reported.error === error ? reported.errorClass : classify(error);
    const due = hasErrorCode(error, 'CIRCUIT_OPEN') ? error.data.halfOpenAtMs : undefined;
    const reportedMs = reported !== undefined && reported.error === error ? finalFailureMs : undefined;
    return finish('FAILED', { error: toStoredError(error, errorClass, redact), halfOpenAt: typeof due === 'number' ? due : undefined, durationMs: reportedMs });
  }

  // The attempt's value, step by step: validation, redaction, storing, committing.
  const attempt = timeline.end('succeeded') as AttemptRecord;
  const validation = await runValidation(entry.validate, value, redact);
  for (const r of validation.filter((v) => !v.passed)) {
    emit('VALIDATION_ERROR', {
      level: r.severity === 'error' ? 'ERROR' : 'WARN',
      message: `Stage \`${stage.id}\` output failed rule \`${r.rule}\`${r.detail === undefined ? '' : `: ${r.detail}`}`,
      metadata: { rule: r.rule, severity: r.severity, passed: false, ...(r.detail === undefined ? {} : { detail: r.detail }) },
    });
  }
  const invalid = validationFailure(stage.id, validation, stage.failOnValidationError);
  if (invalid) return failedAfter(attempt, invalid, 'persistent', invalid.message, validation);

  const output = redactDeep(value, redact);
  let outputHash: string | undefined;
  if (options.storeOutput) {
    try {
      outputHash = await options.storeOutput(output);
    } catch (error) {
      return failedAfter(attempt, error, classifyError(error), `Stage \`${stage.id}\` output could not be stored: ${errorMessage(error)}`, validation);
    }
  }
  const outcome = finish('SUCCEEDED', { output, outputHash, validation });
  await options.commitSuccess?.(outcome);
  emit('STEP_SUCCESS', {
    message: `Stage \`${stage.id}\` succeeded on attempt ${attempt.attempt} in ${attempt.durationMs} ms`,
    metadata: {
      attempt: attempt.attempt,
      durationMs: attempt.durationMs,
      stageDurationMs: outcome.durationMs,
      ...(outputHash === undefined ? {} : { outputHash }),
      usage: outcome.usage,
      ...workerOf(attempt),
    },
  });
  return outcome;
}

/** `{ worker }` of an attempt a queue worker ran, for an event's metadata; `{}` otherwise. */
function workerOf(record: AttemptRecord | undefined): { worker?: string } {
  return record?.worker === undefined ? {} : { worker: record.worker };
}
