import type { PipelineEvent } from '../events/event';
import { EtaModel, type ProgressSnapshot } from './eta-model';
import type { Rendered } from './html';
import type { PeriodAxis } from './period-axis';
import { periodProgress } from './period-progress';
import { renderProgressHtml } from './progress-html';
import { initialProgress, ProgressFold, type KeptStage, type ProgressState } from './progress-state';
import { renderProgressText } from './progress-text';

/**
 * Live progress of a run for a notebook or a log: holds the progress reduced
 * from the run's events (progress-state.ts), estimates it at a time
 * (eta-model.ts), period by period for a run with periods
 * (period-progress.ts), and renders it (progress-html.ts, progress-text.ts).
 */

export type { KeptStage, ProgressStatus, StageProgress } from './progress-state';
export type { ProgressSnapshot, StageSnapshot } from './eta-model';

/** Options of a {@link ProgressModel}. */
export interface ProgressModelOptions {
  /** Stage ids of the run, in plan order. */
  readonly stages: readonly string[];
  /** Expected durations by stage, ms (from history). @default {} */
  readonly estimatesMs?: Readonly<Record<string, number>>;
  /** Attempts allowed by stage, to show "attempt 2/3". @default {} */
  readonly maxAttempts?: Readonly<Record<string, number>>;
  /** Stages that run at once; the ETA divides the remaining work by it. @default 1 */
  readonly parallelism?: number;
  /** When the run started, ms since epoch. */
  readonly startedAt: number;
  /** Stages a resumed run keeps, by id, from their stored records: shown settled from the start. @default {} */
  readonly kept?: Readonly<Record<string, KeptStage>>;
  /** The plan's stage × period layout (period-axis.ts), for a run with periods: the view then shows the periods, the current one and their ETA. @default none */
  readonly periods?: PeriodAxis;
}

/** Folds run events into progress, and renders it. */
export class ProgressModel {
  private readonly fold: ProgressFold;
  private readonly options: ProgressModelOptions;

  constructor(options: ProgressModelOptions) {
    this.options = options;
    this.fold = new ProgressFold(initialProgress(options));
  }

  /** The progress so far, as plain data (a copy made once per change: O(stages) then). */
  get state(): ProgressState {
    return this.fold.state;
  }

  /** Folds one event into the progress. O(1). */
  apply(event: PipelineEvent): void {
    this.fold.apply(event);
  }

  /** Progress and estimates at `now` (ms since epoch). @default now: the time of the last event */
  snapshot(now: number = this.state.lastEventAt): ProgressSnapshot {
    const { estimatesMs, parallelism } = this.options;
    return new EtaModel({ estimatesMs, parallelism, clock: { now: () => now } }).snapshot(this.state);
  }

  /** Progress at `now` (ms since epoch): overall line, the periods (in a run with periods) and a row per stage. O(stages). */
  view(now: number): Rendered {
    const estimated = this.snapshot(now);
    const periods = this.options.periods === undefined ? undefined : periodProgress(estimated, this.options.periods);
    // Stages without history leave the run's ETA unknown; once a period has finished, the periods' ETA stands in for it.
    const snap = estimated.etaMs === null && periods !== undefined && periods.etaMs !== null ? { ...estimated, etaMs: periods.etaMs } : estimated;
    return { html: renderProgressHtml(snap, periods), text: renderProgressText(snap, periods) };
  }
}
