import type { ServiceExit, ServiceState, ServiceStatus } from '../service-record';
import { serviceName, serviceStateFile } from './service-paths';
import { isProcessAlive } from '../process-alive';
import { readServiceState, readServiceStates } from './service-state-file';

/**
 * The services of a pipeline as any reader sees them (status, dashboard):
 * their state files, judged against the processes that exist now. A
 * service recorded as up whose supervisor is gone is `running` but
 * unsupervised while its process lives (nobody restarts it), and `stopped`
 * once that is gone too.
 */

/** One service's standing. */
export interface ServiceStanding {
  /** The service's name. */
  readonly name: string;
  /** Its stage. */
  readonly stageId: string;
  /** Its item, for a per-item service stage. */
  readonly itemId?: string;
  /** Where it stands now. */
  readonly status: ServiceStatus;
  /** Pid of its process, while it runs. */
  readonly pid?: number;
  /** Time its current process has run, ms, while it runs. */
  readonly uptimeMs?: number;
  /** Restarts after crashes. */
  readonly restarts: number;
  /** How its last process ended. */
  readonly lastExit?: ServiceExit;
  /** Whether a live supervisor watches it (restarts it on a crash). */
  readonly supervised: boolean;
  /** Pid of its supervisor. */
  readonly supervisorPid: number;
  /** Why it failed. */
  readonly error?: { readonly code: string; readonly message: string };
  /** Its last log lines, when it failed or stopped. */
  readonly lastLines?: readonly string[];
  /** Its log file. */
  readonly logFile: string;
}

/** A service's standing from its state, at `now` (ms since epoch). */
export function serviceStanding(state: ServiceState, now: number): ServiceStanding {
  const supervised = (state.status === 'running' || state.status === 'restarting' || state.status === 'starting') && isProcessAlive(state.supervisorPid);
  const alive = state.pid !== undefined && isProcessAlive(state.pid);
  const up = state.status === 'starting' || state.status === 'running' || state.status === 'restarting';
  const status: ServiceStatus = up && !supervised ? (alive && state.status === 'running' ? 'running' : 'stopped') : state.status;
  const running = status === 'running' && alive;
  return {
    name: state.name,
    stageId: state.stageId,
    ...(state.itemId === undefined ? {} : { itemId: state.itemId }),
    status,
    ...(running ? { pid: state.pid } : {}),
    ...(running && state.processStartedAt !== undefined ? { uptimeMs: Math.max(0, now - state.processStartedAt) } : {}),
    restarts: state.restarts,
    ...(state.lastExit === undefined ? {} : { lastExit: state.lastExit }),
    supervised,
    supervisorPid: state.supervisorPid,
    ...(state.error === undefined ? {} : { error: state.error }),
    ...(state.lastLines === undefined || status === 'running' ? {} : { lastLines: state.lastLines }),
    logFile: state.logFile,
  };
}

/** Every service of a pipeline (its state folder `<stateDir>/<pipeline>`), by name. */
export function listServices(pipelineDir: string, now: number): ServiceStanding[] {
  return readServiceStates(pipelineDir).map((s) => serviceStanding(s, now));
}

/**
 * Why a service stage whose output is up to date must run anyway — its
 * service is not up, or runs under another cache key — or undefined when
 * its service is up and unchanged (a cache hit then keeps it running). For
 * the service of an item, `cacheKey` is the item's cache key.
 */
export function serviceDownReason(pipelineDir: string, stageId: string, cacheKey: string, itemId?: string): string | undefined {
  const state = readServiceState(serviceStateFile(pipelineDir, serviceName(stageId, itemId)));
  if (state === undefined) return 'its service is not running';
  if (state.cacheKey !== cacheKey) return 'its service runs an earlier definition';
  if (state.status !== 'running') return `its service is ${state.status}`;
  if (state.pid === undefined || !isProcessAlive(state.pid)) return 'its service process is gone';
  if (!isProcessAlive(state.supervisorPid)) return `its supervisor (pid ${state.supervisorPid}) is gone`;
  return undefined;
}
