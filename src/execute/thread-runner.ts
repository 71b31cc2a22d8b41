import * as nodePath from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Clock } from '../clock';
import type { StageContext, StageInputs } from '../definition/types';
import { DagbookError, errorMessage, isDagbookError } from '../errors';
import { parseFnReference } from '../fn-reference';
import { decodeOutput, encodeOutput } from '../output-codec';
import { rebuildThreadError, serializeThreadError, type ThreadErrorData } from './thread-error';

/**
 * Runs one attempt of a `thread` stage in a `worker_threads` Worker, so CPU
 * work on parallel branches uses several cores. The worker (`stage-worker.js`)
 * loads the stage's module by its absolute path and calls the export with a
 * context whose progress, usage and log are messages applied here through the
 * attempt's real {@link StageContext}: the budget ledger, events and
 * `BUDGET_EXHAUSTED` behave as for a stage on the main thread (a usage that
 * the ledger refuses terminates the worker and fails the attempt with the
 * ledger's error). The inputs and the output cross in the stored form of
 * stage outputs (`output-codec`), not as structured-clone data: structured
 * clone would turn a danfojs DataFrame into a plain object and a class
 * instance into a plain object without complaint, where the codec keeps
 * frames and refuses what cannot be stored (`OUTPUT_NOT_SERIALIZABLE`, named
 * in the worker, where the stage's value is). Errors cross as structured-clone
 * data and are rebuilt with their message, stack, name, code and class.
 *
 * When the attempt's signal aborts (timeout or cancellation) the worker is told
 * (its `ctx.signal` aborts) and, after `graceMs`, terminated: a stage that
 * ignores its signal is stopped, not just abandoned.
 */

/** Path of the worker script. */
export const STAGE_WORKER_SCRIPT = nodePath.join(__dirname, 'stage-worker.js');

const LOADER_FLAGS: ReadonlySet<string> = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * The parent's Node flags for a worker without those that load tsx, or
 * undefined when there are none (the worker then inherits the flags, Node's
 * default). The worker script installs tsx's require hook itself; an inherited
 * `--import tsx` would also start tsx's ESM loader in every worker (measured
 * here: a worker start of ~250-500 ms instead of ~60-90 ms).
 */
export function workerExecArgv(execArgv: readonly string[]): string[] | undefined {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (!LOADER_FLAGS.has(flag)) {
      kept.push(arg);
      continue;
    }
    const value = eq < 0 ? execArgv[i + 1] ?? '' : arg.slice(eq + 1);
    if (/(^|[\\/])tsx([\\/]|$)/.test(value)) {
      if (eq < 0) i++;
      continue;
    }
    kept.push(arg);
    if (eq < 0 && i + 1 < execArgv.length) kept.push(execArgv[++i]);
  }
  return kept.length === execArgv.length ? undefined : kept;
}

/** A worker for the attempt; with the parent's own flags when Node refuses the trimmed ones (process-wide flags such as `--max-old-space-size` cannot be given to a worker). */
function startWorker(workerData: StageWorkerData): Worker {
  const execArgv = workerExecArgv(process.execArgv);
  if (execArgv === undefined) return new Worker(STAGE_WORKER_SCRIPT, { workerData });
  try {
    return new Worker(STAGE_WORKER_SCRIPT, { workerData, execArgv });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(STAGE_WORKER_SCRIPT, { workerData });
  }
}

/** Options of {@link runInThread}. */
export interface ThreadAttemptOptions {
  /** Absolute `module#export` of the stage function (PlanStage.fnPath). */
  readonly fnPath: string;
  /** The attempt's context on this thread: its signal stops the worker, the worker's reports go through it. */
  readonly context: StageContext;
  /** The stage's inputs; sent in the stored form of outputs. */
  readonly inputs: StageInputs;
  /** Secret values by name, for `ctx.secret` in the worker. @default {} */
  readonly secrets?: Readonly<Record<string, string>>;
  /** Budgeted resources whose remainders the worker's `ctx.remaining` starts from; others answer Infinity. @default [] */
  readonly resources?: readonly string[];
  /** Time the worker is given after an abort before it is terminated, in ms. */
  readonly graceMs: number;
  /** Times the grace. */
  readonly clock: Clock;
}

/** What the worker posts to this thread. */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly message?: string }
  | { readonly type: 'usage'; readonly resource: string; readonly amount: number }
  | { readonly type: 'log'; readonly message: string; readonly metadata?: Record<string, unknown> }
  | { readonly type: 'result'; readonly output: string }
  | { readonly type: 'error'; readonly error: ThreadErrorData };

/** What this thread posts to the worker. */
export type ParentMessage = { readonly type: 'abort'; readonly reason: ThreadErrorData };

/** Data the worker starts from (`workerData`). */
export interface StageWorkerData {
  /** Absolute path of the stage's module. */
  readonly modulePath: string;
  /** Name of the export to call. */
  readonly exportName: string;
  /** `ctx.runId`. */
  readonly runId: string;
  /** `ctx.stageId`. */
  readonly stageId: string;
  /** `ctx.attempt`. */
  readonly attempt: number;
  /** `ctx.idempotencyKey`. */
  readonly idempotencyKey: string;
  /** `ctx.params`. */
  readonly params: Readonly<Record<string, unknown>>;
  /** `ctx.stateDir`, when the run keeps its state on disk. */
  readonly stateDir?: string;
  /** `ctx.period` and `ctx.periodKey`, in a per-period stage. */
  readonly period?: { readonly value: number | string; readonly key: string };
  /** `ctx.item`, in a per-item stage. */
  readonly item?: { readonly id: string; readonly hash: string; readonly payload?: unknown };
  /** The stage's inputs, in the stored form of outputs (`encodeOutput`). */
  readonly inputs: string;
  /** Secret values by name. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Remainder of each budgeted resource when the attempt starts. */
  readonly remaining: Readonly<Record<string, number>>;
}

