import { DagbookError } from '../errors';

/**
 * When a daemon's ticks happen, as pure functions: the interval as the
 * command line gives it (`30s`, `5m`, `1h`, or milliseconds), the wait
 * before the next tick — the interval, doubled for each tick that failed in
 * a row, at most an hour (or the interval, when that is longer) — and how
 * often the heartbeat is written between ticks.
 */

/** The longest wait that failures alone bring a daemon to, ms (an interval longer than this is kept as it is). */
export const MAX_BACKOFF_MS = 60 * 60 * 1000;

/** The longest time between two heartbeats, ms. */
export const MAX_HEARTBEAT_EVERY_MS = 30_000;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

const INTERVAL_TEXT = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/**
 * An interval in milliseconds from `30s`, `5m`, `1h`, `250ms` or a bare number of milliseconds.
 * @throws DagbookError `INVALID_OPTION` naming `field` and the text when it is none of these, or under 1 ms
 */
export function parseInterval(text: string, field = 'every'): number {
  const match = INTERVAL_TEXT.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? 'ms']) : NaN;
  if (!Number.isFinite(ms) || ms < 1) {
    throw new DagbookError('INVALID_OPTION', `Expected \`${field}\` to be a duration such as \`30s\`, \`5m\`, \`1h\` or a number of milliseconds, got \`${text}\``, {
      errorClass: 'logic',
      data: { field, value: text },
    });
  }
  return ms;
}

/** The wait between the start of a tick and the start of the next, ms: `interval × 2^failures`, at most {@link MAX_BACKOFF_MS} (or the interval, when longer). */
export function nextTickDelayMs(intervalMs: number, consecutiveFailures: number): number {
  if (consecutiveFailures <= 0) return intervalMs;
  return Math.min(intervalMs * 2 ** Math.min(consecutiveFailures, 40), Math.max(intervalMs, MAX_BACKOFF_MS));
}

/** How often the heartbeat is written between ticks, ms: the interval, at most {@link MAX_HEARTBEAT_EVERY_MS}. */
export function heartbeatEveryMs(intervalMs: number): number {
  return Math.min(intervalMs, MAX_HEARTBEAT_EVERY_MS);
}
