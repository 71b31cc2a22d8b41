import type { Clock } from '../clock';
import type { StageInputs } from '../definition/types';
import { DagbookError, errorMessage, hasErrorCode } from '../errors';
import type { Emit, EventDraft, EventType } from '../events/event';
import type { PlanStage, StageRegistry } from '../plan/plan';
import type { RandomSource } from '../random';
import type { AttemptRecord, StoredError, ValidationResult } from '../records';
import { backoffDelay } from './backoff';
import type { BudgetLedger } from './budget';
import type { BreakerPermit, BreakerRegistry, CircuitBreaker } from './circuit-breaker';
import { classifyError, storedErrorCode, toStoredError } from './classify';
import { idempotencyKey } from './idempotency';
import { composeRedactors, createRedactor, redactDeep, type Redactor } from './redact';
import { isRetryable } from './retryable';
import { createStageContext } from './stage-context';
import { runInThread } from './thread-runner';
import { withTimeout } from './timeout';
import { runValidation } from './validation';

/**
 * Executes one stage: its policies composed in one place, in the written order
 * budget check -> circuit breaker -> retry loop -> per-attempt timeout. Before
 * each attempt the budget and the breaker are checked; the attempt runs under
 * its timeout; a failure is classified and retried with backoff when its class
 * is in `retry.retryOn` and attempts remain. Never retried whatever `retryOn`
 * says: `NonRetryableError`, `BUDGET_EXHAUSTED`, `CIRCUIT_OPEN` and
 * `STAGE_VALIDATION_FAILED` (trying again cannot help). Run cancellation ends
 * it as CANCELLED at once. Messages, stacks, metadata and the output are
 * redacted of every secret. A `thread` stage's attempt runs in a worker
 * thread (see `thread-runner.ts`), inside its timeout.
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
  /** Secret values by name, for `ctx.secret`; always redacted. */
  readonly secrets: Readonly<Record<string, string>>;
  /** The run's redactor; the executor adds the values of `secrets` and of the stage's secret params. */
  readonly redact: Redactor;
  /** Correlation id of this stage execution's events. */
  readonly correlationId: string;
  /** Number of the first attempt (resume after attempts already made). @default 1 */
  readonly firstAttempt?: number;
  /** Told of each progress report (to checkpoint it). @default no-op */
  readonly onProgress?: (progress: { done: number; total: number; message?: string }) => void;
  /** Told of each finished attempt (to checkpoint the attempt count). @default no-op */
  readonly onAttempt?: (record: AttemptRecord) => void;
}

/** What {@link executeStage} returns. */
export interface StageOutcome {
  /** How it ended. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
  /** The (redacted) output, when it succeeded. */
  readonly output?: unknown;
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
}

