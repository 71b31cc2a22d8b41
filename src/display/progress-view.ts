import type { PipelineEvent } from '../events/event';
import { formatDuration, formatPercent, textBar } from './format';
import { escapeHtml, renderTable, type Rendered } from './html';
import { badgeHtml, barHtml, cardHtml, MUTED, stateStyle } from './palette';

/**
 * Live progress of a run, reduced from its events: per-stage state, attempt,
 * items done and times, plus an overall percent and an ETA. `apply` is O(1)
 * per event and `view` O(stages), so a notebook can redraw on every event.
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

/** Plain-data state of a {@link ProgressModel} at a time. */
export interface ProgressSnapshot {
  /** Final run status once PIPELINE_COMPLETE arrived (CANCELLED once cancelled), else undefined. */
  readonly runStatus?: string;
  /** Overall progress in [0, 100], one decimal. */
  readonly percent: number;
  /** Stages settled (succeeded, failed, skipped, cached, blocked, cancelled). */
  readonly settled: number;
  /** Time since the run started, ms. */
  readonly elapsedMs: number;
  /** Time left, ms; null when unknown. */
  readonly etaMs: number | null;
  /** Every stage, in the order given. */
  readonly stages: readonly StageProgress[];
}

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
}

const SETTLED: ReadonlySet<ProgressStatus> = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED', 'CACHED', 'BLOCKED', 'CANCELLED']);
/** Running stages without a progress report are counted at most this far through their estimate. */
const MAX_TIME_FRACTION = 0.95;

type MutableProgress = { -readonly [K in keyof StageProgress]: StageProgress[K] };

/** Reduces run events into progress, and renders it. */
export class ProgressModel {
  private readonly order: string[];
  private readonly byId = new Map<string, MutableProgress>();
  private readonly estimates: Readonly<Record<string, number>>;
  private readonly parallelism: number;
  private readonly startedAt: number;
  private settledCount = 0;
  private runStatus: string | undefined;
  private endedAt: number | undefined;
  private lastEventAt: number;

  constructor(options: ProgressModelOptions) {
    this.order = [...options.stages];
    this.estimates = options.estimatesMs ?? {};
    this.parallelism = Math.max(1, Math.floor(options.parallelism ?? 1));
    this.startedAt = options.startedAt;
    this.lastEventAt = options.startedAt;
    for (const id of this.order) this.byId.set(id, this.fresh(id, options.maxAttempts?.[id]));
  }

  private fresh(stageId: string, maxAttempts?: number): MutableProgress {
    return { stageId, status: 'PENDING', attempt: 0, ...(maxAttempts === undefined ? {} : { maxAttempts }) };
  }

  private stage(id: string): MutableProgress {
    let s = this.byId.get(id);
    if (!s) {
      // A stage the run reports but the caller did not list: show it too.
      s = this.fresh(id);
      this.byId.set(id, s);
      this.order.push(id);
    }
    return s;
  }

  private settle(s: MutableProgress, status: ProgressStatus, at: number): void {
    if (!SETTLED.has(s.status)) this.settledCount++;
    s.status = status;
    s.endedAt = at;
  }

