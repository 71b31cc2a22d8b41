import * as nodePath from 'node:path';
import { planInvalidError, type PlanIssue } from '../errors';
import { pipelineDefinitionSchema } from '../definition/schema';
import { resolveAlerts } from './alerts';
import { definitionStageEntries, periodEdges } from '../definition/period-refs';
import { itemIssues } from '../definition/item-refs';
import type { ActiveEnvironment, BudgetOptions, ExecutorOptions, PeriodValue, PipelineDefinition, RetryOptions, StageDefinition } from '../definition/types';
import { attributeIssues } from '../definition/environments';
import { serviceIssues } from '../definition/service-refs';
import { planIssuesFromZod } from '../definition/zod-issues';
import { canonicalJson, sha256 } from '../canonical-json';
import { FN_REFERENCE_PATTERN, formatFnReference, parseFnReference } from '../fn-reference';
import { isRecord } from '../object-kind';
import {
  DEFAULT_CRITICAL_RATIO,
  DEFAULT_FAILURE_POLICY,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_GRACE_MS,
  DEFAULT_ISOLATION,
  DEFAULT_ITEM_CONCURRENCY,
  DEFAULT_MAX_PARALLEL,
  DEFAULT_QUEUE,
  DEFAULT_UNREACHABLE_TIMEOUT_MS,
  DEFAULT_RECOVERY_TIMEOUT_MS,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
} from './defaults';
import { codeContext, codeHashOf, fingerprintFunction, stageCode, type CodeContext } from './fingerprint';
import { topologicalOrder } from '../graph/graph';
import { graphIssues } from '../graph/graph-issues';
import { expandStages, planPeriods, type ExpandedStage } from './periods';
import { periodCheckpointRun } from './period-checkpoint';
import { resolveService, serviceVersion } from './service-plan';
import type { CompiledPipeline, Plan, PlanBudget, PlanBullmqExecutor, PlanCode, PlanRetry, PlanStage, StageRegistry } from './plan';

/**
 * Compiles a pipeline definition into a plain-JSON {@link Plan} and a
 * registry of its functions. Validates once, here: every problem (bad field,
 * bad policy, unknown dep, duplicate id, cycle) is collected and reported in
 * one error; the plan's consumers then trust its types. Every option is
 * resolved to a value (see `defaults.ts`); a stage's `retry` fields fall back
 * to the pipeline's `defaults.retry`, then to the built-in defaults. A
 * `thread` stage gets `fnPath`, the absolute `module#export` a worker thread
 * loads it from (see {@link resolveThreadFn}). A stage without a `version`
 * gets its code identity (`code`, see `fingerprint.ts`): a relative
 * `codeDeps` path resolves from the working directory.
 *
 * @throws DagbookError `PLAN_INVALID` with `data.issues` listing each problem
 *   (codes `PLAN_INVALID_FIELD` (also for a `codeDeps` path naming no file), `PLAN_INVALID_POLICY`, `PLAN_UNKNOWN_DEP`,
 *   `PLAN_DUPLICATE_ID`, `PLAN_CYCLE`).
 */
export function compilePipeline(def: PipelineDefinition): CompiledPipeline {
  const issues: PlanIssue[] = [];
  const parsed = pipelineDefinitionSchema.safeParse(def);
  if (!parsed.success) issues.push(...planIssuesFromZod(parsed.error, def));
  const edges = periodEdges(definitionStageEntries(def), isRecord(def) ? def.periods : undefined);
  issues.push(...edges.issues, ...itemIssues(definitionStageEntries(def)), ...serviceIssues(definitionStageEntries(def), false), ...graphIssues(edges.edges));
  const threadFns = new Map<string, string>();
  const codes = new Map<string, PlanCode>();
  if (parsed.success) {
    let context: CodeContext | undefined;
    for (const stage of def.stages) {
      // A service stage's version is its resolved service (`service-plan.ts`): it has no code of its own.
      if (stage.kind === 'service') continue;
      if (stage.version === undefined) {
        const code = stageCode(stage, (context ??= codeContext()));
        if (Array.isArray(code)) issues.push(...code);
        else codes.set(stage.id, code);
      }
      const remote = (stage.executor ?? def.executor)?.kind === 'bullmq';
      if (stage.isolation !== 'thread' && !remote) continue;
      const resolved = resolveThreadFn(stage, remote ? 'executor' : 'isolation');
      if (typeof resolved === 'string') threadFns.set(stage.id, resolved);
      else issues.push(resolved);
    }
  }
  if (issues.length > 0 || !parsed.success) throw planInvalidError(attributeIssues(issues, isRecord(def) ? def.environment : undefined));
  // The schema checked every field; the input itself keeps the functions and params untouched.
  return build(def, threadFns, codes);
}

