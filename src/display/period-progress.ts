import type { ProgressSnapshot, StageSnapshot } from './eta-model';
import { formatDuration, plural } from './format';
import type { PeriodAxis } from './period-axis';
import { isSettled } from './progress-state';

/**
 * Progress of a run with periods, period by period, as plain data: each
 * period's state, share done and time, the current period, and the time the
 * remaining periods still need. Pure: it reads a progress snapshot (whose
 * time is the only "now") and the plan's period layout.
 *
 * The ETA is the mean time of the periods this run finished that ran stages
 * (a period restored wholly from cache says nothing about how long one takes)
 * times what is left: a whole period for each one not started, and the share
 * not yet done of a running one. Unknown until one period has finished.
 */

/** How a period stands: as a stage does (`PENDING`, `RUNNING`, `SUCCEEDED`, `CACHED` when restored wholly, `FAILED`, `BLOCKED`, `CANCELLED`). */
export type PeriodState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'CACHED' | 'FAILED' | 'BLOCKED' | 'CANCELLED';

/** One period of the run. */
export interface PeriodProgress {
  /** The period key. */
  readonly key: string;
  readonly state: PeriodState;
  /** Its stages in the run. */
  readonly stages: number;
  /** Of which settled. */
  readonly settled: number;
  /** Share done, in [0, 1]: the mean of its stages' shares. */
  readonly fraction: number;
  /** When its first stage started, ms since epoch; absent before (and when every stage was restored from cache). */
  readonly startedAt?: number;
  /** Time from its first stage's start to its last stage's end (to the snapshot's time while it runs), ms. */
  readonly elapsedMs?: number;
}

/** The periods of a run at one time. */
export interface PeriodsProgress {
  /** The axis name (`year`). */
  readonly name: string;
  /** The periods with stages in the run, in period order. */
  readonly periods: readonly PeriodProgress[];
  /** The period running now (the earliest, when several do); absent when none does. */
  readonly current?: string;
  /** Time the periods not finished still need, ms; null while unknown (no period finished yet); 0 once the run ended. */
  readonly etaMs: number | null;
}

/** A period's state from its stages'. */
function stateOf(stages: readonly StageSnapshot[]): PeriodState {
  const settled = stages.filter((s) => isSettled(s.status));
  if (settled.length < stages.length) return settled.length > 0 || stages.some((s) => s.status !== 'PENDING') ? 'RUNNING' : 'PENDING';
  if (stages.some((s) => s.status === 'FAILED')) return 'FAILED';
  if (stages.some((s) => s.status === 'CANCELLED')) return 'CANCELLED';
  if (stages.some((s) => s.status === 'BLOCKED' || s.status === 'SKIPPED')) return 'BLOCKED';
  return stages.every((s) => s.status === 'CACHED') ? 'CACHED' : 'SUCCEEDED';
}

/** One period's progress at `now`. */
function periodOf(key: string, stages: readonly StageSnapshot[], now: number): PeriodProgress {
  const state = stateOf(stages);
  const starts = stages.map((s) => s.startedAt).filter((t): t is number => t !== undefined);
  const startedAt = starts.length === 0 ? undefined : Math.min(...starts);
  const ended = state !== 'PENDING' && state !== 'RUNNING';
  const end = ended ? Math.max(...stages.map((s) => s.endedAt ?? s.startedAt ?? 0)) : now;
  return {
    key,
    state,
    stages: stages.length,
    settled: stages.filter((s) => isSettled(s.status)).length,
    fraction: stages.reduce((sum, s) => sum + s.fraction, 0) / stages.length,
    ...(startedAt === undefined ? {} : { startedAt, elapsedMs: Math.max(0, end - startedAt) }),
  };
}

/** The periods of `snap` laid out by `axis`; stages not in a period (and periods without a stage in the run) are left out. */
export function periodProgress(snap: ProgressSnapshot, axis: PeriodAxis): PeriodsProgress {
  const byKey = new Map<string, StageSnapshot[]>();
  for (const s of snap.stages) {
    const key = axis.periodOf[s.stageId];
    if (key === undefined) continue;
    const list = byKey.get(key);
    if (list) list.push(s);
    else byKey.set(key, [s]);
  }
  const periods = axis.keys.filter((k) => byKey.has(k)).map((k) => periodOf(k, byKey.get(k) as StageSnapshot[], snap.at));
  const current = snap.runStatus === undefined ? periods.find((p) => p.state === 'RUNNING')?.key : undefined;
  const timed = periods.filter((p) => p.state === 'SUCCEEDED' && p.elapsedMs !== undefined).map((p) => p.elapsedMs as number);
  const open = periods.filter((p) => p.state === 'PENDING' || p.state === 'RUNNING');
  let etaMs: number | null;
  if (snap.runStatus !== undefined || open.length === 0) etaMs = 0;
  else if (timed.length === 0) etaMs = null;
  else etaMs = Math.round((timed.reduce((a, b) => a + b, 0) / timed.length) * open.reduce((left, p) => left + (1 - p.fraction), 0));
  return { name: axis.name, periods, ...(current === undefined ? {} : { current }), etaMs };
}

/** A finished period as the progress line lists it: `2025 4.1 s`, `2025 cached`, `2027 failed after 2.0 s`. */
export function finishedPeriodText(p: PeriodProgress): string {
  const took = p.elapsedMs === undefined ? '' : formatDuration(p.elapsedMs);
  switch (p.state) {
    case 'SUCCEEDED':
      return `${p.key} ${took}`;
    case 'CACHED':
      return `${p.key} cached`;
    case 'FAILED':
      return took === '' ? `${p.key} failed` : `${p.key} failed after ${took}`;
    default:
      return `${p.key} ${p.state.toLowerCase()}`;
  }
}

/** The parts of the periods' line: where the run is, the finished periods, and the ETA (empty when absent). */
export interface PeriodLineParts {
  /** `year 2027 running (3 of 5)`, or `3 of 5 years finished` when no period runs. */
  readonly head: string;
  /** `2025 4.1 s, 2026 3.9 s` (after `finished: ` while a period runs), or empty. */
  readonly finished: string;
  /** `ETA 8.0 s for 3 years`, or empty once nothing is left. */
  readonly eta: string;
}

/** The parts of the periods' line (see {@link periodProgressText}), for a display that lays them out itself. */
export function periodLineParts(pp: PeriodsProgress): PeriodLineParts {
  const n = pp.periods.length;
  const finished = pp.periods.filter((p) => p.state !== 'PENDING' && p.state !== 'RUNNING');
  const index = pp.periods.findIndex((p) => p.key === pp.current);
  const open = n - finished.length;
  return {
    head: pp.current !== undefined ? `${pp.name} ${pp.current} running (${index + 1} of ${n})` : `${finished.length} of ${plural(n, pp.name)} finished`,
    finished: finished.length === 0 ? '' : `${pp.current !== undefined ? 'finished: ' : ''}${finished.map(finishedPeriodText).join(', ')}`,
    eta: open > 0 && pp.etaMs !== 0 ? `ETA ${pp.etaMs === null ? '—' : formatDuration(pp.etaMs)} for ${plural(open, pp.name)}` : '',
  };
}

/**
 * The periods in one line: "year 2027 running (3 of 5) · finished: 2025 4.1 s,
 * 2026 3.9 s · ETA 8.0 s for 3 years"; once the run ended, "5 of 5 years
 * finished: ..."; the ETA is left out once nothing is left.
 */
export function periodProgressText(pp: PeriodsProgress): string {
  const { head, finished, eta } = periodLineParts(pp);
  return [head, finished, eta].filter((part) => part !== '').join(' · ');
}
