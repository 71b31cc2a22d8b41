import type { Clock } from '../clock';
import type { Item } from '../items';
import type { ErrorClass } from '../errors';
import type { AlertMetric } from '../events/event';

/**
 * The TypeScript API for defining a pipeline. A definition holds functions;
 * compiling it yields a plain-JSON {@link Plan} plus a registry of the
 * functions keyed by stage id.
 */

/**
 * Retry policy of a stage. The delay after failed attempt n is
 * min(baseDelayMs * 2^(n-1), maxDelayMs), or with a schedule `delaysMs[n-1]`
 * (its last entry once past its end); then +/- jitter, at least minDelayMs.
 */
export interface RetryOptions {
  /** Attempts in all, the first included. @default 3 */
  readonly maxAttempts?: number;
  /** Delay before the second attempt, in ms; not with `delaysMs`. @default 1000 */
  readonly baseDelayMs?: number;
  /** Cap on the exponential delay, in ms; not with `delaysMs`. @default 30000 */
  readonly maxDelayMs?: number;
  /**
   * The delays as a schedule, in ms, instead of the exponential backoff: the
   * wait after failed attempt n is `delaysMs[n-1]`, the last entry repeated
   * past the end (`[5000, 30000, 300000]`: 5 s, 30 s, then 5 min). At least one
   * entry; not with `baseDelayMs` or `maxDelayMs`. @default the exponential backoff
   */
  readonly delaysMs?: readonly number[];
  /** Jitter as a fraction of the delay, in [0, 1]: 0.1 means +/-10%. @default 0.1 */
  readonly jitter?: number;
  /** Floor on any delay, in ms. @default 100 */
  readonly minDelayMs?: number;
  /** Error classes that are retried. @default ['transient'] */
  readonly retryOn?: readonly ErrorClass[];
}

/** Circuit breaker of a stage; stages that share `key` share one breaker. */
export interface BreakerOptions {
  /** Breakers with the same key are one breaker (a shared service). @default the stage id */
  readonly key?: string;
  /** Consecutive failures that open the breaker. @default 3 */
  readonly failureThreshold?: number;
  /** Time an open breaker waits before letting one probe through, in ms. @default 300000 */
  readonly recoveryTimeoutMs?: number;
}

/** A global budget for a named resource such as `tokens` or `cost`. */
export interface BudgetOptions {
  /** Amount available to the whole run. */
  readonly limit: number;
  /** Fraction of the limit at which a BUDGET_WARNING event is emitted. @default 0.8 */
  readonly criticalRatio?: number;
}

import type { Severity } from '../records';

export type { Severity };

/** A rule checked against a stage's output after it succeeds. */
export interface ValidationRule<O = unknown> {
  /** Name shown in events, metrics and displays. */
  readonly name: string;
  /** `error` fails the stage when the stage sets `failOnValidationError`. @default 'error' */
  readonly severity?: Severity;
  /** Returns true (passed), false, or a message saying what failed. */
  readonly check: (output: O) => boolean | string | Promise<boolean | string>;
}

/** What a stage's `run` receives besides its inputs. */
export interface StageContext {
  /** Id of the run. */
  readonly runId: string;
  /** Id of the stage. */
  readonly stageId: string;
  /** Attempt number, starting at 1. */
  readonly attempt: number;
  /** sha256 of run id, stage id and canonical params (secret params left out); stable across retries and resumes. */
  readonly idempotencyKey: string;
  /** The stage's params (secrets included, unredacted). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Aborted on timeout or cancellation; pass it to anything that can be cancelled. */
  readonly signal: AbortSignal;
  /** The run's clock. */
  readonly clock: Clock;
  /** The stage's period, as declared (`2027`), in a per-period stage; undefined otherwise. */
  readonly period?: PeriodValue;
  /** The period's key, its text form (`'2027'`): the suffix of the stage id (`hires@2027`). */
  readonly periodKey?: string;
  /** The item a per-item stage runs for; undefined otherwise. */
  readonly item?: Item;
  /**
   * The pipeline's state folder (`<stateDir>/<pipeline>`, absolute) when the
   * run keeps its state on disk, for files a stage writes beside the run's
   * state; undefined when the run's store is in memory.
   */
  readonly stateDir?: string;
  /** Reports progress: `done` of `total` units. */
  progress(done: number, total: number, message?: string): void;
  /** Records use of a budgeted resource; throws BUDGET_EXHAUSTED (non-retryable) when over budget. */
  usage(resource: string, amount: number): void;
  /** What remains of a resource for this stage: the lower of stage and global remainders; Infinity when unbudgeted. */
  remaining(resource: string): number;
  /** Emits a log event (secrets redacted). */
  log(message: string, metadata?: Record<string, unknown>): void;
  /** Reads a secret; its value is redacted from events, errors and outputs. */
  secret(name: string): string;
}

