import type { Clock } from '../clock';
import type { StageContext, StageFn, StageInputs } from '../definition/types';
import type { PlanStage } from '../plan/plan';
import type { SharedValues } from '../shared-values';
import { runInThread } from './thread-runner';

/**
 * The attempt boundary: where one attempt of a stage runs. The stage executor
 * composes its policies (budget, breaker, retry, timeout) around an attempt
 * and hands the attempt itself to an {@link AttemptExecutor}; everything a
 * run decides and records (the plan, cache, state, events) stays with the
 * caller, an executor only runs the attempt and settles with its output or
 * its error.
 *
 * `local` calls the stage's function on this thread, `thread` runs it in a
 * worker thread (`thread-runner.ts`), `bullmq` as a job on Redis that a
 * worker process runs (`bullmq-executor.ts`). Which one an
 * attempt uses is read from its plan stage ({@link attemptExecutorFor}).
 */

/** One attempt, as an executor receives it. */
export interface AttemptRequest {
  /** The stage, from the plan. */
  readonly stage: PlanStage;
  /** The stage's function, for an executor that runs it in this process. */
  readonly run: StageFn;
  /** Absolute `module#export` of the stage's function, for an executor that loads it elsewhere (PlanStage.fnPath). */
  readonly fnPath?: string;
  /** The attempt's context in this process: its signal ends the attempt, remote reports go through it. */
  readonly context: StageContext;
  /** The stage's inputs. */
  readonly inputs: StageInputs;
  /** Secret values by name, for `ctx.secret` where the attempt runs. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Budgeted resources whose remainders a remote `ctx.remaining` starts from. */
  readonly resources: readonly string[];
  /** Time given after an abort before a remote attempt is stopped, ms. */
  readonly graceMs: number;
  /** Times the grace. */
  readonly clock: Clock;
  /** Told by an executor that runs the attempt in another process which worker ran it (its name), once it answered. @default no-op */
  readonly ranOn?: (worker: string) => void;
  /** Where large inputs and outputs travel for an executor that runs the attempt in another process. @default none: in the job */
  readonly sharedValues?: SharedValues;
}

/** Runs attempts somewhere. */
export interface AttemptExecutor {
  /** Name of the executor, as in the plan. */
  readonly kind: string;
  /** Runs one attempt; settles as the stage's function does. */
  runAttempt(request: AttemptRequest): Promise<unknown>;
}

/** Calls the stage's function on this thread. */
export const localExecutor: AttemptExecutor = {
  kind: 'local',
  runAttempt: async (request) => request.run(request.context, request.inputs),
};

/** Runs the stage's function in a new worker thread (see `thread-runner.ts`). */
export const threadExecutor: AttemptExecutor = {
  kind: 'thread',
  runAttempt: (request) =>
    runInThread({
      // compile sets fnPath for every thread stage; a hand-built plan without one fails the attempt as a logic error.
      fnPath: request.fnPath ?? '',
      context: request.context,
      inputs: request.inputs,
      secrets: request.secrets,
      resources: request.resources,
      graceMs: request.graceMs,
      clock: request.clock,
    }),
};

/** Runs attempts as BullMQ jobs; BullMQ is loaded on the first such attempt, not on the library's import path. */
export const bullmqExecutor: AttemptExecutor = {
  kind: 'bullmq',
  runAttempt: (request) =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require('./bullmq-executor') as typeof import('./bullmq-executor')).bullmqExecutor.runAttempt(request),
};

/** The executor a plan stage's attempts run on: `bullmq` when the stage names it, else `thread` for `isolation: thread`, else `local`. */
export function attemptExecutorFor(stage: PlanStage): AttemptExecutor {
  if (stage.executor?.kind === 'bullmq') return bullmqExecutor;
  return stage.isolation === 'thread' ? threadExecutor : localExecutor;
}