/**
 * The absolute `module#export` a worker thread loads a `thread` stage from,
 * and a queue worker a `bullmq` stage:
 * its `fnPath` when set (by `loadPipelineFile`), else its `fn` when the
 * module is an absolute path of a file that exists (a worker has no folder to
 * resolve a relative path from). Otherwise a `PLAN_INVALID_FIELD` issue at
 * `stages.<id>.isolation` (`stages.<id>.executor` for a `bullmq` stage) saying why.
 */
export function resolveThreadFn(stage: Pick<StageDefinition, 'id' | 'fn' | 'fnPath'>, where: 'isolation' | 'executor' = 'isolation'): string | PlanIssue {
  const { id } = stage;
  const issue = (why: string): PlanIssue => ({
    code: 'PLAN_INVALID_FIELD',
    path: `stages.${id}.${where}`,
    message:
      where === 'isolation'
        ? `Stage \`${id}\` has \`isolation: thread\` but ${why}: a worker thread loads the stage from \`fn\` (\`module#export\`, with an absolute module path, or in a pipeline file a path relative to the file)`
        : `Stage \`${id}\` runs on the \`bullmq\` executor but ${why}: a queue worker loads the stage from \`fn\` (\`module#export\`, with an absolute module path, or in a pipeline file a path relative to the file); it cannot run a function defined in a notebook cell`,
    stageId: id,
  });
  const ref = stage.fnPath ?? stage.fn;
  if (ref === undefined) return issue('no `fn`');
  const field = stage.fnPath === undefined ? 'fn' : 'fnPath';
  const reference = FN_REFERENCE_PATTERN.test(ref) ? parseFnReference(ref) : undefined;
  if (!reference) return issue(`its \`${field}\` is not \`module#export\`, got \`${JSON.stringify(ref)}\``);
  const modulePath = reference.module;
  if (!nodePath.isAbsolute(modulePath)) return issue(`the module of its \`${field}\` is not an absolute path, got \`${JSON.stringify(ref)}\``);
  let file: string;
  try {
    // Fills in an extension the path leaves out, as the worker's `require` will.
    file = require.resolve(modulePath);
  } catch {
    return issue(`the module of its \`${field}\` cannot be found, got \`${JSON.stringify(ref)}\``);
  }
  return formatFnReference({ module: file, exportName: reference.exportName });
}

/** The plan's `executor` field of a stage: set only for `bullmq` (a local stage's plan is as it always was). */
function planExecutor(executor: ExecutorOptions | undefined): { executor?: PlanBullmqExecutor } {
  if (executor?.kind !== 'bullmq') return {};
  return {
    executor: {
      kind: 'bullmq',
      connection: executor.connection,
      queue: executor.queue ?? DEFAULT_QUEUE,
      unreachableTimeoutMs: executor.unreachableTimeoutMs ?? DEFAULT_UNREACHABLE_TIMEOUT_MS,
    },
  };
}

/** Hex sha256 of the plan's canonical JSON: equal plans, equal hashes. */
export function planHash(plan: Plan): string {
  return sha256(canonicalJson(plan));
}

/** The object without its undefined properties, so spreading it never overwrites a default with undefined. */
function defined<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * A stage's retry: each field from the stage, else the pipeline's default,
 * else the built-in one. Whether the delays are a schedule (`delaysMs`) or
 * the exponential backoff is up to the more specific of the two that sets any
 * delay field (`delaysMs`, `baseDelayMs`, `maxDelayMs`): a stage with its own
 * `baseDelayMs` under a default schedule backs off exponentially.
 */
function resolveRetry(pipelineDefault: RetryOptions | undefined, own: RetryOptions | undefined): PlanRetry {
  const merged = { ...DEFAULT_RETRY, ...defined(pipelineDefault), ...defined(own) };
  const delaysMs = [own, pipelineDefault].find((layer) => layer?.delaysMs !== undefined || layer?.baseDelayMs !== undefined || layer?.maxDelayMs !== undefined)?.delaysMs;
  return {
    maxAttempts: merged.maxAttempts,
    baseDelayMs: merged.baseDelayMs,
    maxDelayMs: merged.maxDelayMs,
    ...(delaysMs === undefined ? {} : { delaysMs: [...delaysMs] }),
    jitter: merged.jitter,
    minDelayMs: merged.minDelayMs,
    retryOn: [...merged.retryOn],
  };
}