/**
 * Runs a stage to its end. Never rejects for a stage failure: the outcome says
 * how it ended.
 * @throws DagbookError `INVALID_OPTION` when `firstAttempt` is not an integer >= 1.
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
  const key = idempotencyKey(options.runId, stage.id, stage.params);
  const breaker: CircuitBreaker | null = stage.breaker ? options.breakers.get(stage.breaker) : null;
  // A resume past the policy's attempts still makes one attempt.
  const lastAttempt = Math.max(stage.retry.maxAttempts, firstAttempt);
  const startedAt = clock.now();
  const started = clock.monotonic();
  const attemptLog: AttemptRecord[] = [];
  const retryDelaysMs: number[] = [];

  const emit = <T extends EventType>(type: T, draft: EventDraft<T>): void =>
    options.emit(type, { stageId: stage.id, correlationId, ...draft });

  const logAttempt = (record: AttemptRecord): void => {
    attemptLog.push(record);
    options.onAttempt?.(record);
  };

  const finish = (
    status: StageOutcome['status'],
    attempts: number,
    extra: { output?: unknown; error?: StoredError; validation?: ValidationResult[]; halfOpenAt?: number },
  ): StageOutcome => ({
    status,
    ...(extra.output === undefined ? {} : { output: extra.output }),
    ...(extra.error === undefined ? {} : { error: extra.error }),
    attempts,
    attemptLog,
    usage: budget.stageUsage(stage.id),
    validation: extra.validation ?? [],
    durationMs: clock.monotonic() - started,
    startedAt,
    endedAt: clock.now(),
    retryDelaysMs,
    idempotencyKey: key,
    ...(extra.halfOpenAt === undefined ? {} : { halfOpenAt: extra.halfOpenAt }),
  });

  const cancelled = (attempts: number): StageOutcome => {
    const reason = signal.reason === undefined ? 'the run was cancelled' : redact(errorMessage(signal.reason));
    const error = new DagbookError('STAGE_CANCELLED', `Stage \`${stage.id}\` was cancelled: ${reason}`, {
      stageId: stage.id,
      errorClass: 'transient',
    });
    emit('CANCELLED', { level: 'WARN', message: error.message, metadata: { reason } });
    return finish('CANCELLED', attempts, { error: toStoredError(error, 'transient', redact) });
  };

  /** A final failure before an attempt could start (budget used up, breaker open). */
  const refused = (attempt: number, error: DagbookError, halfOpenAt?: number): StageOutcome => {
    const errorClass = classifyError(error);
    // The breaker's error speaks of the breaker; the event also names the stage it kept from starting.
    const text = error.code === 'CIRCUIT_OPEN'
      ? `Stage \`${stage.id}\` was not started: ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)}`
      : error.message;
    emit('STEP_FAILURE', {
      level: 'ERROR',
      message: redact(text),
      metadata: { attempt, durationMs: 0, code: error.code, errorClass, final: true },
    });
    return finish('FAILED', attempt - 1, { error: toStoredError(error, errorClass, redact), halfOpenAt });
  };

  for (let attempt = firstAttempt; ; attempt++) {
    if (signal.aborted) return cancelled(attempt - 1);

    // 1. Budget check.
    const exhausted = budget.stageExhausted(stage.id);
    if (exhausted !== null) {
      const f = budget.figures(stage.id, exhausted);
      const globalOut = f.globalLimit !== undefined && f.globalUsed >= f.globalLimit;
      const [used, limit] = globalOut ? [f.globalUsed, f.globalLimit] : [f.stageUsed, f.stageLimit];
      const whose = globalOut ? `the run's global \`${exhausted}\` budget` : `its \`${exhausted}\` budget`;
      return refused(
        attempt,
        new DagbookError('BUDGET_EXHAUSTED', `Stage \`${stage.id}\` was not started: ${whose} is used up (used ${used} of ${limit})`, {
          stageId: stage.id,
          errorClass: 'resource',
          data: { scope: globalOut ? 'global' : 'stage', resource: exhausted, used, limit },
        }),
      );
    }

    // 2. Circuit breaker.
    let permit: BreakerPermit | undefined;
    if (breaker) {
      try {
        permit = breaker.acquire(stage.id);
      } catch (error) {
        if (!hasErrorCode(error, 'CIRCUIT_OPEN')) throw error;
        const due = error.data.halfOpenAtMs;
        return refused(attempt, error, typeof due === 'number' ? due : undefined);
      }
    }

    // 3. The attempt, under 4. its timeout.
    emit('STEP_START', {
      message: `Stage \`${stage.id}\` attempt ${attempt} of ${lastAttempt}`,
      metadata: { attempt, idempotencyKey: key },
    });
    const attemptStartedAt = clock.now();
    const attemptStarted = clock.monotonic();
    let live = true;
    let result: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      const value = await withTimeout(
        (attemptSignal) => {
          const context = createStageContext({
            runId: options.runId,
            stageId: stage.id,
            attempt,
            idempotencyKey: key,
            params: stage.params,
            signal: attemptSignal,
            clock,
            budget,
            secrets: options.secrets,
            redact,
            emit,
            isLive: () => live,
            onProgress: options.onProgress,
          });
          if (stage.isolation !== 'thread') return entry.run(context, options.inputs);
          return runInThread({
            // compile sets fnPath for every thread stage; a hand-built plan without one fails the attempt as a logic error.
            fnPath: stage.fnPath ?? '',
            context,
            inputs: options.inputs,
            secrets: options.secrets,
            resources: budget.budgetedResources(stage.id),
            graceMs: stage.graceMs,
            clock,
          });
        },
        { timeoutMs: stage.timeoutMs, graceMs: stage.graceMs, clock, parentSignal: signal, stageId: stage.id },
      );
      result = { ok: true, value };
    } catch (error) {
      result = { ok: false, error };
    } finally {
      live = false;
    }
    const durationMs = clock.monotonic() - attemptStarted;

    if (result.ok) {
      if (permit) breaker?.success(permit);
      logAttempt({ attempt, startedAt: attemptStartedAt, durationMs, outcome: 'succeeded' });
      const validation = await runValidation(entry.validate, result.value, redact);
      for (const r of validation.filter((v) => !v.passed)) {
        emit('VALIDATION_ERROR', {
          level: r.severity === 'error' ? 'ERROR' : 'WARN',
          message: `Stage \`${stage.id}\` output failed rule \`${r.rule}\`${r.detail === undefined ? '' : `: ${r.detail}`}`,
          metadata: { rule: r.rule, severity: r.severity, passed: false, ...(r.detail === undefined ? {} : { detail: r.detail }) },
        });
      }
      const blocking = validation.filter((v) => !v.passed && v.severity === 'error');
      if (stage.failOnValidationError && blocking.length > 0) {
        const error = new DagbookError(
          'STAGE_VALIDATION_FAILED',
          `Stage \`${stage.id}\` output failed validation: ${blocking
            .map((r) => `\`${r.rule}\`${r.detail === undefined ? '' : ` (${r.detail})`}`)
            .join(', ')}`,
          { stageId: stage.id, errorClass: 'persistent', data: { rules: blocking.map((r) => r.rule) } },
        );
        emit('STEP_FAILURE', {
          level: 'ERROR',
          message: error.message,
          metadata: { attempt, durationMs, code: error.code, errorClass: 'persistent', final: true },
        });
        return finish('FAILED', attempt, { error: toStoredError(error, 'persistent', redact), validation });
      }
      const usage = budget.stageUsage(stage.id);
      emit('STEP_SUCCESS', {
        message: `Stage \`${stage.id}\` succeeded on attempt ${attempt} in ${durationMs} ms`,
        metadata: { attempt, durationMs, usage },
      });
      return finish('SUCCEEDED', attempt, { output: redactDeep(result.value, redact), validation });
    }

    const { error } = result;
    if (signal.aborted) {
      if (permit) breaker?.release(permit);
      logAttempt({ attempt, startedAt: attemptStartedAt, durationMs, outcome: 'failed', code: 'STAGE_CANCELLED' });
      return cancelled(attempt);
    }
    const errorClass = classifyError(error, entry.classify);
    if (permit) breaker?.failure(permit, errorClass);
    const code = storedErrorCode(error);
    const retry = attempt < lastAttempt && isRetryable(error, errorClass, stage.retry.retryOn);
    const delayMs = retry ? backoffDelay(attempt, stage.retry, options.random) : undefined;
    logAttempt({
      attempt,
      startedAt: attemptStartedAt,
      durationMs,
      outcome: 'failed',
      code,
      ...(delayMs === undefined ? {} : { delayMs }),
    });
    emit('STEP_FAILURE', {
      level: retry ? 'WARN' : 'ERROR',
      message: redact(`Stage \`${stage.id}\` attempt ${attempt} of ${lastAttempt} failed (${errorClass}): ${errorMessage(error)}`),
      metadata: { attempt, durationMs, code, errorClass, final: !retry },
    });
    if (delayMs === undefined) {
      return finish('FAILED', attempt, { error: toStoredError(error, errorClass, redact) });
    }

    retryDelaysMs.push(delayMs);
    emit('STEP_RETRY', {
      level: 'WARN',
      message: `Retrying stage \`${stage.id}\` in ${delayMs} ms (attempt ${attempt + 1} of ${lastAttempt})`,
      metadata: { attempt, nextAttempt: attempt + 1, delayMs, code },
    });
    try {
      await clock.sleep(delayMs, signal);
    } catch {
      return cancelled(attempt);
    }
  }
}
