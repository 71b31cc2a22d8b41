import type { ErrorClass } from '../errors';
import type { ActiveEnvironment, FailurePolicy, PeriodStateHash, Severity, StageFn, StageIsolation, ValidationRule } from '../definition/types';
import type { AlertMetric } from '../events/event';

/**
 * The compiled plan: plain JSON data (no functions, no classes), so it can be
 * hashed, diffed, stored and printed in a cell. Every option is resolved to a
 * value here; downstream code trusts these types.
 */

/** Fully resolved retry policy. */
export interface PlanRetry {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Delay before the second attempt, ms (unused when `delaysMs` is set). */
  readonly baseDelayMs: number;
  /** Cap on the exponential delay, ms (unused when `delaysMs` is set). */
  readonly maxDelayMs: number;
  /** The delays as a schedule, ms: after failed attempt n, `delaysMs[n-1]`, the last one past the end; absent for the exponential backoff. */
  readonly delaysMs?: readonly number[];
  /** Jitter fraction in [0, 1]. */
  readonly jitter: number;
  /** Floor on any delay, ms. */
  readonly minDelayMs: number;
  /** Error classes that are retried. */
  readonly retryOn: readonly ErrorClass[];
}

/** Fully resolved circuit breaker. */
export interface PlanBreaker {
  /** Stages sharing a key share one breaker. */
  readonly key: string;
  /** Consecutive failures that open it. */
  readonly failureThreshold: number;
  /** Wait before a half-open probe, ms. */
  readonly recoveryTimeoutMs: number;
}

/** A stage's attempts as BullMQ jobs, resolved. */
export interface PlanBullmqExecutor {
  readonly kind: 'bullmq';
  /** Redis URL. */
  readonly connection: string;
  /** Queue name. */
  readonly queue: string;
  /** How long an attempt waits for an unreachable Redis before it fails, ms. */
  readonly unreachableTimeoutMs: number;
}

/** How a planned service is judged ready, resolved. */
export type PlanServiceReadiness =
  | { readonly kind: 'http'; readonly url: string; readonly timeoutMs: number }
  | { readonly kind: 'log'; readonly pattern: string; readonly timeoutMs: number }
  | { readonly kind: 'file'; readonly path: string; readonly timeoutMs: number };

/** The process of a service stage, resolved (see `ServiceOptions` for each field). */
export interface PlanService {
  /** Program to run. */
  readonly command: string;
  /** Its arguments (item placeholders not yet replaced). */
  readonly args: readonly string[];
  /** Environment set over the supervisor's. */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute working folder, when given. */
  readonly cwd?: string;
  /** Readiness probe; null: ready once started. */
  readonly readiness: PlanServiceReadiness | null;
  /** Health check while up; null: none. */
  readonly health: { readonly kind: 'http'; readonly url: string; readonly everyMs: number; readonly failures: number; readonly timeoutMs: number } | null;
  /** Restarts after a crash. */
  readonly restart: { readonly maxRestarts: number; readonly windowMs: number; readonly backoff: { readonly baseMs: number; readonly maxMs: number } };
  /** Log rotation. */
  readonly logs: { readonly maxBytes: number; readonly keep: number };
  /** SIGTERM to SIGKILL, ms. */
  readonly stopGraceMs: number;
}

