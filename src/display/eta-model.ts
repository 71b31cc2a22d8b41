import type { Clock } from '../clock';
import { itemsEtaMs, itemsFraction } from './item-progress';
import { isSettled, type ProgressState, type StageProgress } from './progress-state';

/**
 * How far a run is and how long it still needs, from its progress and the
 * stages' expected durations. Pure: time comes from the injected clock only.
 *
 * A stage weighs its expected duration (the mean of the known ones when it
 * has none). A running stage counts by its reported items, else by its time
 * against its estimate, capped at 95% so a slow stage never looks finished;
 * a per-item stage counts by the items that ended. Time left is the sum of
 * what every open stage still needs (a per-item stage's items left over its
 * recent rate, the unit rate of a running stage, else its estimate), divided by the stages that
 * run at once; it is unknown while any open stage has no estimate.
 */

/** A stage's progress with its share done at the snapshot's time. */
export interface StageSnapshot extends StageProgress {
  /** Share of the stage done, in [0, 1]. */
  readonly fraction: number;
}

/** Progress and estimates of a run at one time, as plain data. */
export interface ProgressSnapshot {
  /** The time of the snapshot, ms since epoch. */
  readonly at: number;
  /** Final run status once PIPELINE_COMPLETE arrived (CANCELLED once cancelled), else undefined. */
  readonly runStatus?: string;
  /** Overall progress in [0, 100], one decimal. */
  readonly percent: number;
  /** Stages settled (succeeded, failed, skipped, cached, blocked, cancelled). */
  readonly settled: number;
  /** Time since the run started (until it ended), ms. */
  readonly elapsedMs: number;
  /** Time left, ms; null when unknown. */
  readonly etaMs: number | null;
  /** Every stage, in progress order. */
  readonly stages: readonly StageSnapshot[];
}

/** Options of an {@link EtaModel}. */
export interface EtaModelOptions {
  /** Expected durations by stage, ms (from history). @default {} */
  readonly estimatesMs?: Readonly<Record<string, number>>;
  /** Stages that run at once; the ETA divides the remaining work by it. @default 1 */
  readonly parallelism?: number;
  /** Where "now" comes from. */
  readonly clock: Pick<Clock, 'now'>;
}

/** Running stages without a progress report are counted at most this far through their estimate. */
const MAX_TIME_FRACTION = 0.95;

/** Percent done and time left of a run's progress. */
export class EtaModel {
  private readonly estimates: Readonly<Record<string, number>>;
  private readonly parallelism: number;
  private readonly clock: Pick<Clock, 'now'>;

  constructor(options: EtaModelOptions) {
    this.estimates = options.estimatesMs ?? {};
    this.parallelism = Math.max(1, Math.floor(options.parallelism ?? 1));
    this.clock = options.clock;
  }

  /** Share of a stage done at `now`, in [0, 1]. */
  fraction(s: StageProgress, now: number): number {
    if (isSettled(s.status)) return 1;
    if (s.status !== 'RUNNING') return 0;
    if (s.items !== undefined) return itemsFraction(s.items);
    if (s.total !== undefined && s.total > 0) return Math.min(1, (s.done ?? 0) / s.total);
    const estimate = this.estimates[s.stageId];
    if (estimate !== undefined && estimate > 0 && s.attemptStartedAt !== undefined) {
      return Math.min(MAX_TIME_FRACTION, Math.max(0, now - s.attemptStartedAt) / estimate);
    }
    return 0;
  }

  /** Time a stage still needs at `now`, ms; undefined when unknown. */
  private remaining(s: StageProgress, now: number): number | undefined {
    if (isSettled(s.status)) return 0;
    const estimate = this.estimates[s.stageId];
    if (s.status === 'RUNNING') {
      const items = s.items === undefined ? null : itemsEtaMs(s.items);
      if (items !== null) return items;
      const elapsed = Math.max(0, now - (s.attemptStartedAt ?? now));
      if (s.total !== undefined && s.total > 0 && (s.done ?? 0) > 0) return (elapsed * (s.total - (s.done as number))) / (s.done as number);
      return estimate === undefined ? undefined : Math.max(0, estimate - elapsed);
    }
    return estimate;
  }

  /** Weight of each stage: its estimate, else the mean of the known ones, else 1 for all. */
  private weights(stages: readonly StageProgress[]): number[] {
    const known = stages.map((s) => this.estimates[s.stageId]).filter((v): v is number => typeof v === 'number' && v >= 0);
    const mean = known.length === 0 ? 1 : known.reduce((a, b) => a + b, 0) / known.length;
    return stages.map((s) => this.estimates[s.stageId] ?? mean);
  }

  /** The progress and estimates of `state` at the clock's time. */
  snapshot(state: ProgressState): ProgressSnapshot {
    const now = this.clock.now();
    const stages = state.stages.map((s) => ({ ...s, fraction: this.fraction(s, now) }));
    const weights = this.weights(stages);
    let total = 0;
    let done = 0;
    stages.forEach((s, i) => {
      total += weights[i];
      done += weights[i] * s.fraction;
    });
    const ratio = state.settled === stages.length ? 1 : total > 0 ? done / total : 0;
    let eta: number | null = 0;
    let open = 0;
    if (state.runStatus === undefined) {
      for (const s of stages) {
        const r = this.remaining(s, now);
        if (r === undefined) eta = null;
        else if (eta !== null) eta += r;
        if (!isSettled(s.status)) open++;
      }
    }
    return {
      at: now,
      ...(state.runStatus === undefined ? {} : { runStatus: state.runStatus }),
      percent: Math.round(ratio * 1000) / 10,
      settled: state.settled,
      // Once the run completed, its own measure: the figure the metrics card shows as wall time.
      elapsedMs: state.durationMs ?? Math.max(0, (state.endedAt ?? now) - state.startedAt),
      etaMs: eta === null ? null : Math.round(eta / Math.max(1, Math.min(this.parallelism, open))),
      stages,
    };
  }
}