function resolveBudget(budget: number | BudgetOptions): PlanBudget {
  return typeof budget === 'number'
    ? { limit: budget, criticalRatio: DEFAULT_CRITICAL_RATIO }
    : { limit: budget.limit, criticalRatio: budget.criticalRatio ?? DEFAULT_CRITICAL_RATIO };
}


function build(def: PipelineDefinition, threadFns: ReadonlyMap<string, string>, codes: ReadonlyMap<string, PlanCode>): CompiledPipeline {
  const stages = expandStages(def.stages, def.periods);
  // Maps, and objects written with Object.fromEntries: an id never meets an inherited property.
  const depsOf = new Map(stages.map((s) => [s.id, [...s.deps]]));
  const order = topologicalOrder({ ids: stages.map((s) => s.id), deps: Object.fromEntries(depsOf) });
  const dependentsOf = new Map(order.map((id) => [id, [] as string[]]));
  // Walking in plan order fills each list in plan order.
  for (const id of order) for (const dep of depsOf.get(id)!) dependentsOf.get(dep)!.push(id);

  const periods = def.periods === undefined ? undefined : planPeriods(def.periods);
  const planStages: Record<string, PlanStage> = Object.fromEntries(
    stages.map((stage) => {
      const source = stage.source;
      const dependents = dependentsOf.get(stage.id)!;
      const planned =
        source === undefined
          ? checkpointStage(def, stage, dependents)
          : planStage(def, source, stage, dependents, threadFns.get(source.id), codes.get(source.id));
      return [stage.id, planned];
    }),
  );
  const registry: StageRegistry = Object.fromEntries(
    stages.map((stage): [string, StageRegistry[string]] => {
      const source = stage.source;
      if (source === undefined) {
        return [stage.id, { run: periodCheckpointRun(def.name, stage.periodValue as PeriodValue, stage.period as string, def.periods?.stateHash), validate: [] }];
      }
      return [stage.id, { run: source.run, validate: [...(source.validate ?? [])], ...(source.classify === undefined ? {} : { classify: source.classify }) }];
    }),
  );

  const plan: Plan = {
    name: def.name,
    ...(def.description === undefined ? {} : { description: def.description }),
    stages: planStages,
    order,
    roots: order.filter((id) => depsOf.get(id)!.length === 0),
    maxParallel: def.maxParallel ?? DEFAULT_MAX_PARALLEL,
    failurePolicy: def.failurePolicy ?? DEFAULT_FAILURE_POLICY,
    budgets: Object.fromEntries(Object.entries(def.budgets ?? {}).map(([name, b]) => [name, resolveBudget(b)])),
    secretNames: [...new Set([...Object.keys(def.secrets ?? {}), ...Object.keys(def.unsetSecrets ?? {})])],
    ...(periods === undefined ? {} : { periods }),
    // A JSON copy: the plan is plain data.
    ...(def.environment === undefined ? {} : { environment: JSON.parse(JSON.stringify(def.environment)) as ActiveEnvironment }),
    alerts: resolveAlerts(def.alerts),
  };
  return {
    plan,
    registry,
    secrets: { ...(def.secrets ?? {}) },
    ...(def.unsetSecrets === undefined || Object.keys(def.unsetSecrets).length === 0 ? {} : { unsetSecrets: { ...def.unsetSecrets } }),
    ...(def.periods?.stateHash === undefined ? {} : { periodStateHash: def.periods.stateHash }),
  };
}

/** The item fields of a stage's plan entry: a discovery, or a per-item stage with its item deps and limits. */
function itemFields(def: PipelineDefinition, stage: StageDefinition): Partial<PlanStage> {
  if (stage.discovery === true) return { discovery: true };
  if (stage.forEach === undefined) return {};
  const forEach = stage.forEach;
  const itemDeps = (stage.deps ?? []).filter((dep) => def.stages.some((s) => s.id === dep && s.forEach === forEach));
  return {
    forEach,
    itemDeps: [...new Set(itemDeps)],
    concurrency: stage.concurrency ?? DEFAULT_ITEM_CONCURRENCY,
    maxFailureRate: stage.maxFailureRate ?? 0,
  };
}