/**
 * Where a stage's attempts run: `none` on the main thread (the run's event
 * loop), `thread` in a `worker_threads` Worker of its own, so CPU-bound stages
 * on parallel branches use several cores and a stage that ignores its abort
 * signal can be stopped for real.
 */
export type StageIsolation = 'none' | 'thread';

/** Attempts run in this process (as `isolation` says). */
export interface LocalExecutorOptions {
  readonly kind: 'local';
}

/**
 * Attempts run as BullMQ jobs on Redis, by `dagbook worker` processes that
 * load the stage from `fn` (required then).
 */
export interface BullmqExecutorOptions {
  readonly kind: 'bullmq';
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly connection: string;
  /** Queue name (letters, digits, `_`, `-`, `.`). @default 'dagbook' */
  readonly queue?: string;
  /**
   * How long an attempt waits for Redis while it cannot be reached (not
   * started, or restarted mid-run) before it fails with
   * `REDIS_UNREACHABLE`, ms. @default 60000
   */
  readonly unreachableTimeoutMs?: number;
}

/** Where a stage's attempts run: this process, or worker processes through BullMQ. */
export type ExecutorOptions = LocalExecutorOptions | BullmqExecutorOptions;

/**
 * Stage inputs: the outputs of its dependencies, keyed by stage id. In a
 * per-period stage, a dependency of the same period is keyed by its id as
 * written (`needs`), the previous period's by `<id>@previous` (absent in the
 * first period); a period-less stage that depends on a per-period stage gets
 * its outputs by period key (`{ '2025': ..., '2026': ... }`).
 */
export type StageInputs = Readonly<Record<string, unknown>>;

/** A stage function. */
export type StageFn<O = unknown> = (ctx: StageContext, inputs: StageInputs) => O | Promise<O>;

/**
 * How a service stage knows its service is ready: an HTTP GET that answers
 * 2xx, a line of its output that matches a pattern, or a file that exists.
 * Without one, the service is ready once its process has started.
 */
export type ServiceReadiness =
  | {
      readonly kind: 'http';
      /** URL to GET, e.g. `http://127.0.0.1:8080/ready`. */
      readonly url: string;
      /** Time the service has to answer 2xx, ms. @default 30000 */
      readonly timeoutMs?: number;
    }
  | {
      readonly kind: 'log';
      /** Regular expression a line of its stdout or stderr must match. */
      readonly pattern: string;
      /** Time the service has to print it, ms. @default 30000 */
      readonly timeoutMs?: number;
    }
  | {
      readonly kind: 'file';
      /** File the service writes when ready (relative to `cwd`). */
      readonly path: string;
      /** Time the service has to write it, ms. @default 30000 */
      readonly timeoutMs?: number;
    };

/** A health check run while a service is up; failing `failures` times in a row restarts it. */
export interface ServiceHealth {
  readonly kind: 'http';
  /** URL to GET; a 2xx answer is healthy. */
  readonly url: string;
  /** Time between checks, ms. @default 10000 */
  readonly everyMs?: number;
  /** Consecutive failed checks that restart the service. @default 3 */
  readonly failures?: number;
  /** Time one check may take, ms. @default 2000 */
  readonly timeoutMs?: number;
}

/** How a crashed service is restarted: with backoff, at most `maxRestarts` within `windowMs`, then FAILED. */
export interface ServiceRestart {
  /** Restarts allowed within the window. @default 5 */
  readonly maxRestarts?: number;
  /** The window, ms. @default 600000 */
  readonly windowMs?: number;
  /** delay(n) = min(baseMs * 2^(n-1), maxMs) for the n-th restart within the window. */
  readonly backoff?: {
    /** Delay before the first restart, ms. @default 1000 */
    readonly baseMs?: number;
    /** Cap on the delay, ms. @default 60000 */
    readonly maxMs?: number;
  };
}

/** Rotation of a service's log file. */
export interface ServiceLogs {
  /** Size at which the log file is rotated, bytes. @default 10485760 */
  readonly maxBytes?: number;
  /** Rotated files kept (`<name>.log.1` newest). @default 3 */
  readonly keep?: number;
}

/**
 * A long-running process started by a service stage. In a per-item service
 * stage, `{item.id}`, `{item.hash}` and `{item.payload.<field>}` in `args`,
 * `env` values, `cwd` and the probes' `url` and `path` are replaced by the
 * item's values.
 */
