import { readDaemonState } from '../store/daemon-file';
import { isProcessAlive } from '../process-alive';
import type { StatePaths } from '../store/state-paths';

/**
 * What `/status` says of a pipeline's daemon (`dagbook watch`), from its
 * `daemon.json` (store/daemon-file.ts): its state — `dead` when the file says
 * running or stopping but its pid is gone (killed outright) — its interval
 * and ticks, its last tick and the next, its failures in a row, and one line
 * for people ("daemon: running, last tick …"). Null when no daemon ever
 * watched the pipeline. A failing or dead daemon is a reason of the
 * pipeline's health.
 */

/** A daemon as `/status` shows it. */
export interface DaemonReport {
  readonly state: 'running' | 'stopping' | 'stopped' | 'dead';
  readonly pid: number;
  readonly started_at: string;
  readonly env: string | null;
  readonly interval_ms: number;
  readonly ticks: number;
  readonly tick_started_at: string | null;
  readonly last_tick: {
    readonly run_id: string | null;
    readonly started_at: string;
    readonly ended_at: string;
    readonly duration_ms: number;
    readonly status: string;
    readonly counts: Record<string, number>;
    readonly reason?: string;
  } | null;
  readonly next_tick_at: string | null;
  readonly consecutive_failures: number;
  /** One line: `daemon: running, last tick 13:01:45 PARTIAL (77 ms), next 13:06:45`. */
  readonly summary: string;
}

/** The daemon report of a pipeline, and the reasons it gives against the pipeline's health. */
export function daemonReport(paths: StatePaths, isAlive: (pid: number) => boolean = isProcessAlive): { readonly report: DaemonReport | null; readonly reasons: string[] } {
  const read = readDaemonState(paths);
  if (read.kind === 'none') return { report: null, reasons: [] };
  if (read.kind === 'unreadable') return { report: null, reasons: [`daemon state unreadable: ${read.problem}`] };
  const { state } = read;
  const shown = state.state !== 'stopped' && !isAlive(state.pid) ? 'dead' : state.state;
  const last = state.lastTick;
  const reasons: string[] = [];
  if (shown === 'dead') reasons.push(`daemon (pid ${state.pid}) is not running: it was killed before it stopped`);
  if (shown !== 'stopped' && state.consecutiveFailures > 0) reasons.push(`daemon: ${state.consecutiveFailures} tick${state.consecutiveFailures === 1 ? '' : 's'} failed in a row${last?.reason === undefined ? '' : ` (${last.reason})`}`);
  const parts = [`daemon: ${shown}`];
  if (state.tickStartedAt !== null && shown !== 'dead') parts.push(`tick ${state.ticks + 1} running since ${state.tickStartedAt}`);
  parts.push(last === null ? 'no tick ended yet' : `last tick ${last.endedAt} ${last.status} (${last.durationMs} ms)`);
  if (state.nextTickAt !== null && shown === 'running') parts.push(`next ${state.nextTickAt}`);
  return {
    reasons,
    report: {
      state: shown,
      pid: state.pid,
      started_at: state.startedAt,
      env: state.env,
      interval_ms: state.intervalMs,
      ticks: state.ticks,
      tick_started_at: state.tickStartedAt,
      last_tick:
        last === null
          ? null
          : {
              run_id: last.runId,
              started_at: last.startedAt,
              ended_at: last.endedAt,
              duration_ms: last.durationMs,
              status: last.status,
              counts: { ...last.counts },
              ...(last.reason === undefined ? {} : { reason: last.reason }),
            },
      next_tick_at: state.nextTickAt,
      consecutive_failures: state.consecutiveFailures,
      summary: parts.join(', '),
    },
  };
}
