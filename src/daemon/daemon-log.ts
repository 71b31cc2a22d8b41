/**
 * The structured log of a daemon: one JSON object per line and per event of
 * its life — `started`, `tick_start`, `tick_end`, `tick_overran` (a tick
 * that took longer than the interval: the next one starts late),
 * `item_failed`, `state_write_failed` (the heartbeat, daemon.json or an
 * item's log could not be written), `stopping`, `stopped` — with the same envelope on every line
 * (`ts`, `level`, `event`, `pipeline`, `message`) so a log shipper indexes
 * them without a parser per event. The daemon hands lines to a sink; the
 * command line writes them to stdout.
 */

/** What happened. */
export type DaemonEvent = 'started' | 'tick_start' | 'tick_end' | 'tick_overran' | 'item_failed' | 'state_write_failed' | 'stopping' | 'stopped';

/** Severity, as log shippers spell it. */
export type DaemonLogLevel = 'info' | 'warn' | 'error';

/** One line of a daemon's log. */
export interface DaemonLogLine {
  /** When, ISO-8601. */
  readonly ts: string;
  readonly level: DaemonLogLevel;
  readonly event: DaemonEvent;
  /** Pipeline name. */
  readonly pipeline: string;
  /** One human sentence. */
  readonly message: string;
  /** The run a tick made or resumed (tick and item lines). */
  readonly run_id?: string | null;
  /** The tick's number, from 1 (tick and item lines). */
  readonly tick?: number;
  /** A tick's stage records by status, and its items (`items_succeeded`, `items_cached`, `items_failed`) (`tick_end`). */
  readonly counts?: Readonly<Record<string, number>>;
  /** How long the tick (or the daemon, on `stopped`) took, ms. */
  readonly duration_ms?: number;
  /** The run's status, or `ERROR` when the tick could not run (`tick_end`). */
  readonly status?: string;
  /** When the next tick starts, ISO-8601 (`tick_end`, `started`). */
  readonly next_tick_at?: string;
  /** Ticks failed in a row (`tick_end`). */
  readonly consecutive_failures?: number;
  /** The stage and item of an `item_failed` line. */
  readonly stage?: string;
  readonly item?: string;
  /** An error's code (`item_failed`, a `tick_end` that could not run). */
  readonly code?: string;
  /** Anything else an event carries (`pid`, `interval_ms`, `env`, `resumed`). */
  readonly [field: string]: unknown;
}

/** Where a daemon's log lines go. */
export type DaemonLogSink = (line: DaemonLogLine) => void;