export interface ServiceOptions {
  /** Program to run (looked up on PATH), e.g. `node`. */
  readonly command: string;
  /** Its arguments. @default [] */
  readonly args?: readonly string[];
  /** Environment variables set over the supervisor's own. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Working folder (relative to the pipeline file's folder in a file, to the working directory in the TS API). @default the working directory */
  readonly cwd?: string;
  /** When the service counts as ready; the stage succeeds then. @default ready once started */
  readonly readiness?: ServiceReadiness;
  /** Health check while up. @default none */
  readonly health?: ServiceHealth;
  /** Restarts after a crash. */
  readonly restart?: ServiceRestart;
  /** Log rotation. */
  readonly logs?: ServiceLogs;
  /** Time a stopped service has between SIGTERM and SIGKILL, ms. @default 5000 */
  readonly stopGraceMs?: number;
}

/** What a stage is: a task that runs to an output (the default), or a service that keeps running. */
export type StageKind = 'task' | 'service';

/** A declared code dependency: a function, or the path of a module. */
export type CodeDependency = ((...args: never[]) => unknown) | string;

/** One stage of a pipeline. */
export interface StageDefinition<O = unknown> {
  /** Unique id: letters, digits, `_`, `-`, `.`. */
  readonly id: string;
  /**
   * Ids of the stages whose outputs this stage needs. In a per-period stage,
   * a per-period dep means the same period's, and `<id>@previous` the
   * previous period's; in a period-less stage, a per-period dep means every
   * period's. @default []
   */
  readonly deps?: readonly string[];
  /** The work. A service stage written with `serviceStage()` gets one that the run loop replaces. */
  readonly run: StageFn<O>;
  /**
   * `service`: the stage starts a long-running process (`service`), succeeds
   * once it is ready, and a supervisor keeps it running after the stage and
   * the run. @default 'task'
   */
  readonly kind?: StageKind;
  /** The process of a `kind: 'service'` stage. */
  readonly service?: ServiceOptions;
  /**
   * `module#export` the `run` function was loaded from, for stages defined in
   * a pipeline file. A `thread` stage of the TS API gives it with an absolute
   * module path, e.g. `` `${path.join(__dirname, 'stages.ts')}#typing` ``.
   */
  readonly fn?: string;
  /**
   * `fn` with its module resolved to an absolute file path
   * (`/abs/stages.ts#typing`); set by `loadPipelineFile` for `thread` stages.
   * @default the module of `fn` when it is absolute
   */
  readonly fnPath?: string;
  /**
   * Where attempts run: `thread` runs each attempt in a worker thread that
   * loads `fn` (required then); inputs, params and the output cross the
   * thread boundary by structured clone.
   * @default 'none'
   */
  readonly isolation?: StageIsolation;
  /** Where attempts run: `local` (this process) or `bullmq` (worker processes). @default the pipeline's `executor` */
  readonly executor?: ExecutorOptions;
  /** One line on what the stage does. */
  readonly description?: string;
  /** Params handed to the stage; part of its cache key and idempotency key. @default {} */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Declared version; replaces the code identity in the cache key when set. */
  readonly version?: string;
  /**
   * Code the stage runs that its own text does not show, for a stage written
   * in a notebook cell: helper functions (tracked by their module when one
   * exports them, else by their text) and module paths (tracked with every
   * local module they import). A relative path resolves from the working
   * directory in the TS API, from the pipeline file's folder in a file.
   * A stage exported by a module needs none: its module graph is tracked.
   * @default []
   */
  readonly codeDeps?: readonly CodeDependency[];
  /** A disabled stage does not run; its dependents are blocked unless `skipThrough`. @default true */
  readonly enabled?: boolean;
  /** When disabled, let dependents run without this stage's output. @default false */
  readonly skipThrough?: boolean;
  /** Retry policy. */
  readonly retry?: RetryOptions;
  /** Per-attempt timeout in ms; 0 means none. @default 0 */
  readonly timeoutMs?: number;
  /** Time a stage that ignores its abort signal is given before it is abandoned (a `thread` stage's worker is then terminated), in ms. @default 1000 */
  readonly graceMs?: number;
  /** Circuit breaker; none when omitted. */
  readonly breaker?: BreakerOptions;
  /** Per-stage budgets by resource name, e.g. `{ tokens: 500 }`. @default {} */
  readonly budgets?: Readonly<Record<string, number>>;
  /** Rules checked against the output. @default [] */
  readonly validate?: readonly ValidationRule<O>[];
  /** Fail the stage when an error-severity rule fails. @default false */
  readonly failOnValidationError?: boolean;
  /** Classifies a thrown error; return undefined to use the default classification. */
  readonly classify?: (error: unknown) => ErrorClass | undefined;
  /** Files the stage reads; their content hashes are part of its cache key. @default [] */
  readonly inputs?: readonly string[];
  /** Names of params whose values are secret and must be redacted. @default [] */
  readonly secretParams?: readonly string[];
  /**
   * Runs once per period of the pipeline's `periods` (as `<id>@<period>`)
   * instead of once. @default false
   */
  readonly perPeriod?: boolean;
  /**
   * Params that change from a period on, by period: each entry is merged
   * over `params` for its period and every later one (so changing the 2027
   * entry re-runs 2027 onward only). Per-period stages only. @default {}
   */
  readonly periodParams?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The stage discovers items (documents, trials): it returns an array of
   * `{ id, hash, payload? }`, runs on every run (it reads its source), and
   * the dry run calls it to count new and changed items, so it must have no
   * side effects. @default false
   */
  readonly discovery?: boolean;
  /**
   * Id of a discovery stage: this stage runs once per item it returns
   * (`ctx.item`), and a per-item dep over the same discovery gives this
   * item's output only. @default none: the stage runs once
   */
  readonly forEach?: string;
  /** Items of a per-item stage running at once, at most. @default 8 */
  readonly concurrency?: number;
  /**
   * Share of its items a per-item stage may fail and still end, PARTIAL,
   * with its downstream running on the rest; above it the stage fails. @default 0
   */
  readonly maxFailureRate?: number;
  /**
   * How long the stage is expected to take, ms: its duration alerts fire at
   * multiples of it. @default the median of its last successful durations
   * (none before it has any: then no duration alert)
   */
  readonly expectedDurationMs?: number;
}

