import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { Clock } from '../clock';
import type { PlanServiceReadiness } from '../plan/plan';

/**
 * Probes of a service: readiness (is it ready to serve yet?) and health
 * (does it still answer?). A probe is a question asked again every
 * {@link PROBE_POLL_MS} on the supervisor's clock until it says yes, the
 * process exits or the time is up; a log probe's answer is whether a line
 * matching its pattern has been seen.
 */

/** Time between two tries of a readiness probe, ms. */
export const PROBE_POLL_MS = 50;

/** Whether an HTTP GET of `url` answers 2xx within `timeoutMs` (real time: it bounds a socket). */
export async function httpAnswers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** What a readiness wait watches besides its probe. */
export interface ReadinessWatch {
  /** The clock that paces the tries and bounds the wait. */
  readonly clock: Clock;
  /** The service's working folder, for a relative file probe. */
  readonly cwd: string;
  /** Whether a line matching the log probe's pattern has been seen. */
  readonly lineSeen: () => boolean;
  /** Why the process can no longer become ready (it exited), or undefined while it runs. */
  readonly gone: () => string | undefined;
}

/** Waits until the probe says ready; resolves with undefined then, or with why it did not (timed out, or the process exited). */
export async function waitUntilReady(probe: PlanServiceReadiness, watch: ReadinessWatch): Promise<string | undefined> {
  const deadline = watch.clock.monotonic() + probe.timeoutMs;
  const file = probe.kind === 'file' ? nodePath.resolve(watch.cwd, probe.path) : '';
  for (;;) {
    const gone = watch.gone();
    // A process that printed its ready line became ready, even when its exit was seen before this try: its
    // supervisor then restarts it like any crash.
    if (gone !== undefined && !(probe.kind === 'log' && watch.lineSeen())) return `${gone} before it was ready`;
    const ready =
      probe.kind === 'log'
        ? watch.lineSeen()
        : probe.kind === 'file'
          ? fs.existsSync(file)
          : await httpAnswers(probe.url, Math.max(1, Math.min(1000, deadline - watch.clock.monotonic())));
    if (ready) return undefined;
    const left = deadline - watch.clock.monotonic();
    if (left <= 0) return `not ready within ${probe.timeoutMs} ms (${describeProbe(probe)})`;
    await watch.clock.sleep(Math.min(PROBE_POLL_MS, left));
  }
}

/** `GET http://… answers 2xx`, `a line matches /ready/`, `file ready.txt exists`. */
export function describeProbe(probe: PlanServiceReadiness): string {
  return probe.kind === 'http' ? `GET ${probe.url} answers 2xx` : probe.kind === 'log' ? `a line matches /${probe.pattern}/` : `file ${probe.path} exists`;
}