/** The period fields of an expanded stage's plan entry. */
function periodFields(stage: ExpandedStage): Partial<PlanStage> {
  return {
    ...(stage.template === undefined ? {} : { template: stage.template }),
    ...(stage.period === undefined ? {} : { period: stage.period }),
    ...(stage.role === undefined ? {} : { role: stage.role }),
    ...(stage.inputKeys === undefined || Object.keys(stage.inputKeys).length === 0 ? {} : { inputKeys: stage.inputKeys }),
  };
}

/**
 * A period's checkpoint stage: no params, no retries beyond the defaults; its
 * code identity is the checkpoint format's version and the hash of the text
 * of the pipeline's `stateHash`, so a changed hash function checkpoints again.
 */
function checkpointStage(def: PipelineDefinition, stage: ExpandedStage, dependents: string[]): PlanStage {
  const stateHash = def.periods?.stateHash;
  const version = `period-checkpoint/1${stateHash === undefined ? '' : `:${fingerprintFunction(stateHash)}`}`;
  return {
    id: stage.id,
    deps: [...stage.deps],
    dependents,
    description: `Checkpoint of ${def.periods?.name ?? 'period'} ${stage.period}: the cache keys and output hashes of its stages${stateHash === undefined ? '' : ' and the hash of its external state'}`,
    isolation: DEFAULT_ISOLATION,
    params: {},
    secretParams: [],
    version,
    codeHash: sha256(version),
    enabled: true,
    skipThrough: false,
    retry: resolveRetry(def.defaults?.retry, undefined),
    timeoutMs: def.defaults?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    graceMs: def.defaults?.graceMs ?? DEFAULT_GRACE_MS,
    breaker: null,
    budgets: {},
    validation: [],
    failOnValidationError: false,
    inputs: [],
    ...periodFields(stage),
  };
}

function planStage(
  def: PipelineDefinition,
  stage: StageDefinition,
  expanded: ExpandedStage,
  dependents: string[],
  fnPath: string | undefined,
  code: PlanCode | undefined,
): PlanStage {
  const defaults = def.defaults ?? {};
  // A relative `cwd` resolves from the working directory, as `codeDeps` paths do.
  const service = stage.kind === 'service' && stage.service !== undefined ? resolveService(stage.service, process.cwd()) : undefined;
  const version = service === undefined ? stage.version : serviceVersion(service, stage.version);
  return {
    id: expanded.id,
    deps: [...expanded.deps],
    dependents,
    ...(stage.description === undefined ? {} : { description: stage.description }),
    ...(stage.fn === undefined ? {} : { fn: stage.fn }),
    ...(fnPath === undefined ? {} : { fnPath }),
    isolation: stage.isolation ?? DEFAULT_ISOLATION,
    ...(service === undefined ? planExecutor(stage.executor ?? def.executor) : {}),
    // A JSON copy: the plan must not change when the caller mutates its params later.
    params: JSON.parse(JSON.stringify(expanded.params)) as Record<string, unknown>,
    secretParams: [...(stage.secretParams ?? [])],
    ...(version === undefined ? {} : { version }),
    // A versioned stage has no code identity: its version stands for it.
    codeHash: service !== undefined ? sha256(version as string) : code === undefined ? fingerprintFunction(stage.run) : codeHashOf(code.parts),
    ...(code === undefined ? {} : { code }),
    enabled: stage.enabled ?? true,
    skipThrough: stage.skipThrough ?? false,
    retry: resolveRetry(defaults.retry, stage.retry),
    timeoutMs: stage.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    graceMs: stage.graceMs ?? defaults.graceMs ?? DEFAULT_GRACE_MS,
    breaker:
      stage.breaker === undefined
        ? null
        : {
            // Shared by every period of a per-period stage: they call the same service.
            key: stage.breaker.key ?? stage.id,
            failureThreshold: stage.breaker.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD,
            recoveryTimeoutMs: stage.breaker.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS,
          },
    budgets: { ...(stage.budgets ?? {}) },
    validation: (stage.validate ?? []).map((rule) => ({ name: rule.name, severity: rule.severity ?? 'error' })),
    failOnValidationError: stage.failOnValidationError ?? (stage.perPeriod === true ? (def.periods?.failOnValidationError ?? true) : false),
    inputs: [...(stage.inputs ?? [])],
    ...(stage.expectedDurationMs === undefined ? {} : { expectedDurationMs: stage.expectedDurationMs }),
    ...periodFields(expanded),
    ...itemFields(def, stage),
    ...(service === undefined ? {} : { kind: 'service' as const, service }),
  };
}
