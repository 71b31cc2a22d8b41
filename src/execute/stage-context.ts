import type { StageContext } from '../definition/types';
import { DagbookError, hasErrorCode } from '../errors';
import type { Emit } from '../events/event';
import type { BudgetLedger } from './budget';
import { redactDeep, type Redactor } from './redact';

/** What {@link createStageContext} needs for one attempt: the context's plain fields, plus its wiring. */
export interface StageContextOptions
  extends Pick<StageContext, 'runId' | 'stageId' | 'attempt' | 'idempotencyKey' | 'params' | 'signal' | 'clock' | 'stateDir' | 'period' | 'periodKey' | 'item'> {
  /** The run's budget ledger. */
  readonly budget: BudgetLedger;
  /** Secret values by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Redacts secrets from messages and metadata. */
  readonly redact: Redactor;
  /** Emits events; stage id and correlation id are filled in by the caller. */
  readonly emit: Emit;
  /** False once the attempt has ended: an abandoned attempt's progress and logs are dropped. */
  readonly isLive: () => boolean;
  /** Told of each progress report. @default no-op */
  readonly onProgress?: (progress: { done: number; total: number; message?: string }) => void;
}

/**
 * The {@link StageContext} of one attempt: progress -> STEP_PROGRESS, usage ->
 * budget ledger + RESOURCE_USAGE, log -> LOG, all redacted.
 */
export function createStageContext(options: StageContextOptions): StageContext {
  const { stageId, budget, redact, emit, isLive } = options;
  return {
    runId: options.runId,
    stageId,
    attempt: options.attempt,
    idempotencyKey: options.idempotencyKey,
    params: options.params,
    // Read when the stage reads it: an attempt's signal is made on first read (see `timeout.ts`).
    get signal() {
      return options.signal;
    },
    clock: options.clock,
    ...(options.stateDir === undefined ? {} : { stateDir: options.stateDir }),
    ...(options.period === undefined ? {} : { period: options.period, periodKey: options.periodKey }),
    ...(options.item === undefined ? {} : { item: options.item }),
    progress(done, total, message) {
      if (!isLive()) return;
      const text = message === undefined ? undefined : redact(message);
      options.onProgress?.({ done, total, ...(text === undefined ? {} : { message: text }) });
      emit('STEP_PROGRESS', { message: text ?? `${done}/${total}`, metadata: { done, total } });
    },
    usage(resource, amount) {
      try {
        const figures = budget.record(stageId, resource, amount);
        if (isLive()) emit('RESOURCE_USAGE', { message: `Used ${amount} ${resource}`, metadata: figures });
      } catch (error) {
        if (hasErrorCode(error, 'BUDGET_EXHAUSTED') && isLive()) {
          emit('RESOURCE_USAGE', {
            level: 'WARN',
            message: `Used ${amount} ${resource}`,
            metadata: budget.figures(stageId, resource, amount),
          });
        }
        throw error;
      }
    },
    remaining(resource) {
      return budget.remaining(stageId, resource);
    },
    log(message, metadata) {
      if (!isLive()) return;
      emit('LOG', { message: redact(message), metadata: metadata === undefined ? {} : redactDeep(metadata, redact) });
    },
    secret(name) {
      return readSecret(options.secrets, stageId, name);
    },
  };
}

/**
 * A secret's value, for `ctx.secret(name)` (in the main thread and in worker threads).
 * @throws DagbookError `INVALID_OPTION` naming the stage, the secret and the known ones
 */
export function readSecret(secrets: Readonly<Record<string, string>>, stageId: string, name: string): string {
  if (Object.prototype.hasOwnProperty.call(secrets, name)) return secrets[name];
  const known = Object.keys(secrets);
  throw new DagbookError(
    'INVALID_OPTION',
    `Stage \`${stageId}\` asked for unknown secret \`${name}\`; known secrets: ${known.length === 0 ? '(none)' : known.map((k) => `\`${k}\``).join(', ')}`,
    { stageId, errorClass: 'persistent', data: { name, known } },
  );
}