export type { Item, ItemSet } from '../items';

/** A period as declared: a number (a year) or a name such as `2025Q1`. */
export type PeriodValue = number | string;

/** What a period's {@link PeriodStateHash} receives. */
export interface PeriodStateContext {
  /** The pipeline's name. */
  readonly pipeline: string;
  /** The period, as declared. */
  readonly period: PeriodValue;
  /** Its key, the text form used in stage ids. */
  readonly periodKey: string;
  /** The pipeline's state folder, as stages get it; undefined when the run's store is in memory. */
  readonly stateDir?: string;
  /** Aborted when the run is cancelled. */
  readonly signal: AbortSignal;
}

/**
 * Hashes the state a period left outside dagbook's outputs (database tables,
 * files): one hash, or named parts (one per table) so that a checkpoint that
 * no longer matches can say what differs.
 */
export type PeriodStateHash = (ctx: PeriodStateContext) => string | Readonly<Record<string, string>> | Promise<string | Readonly<Record<string, string>>>;

/**
 * The period axis of a pipeline: its stages marked `perPeriod` run once per
 * period, in order, each period able to read the previous one's outputs.
 * Give `from`/`to` (an integer range) or `values` (a list).
 */
export interface PeriodsOptions {
  /** What a period is called in views and messages, e.g. `year`. */
  readonly name: string;
  /** First period of an integer range (inclusive). */
  readonly from?: number;
  /** Last period of an integer range (inclusive). */
  readonly to?: number;
  /** The periods in order, when not a range: numbers, or names of letters, digits, `_`, `-`, `.`. */
  readonly values?: readonly PeriodValue[];
  /** Hashes a period's external state into its checkpoint; verified when a later run restores the period. */
  readonly stateHash?: PeriodStateHash;
  /** Default `failOnValidationError` of per-period stages: an ERROR rule stops the period's chain. @default true */
  readonly failOnValidationError?: boolean;
}

/** The warning and critical thresholds of one alert metric; `warning` <= `critical`. */
export interface AlertLevelsOptions {
  /** Value at which a WARNING alert is raised. */
  readonly warning?: number;
  /** Value at which a CRITICAL alert is raised. */
  readonly critical?: number;
}

/** Alert thresholds by metric; a metric left out keeps its defaults. */
export type AlertThresholdsOptions = { readonly [M in AlertMetric]?: AlertLevelsOptions };

/** Delivers each alert as a JSON POST, retried with exponential backoff and jitter. */
export interface WebhookSinkOptions {
  readonly kind: 'webhook';
  /** `http:` or `https:` URL the alert is posted to. */
  readonly url: string;
  /** Extra request headers. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Retry of a failed post (network error, timeout, 408, 429 or 5xx). @default { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30000, jitter: 0.2 } */
  readonly retry?: RetryOptions;
  /** Time one post may take, ms. @default 10000 */
  readonly timeoutMs?: number;
}

