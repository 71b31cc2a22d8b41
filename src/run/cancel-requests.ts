import type { Clock } from '../clock';

/**
 * The run loop's side of cancelling a run from another process
 * (`store/run-cancel-request.ts`): while the run lasts, every `pollMs` (on
 * the system clock unless told otherwise: see `RunOptions.cancelPollClock`) it asks the store for a request, and cancels the run with the
 * request's reason when one has come. A request left from before the run
 * began is discarded first. A store that keeps nothing other processes see
 * has no requests: nothing is polled. A request that cannot be read this
 * time is looked for again at the next poll: the run itself goes on.
 */

/** How often a run looks for a cancel request from another process, ms. */
export const CANCEL_POLL_MS = 500;

/** Polls `take` until `ended` settles, calling `cancel` with the first request's reason. */
export function followCancelRequests(take: () => string | undefined, cancel: (reason: string) => void, clock: Clock, pollMs: number, ended: Promise<unknown>): void {
  try {
    take();
  } catch {
    // Nothing to discard that can be read: the first poll looks again.
  }
  const stop = new AbortController();
  const quit = () => stop.abort();
  ended.then(quit, quit);
  void (async () => {
    for (;;) {
      try {
        await clock.sleep(pollMs, stop.signal);
      } catch {
        return;
      }
      let reason: string | undefined;
      try {
        reason = take();
      } catch {
        continue;
      }
      if (reason !== undefined) {
        cancel(reason);
        return;
      }
    }
  })();
}