/** One stage of the plan. */
export interface PlanStage {
  /** Unique stage id. */
  readonly id: string;
  /** Stages this one needs, in definition order. */
  readonly deps: readonly string[];
  /** Stages that need this one, in plan order. */
  readonly dependents: readonly string[];
  /** One line on what the stage does. */
  readonly description?: string;
  /** `module#export` for stages defined in a file. */
  readonly fn?: string;
  /** Absolute `module#export` a worker thread loads the stage from; set for `thread` stages. */
  readonly fnPath?: string;
  /** Where attempts run: on the main thread (`none`) or in a worker thread (`thread`). */
  readonly isolation: StageIsolation;
  /** Runs attempts as BullMQ jobs on worker processes; absent when they run in this process (as `isolation` says). */
  readonly executor?: PlanBullmqExecutor;
  /** Params (secret ones included: redact before printing). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Names of secret params. */
  readonly secretParams: readonly string[];
  /** Declared version, when given. */
  readonly version?: string;
  /** sha256 of the stage's code identity (the canonical JSON of `code.parts`, or of the function's text when `code` is absent). */
  readonly codeHash: string;
  /** What the stage's code identity tracks and its parts as last computed; absent when `version` replaces it (and in hand-built plans, whose key then uses `codeHash`). */
  readonly code?: PlanCode;
  /** False when disabled in config (or from the dashboard: see `enabledFrom`). */
  readonly enabled: boolean;
  /** Set when `enabled` is not the definition's but an override kept with the state (`stage-overrides.ts`). */
  readonly enabledFrom?: 'dashboard';
  /** Disabled stage lets dependents run. */
  readonly skipThrough: boolean;
  /** Retry policy. */
  readonly retry: PlanRetry;
  /** Per-attempt timeout in ms; 0 means none. */
  readonly timeoutMs: number;
  /** Grace after abort before abandoning, ms. */
  readonly graceMs: number;
  /** Circuit breaker, or null. */
  readonly breaker: PlanBreaker | null;
  /** Per-stage budgets by resource. */
  readonly budgets: Readonly<Record<string, number>>;
  /** Validation rules (name and severity; the checks live in the registry). */
  readonly validation: readonly { readonly name: string; readonly severity: Severity }[];
  /** Fail on an error-severity validation failure. */
  readonly failOnValidationError: boolean;
  /** Declared input files, as given. */
  readonly inputs: readonly string[];
  /** The id as written, on a stage expanded per period (`hires` for `hires@2027`). */
  readonly template?: string;
  /** The period key, on a stage expanded per period (`2027`). */
  readonly period?: string;
  /** Set on a discovery stage: it runs on every run and returns items. */
  readonly discovery?: true;
  /** The discovery stage a per-item stage runs over (also its first dep). */
  readonly forEach?: string;
  /** Deps of a per-item stage that are per-item stages over the same discovery: read item by item. */
  readonly itemDeps?: readonly string[];
  /** Items of a per-item stage running at once. */
  readonly concurrency?: number;
  /** Share of its items a per-item stage may fail and end PARTIAL. */
  readonly maxFailureRate?: number;
  /** `service`: the stage starts {@link PlanStage.service} and succeeds once it is ready; absent for a task. */
  readonly kind?: 'service';
  /** The process of a service stage. */
  readonly service?: PlanService;
  /** How long the stage is expected to take, ms, when declared: its duration alerts fire at multiples of it. */
  readonly expectedDurationMs?: number;
  /** `checkpoint`: the synthetic last stage of a period, whose output is the period's checkpoint. */
  readonly role?: 'checkpoint';
  /**
   * Where each dep's output goes in the stage's inputs, when not under the
   * dep's id: `{ key }`, or `{ key, period }` for `inputs[key][period]`, or
   * `{ key: null }` for a dep whose output is not an input (a period's
   * checkpoint). Deps not listed go under their id.
   */
  readonly inputKeys?: Readonly<Record<string, PlanInputKey>>;
}

/** Where a dep's output goes in a stage's inputs; see {@link PlanStage.inputKeys}. */
export interface PlanInputKey {
  /** The input's name, or null when the output is not passed. */
  readonly key: string | null;
  /** For a period-less stage reading every period of a per-period stage: the period key under `inputs[key]`. */
  readonly period?: string;
}

/** The period axis of a compiled pipeline. */
export interface PlanPeriods {
  /** What a period is called (`year`). */
  readonly name: string;
  /** The periods' keys (the stage id suffixes), in order. */
  readonly keys: readonly string[];
  /** The periods as declared, in the same order. */
  readonly values: readonly (number | string)[];
  /** Whether the pipeline hashes each period's external state into its checkpoint. */
  readonly stateHash: boolean;
}

/**
 * A stage's code identity: what it tracks, and the cache-key parts it gave
 * when last computed (at compile time, then again on every run and dry run).
 */