/**
 * Runs a command for each alert, with the alert as JSON on its stdin and as
 * `DAGBOOK_ALERT_*` environment variables. Without `args` the command is a
 * shell command line; with `args` it is the program, run without a shell.
 */
export interface CommandSinkOptions {
  readonly kind: 'command';
  /** A shell command line, or the program when `args` are given. */
  readonly command: string;
  /** Arguments of the program. */
  readonly args?: readonly string[];
  /** Time the command may take before it is killed, ms. @default 30000 */
  readonly timeoutMs?: number;
}

/** Where alerts are delivered. */
export type AlertSinkOptions = WebhookSinkOptions | CommandSinkOptions;

/** When a run raises WARNING and CRITICAL alerts, and where they go. */
export interface AlertOptions {
  /** Thresholds by metric. @default stageDuration 2 / 5 (x expected), retries 3 / 5, tokenUse 0.8 / 0.95, itemFailureRate 0.1 / 0.25 */
  readonly thresholds?: AlertThresholdsOptions;
  /** Every alert goes to each sink. @default [] */
  readonly sinks?: readonly AlertSinkOptions[];
  /** How long the end of a run waits for deliveries still in flight, ms. @default 10000 */
  readonly drainMs?: number;
}

/** What to do when a stage fails for good. */
export type FailurePolicy = 'fail-fast' | 'keep-going';

/** A whole pipeline. */
export interface PipelineDefinition {
  /** Name; also the folder under `state/`. */
  readonly name: string;
  /** One line on what the pipeline does. */
  readonly description?: string;
  /** The stages. */
  readonly stages: readonly StageDefinition<any>[];
  /** Stages running at once, at most. @default 4 */
  readonly maxParallel?: number;
  /** Where every stage's attempts run unless the stage sets its own. @default { kind: 'local' } */
  readonly executor?: ExecutorOptions;
  /** @default 'fail-fast' */
  readonly failurePolicy?: FailurePolicy;
  /** Global budgets by resource name. @default {} */
  readonly budgets?: Readonly<Record<string, number | BudgetOptions>>;
  /** Defaults applied to every stage that does not set its own. */
  readonly defaults?: {
    readonly retry?: RetryOptions;
    readonly timeoutMs?: number;
    readonly graceMs?: number;
  };
  /** Secret values by name, read through `ctx.secret(name)`; redacted everywhere. @default {} */
  readonly secrets?: Readonly<Record<string, string>>;
  /**
   * Declared secrets without a value, by name: the environment variable that
   * was unset when a file was loaded for reading (`secrets: 'names'`). The plan
   * names them; a run refuses to start with `SECRET_MISSING`. Set by loading, not by hand.
   * @default {}
   */
  readonly unsetSecrets?: Readonly<Record<string, string>>;
  /** The period axis of the stages marked `perPeriod`. */
  readonly periods?: PeriodsOptions;
  /**
   * Overlays by environment name (`dev`, `staging`, `prod`: letters, digits,
   * `_`, `-`), merged over the rest of the definition when that environment
   * is selected (`openWorkbench(def, { env: 'prod' })`, `--env prod`).
   * @default {}
   */
  readonly environments?: Readonly<Record<string, PipelineOverlay>>;
  /** The environment this definition was merged for; set by selecting one, not by hand. */
  readonly environment?: ActiveEnvironment;
  /** Alert thresholds and sinks. @default the default thresholds, no sink */
  readonly alerts?: AlertOptions;
}

/**
 * What an environment changes: any top-level field of the pipeline, merged
 * over it (objects key by key at any depth, arrays and other values
 * replaced), and `stages` as a map by stage id, each merged over that stage.
 */
export type PipelineOverlay = Omit<Partial<PipelineDefinition>, 'stages' | 'environments' | 'environment'> & {
  /** Fields of stages by stage id, e.g. `{ stress: { enabled: true } }`. */
  readonly stages?: Readonly<Record<string, Partial<Omit<StageDefinition<any>, 'id'>>>>;
};

/** One overlay applied to a definition: where it came from and what it set. */
export interface AppliedOverlay {
  /** `environments.prod` (inline), or the overlay file as named (`pipelines/trials.prod.yaml`). */
  readonly source: string;
  /** The fields it set, as dotted paths (`stages.stress.enabled`), sorted. */
  readonly paths: readonly string[];
}

/** The environment a definition was merged for; plain JSON, carried into the plan and recorded on runs. */
export interface ActiveEnvironment {
  /** Its name, e.g. `prod`. */
  readonly name: string;
  /** The overlays merged, in order (inline first, then the file). */
  readonly overlays: readonly AppliedOverlay[];
}
