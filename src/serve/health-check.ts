import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { heartbeatPath, readHeartbeat } from '../store/heartbeat-file';
import { statePaths } from '../store/state-paths';

/**
 * The liveness answer of the status server (`GET /health`): that it answers
 * at all, whether the state folder can be written (by creating and removing
 * a probe file beside the pipelines' folders — never the lock, never a
 * pipeline's own files), the free space of its file system (`statfs`) with a
 * warning below a limit, and the age of each pipeline's heartbeat
 * (`state/<pipeline>/heartbeat`, see store/heartbeat-file.ts), stale past a
 * limit. `failing` only when the state folder cannot be written: a daemon
 * could not record anything.
 */

/** Options of {@link checkHealth}. */
export interface HealthCheckOptions {
  /** The state folder. */
  readonly stateDir: string;
  /** Pipelines whose heartbeat is read. */
  readonly pipelines: readonly string[];
  /** Now, ms since epoch. */
  readonly now: number;
  /** Free space below which the disk is reported low, bytes. */
  readonly diskWarningBytes: number;
  /** Age past which a heartbeat is stale, ms. */
  readonly heartbeatStaleMs: number;
}

/** The `/health` answer (see response-schemas.ts). */
export interface HealthReport {
  readonly status: 'ok' | 'warning' | 'failing';
  readonly checked_at: string;
  readonly problems: string[];
  readonly state_dir: { readonly path: string; readonly exists: boolean; readonly writable: boolean; readonly problem?: string };
  readonly disk: { readonly free_bytes: number; readonly total_bytes: number; readonly warning_below_bytes: number; readonly low: boolean };
  readonly pipelines: { readonly name: string; readonly heartbeat: HeartbeatAge | null; readonly heartbeat_problem?: string }[];
}

/** A heartbeat with its age. */
export interface HeartbeatAge {
  readonly at: string;
  readonly pid: number;
  readonly age_ms: number;
  readonly stale: boolean;
}

let probeCounter = 0;

/** Checks the state folder, the disk and the heartbeats. */
export function checkHealth(options: HealthCheckOptions): HealthReport {
  const problems: string[] = [];
  let failing = false;
  const stateDir = path.resolve(options.stateDir);
  const exists = fs.existsSync(stateDir);
  let writable = false;
  let stateProblem: string | undefined;
  if (!exists) {
    stateProblem = `${stateDir} does not exist yet (the first run makes it)`;
    problems.push(stateProblem);
  } else {
    const probe = path.join(stateDir, `.health-probe-${process.pid}-${++probeCounter}`);
    try {
      fs.writeFileSync(probe, '');
      fs.rmSync(probe, { force: true });
      writable = true;
    } catch (error) {
      stateProblem = `${stateDir} cannot be written: ${errorMessage(error)}`;
      problems.push(stateProblem);
      failing = true;
    }
  }

  const space = fs.statfsSync(nearestExisting(stateDir));
  const free = space.bavail * space.bsize;
  const low = free < options.diskWarningBytes;
  if (low) problems.push(`${formatGiB(free)} free on the state folder's disk, below the ${formatGiB(options.diskWarningBytes)} warning limit`);

  const pipelines = options.pipelines.map((name) => {
    const paths = statePaths(stateDir, name);
    const read = readHeartbeat(paths);
    if (read.kind === 'none') return { name, heartbeat: null };
    if (read.kind === 'unreadable') {
      problems.push(`heartbeat of \`${name}\` unreadable: ${read.problem}`);
      return { name, heartbeat: null, heartbeat_problem: read.problem };
    }
    const age = Math.max(0, options.now - Date.parse(read.beat.at));
    const stale = age > options.heartbeatStaleMs;
    if (stale) problems.push(`heartbeat of \`${name}\` (${heartbeatPath(paths)}) is ${Math.round(age / 1000)} s old, past the ${Math.round(options.heartbeatStaleMs / 1000)} s limit`);
    return { name, heartbeat: { at: read.beat.at, pid: read.beat.pid, age_ms: age, stale } };
  });

  return {
    status: failing ? 'failing' : problems.length > 0 ? 'warning' : 'ok',
    checked_at: new Date(options.now).toISOString(),
    problems,
    state_dir: { path: stateDir, exists, writable, ...(stateProblem === undefined ? {} : { problem: stateProblem }) },
    disk: { free_bytes: free, total_bytes: space.blocks * space.bsize, warning_below_bytes: options.diskWarningBytes, low },
    pipelines,
  };
}

/** The folder itself or its nearest existing parent (statfs needs a path that exists). */
function nearestExisting(dir: string): string {
  let current = dir;
  while (!fs.existsSync(current) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

function formatGiB(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}
