/**
 * The records of supervised services, shared by the supervisor that writes
 * them, the run loop whose service stages start them and the views that
 * list them. One state file per service, `state/<pipeline>/services/<name>.json`.
 */

/**
 * Where a service stands: `starting` (spawned, not ready yet), `running`,
 * `restarting` (crashed, waiting out its backoff), `failed` (crashed more
 * often than its restart policy allows, or never became ready) or `stopped`
 * (on command, or with its supervisor's shutdown).
 */
export type ServiceStatus = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

/** How a service's process ended. */
export interface ServiceExit {
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: string | null;
  /** When, ms since epoch. */
  readonly at: number;
  /** Why, in words: `exited with code 1`, `killed by SIGKILL`, `health check failed 3 times`, `stopped`. */
  readonly reason: string;
}

/** The state file of one service: what any process (status, dashboard, `dagbook stop`) reads. */
export interface ServiceState {
  /** Format version. */
  readonly version: 1;
  /** The service's name: its stage id, or `<stage>@<item>` for a per-item service stage. */
  readonly name: string;
  /** The pipeline. */
  readonly pipeline: string;
  /** The service stage. */
  readonly stageId: string;
  /** The item, for a per-item service stage. */
  readonly itemId?: string;
  /** The stage's cache key when it started the service: a run with the same key keeps it running. */
  readonly cacheKey: string;
  /** Where it stands. */
  readonly status: ServiceStatus;
  /** Pid of its current (or last) process, when one was started. */
  readonly pid?: number;
  /** Pid of the process supervising it (a notebook kernel, `dagbook run`, a daemon). */
  readonly supervisorPid: number;
  /** Command and arguments, as run. */
  readonly command: readonly string[];
  /** When the stage first started it, ms since epoch. */
  readonly startedAt: number;
  /** When its current process started, ms since epoch (uptime counts from here). */
  readonly processStartedAt?: number;
  /** Restarts after crashes since the stage started it. */
  readonly restarts: number;
  /** When each restart within the restart window happened, ms since epoch. */
  readonly restartTimes: readonly number[];
  /** How its last process ended. */
  readonly lastExit?: ServiceExit;
  /** Its log file (rotated ones beside it: `.1` newest). */
  readonly logFile: string;
  /** Why it failed, when it did. */
  readonly error?: { readonly code: string; readonly message: string };
  /** Its last log lines when it failed or stopped. */
  readonly lastLines?: readonly string[];
  /** When its state was last written, ms since epoch. */
  readonly updatedAt: number;
}

/** The output of a service stage (or of each item of a per-item one): the service it started. */
export interface ServiceDescriptor {
  /** The service's name. */
  readonly name: string;
  /** Pid of the process that became ready. */
  readonly pid: number;
  /** When it started, ms since epoch. */
  readonly startedAt: number;
  /** Its log file. */
  readonly logFile: string;
  /** Its state file (status, restarts, current pid). */
  readonly stateFile: string;
}
