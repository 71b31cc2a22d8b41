import type { ProgressSnapshot, StageSnapshot } from './eta-model';
import { formatDuration } from './format';
import type { TableColumn } from './html';
import { itemsProgressText } from './item-progress';
import { isSettled, type ProgressStatus } from './progress-state';
import { ranOnText, workerCountsText } from './worker-text';

/**
 * What the progress views say about the run and each stage, as text, so the
 * HTML and the plain-text renderer show the same words.
 */

/** One stage's line of the progress table. */
export interface ProgressRow {
  readonly stageId: string;
  /** State shown: once the run ended, a stage still open reads PENDING (CANCELLED if the run was cancelled). */
  readonly shown: string;
  /** State the stage's bar is coloured by. */
  readonly barState: string;
  /** Share done for the bar; undefined when the stage has no bar (not started). */
  readonly ratio?: number;
  /** `attempt 2/3` (`attempt 1` while a stage runs its first), or empty. */
  readonly attempt: string;
  /** Time since the first attempt started (until it ended), or empty. */
  readonly elapsed: string;
  /** Units done and the last message (a per-item stage: its items, rate and ETA, and its last failed item), then where it ran (`on worker host:123`; a per-item stage's items per worker), or empty. */
  readonly note: string;
}

/** Columns of the progress table. */
export const PROGRESS_COLUMNS: readonly TableColumn[] = [
  { title: 'stage', mono: true },
  { title: 'status' },
  { title: 'progress' },
  { title: 'attempt' },
  { title: 'elapsed', align: 'right' },
  { title: 'note', nowrap: false },
];

/** `2 of 4 stages settled · elapsed 2.6 s · `: the headline without percent and ETA. */
export function settledText(snap: ProgressSnapshot): string {
  return `${snap.settled} of ${snap.stages.length} stages settled · elapsed ${formatDuration(snap.elapsedMs)} · `;
}

/** How the run reads at the end of the headline: `ETA 4.0 s`, `ETA —`, `done`, `partial`, `failed`, `cancelled`. */
export function etaText(snap: ProgressSnapshot): string {
  if (snap.runStatus !== undefined) return snap.runStatus === 'SUCCEEDED' ? 'done' : snap.runStatus.toLowerCase();
  return snap.etaMs === null ? 'ETA —' : `ETA ${formatDuration(snap.etaMs)}`;
}

/** State of the overall bar. */
export function overallState(snap: ProgressSnapshot): string {
  if (snap.runStatus === undefined) return 'RUNNING';
  return snap.runStatus === 'SUCCEEDED' || snap.runStatus === 'PARTIAL' || snap.runStatus === 'FAILED' ? snap.runStatus : 'CANCELLED';
}

/** A stage's line of the progress table. */
export function progressRow(s: StageSnapshot, snap: ProgressSnapshot): ProgressRow {
  const ended = snap.runStatus !== undefined;
  const shown: ProgressStatus = ended && !isSettled(s.status) ? (snap.runStatus === 'CANCELLED' ? 'CANCELLED' : 'PENDING') : s.status;
  const hasBar = s.status === 'RUNNING' || isSettled(s.status);
  // A stage that was blocked (or cancelled before it started) did no work: an empty bar, not a full one.
  const didNoWork = (s.status === 'BLOCKED' || s.status === 'CANCELLED') && s.attempt === 0;
  const showAttempt = s.attempt > 1 || (s.attempt === 1 && s.status === 'RUNNING');
  // An ended stage shows the duration the run measured (its record's, the metrics card's); a running one its time so far.
  const elapsedMs = s.durationMs ?? (s.startedAt === undefined ? undefined : (s.endedAt ?? snap.at) - s.startedAt);
  const items = s.items !== undefined ? itemsProgressText(s.items, isSettled(s.status) || ended) : s.total !== undefined ? `${s.done ?? 0}/${s.total}` : '';
  const message = s.lastItemFailure !== undefined && s.message === undefined ? `last failed: ${s.lastItemFailure}` : s.message;
  const where = s.items?.workers !== undefined ? workerCountsText(s.items.workers) : s.worker !== undefined ? ranOnText(s.worker) : '';
  return {
    stageId: s.stageId,
    shown,
    barState: s.status === 'FAILED' ? 'FAILED' : s.status === 'RUNNING' ? 'RUNNING' : shown,
    ...(hasBar ? { ratio: didNoWork ? 0 : s.fraction } : {}),
    attempt: showAttempt ? `attempt ${s.attempt}${s.maxAttempts === undefined ? '' : `/${s.maxAttempts}`}` : '',
    elapsed: elapsedMs === undefined ? '' : formatDuration(elapsedMs),
    note: [s.alert === undefined ? '' : `${s.alert} alert`, items, message !== undefined && message !== items ? message : '', where].filter((x) => x !== '').join(' · '),
  };
}
