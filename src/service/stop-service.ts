import * as fs from 'node:fs';
import { systemClock, type Clock } from '../clock';
import type { ServiceState } from '../service-record';
import { serviceStateFile, serviceStopFile } from './service-paths';
import { isProcessAlive } from '../process-alive';
import { readServiceState, writeServiceState } from './service-state-file';

/**
 * Stops a service from any process, its supervisor's or another
 * (`dagbook stop`): the stop file beside its state file tells the supervisor
 * not to restart it, then its process group gets SIGTERM and, after the
 * grace, SIGKILL. When its supervisor is gone (the process that ran the
 * stage ended), nobody else will write its state: this does, `stopped`.
 */

/** Time the supervisor has to record the stop itself before this records it, ms. */
const SUPERVISOR_RECORD_MS = 2000;

/** How often a stop looks whether the process has ended, ms. */
const POLL_MS = 25;

/** What a stop did: the service's state after it, and whether a process had to be ended. */
export interface StopResult {
  /** The state after the stop. */
  readonly state: ServiceState;
  /** Pid of the process ended, when one was running. */
  readonly endedPid?: number;
  /** Whether it needed SIGKILL after the grace. */
  readonly killed: boolean;
}

/** Stops the named service; undefined when it has no state file. */
export async function stopServiceProcess(pipelineDir: string, name: string, options: { readonly graceMs?: number; readonly clock?: Clock } = {}): Promise<StopResult | undefined> {
  const clock = options.clock ?? systemClock;
  const stateFile = serviceStateFile(pipelineDir, name);
  const before = readServiceState(stateFile);
  if (before === undefined) return undefined;
  if (before.status === 'stopped' || before.status === 'failed') return { state: before, killed: false };
  fs.writeFileSync(serviceStopFile(pipelineDir, name), `${JSON.stringify({ requestedAt: clock.now(), by: process.pid })}\n`);
  const pid = before.pid;
  let killed = false;
  if (pid !== undefined && isProcessAlive(pid)) {
    signal(pid, 'SIGTERM');
    if (!(await waitFor(() => !isProcessAlive(pid), options.graceMs ?? 5000, clock))) {
      signal(pid, 'SIGKILL');
      killed = true;
      await waitFor(() => !isProcessAlive(pid), 5000, clock);
    }
  }
  const supervised = isProcessAlive(before.supervisorPid) && before.supervisorPid !== process.pid;
  if (supervised && (await waitFor(() => readServiceState(stateFile)?.status === 'stopped', SUPERVISOR_RECORD_MS, clock))) {
    return { state: readServiceState(stateFile) as ServiceState, ...(pid === undefined ? {} : { endedPid: pid }), killed };
  }
  const now = clock.now();
  const state: ServiceState = {
    ...(readServiceState(stateFile) ?? before),
    status: 'stopped',
    lastExit: { code: null, signal: killed ? 'SIGKILL' : 'SIGTERM', at: now, reason: 'stopped on command' },
    updatedAt: now,
  };
  writeServiceState(stateFile, state);
  fs.rmSync(serviceStopFile(pipelineDir, name), { force: true });
  return { state, ...(pid === undefined ? {} : { endedPid: pid }), killed };
}

/** Signals a process group led by `pid`, or the process alone when it leads none. */
function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone already.
    }
  }
}

/** Polls `done` until it holds or `ms` passed on the clock; whether it held. */
async function waitFor(done: () => boolean, ms: number, clock: Clock): Promise<boolean> {
  const deadline = clock.monotonic() + ms;
  for (;;) {
    if (done()) return true;
    if (clock.monotonic() >= deadline) return false;
    await clock.sleep(POLL_MS);
  }
}
