import type { AlertLevel, PipelineEvent } from '../events/event';
import type { StageRecord } from '../records';
import { formatDuration } from './format';

/**
 * Progress of a run as plain data, and the pure reducer that folds run
 * events into it: per stage its state, attempt, items done and times; for
 * the run its final status. Nothing here knows about time passing or
 * estimates (see eta-model.ts) or about drawing (progress-html.ts,
 * progress-text.ts).
 *
 * {@link ProgressFold} folds events in O(1) each: it keeps a private stage
 * list it changes in place and an index from stage id to position, and hands
 * out a frozen-in-time copy of the state only when asked (once per change),
 * so a live display that draws every so often pays O(stages) per draw, not
 * per event. {@link reduceProgress} is the same fold as a pure function of
 * one event (O(stages): it copies the list).
 */

/** A stage's state as progress sees it (`RETRYING`: waiting before another attempt). */
export type ProgressStatus = 'PENDING' | 'RUNNING' | 'RETRYING' | 'SUCCEEDED' | 'PARTIAL' | 'FAILED' | 'SKIPPED' | 'CACHED' | 'BLOCKED' | 'CANCELLED';

/**
 * The items of a per-item stage so far, as its last `ITEMS_PROGRESS` said:
 * `done` succeeded in this run, `failed` failed after their last attempt,
 * `cached` reused from an earlier run, `running` under way, of `total`;
 * `itemsPerSecond` is the stage's recent rate.
 */
export interface ItemsProgress {
  readonly done: number;
  readonly failed: number;
  readonly cached: number;
  readonly running: number;
  readonly total: number;
  readonly itemsPerSecond: number;
  /** Items ended on each queue worker so far (`bullmq` executor); absent when none ran on one. */
  readonly workers?: Readonly<Record<string, number>>;
}

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
  /** The stage's duration as the run measured it (the figure its record keeps), once it ended; ms. */
  readonly durationMs?: number;
  /** A per-item stage's items, once it reported them. */
  readonly items?: ItemsProgress;
  /** The last item that failed, with its code (`doc-7 (PARSE_FAILED)`), in a per-item stage. */
  readonly lastItemFailure?: string;
  /** The queue worker that ran its last ended attempt (`bullmq` executor); absent when it ran in this process. */
  readonly worker?: string;
  /** The highest alert level the stage raised in this run; absent when none. */
  readonly alert?: AlertLevel;
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
  /** The run's duration as the run measured it (the metrics card's wall time), once it completed; ms. */
  readonly durationMs?: number;
  /** Every stage, in the order given, then stages the run reported that were not given. */
  readonly stages: readonly StageProgress[];
  /** Stages settled (succeeded, partial, failed, skipped, cached, blocked, cancelled). */
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
  /**
   * Stages a resumed run keeps from before (completed, outputs stored) by id:
   * they start settled, as their records say, since the run sends no event
   * for them. @default {}
   */
  readonly kept?: Readonly<Record<string, KeptStage>>;
}

/** What progress shows of a stage a resumed run keeps: its stored record's state and times. */
export type KeptStage = Pick<StageRecord, 'status' | 'attempts' | 'startedAt' | 'endedAt' | 'durationMs'>;

/** The note a kept stage's row carries. */
export const KEPT_NOTE = 'kept from the interrupted run';

const SETTLED: ReadonlySet<ProgressStatus> = new Set(['SUCCEEDED', 'PARTIAL', 'FAILED', 'SKIPPED', 'CACHED', 'BLOCKED', 'CANCELLED']);

/** Whether a stage in `status` is done for this run (whatever the outcome). */
export function isSettled(status: ProgressStatus): boolean {
  return SETTLED.has(status);
}

function fresh(stageId: string, maxAttempts?: number): StageProgress {
  return { stageId, status: 'PENDING', attempt: 0, ...(maxAttempts === undefined ? {} : { maxAttempts }) };
}

/** A kept stage's progress: settled as its record says. */
function keptStage(stageId: string, record: KeptStage, maxAttempts?: number): StageProgress {
  const status: ProgressStatus = record.status === 'CACHED' ? 'CACHED' : 'SUCCEEDED';
  return {
    ...fresh(stageId, maxAttempts),
    status,
    attempt: record.attempts,
    message: KEPT_NOTE,
    ...(record.startedAt === undefined ? {} : { startedAt: record.startedAt }),
    ...(record.endedAt === undefined ? {} : { endedAt: record.endedAt }),
    ...(record.durationMs === undefined ? {} : { durationMs: record.durationMs }),
  };
}