  /** Folds one event into the model. O(1). */
  apply(event: PipelineEvent): void {
    const at = Date.parse(event.timestamp);
    if (Number.isFinite(at)) this.lastEventAt = at;
    if (event.type === 'PIPELINE_COMPLETE') {
      this.runStatus = event.metadata.status;
      this.endedAt = at;
      return;
    }
    if (event.type === 'CANCELLED' && event.stageId === undefined) {
      this.runStatus = 'CANCELLED';
      return;
    }
    if (event.stageId === undefined) return;
    const s = this.stage(event.stageId);
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
        this.settle(s, 'SUCCEEDED', at);
        break;
      case 'STEP_FAILURE':
        s.attempt = event.metadata.attempt;
        s.message = event.metadata.code;
        if (event.metadata.final) this.settle(s, 'FAILED', at);
        else s.status = 'RETRYING';
        break;
      case 'STEP_RETRY':
        s.status = 'RETRYING';
        s.message = `retry in ${formatDuration(event.metadata.delayMs)} after ${event.metadata.code}`;
        break;
      case 'STEP_SKIPPED':
        s.message = event.metadata.reason;
        this.settle(s, event.metadata.status, at);
        break;
      case 'CANCELLED':
        s.message = event.metadata.reason;
        this.settle(s, 'CANCELLED', at);
        break;
      default:
        break;
    }
  }

  /** Estimated ms of a stage: its own, else the mean of the known ones. */
  private weights(): Map<string, number | undefined> {
    const known = this.order.map((id) => this.estimates[id]).filter((v): v is number => typeof v === 'number' && v >= 0);
    const mean = known.length === 0 ? 1 : known.reduce((a, b) => a + b, 0) / known.length;
    const out = new Map<string, number | undefined>();
    for (const id of this.order) out.set(id, this.estimates[id] ?? (known.length === 0 ? undefined : mean));
    return out;
  }

  /** Share of a stage done at `now`, in [0, 1]. */
  private fraction(s: StageProgress, now: number): number {
    if (SETTLED.has(s.status)) return 1;
    if (s.status !== 'RUNNING') return 0;
    if (s.total !== undefined && s.total > 0) return Math.min(1, (s.done ?? 0) / s.total);
    const estimate = this.estimates[s.stageId];
    if (estimate !== undefined && estimate > 0 && s.attemptStartedAt !== undefined) {
      return Math.min(MAX_TIME_FRACTION, Math.max(0, now - s.attemptStartedAt) / estimate);
    }
    return 0;
  }

  /** Time a stage still needs at `now`, ms; undefined when unknown. */
  private remaining(s: StageProgress, now: number): number | undefined {
    if (SETTLED.has(s.status)) return 0;
    const estimate = this.estimates[s.stageId];
    if (s.status === 'RUNNING') {
      const elapsed = Math.max(0, now - (s.attemptStartedAt ?? now));
      if (s.total !== undefined && s.total > 0 && (s.done ?? 0) > 0) return (elapsed * (s.total - (s.done as number))) / (s.done as number);
      return estimate === undefined ? undefined : Math.max(0, estimate - elapsed);
    }
    return estimate;
  }

  /** The state at `now` (ms since epoch) as plain data. @default now: the time of the last event */
  snapshot(now: number = this.lastEventAt): ProgressSnapshot {
    const stages = this.order.map((id) => ({ ...(this.byId.get(id) as MutableProgress) }));
    const weights = this.weights();
    let total = 0;
    let done = 0;
    for (const s of stages) {
      const w = weights.get(s.stageId) ?? 1;
      total += w;
      done += w * this.fraction(s, now);
    }
    const ratio = this.settledCount === stages.length ? 1 : total > 0 ? done / total : 0;
    let eta: number | null = 0;
    let open = 0;
    if (this.runStatus === undefined) {
      for (const s of stages) {
        const r = this.remaining(s, now);
        if (r === undefined) eta = null;
        else if (eta !== null) eta += r;
        if (!SETTLED.has(s.status)) open++;
      }
    }
    const end = this.endedAt ?? now;
    return {
      ...(this.runStatus === undefined ? {} : { runStatus: this.runStatus }),
      percent: Math.round(ratio * 1000) / 10,
      settled: this.settledCount,
      elapsedMs: Math.max(0, end - this.startedAt),
      etaMs: eta === null ? null : Math.round(eta / Math.max(1, Math.min(this.parallelism, open))),
      stages,
    };
  }

  /** Progress at `now` (ms since epoch): overall line and a row per stage. O(stages). */
  view(now: number): Rendered {
    const snap = this.snapshot(now);
    const ended = snap.runStatus !== undefined;
    const eta = ended ? snap.runStatus === 'SUCCEEDED' ? 'done' : snap.runStatus.toLowerCase() : snap.etaMs === null ? 'ETA —' : `ETA ${formatDuration(snap.etaMs)}`;
    const headline = `${snap.settled} of ${snap.stages.length} stages settled · ${formatPercent(snap.percent / 100)} · elapsed ${formatDuration(snap.elapsedMs)} · ${eta}`;
    const rows = snap.stages.map((s) => {
      const shown = ended && !SETTLED.has(s.status) ? (snap.runStatus === 'CANCELLED' ? 'CANCELLED' : 'PENDING') : s.status;
      const ratio = this.fraction(s, now);
      const hasBar = s.status === 'RUNNING' || SETTLED.has(s.status);
      const attempt = s.attempt > 1 || (s.attempt === 1 && s.maxAttempts !== undefined && s.maxAttempts > 1 && s.status === 'RUNNING')
        ? `attempt ${s.attempt}${s.maxAttempts === undefined ? '' : `/${s.maxAttempts}`}`
        : '';
      const elapsedMs = s.startedAt === undefined ? undefined : (s.endedAt ?? now) - s.startedAt;
      const items = s.total !== undefined ? `${s.done ?? 0}/${s.total}` : '';
      const note = [items, s.message !== undefined && s.message !== items ? s.message : ''].filter((x) => x !== '').join(' · ');
      const barState = s.status === 'FAILED' ? 'FAILED' : s.status === 'RUNNING' ? 'RUNNING' : shown;
      return [
        s.stageId,
        { text: stateStyle(shown).label, html: badgeHtml(shown) },
        hasBar
          ? { text: textBar(ratio), html: `${barHtml(ratio, barState, 110)} <span style="display:inline-block;width:38px;text-align:right;vertical-align:middle;color:${MUTED};font-size:12px">${formatPercent(ratio)}</span>` }
          : { text: '', html: '' },
        attempt,
        elapsedMs === undefined ? '' : formatDuration(elapsedMs),
        { text: note, html: `<span style="color:${MUTED}">${escapeHtml(note)}</span>` },
      ];
    });
    const grid = renderTable(
      [{ title: 'stage', mono: true }, { title: 'status' }, { title: 'progress' }, { title: 'attempt' }, { title: 'elapsed', align: 'right' }, { title: 'note', nowrap: false }],
      rows,
    );
    const overallState = ended ? (snap.runStatus === 'SUCCEEDED' ? 'SUCCEEDED' : snap.runStatus === 'FAILED' ? 'FAILED' : 'CANCELLED') : 'RUNNING';
    const html = cardHtml(
      `<div style="display:flex;align-items:center;gap:12px;flex-wrap:wrap;margin-bottom:4px">` +
        `<span style="font-size:20px;font-weight:600;min-width:64px">${formatPercent(snap.percent / 100)}</span>` +
        barHtml(snap.percent / 100, overallState, 280) +
        `<span style="color:${MUTED}">${escapeHtml(`${snap.settled} of ${snap.stages.length} stages settled · elapsed ${formatDuration(snap.elapsedMs)} · `)}<b style="color:#1f2937;font-weight:600">${escapeHtml(eta)}</b></span>` +
        `</div>` +
        grid.html,
    );
    return { html, text: `${headline}\n${textBar(snap.percent / 100, 30)}\n\n${grid.text}` };
  }
}
