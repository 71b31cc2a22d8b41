import type { PlanService } from '../plan/plan';

/**
 * When a crashed service is started again. A crash within the window
 * restarts it after min(baseMs * 2^(n-1), maxMs), n being the restarts
 * within the window so far plus one: a service that crashes now and then
 * restarts at once (after `baseMs`), one that crashes in a loop waits longer
 * each time, and after `maxRestarts` restarts within `windowMs` it is given
 * up (FAILED) rather than restarted for ever: a loop of crashes needs a fix,
 * not more restarts. Restarts older than the window are forgotten, so a
 * service that ran well for the window starts over at `baseMs`.
 *
 * The state is the restarts' times; it round-trips through `toJSON()` into
 * the service's state file. Pure: the caller passes the time.
 */

/** What to do after a crash. */
export type RestartDecision =
  | { readonly restart: true; readonly delayMs: number; readonly restartsInWindow: number }
  | { readonly restart: false; readonly reason: string };

/** The restart policy of one service. */
export class RestartPolicy {
  private times: number[];

  constructor(
    private readonly options: PlanService['restart'],
    times: readonly number[] = [],
  ) {
    this.times = [...times];
  }

  /** Decides after a crash at `now` (ms since epoch); a restart is counted at `now`. */
  onCrash(now: number): RestartDecision {
    const { maxRestarts, windowMs, backoff } = this.options;
    this.times = this.times.filter((t) => t > now - windowMs);
    if (this.times.length >= maxRestarts) {
      const crashes = this.times.length + 1;
      return { restart: false, reason: `crashed ${crashes === 1 ? 'once' : `${crashes} times`} within ${windowMs} ms (at most ${maxRestarts} restart${maxRestarts === 1 ? '' : 's'} allowed)` };
    }
    const n = this.times.length + 1;
    this.times.push(now);
    return { restart: true, delayMs: Math.min(backoff.baseMs * 2 ** (n - 1), backoff.maxMs), restartsInWindow: n };
  }

  /** The restarts within the window, ms since epoch. */
  toJSON(): number[] {
    return [...this.times];
  }
}