export interface PlanCode {
  /** Folder that file paths in part names are relative to: the nearest folder above the working directory holding a package.json. */
  readonly root: string;
  /** Parts that depend on no file: `code:fn` (the function's text hash, or `<module>#<export>`) and `code:dep:<name>` per declared code dependency. */
  readonly fixed: Readonly<Record<string, string>>;
  /** Absolute paths of the modules whose graphs are tracked: the stage's module and its module code dependencies. */
  readonly modules: readonly string[];
  /** Packages the function's captured import bindings name (`dagbook_1`): the package.json each resolves to, by package name; absent when none. */
  readonly packages?: Readonly<Record<string, string>>;
  /** The parts as last computed: `fixed` plus `code:file:<path>` per module file and `code:pkg:<name>` (the version) per imported package. */
  readonly parts: Readonly<Record<string, string>>;
  /** Names the stage function captures that nothing tracks (not globals, not declared in `codeDeps`), sorted. */
  readonly untracked: readonly string[];
  /** Why the captured names are unknown, when the function's source could not be parsed (its text is still tracked). */
  readonly unparsed?: string;
}

/** A global budget. */
export interface PlanBudget {
  /** Amount available to the run. */
  readonly limit: number;
  /** Fraction of the limit that triggers a warning. */
  readonly criticalRatio: number;
}

/** The compiled pipeline. */
export interface Plan {
  /** Pipeline name. */
  readonly name: string;
  /** One line on the pipeline. */
  readonly description?: string;
  /** Stages by id. */
  readonly stages: Readonly<Record<string, PlanStage>>;
  /** A topological order (deps before dependents; ties in definition order). */
  readonly order: readonly string[];
  /** Stages with no deps. */
  readonly roots: readonly string[];
  /** Stages running at once, at most. */
  readonly maxParallel: number;
  /** What a failure does to the rest of the run. */
  readonly failurePolicy: FailurePolicy;
  /** Global budgets by resource. */
  readonly budgets: Readonly<Record<string, PlanBudget>>;
  /** Names of the secrets declared for stages, those whose value is unset included (never the values). */
  readonly secretNames: readonly string[];
  /** The period axis, when stages run per period. */
  readonly periods?: PlanPeriods;
  /** The environment the definition was merged for, and what its overlays set; absent when none was selected. */
  readonly environment?: ActiveEnvironment;
  /** Alert thresholds and sinks, defaults filled in; absent in a hand-built plan (then the defaults apply, with no sink). */
  readonly alerts?: PlanAlerts;
}

/** The WARNING and CRITICAL values of one alert metric. */
export interface PlanAlertLevels {
  readonly warning: number;
  readonly critical: number;
}

/** A webhook alert sink with its retry and timeout resolved. */
export interface PlanWebhookSink {
  readonly kind: 'webhook';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly retry: PlanRetry;
  /** Time one post may take, ms. */
  readonly timeoutMs: number;
}

/** A command alert sink with its timeout resolved. */
export interface PlanCommandSink {
  readonly kind: 'command';
  readonly command: string;
  /** Arguments of the program; absent for a shell command line. */
  readonly args?: readonly string[];
  /** Time the command may take before it is killed, ms. */
  readonly timeoutMs: number;
}

/** Where alerts are delivered. */
export type PlanAlertSink = PlanWebhookSink | PlanCommandSink;

/** A pipeline's alerting: thresholds by metric, sinks, and how long a run's end waits for deliveries. */
export interface PlanAlerts {
  /** Thresholds by metric: `stageDuration` in multiples of the expected duration, `retries` a count, the others ratios. */
  readonly thresholds: Readonly<Record<AlertMetric, PlanAlertLevels>>;
  /** Every alert goes to each. */
  readonly sinks: readonly PlanAlertSink[];
  /** How long the end of a run waits for deliveries still in flight, ms. */
  readonly drainMs: number;
}

/** The functions behind a plan, keyed by stage id. Not JSON: lives beside the plan. */
export interface StageRegistry {
  readonly [stageId: string]: {
    readonly run: StageFn;
    readonly validate: readonly ValidationRule[];
    readonly classify?: (error: unknown) => ErrorClass | undefined;
  };
}

/** A plan together with its functions and secret values: what a run needs. */
export interface CompiledPipeline {
  /** The plain-JSON plan. */
  readonly plan: Plan;
  /** Stage functions by id. */
  readonly registry: StageRegistry;
  /** Secret values by name (kept out of the plan). */
  readonly secrets: Readonly<Record<string, string>>;
  /** Declared secrets without a value: the variable, by secret name (see `PipelineDefinition.unsetSecrets`); a run refuses to start while any is here. */
  readonly unsetSecrets?: Readonly<Record<string, string>>;
  /** Hashes a period's external state, when the pipeline declares one (not JSON: lives beside the plan). */
  readonly periodStateHash?: PeriodStateHash;
}
