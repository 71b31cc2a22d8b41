import { sha256 } from '../canonical-json';
import type { Clock } from '../clock';
import type { StageContext } from '../definition/types';
import { DagbookError, errorMessage } from '../errors';
import { decodeOutput, encodeOutput } from '../output-codec';
import { ensureTypeScriptLoader } from '../typescript-loader';
import type { SharedValues } from '../shared-values';
import { readSecret } from './stage-context';
import { serializeThreadError, type ThreadErrorData } from './thread-error';
import type { StageWorkerData } from './thread-runner';
import { withTimeout } from './timeout';

/**
 * One stage attempt as a queue job, and how a worker process runs it. The job
 * carries what a worker thread gets (`StageWorkerData`: the stage's module
 * and export, the context's fields, the inputs in the stored form of
 * outputs) plus the attempt's timeout and grace, so the worker applies the
 * same per-attempt timeout as the coordinator. The stage's progress, usage
 * and log lines go back as reports (the coordinator applies them through the
 * attempt's real context: budgets and events behave as locally); the answer
 * is the output in the stored form, or the error as plain data, both as JSON.
 * A stage's failure is an answer, not a failed job: the job's own failure is
 * kept for the queue's faults (a worker lost too often), so the coordinator's
 * retry policy, not the queue, decides about attempts.
 */

/**
 * Data of a stage job: the inputs travel in the job (`inputs`) or, when
 * large and the state folder is shared, as a hash in the shared store
 * (`inputsHash`, `shared-outputs.ts`).
 */
export interface StageJobData extends Omit<StageWorkerData, 'inputs'> {
  /** The stage's inputs in the stored form of outputs, when they travel in the job. */
  readonly inputs?: string;
  /** The hash of the stage's inputs in the shared store, when they travel through it. */
  readonly inputsHash?: string;
  /** The attempt's timeout, ms; 0 means none. */
  readonly timeoutMs: number;
  /** Time an aborted stage is given to settle before the worker gives up on it, ms. */
  readonly graceMs: number;
}

/** What a running stage reports back while it runs. */
export type StageJobReport =
  | { readonly type: 'progress'; readonly done: number; readonly total: number; readonly message?: string }
  | { readonly type: 'usage'; readonly resource: string; readonly amount: number }
  | { readonly type: 'log'; readonly message: string; readonly metadata?: Record<string, unknown> };

/**
 * The answer of a stage job: the output in the stored form of outputs (or,
 * when large and the state folder is shared, its hash in the shared store),
 * or the error as data; and the worker that ran it.
 */
export type StageJobResult =
  | { readonly type: 'result'; readonly output: string; readonly worker: string }
  | { readonly type: 'result'; readonly outputHash: string; readonly worker: string }
  | { readonly type: 'error'; readonly error: ThreadErrorData; readonly worker: string };

/**
 * The job id of an attempt: the run, the stage execution's idempotency key
 * and the attempt number, so enqueueing the same attempt twice (a resumed
 * run) adds one job, while another run of the same stage or item (`force`,
 * a new state folder) is a new job, not the earlier run's answer that Redis
 * still keeps. The run and key are hashed: a job id must not contain `:`.
 */
export function stageJobId(runId: string, idempotencyKey: string, attempt: number): string {
  return `${sha256(`${runId}\n${idempotencyKey}`)}-${attempt}`;
}

/** Inputs the coordinator put in the shared values: a worker given no channel says so, naming the hash. */
function readSharedInputs(shared: SharedValues | undefined, data: StageJobData, what: string): unknown {
  if (shared === undefined) {
    throw new DagbookError('OUTPUT_MISSING', `${what.charAt(0).toUpperCase()}${what.slice(1)} came through the shared state folder as ${data.inputsHash}, and this worker reads no shared values`, {
      stageId: data.stageId,
      data: { hash: data.inputsHash },
    });
  }
  return shared.read(data.stateDir, data.inputsHash as string, what);
}