/** Progress before the first event: every stage pending, but those a resumed run keeps, which are settled. */
export function initialProgress(options: ProgressStateOptions): ProgressState {
  const stages = options.stages.map((id) => {
    const kept = options.kept?.[id];
    return kept === undefined ? fresh(id, options.maxAttempts?.[id]) : keptStage(id, kept, options.maxAttempts?.[id]);
  });
  return {
    startedAt: options.startedAt,
    lastEventAt: options.startedAt,
    stages,
    settled: stages.filter((s) => isSettled(s.status)).length,
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
      if (event.metadata.worker !== undefined) s.worker = event.metadata.worker;
      if (event.metadata.stageDurationMs !== undefined) s.durationMs = event.metadata.stageDurationMs;
      if (s.total !== undefined) s.done = s.total;
      s.message = undefined;
      // A per-item stage that went on past failed items ended partial.
      settle(s.items !== undefined && s.items.failed > 0 ? 'PARTIAL' : 'SUCCEEDED');
      break;
    case 'ITEMS_PROGRESS':
      s.items = { ...event.metadata };
      // Its last report may come after the stage's success.
      if (s.status === 'SUCCEEDED' && event.metadata.failed > 0) s.status = 'PARTIAL';
      break;
    case 'ITEM_FAILURE':
      s.lastItemFailure = `${event.metadata.itemId} (${event.metadata.code})`;
      break;
    case 'STEP_FAILURE':
      s.attempt = event.metadata.attempt;
      if (event.metadata.worker !== undefined) s.worker = event.metadata.worker;
      s.message = event.metadata.code;
      if (event.metadata.final && event.metadata.stageDurationMs !== undefined) s.durationMs = event.metadata.stageDurationMs;
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
    case 'ALERT':
      if (s.alert !== 'CRITICAL') s.alert = event.metadata.level;
      break;
    default:
      return stage;
  }
  return s;
}

/** The run's own fields of {@link ProgressState}: all but the stage list. */
type RunFields = Omit<ProgressState, 'stages'>;

/** A stage's place in the list (-1: not listed) and its progress (a fresh one when not listed). */
interface Located {
  readonly index: number;
  readonly stage: StageProgress;
}

/** What one event changes: the run's fields, and the stage it names (absent when it names none). */
interface Step {
  readonly run: RunFields;
  readonly stage?: { readonly index: number; readonly after: StageProgress };
}

/** The one fold of an event, shared by {@link ProgressFold} and {@link reduceProgress}; `locate` finds the stage it names. */
function foldEvent(run: RunFields, event: PipelineEvent, locate: (stageId: string) => Located): Step {
  const at = Date.parse(event.timestamp);
  const timed = Number.isFinite(at) ? { ...run, lastEventAt: at } : run;
  if (event.type === 'PIPELINE_COMPLETE') {
    return { run: { ...timed, runStatus: event.metadata.status, endedAt: at, durationMs: event.metadata.durationMs } };
  }
  if (event.type === 'CANCELLED' && event.stageId === undefined) return { run: { ...timed, runStatus: 'CANCELLED' } };
  if (event.stageId === undefined) return { run: timed };
  // A stage the run reports but the caller did not list: show it too.
  const { index, stage: before } = locate(event.stageId);
  const after = nextStage(before, event, at);
  const settledNow = !isSettled(before.status) && isSettled(after.status) ? 1 : 0;
  return { run: settledNow === 0 ? timed : { ...timed, settled: timed.settled + 1 }, stage: { index, after } };
}

/**
 * Folds events into progress in O(1) each (amortised): a private stage list
 * changed in place, found by id through an index. `state` is a copy made
 * when asked after a change; what it returned before is never changed.
 */
export class ProgressFold {
  private readonly stages: StageProgress[];
  private readonly positions = new Map<string, number>();
  private run: RunFields;
  /** The state as last handed out; undefined after a change. */
  private latest: ProgressState | undefined;

  /** Starts from `from` (left as it is). */
  constructor(from: ProgressState) {
    const { stages, ...run } = from;
    this.stages = [...stages];
    this.stages.forEach((stage, i) => {
      if (!this.positions.has(stage.stageId)) this.positions.set(stage.stageId, i);
    });
    this.run = run;
    this.latest = from;
  }

  /** The progress so far, as plain data. O(stages) after a change, O(1) otherwise. */
  get state(): ProgressState {
    if (this.latest === undefined) this.latest = { ...this.run, stages: [...this.stages] };
    return this.latest;
  }

  /** Folds one event in. O(1). */
  apply(event: PipelineEvent): void {
    const step = foldEvent(this.run, event, (id) => {
      const index = this.positions.get(id) ?? -1;
      return { index, stage: index === -1 ? fresh(id) : this.stages[index] };
    });
    if (step.run === this.run && (step.stage === undefined || this.stages[step.stage.index] === step.stage.after)) return;
    this.run = step.run;
    if (step.stage !== undefined) {
      const { index, after } = step.stage;
      if (index !== -1) {
        this.stages[index] = after;
      } else {
        this.positions.set(after.stageId, this.stages.length);
        this.stages.push(after);
      }
    }
    this.latest = undefined;
  }
}

/** Progress after `event`. Pure: `state` is left as it was. O(stages) (it copies the list); see {@link ProgressFold} to fold many events. */
export function reduceProgress(state: ProgressState, event: PipelineEvent): ProgressState {
  const { stages, ...run } = state;
  const step = foldEvent(run, event, (id) => {
    const index = stages.findIndex((s) => s.stageId === id);
    return { index, stage: index === -1 ? fresh(id) : stages[index] };
  });
  if (step.stage === undefined) return step.run === run ? state : { ...step.run, stages };
  const next = [...stages];
  if (step.stage.index === -1) next.push(step.stage.after);
  else next[step.stage.index] = step.stage.after;
  return { ...step.run, stages: next };
}
