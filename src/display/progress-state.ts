import type { PipelineEvent } from '../events/event';
import { formatDuration } from './format';

/**
 * Progress of a run as plain data, and the pure reducer that folds run
 * events into it: per stage its state, attempt, items done and times; for
 * the run its final status. Nothing here knows about time passing or
 * estimates (see eta-model.ts) or about drawing (progress-html.ts,
 * progress-text.ts). Each event costs O(stages): the stage list is copied
 * with the one changed stage replaced.
 */

/** A stage's state as progress sees it (`RETRYING`: waiting before another attempt). */
export type ProgressStatus = 'PENDING' | 'RUNNING' | 'RETRYING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED' | 'CACHED' | 'BLOCKED' | 'CANCELLED';

/** One stage's progress. */
export interface StageProgress {
  readonly stageId: string;
  readonly status: ProgressStatus;
  /** Current or last attempt, 0 before the first. */
  readonly attempt: number;
  /** Attempts allowed, when known. */
  readonly maxAttempts?: number;
  /** Units done of `total` in the current attempt, when reported. */
  readonly done?: number;
  readonly total?: number;
  /** Last progress message, retry note, failure code or skip reason. */
  readonly message?: string;
  /** First attempt's start, ms since epoch. */
  readonly startedAt?: number;
  /** Current attempt's start, ms since epoch. */
  readonly attemptStartedAt?: number;
  /** End, ms since epoch. */
  readonly endedAt?: number;
}

/** Progress of a whole run. */
export interface ProgressState {
  /** When the run started, ms since epoch. */
  readonly startedAt: number;
  /** Time of the last event with a valid timestamp, ms since epoch (`startedAt` before any). */
  readonly lastEventAt: number;
  /** Final run status once PIPELINE_COMPLETE arrived (CANCELLED once the run is cancelled), else absent. */
  readonly runStatus?: string;
  /** When PIPELINE_COMPLETE arrived, ms since epoch. */
  readonly endedAt?: number;
  /** Every stage, in the order given, then stages the run reported that were not given. */
  readonly stages: readonly StageProgress[];
  /** Stages settled (succeeded, failed, skipped, cached, blocked, cancelled). */
  readonly settled: number;
}

/** Options of {@link initialProgress}. */
export interface ProgressStateOptions {
  /** Stage ids of the run, in plan order. */
  readonly stages: readonly string[];
  /** Attempts allowed by stage, to show "attempt 2/3". @default {} */
  readonly maxAttempts?: Readonly<Record<string, number>>;
  /** When the run started, ms since epoch. */
  readonly startedAt: number;
}

const SETTLED: ReadonlySet<ProgressStatus> = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CACHED', 'BLOCKED', 'CANCELLED']);

/** Whether a stage in `status` is done for this run (whatever the outcome). */
export function isSettled(status: ProgressStatus): boolean {
  return SETTLED.has(status);
}

function fresh(stageId: string, maxAttempts?: number): StageProgress {
  return { stageId, status: 'PENDING', attempt: 0, ...(maxAttempts === undefined ? {} : { maxAttempts }) };
}

/** Progress before the first event: every stage pending. */
export function initialProgress(options: ProgressStateOptions): ProgressState {
  return {
    startedAt: options.startedAt,
    lastEventAt: options.startedAt,
    stages: options.stages.map((id) => fresh(id, options.maxAttempts?.[id])),
    settled: 0,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The stage after `event` (which names it) arrived at `at`. */
function nextStage(stage: StageProgress, event: PipelineEvent, at: number): StageProgress {
  const s: Mutable<StageProgress> = { ...stage };
  const settle = (status: ProgressStatus) => {
    s.status = status;
    s.endedAt = at;
  };
  switch (event.type) {
    case 'STEP_START':
      s.status = 'RUNNING';
      s.attempt = event.metadata.attempt;
      s.startedAt = s.startedAt ?? at;
      s.attemptStartedAt = at;
      s.done = undefined;
      s.total = undefined;
      s.message = undefined;
      break;
    case 'STEP_PROGRESS':
      s.done = event.metadata.done;
      s.total = event.metadata.total;
      s.message = event.message || undefined;
      break;
    case 'STEP_SUCCESS':
      s.attempt = event.metadata.attempt;
      if (s.total !== undefined) s.done = s.total;
      s.message = undefined;
      settle('SUCCEEDED');
      break;
    case 'STEP_FAILURE':
      s.attempt = event.metadata.attempt;
      s.message = event.metadata.code;
      if (event.metadata.final) settle('FAILED');
      else s.status = 'RETRYING';
      break;
    case 'STEP_RETRY':
      s.status = 'RETRYING';
      s.message = `retry in ${formatDuration(event.metadata.delayMs)} after ${event.metadata.code}`;
      break;
    case 'STEP_SKIPPED':
      s.message = event.metadata.reason;
      settle(event.metadata.status);
      break;
    case 'CANCELLED':
      s.message = event.metadata.reason;
      settle('CANCELLED');
      break;
    default:
      return stage;
  }
  return s;
}

/** Progress after `event`. Pure: `state` is left as it was. */
export function reduceProgress(state: ProgressState, event: PipelineEvent): ProgressState {
  const at = Date.parse(event.timestamp);
  const timed = Number.isFinite(at) ? { ...state, lastEventAt: at } : state;
  if (event.type === 'PIPELINE_COMPLETE') return { ...timed, runStatus: event.metadata.status, endedAt: at };
  if (event.type === 'CANCELLED' && event.stageId === undefined) return { ...timed, runStatus: 'CANCELLED' };
  if (event.stageId === undefined) return timed;
  const index = state.stages.findIndex((s) => s.stageId === event.stageId);
  // A stage the run reports but the caller did not list: show it too.
  const before = index === -1 ? fresh(event.stageId) : state.stages[index];
  const after = nextStage(before, event, at);
  const stages = [...state.stages];
  if (index === -1) stages.push(after);
  else stages[index] = after;
  const settledNow = !isSettled(before.status) && isSettled(after.status) ? 1 : 0;
  return { ...timed, stages, settled: state.settled + settledNow };
}