/** Options of {@link runStageJob}. */
export interface RunStageJobOptions {
  /** Name of this worker, put in the answer. */
  readonly worker: string;
  /** Times the timeout and the grace. */
  readonly clock: Clock;
  /** Aborts the attempt (the worker shuts down, or the coordinator cancelled it). */
  readonly signal: AbortSignal;
  /** Sends a report back to the coordinator. */
  readonly report: (report: StageJobReport) => void;
  /** Where large inputs come from and large outputs go (`shared-values.ts`). @default none: in the job */
  readonly sharedValues?: SharedValues;
}

function loadStage(data: StageJobData): (ctx: StageContext, inputs: unknown) => unknown {
  const { modulePath, exportName, stageId } = data;
  let mod: Record<string, unknown> | undefined;
  try {
    ensureTypeScriptLoader(modulePath);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(modulePath) as Record<string, unknown> | undefined;
  } catch (error) {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: module \`${modulePath}\` failed to load in its queue worker: ${errorMessage(error)}`, {
      stageId,
      errorClass: 'logic',
      cause: error,
    });
  }
  const fn = mod == null ? undefined : mod[exportName];
  if (typeof fn !== 'function') {
    throw new DagbookError('STAGE_FAILED', `Stage \`${stageId}\`: module \`${modulePath}\` has no function export \`${exportName}\`, got a ${typeof fn}`, {
      stageId,
      errorClass: 'logic',
    });
  }
  return fn as (ctx: StageContext, inputs: unknown) => unknown;
}

/**
 * Runs a stage job in this process: loads the stage's module, calls its
 * export under the attempt's timeout, and answers. Never rejects: a failure
 * is an answer.
 */
export async function runStageJob(data: StageJobData, options: RunStageJobOptions): Promise<StageJobResult> {
  const { stageId, secrets } = data;
  const { worker, clock, report } = options;
  const remaining: Record<string, number> = { ...data.remaining };
  try {
    const what = `the inputs of stage \`${stageId}\``;
    const inputs = data.inputsHash !== undefined ? readSharedInputs(options.sharedValues, data, what) : decodeOutput(data.inputs ?? 'null', what);
    const run = loadStage(data);
    const value = await withTimeout(
      (signal) => {
        const ctx: StageContext = {
          runId: data.runId,
          stageId,
          attempt: data.attempt,
          idempotencyKey: data.idempotencyKey,
          params: data.params,
          ...(data.stateDir === undefined ? {} : { stateDir: data.stateDir }),
          ...(data.period === undefined ? {} : { period: data.period.value, periodKey: data.period.key }),
          ...(data.item === undefined ? {} : { item: data.item }),
          signal,
          clock,
          progress: (done, total, message) => report({ type: 'progress', done, total, ...(message === undefined ? {} : { message: String(message) }) }),
          usage: (resource, amount) => {
            report({ type: 'usage', resource, amount });
            // The coordinator's ledger decides; this copy only keeps `remaining` answering synchronously.
            if (Object.prototype.hasOwnProperty.call(remaining, resource)) remaining[resource] = Math.max(0, remaining[resource] - amount);
          },
          remaining: (resource) => (Object.prototype.hasOwnProperty.call(remaining, resource) ? remaining[resource] : Infinity),
          log: (message, metadata) => report({ type: 'log', message: String(message), ...(metadata === undefined ? {} : { metadata }) }),
          secret: (name) => readSecret(secrets, stageId, name),
        };
        return run(ctx, inputs);
      },
      { timeoutMs: data.timeoutMs, graceMs: data.graceMs, clock, parentSignal: options.signal, stageId },
    );
    const output = encodeOutput(value, { stageId });
    const outputHash = options.sharedValues?.share(data.stateDir, output);
    return outputHash === undefined ? { type: 'result', output, worker } : { type: 'result', outputHash, worker };
  } catch (error) {
    return { type: 'error', error: serializeThreadError(error), worker };
  }
}