/**
 * What a worker (thread or process) needs to run the attempt: the stage's
 * module and export, the context's fields, the inputs in the stored form of
 * outputs, the secrets and the remainders of the budgeted resources.
 * @throws DagbookError `STAGE_FAILED` (class `logic`) when `fnPath` is not
 *   `module#export` or the inputs cannot be encoded (`where` names the worker).
 */
export function stageWorkerData(options: Pick<ThreadAttemptOptions, 'fnPath' | 'context' | 'inputs' | 'secrets' | 'resources'>, where: string): StageWorkerData {
  const { context } = options;
  const { stageId } = context;
  const reference = parseFnReference(options.fnPath);
  if (!reference) {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: expected \`fnPath\` to be \`module#export\`, got \`${options.fnPath}\``, {
      stageId,
      errorClass: 'logic',
    });
  }
  const remaining: Record<string, number> = {};
  for (const resource of options.resources ?? []) remaining[resource] = context.remaining(resource);
  let inputs: string;
  try {
    inputs = encodeOutput(options.inputs);
  } catch (error) {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: its inputs cannot be sent to ${where}: ${errorMessage(error)}`, {
      stageId,
      errorClass: 'logic',
      cause: error,
      ...(isDagbookError(error) ? { data: error.data } : {}),
    });
  }
  return {
    modulePath: reference.module,
    exportName: reference.exportName,
    runId: context.runId,
    stageId,
    attempt: context.attempt,
    idempotencyKey: context.idempotencyKey,
    params: context.params,
    ...(context.stateDir === undefined ? {} : { stateDir: context.stateDir }),
    ...(context.period === undefined ? {} : { period: { value: context.period, key: context.periodKey ?? String(context.period) } }),
    ...(context.item === undefined ? {} : { item: context.item }),
    inputs,
    secrets: options.secrets ?? {},
    remaining,
  };
}

/**
 * Runs the attempt in a new worker thread; settles as the stage function does
 * there.
 * @throws DagbookError `STAGE_FAILED` (class `logic`) when `fnPath` is not
 *   `module#export`, the inputs cannot be encoded, or the module or export
 *   cannot be loaded; `OUTPUT_NOT_SERIALIZABLE` (class `logic`) naming the
 *   path of what the output holds that cannot be stored; `STAGE_FAILED` (class
 *   `transient`) when the worker exits without an answer; the error of
 *   `context.usage` when the ledger refuses a usage; whatever the stage threw.
 */
export function runInThread(options: ThreadAttemptOptions): Promise<unknown> {
  const { context, clock, graceMs } = options;
  const { stageId, signal } = context;
  let workerData: StageWorkerData;
  try {
    workerData = stageWorkerData(options, 'its worker thread');
  } catch (error) {
    return Promise.reject(error);
  }
  if (signal.aborted) return Promise.reject(signal.reason);

  return new Promise<unknown>((resolve, reject) => {
    let worker: Worker;
    try {
      worker = startWorker(workerData);
    } catch (error) {
      reject(
        new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: cannot start its worker thread: ${errorMessage(error)}`, {
          stageId,
          errorClass: 'logic',
          cause: error,
        }),
      );
      return;
    }
    const timers = new AbortController();
    let done = false;

    const settle = (ok: boolean, value: unknown): void => {
      if (done) return;
      done = true;
      timers.abort();
      signal.removeEventListener('abort', onAbort);
      // The worker has answered or must stop: nothing it does from here on is wanted.
      void worker.terminate();
      if (ok) resolve(value);
      else reject(value);
    };

    const onAbort = (): void => {
      worker.postMessage({ type: 'abort', reason: serializeThreadError(signal.reason) } satisfies ParentMessage);
      const stopWorker = (): void => {
        // Settles once the thread is gone; under `withTimeout` its own grace timer has settled first, as abandoned.
        worker.terminate().then(
          () => settle(false, signal.reason),
          () => settle(false, signal.reason),
        );
      };
      if (graceMs <= 0) return stopWorker();
      clock.sleep(graceMs, timers.signal).then(stopWorker, () => {});
    };

    worker.on('message', (message: WorkerMessage) => {
      if (done) return;
      switch (message.type) {
        case 'progress':
          return context.progress(message.done, message.total, message.message);
        case 'usage':
          try {
            context.usage(message.resource, message.amount);
          } catch (error) {
            settle(false, error);
          }
          return;
        case 'log':
          return context.log(message.message, message.metadata);
        case 'result':
          try {
            return settle(true, decodeOutput(message.output, `the output of stage \`${stageId}\` from its worker thread`));
          } catch (error) {
            return settle(false, error);
          }
        case 'error':
          return settle(false, rebuildThreadError(message.error));
      }
    });
    worker.on('error', (error) => settle(false, error));
    worker.on('messageerror', (error) => settle(false, error));
    worker.on('exit', (code) => {
      settle(
        false,
        signal.aborted
          ? signal.reason
          : new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: its worker thread exited with code ${code} before it answered`, {
              stageId,
              errorClass: 'transient',
              data: { exitCode: code },
            }),
      );
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
