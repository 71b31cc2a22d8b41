import * as path from 'node:path';
import { systemClock, type Clock } from '../clock';
import type { FailurePolicy } from '../definition/types';
import { DagbookError, errorMessage } from '../errors';
import type { Emit, EventListener } from '../events/event';
import { EventBus } from '../events/event-bus';
import { BudgetLedger } from '../execute/budget';
import { BreakerRegistry } from '../execute/circuit-breaker';
import { createRedactor } from '../execute/redact';
import { executeStage, type StageOutcome } from '../execute/stage-executor';
import { idempotencyKey } from '../execute/idempotency';
import { decideStage, type StageDecision } from '../plan/decide';
import { hashInputFiles } from '../plan/input-files';
import type { CompiledPipeline, PlanStage } from '../plan/plan';
import { assertOutputsAvailable, selectStages, type SelectionOptions } from '../plan/select';
import { systemRandom, type RandomSource } from '../random';
import { Scheduler } from '../schedule/scheduler';
import { MemoryStore } from '../store/memory-store';
import type { CacheEntry, RunRecord, RunStatus, RunStore, StageRecord, StageStatus } from '../store/run-store';
import { createRunEmitter, newRunId } from './run-events';
import { runMetrics, type RunMetrics } from './run-metrics';
import { verifyKeptCheckpoints } from './checkpoint-check';

/**
 * Runs a compiled pipeline: selects the stages, decides for each whether it
 * is up to date (restored from cache) or runs, schedules the ones that run
 * with bounded parallelism (critical path first), executes each through the
 * stage executor, and checkpoints every transition in the store. Emits
 * events; never prints.
 */

/** Options of {@link startRun}. */
export interface RunOptions {
  /** Where records, outputs and caches go. @default a new MemoryStore */
  readonly store?: RunStore;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Jitter source. @default Math.random */
  readonly random?: RandomSource;
  /** Id of a new run. @default generated from the time */
  readonly runId?: string;
  /** Resume this run: completed stages are kept, the rest run (an interrupted stage with its same idempotency key). */
  readonly resume?: string;
  /** Which stages. @default all */
  readonly selection?: SelectionOptions;
  /** Re-run regardless of cache: `true` for every selected stage, or these stage ids. @default false */
  readonly force?: boolean | readonly string[];
  /** Restore up-to-date stages from cache. @default true */
  readonly cache?: boolean;
  /** Overrides the plan's `maxParallel`. */
  readonly maxParallel?: number;
  /** Overrides the plan's failure policy. */
  readonly failurePolicy?: FailurePolicy;
  /** Cancels the run when aborted. */
  readonly signal?: AbortSignal;
  /** Subscribed before the first event. @default [] */
  readonly listeners?: readonly EventListener[];
  /** Folder that declared input files are relative to. @default process.cwd() */
  readonly baseDir?: string;
}

/** What a run produced. */
export interface RunResult {
  /** Run id. */
  readonly runId: string;
  /** Final state. */
  readonly status: RunStatus;
  /** Why it failed or was cancelled, when it did. */
  readonly reason?: string;
  /** Every stage's final record (disabled and blocked stages included). */
  readonly stages: Readonly<Record<string, StageRecord>>;
  /** Output hashes of the stages that succeeded or were restored. */
  readonly outputHashes: Readonly<Record<string, string>>;
  /** Figures of the run. */
  readonly metrics: RunMetrics;
}

/** A run in progress. */
export interface RunHandle {
  /** Run id. */
  readonly runId: string;
  /** Subscribe here to follow the run. */
  readonly events: EventBus;
  /** Cancels the run: running stages are aborted, no new ones start; it ends CANCELLED. */
  cancel(reason?: string): void;
  /** Resolves when the run has ended (it never rejects for a stage failure). */
  readonly result: Promise<RunResult>;
}

/** Runs a pipeline to its end. */
export function runPipeline(compiled: CompiledPipeline, options: RunOptions = {}): Promise<RunResult> {
  return startRun(compiled, options).result;
}

/**
 * Starts a run and returns its handle at once.
 * @throws via `result`: SELECTION_UNKNOWN_STAGE, SELECTION_MISSING_OUTPUTS, INVALID_OPTION
 */
export function startRun(compiled: CompiledPipeline, options: RunOptions = {}): RunHandle {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const runId = options.resume ?? options.runId ?? newRunId(clock.now(), random);
  const bus = new EventBus();
  for (const listener of options.listeners ?? []) bus.subscribe(listener);
  const stop = new AbortController();
  let cancelReason: string | undefined;
  const cancel = (reason = 'cancelled by the user') => {
    if (stop.signal.aborted) return;
    cancelReason = reason;
    stop.abort(new DagbookError('RUN_CANCELLED', `Run ${runId} was cancelled: ${reason}`));
  };
  if (options.signal) {
    if (options.signal.aborted) cancel(errorMessage(options.signal.reason ?? 'aborted'));
    else options.signal.addEventListener('abort', () => cancel(errorMessage(options.signal?.reason ?? 'aborted')), { once: true });
  }
  const run = new Run(compiled, options, { clock, random, runId, bus, stop, cancelReason: () => cancelReason });
  return { runId, events: bus, cancel, result: run.execute() };
}

interface RunContext {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly runId: string;
  readonly bus: EventBus;
  readonly stop: AbortController;
  readonly cancelReason: () => string | undefined;
}

const DONE: readonly StageStatus[] = ['SUCCEEDED', 'CACHED'];

/** One run's mutable state; lives only as long as the run. */
class Run {
  private readonly store: RunStore;
  private emit: Emit;
  private readonly records: Record<string, StageRecord> = {};
  private readonly outputHashes: Record<string, string> = {};
  private readonly outputs = new Map<string, unknown>();
  private readonly entries: Record<string, CacheEntry | undefined> = {};
  private readonly fileHashMemo = new Map<string, string>();
  private readonly redact;
  private ledger!: BudgetLedger;
  private breakers!: BreakerRegistry;
  private writes: Promise<void> = Promise.resolve();
  private failedStage: string | undefined;
  private budgetStop: string | undefined;

  constructor(
    private readonly compiled: CompiledPipeline,
    private readonly options: RunOptions,
    private readonly ctx: RunContext,
  ) {
    this.store = options.store ?? new MemoryStore();
    this.emit = createRunEmitter(ctx.runId, ctx.clock, ctx.bus, (event) => this.store.appendEvent(event));
    this.redact = createRedactor(Object.values(compiled.secrets));
  }

  async execute(): Promise<RunResult> {
    const { plan } = this.compiled;
    const { clock, runId } = this.ctx;
    const selection = selectStages(plan, this.options.selection ?? {});
    const started = clock.monotonic();
    const startedAt = clock.now();

    const resumed = this.options.resume ? await this.store.getStages(runId) : {};
    if (this.options.resume) {
      // A resumed run's events continue its log: seq goes on from the last stored event.
      const logged = await this.store.readEvents(runId);
      const lastSeq = logged.reduce((max, e) => Math.max(max, e.seq), 0);
      this.emit = createRunEmitter(runId, clock, this.ctx.bus, (event) => this.store.appendEvent(event), lastSeq + 1);
    }
    const previous = await this.latestStatuses(runId);
    for (const id of [...selection.stages, ...selection.requiresOutputsOf]) this.entries[id] = await this.store.getCacheEntry(id);
    await this.checkRequiredOutputs(selection.requiresOutputsOf, selection.stages);

    const existingRun = this.options.resume ? await this.store.getRun(runId) : undefined;
    if (this.options.resume && !existingRun) {
      throw new DagbookError('INVALID_OPTION', `Expected \`resume\` to name a stored run, got \`${runId}\``);
    }

    // Stages a resumed run already completed are kept as they are, once their
    // checkpoints are found consistent with each other.
    for (const dep of selection.requiresOutputsOf) this.outputHashes[dep] = (this.entries[dep] as CacheEntry).outputHash;
    const kept: Record<string, StageRecord> = {};
    const toSchedule: string[] = [];
    for (const id of selection.stages) {
      const prior = resumed[id];
      if (prior && DONE.includes(prior.status) && prior.outputHash !== undefined && (await this.store.hasOutput(prior.outputHash))) {
        kept[id] = prior;
        this.outputHashes[id] = prior.outputHash;
      } else toSchedule.push(id);
    }
    verifyKeptCheckpoints(plan, runId, kept, this.outputHashes);
    Object.assign(this.records, kept);
    this.ledger = BudgetLedger.fromPlan(plan, {
      usage: existingRun ? { global: resumedGlobalUsage(existingRun.usage, resumed), stages: stageUsage(resumed), warned: [] } : undefined,
      onWarning: (w) =>
        this.emit('BUDGET_WARNING', {
          stageId: w.stageId,
          level: 'WARN',
          message: `${w.scope === 'global' ? 'Run' : `Stage \`${w.stageId}\``} has used ${Math.round(w.ratio * 100)}% of its \`${w.resource}\` budget (${w.used} of ${w.limit})`,
          metadata: { resource: w.resource, used: w.used, limit: w.limit, ratio: w.ratio, scope: w.scope },
        }),
    });
    this.breakers = new BreakerRegistry({
      clock,
      snapshots: await this.store.loadBreakers(),
      onStateChange: (change) => {
        const halfOpenAt = change.halfOpenAt === undefined ? undefined : new Date(change.halfOpenAt).toISOString();
        this.emit('CIRCUIT_BREAKER', {
          stageId: change.stageId,
          level: change.to === 'OPEN' ? 'WARN' : 'INFO',
          message: `Circuit breaker \`${change.key}\` ${change.from} -> ${change.to}${halfOpenAt ? ` (half-opens at ${halfOpenAt})` : ''}`,
          metadata: { key: change.key, from: change.from, to: change.to, failures: change.failures, ...(halfOpenAt ? { halfOpenAt } : {}) },
        });
        const snapshot = this.breakers.find(change.key)?.toJSON();
        if (snapshot) this.persist(() => this.store.saveBreaker(change.key, snapshot));
      },
    });

    const runRecord: RunRecord = existingRun
      ? { ...existingRun, status: 'RUNNING', endedAt: undefined, reason: undefined }
      : { runId, pipeline: plan.name, status: 'RUNNING', stages: plan.order.filter((id) => selection.stages.includes(id) || selection.disabled.includes(id) || id in selection.blocked), startedAt, usage: {} };
    await this.store.beginRun(runRecord);
    this.emit('RUN_START', {
      level: 'INFO',
      message: `${existingRun ? 'Resuming' : 'Starting'} run ${runId} of \`${plan.name}\`: ${selection.stages.length} stage(s)`,
      metadata: { stages: [...selection.stages], maxParallel: this.maxParallel(), ...(existingRun ? { resumedFrom: runId } : {}) },
    });

    for (const id of selection.disabled) await this.settle(id, 'SKIPPED', 'disabled in config');
    for (const [id, reason] of Object.entries(selection.blocked)) await this.settle(id, 'BLOCKED', reason);


    const durations: Record<string, number> = {};
    for (const id of toSchedule) {
      const entry = this.entries[id];
      if (entry) durations[id] = entry.durationMs;
    }
    const deps: Record<string, readonly string[]> = {};
    for (const id of toSchedule) deps[id] = plan.stages[id].deps;
    const scheduler = new Scheduler({ stages: toSchedule, deps, durations });

    await this.loop(scheduler, resumed, previous);

    const status = this.finalStatus();
    const reason = this.finalReason(status);
    const durationMs = clock.monotonic() - started;
    const usage = this.ledger.totals();
    await this.writes;
    await this.store.updateRun(runId, { status, endedAt: clock.now(), usage, ...(reason ? { reason } : {}) });
    const counts: Record<string, number> = {};
    for (const r of Object.values(this.records)) counts[r.status] = (counts[r.status] ?? 0) + 1;
    this.emit('PIPELINE_COMPLETE', {
      level: status === 'SUCCEEDED' ? 'INFO' : status === 'CANCELLED' ? 'WARN' : 'ERROR',
      message: `Run ${runId} ${status.toLowerCase()}${reason ? `: ${reason}` : ''}`,
      metadata: { status, durationMs, counts },
    });
    return {
      runId,
      status,
      ...(reason ? { reason } : {}),
      stages: this.records,
      outputHashes: this.outputHashes,
      metrics: runMetrics(this.records, durationMs, usage),
    };
  }

  private maxParallel(): number {
    return this.options.maxParallel ?? this.compiled.plan.maxParallel;
  }

  private failurePolicy(): FailurePolicy {
    return this.options.failurePolicy ?? this.compiled.plan.failurePolicy;
  }

  private async loop(scheduler: Scheduler, resumed: Record<string, StageRecord>, previous: Record<string, StageStatus>): Promise<void> {
    const inflight = new Set<Promise<void>>();
    const max = this.maxParallel();
    for (;;) {
      while (!this.ctx.stop.signal.aborted && inflight.size < max) {
        const exhausted = this.ledger.globalExhausted();
        // Only a stage that could have started is stopped by the budget: a run whose last stage used it up exactly succeeded.
        if (exhausted !== null && scheduler.readyCount > 0) {
          this.budgetStop = exhausted;
          break;
        }
        const id = scheduler.next();
        if (id === undefined) break;
        // A stage this run already tried (before a resume) is judged by that try, not by an older run's.
        const task: Promise<void> = this.runStage(id, scheduler, resumed[id], resumed[id]?.status ?? previous[id]).finally(() => inflight.delete(task));
        inflight.add(task);
      }
      if (inflight.size === 0) break;
      await Promise.race(inflight);
    }
    for (const id of scheduler.drainUnstarted()) {
      if (this.ctx.cancelReason() !== undefined) await this.settle(id, 'CANCELLED', `not started: the run was cancelled (${this.ctx.cancelReason()})`);
      else if (this.failedStage !== undefined) await this.settle(id, 'CANCELLED', `not started: the run stopped after \`${this.failedStage}\` failed (fail-fast)`);
      else if (this.budgetStop !== undefined) await this.settle(id, 'BLOCKED', `the run's global \`${this.budgetStop}\` budget is used up`);
      else await this.settle(id, 'BLOCKED', 'not started');
    }
  }

  private async runStage(id: string, scheduler: Scheduler, resumedRecord: StageRecord | undefined, lastStatus: StageStatus | undefined): Promise<void> {
    const stage = this.compiled.plan.stages[id];
    const decision = await this.decide(stage, lastStatus);
    if (decision.action === 'skip') {
      const entry = this.entries[id] as CacheEntry;
      this.outputHashes[id] = entry.outputHash;
      await this.settle(id, 'CACHED', decision.reason, { cacheKey: decision.cacheKey, keyParts: decision.parts, outputHash: entry.outputHash });
      scheduler.succeeded(id);
      return;
    }

    // A RUNNING record counts the attempts that finished; the one after them was interrupted.
    const interrupted = resumedRecord?.status === 'RUNNING';
    const firstAttempt = interrupted ? resumedRecord.attempts + 2 : 1;
    const reason = interrupted ? `resumed: interrupted during attempt ${resumedRecord.attempts + 1}` : decision.reason;
    let record: StageRecord = {
      stageId: id,
      status: 'RUNNING',
      attempts: firstAttempt - 1,
      idempotencyKey: idempotencyKey(this.ctx.runId, id, stage.params),
      reason,
      startedAt: this.ctx.clock.now(),
      cacheKey: decision.cacheKey,
      keyParts: decision.parts,
      usage: {},
      validation: [],
      attemptLog: interrupted ? resumedRecord.attemptLog : [],
    };
    await this.checkpoint(record);

    const outcome = await executeStage({
      runId: this.ctx.runId,
      stage,
      entry: this.compiled.registry[id],
      inputs: await this.inputsOf(stage),
      clock: this.ctx.clock,
      random: this.ctx.random,
      breakers: this.breakers,
      budget: this.ledger,
      emit: this.emit,
      signal: this.ctx.stop.signal,
      secrets: this.compiled.secrets,
      redact: this.redact,
      correlationId: `${this.ctx.runId}/${id}`,
      firstAttempt,
      onAttempt: (attempt) => {
        record = { ...record, attempts: attempt.attempt, attemptLog: [...record.attemptLog, attempt] };
        // A success is checkpointed with the final record (one fsync fewer per stage); a crash before that re-runs the stage anyway.
        if (attempt.outcome === 'failed') this.persist(() => this.store.saveStage(this.ctx.runId, record));
      },
      onProgress: (progress) => {
        record = { ...record, progress };
      },
    });
    // Failures below the threshold change no state but must outlive the run too.
    const breakerKey = stage.breaker?.key;
    const breakerState = breakerKey === undefined ? undefined : this.breakers.find(breakerKey)?.toJSON();
    if (breakerKey !== undefined && breakerState) this.persist(() => this.store.saveBreaker(breakerKey, breakerState));
    await this.writes;
    await this.finishStage(record, outcome, decision, scheduler);
  }

  private async finishStage(record: StageRecord, outcome: StageOutcome, decision: StageDecision, scheduler: Scheduler): Promise<void> {
    const id = record.stageId;
    const common = {
      ...record,
      attempts: outcome.attempts,
      endedAt: outcome.endedAt,
      durationMs: outcome.durationMs,
      usage: outcome.usage,
      validation: outcome.validation,
      attemptLog: [...(record.attemptLog.filter((a) => !outcome.attemptLog.some((b) => b.attempt === a.attempt))), ...outcome.attemptLog],
    };
    if (outcome.status === 'SUCCEEDED') {
      const outputHash = await this.store.putOutput(outcome.output ?? null);
      this.outputHashes[id] = outputHash;
      this.outputs.set(id, outcome.output ?? null);
      const done: StageRecord = { ...common, status: 'SUCCEEDED', outputHash };
      this.records[id] = done;
      await this.writes;
      // Issued in the same tick, so the durable store makes both durable with one fsync.
      await Promise.all([
        this.store.putCacheEntry({
          stageId: id,
          cacheKey: decision.cacheKey,
          outputHash,
          durationMs: outcome.durationMs,
          runId: this.ctx.runId,
          recordedAt: outcome.endedAt,
          parts: decision.parts,
        }),
        this.store.saveStage(this.ctx.runId, done),
      ]);
      scheduler.succeeded(id);
      return;
    }
    const failed: StageRecord = { ...common, status: outcome.status, ...(outcome.error ? { error: outcome.error } : {}) };
    await this.checkpoint(failed);
    const blocked = scheduler.failed(id);
    if (outcome.status === 'FAILED' && this.failurePolicy() === 'fail-fast' && this.failedStage === undefined) {
      this.failedStage = id;
      this.ctx.stop.abort(new DagbookError('RUN_CANCELLED', `the run stopped after \`${id}\` failed (fail-fast)`));
    }
    const why = outcome.status === 'FAILED' ? 'failed' : 'was cancelled';
    for (const b of blocked) await this.settle(b, 'BLOCKED', `upstream \`${id}\` ${why}`);
  }

  private async decide(stage: PlanStage, lastStatus: StageStatus | undefined): Promise<StageDecision> {
    const upstreamHashes: Record<string, string> = {};
    for (const dep of stage.deps) if (this.outputHashes[dep] !== undefined) upstreamHashes[dep] = this.outputHashes[dep];
    const fileHashes = stage.inputs.length > 0 ? await hashInputFiles(stage.inputs, this.options.baseDir ?? process.cwd(), this.fileHashMemo) : {};
    const entry = this.entries[stage.id];
    const force = this.options.force === true || (Array.isArray(this.options.force) && this.options.force.includes(stage.id));
    const decision = decideStage(stage, {
      upstreamHashes,
      fileHashes,
      entry,
      outputStored: entry ? await this.store.hasOutput(entry.outputHash) : false,
      lastStatus,
      force,
    });
    if (decision.action === 'skip' && this.options.cache === false) return { ...decision, action: 'run', reason: 'caching is off' };
    return decision;
  }

  private async inputsOf(stage: PlanStage): Promise<Record<string, unknown>> {
    const inputs: Record<string, unknown> = {};
    for (const dep of stage.deps) {
      if (this.outputs.has(dep)) inputs[dep] = this.outputs.get(dep);
      else if (this.outputHashes[dep] !== undefined) {
        const value = await this.store.getOutput(this.outputHashes[dep]);
        this.outputs.set(dep, value);
        inputs[dep] = value;
      }
    }
    return inputs;
  }

  private async checkRequiredOutputs(required: readonly string[], stages: readonly string[]): Promise<void> {
    const missing: string[] = [];
    for (const dep of required) {
      const entry = this.entries[dep];
      if (!entry || !(await this.store.hasOutput(entry.outputHash))) missing.push(dep);
    }
    if (missing.length > 0) assertOutputsAvailable(missing, stages);
  }

  /** Stage states of the most recent earlier run, for "last attempt failed". */
  private async latestStatuses(exclude: string): Promise<Record<string, StageStatus>> {
    const runs = (await this.store.listRuns()).filter((r) => r.runId !== exclude && r.pipeline === this.compiled.plan.name);
    const last = runs[runs.length - 1];
    if (!last) return {};
    const out: Record<string, StageStatus> = {};
    for (const [id, r] of Object.entries(await this.store.getStages(last.runId))) out[id] = r.status;
    return out;
  }

  /** Records a stage that does not run (cached, skipped, blocked, cancelled) and emits STEP_SKIPPED or CANCELLED. */
  private async settle(id: string, status: StageStatus, reason: string, extra: Partial<StageRecord> = {}): Promise<void> {
    const stage = this.compiled.plan.stages[id];
    const now = this.ctx.clock.now();
    const record: StageRecord = {
      stageId: id,
      status,
      attempts: 0,
      idempotencyKey: idempotencyKey(this.ctx.runId, id, stage.params),
      reason,
      startedAt: now,
      endedAt: now,
      durationMs: 0,
      usage: {},
      validation: [],
      attemptLog: [],
      ...extra,
    };
    if (status === 'CANCELLED') {
      this.emit('CANCELLED', { stageId: id, level: 'WARN', message: `Stage \`${id}\` ${reason}`, metadata: { reason } });
    } else {
      this.emit('STEP_SKIPPED', {
        stageId: id,
        level: status === 'BLOCKED' ? 'WARN' : 'INFO',
        message: `Stage \`${id}\` ${status === 'CACHED' ? 'restored from cache' : status === 'BLOCKED' ? 'blocked' : 'skipped'}: ${reason}`,
        metadata: { reason, status: status as 'SKIPPED' | 'CACHED' | 'BLOCKED' },
      });
    }
    await this.checkpoint(record);
  }

  private async checkpoint(record: StageRecord): Promise<void> {
    this.records[record.stageId] = record;
    await this.writes;
    await this.store.saveStage(this.ctx.runId, record);
  }

  /** Queues a store write that must not be awaited inline (callbacks); writes stay in order. */
  private persist(write: () => Promise<void>): void {
    this.writes = this.writes.then(write).catch((error) => {
      this.emit('LOG', { level: 'ERROR', message: `A state write failed: ${errorMessage(error)}`, metadata: {} });
    });
  }

  private finalStatus(): RunStatus {
    if (this.ctx.cancelReason() !== undefined) return 'CANCELLED';
    const statuses = Object.values(this.records).map((r) => r.status);
    if (statuses.includes('FAILED') || this.budgetStop !== undefined) return 'FAILED';
    if (statuses.includes('BLOCKED') || statuses.includes('CANCELLED')) return 'FAILED';
    if (statuses.includes('PARTIAL')) return 'PARTIAL';
    return 'SUCCEEDED';
  }

  private finalReason(status: RunStatus): string | undefined {
    if (status === 'CANCELLED') return this.ctx.cancelReason();
    if (this.failedStage) return `stage \`${this.failedStage}\` failed`;
    if (this.budgetStop) return `the global \`${this.budgetStop}\` budget is used up`;
    const failed = Object.values(this.records).filter((r) => r.status === 'FAILED').map((r) => `\`${r.stageId}\``);
    if (failed.length > 0) return `stage${failed.length > 1 ? 's' : ''} ${failed.join(', ')} failed`;
    const blocked = Object.values(this.records).filter((r) => r.status === 'BLOCKED').map((r) => `\`${r.stageId}\``);
    if (blocked.length > 0) return `stage${blocked.length > 1 ? 's' : ''} ${blocked.join(', ')} blocked`;
    return undefined;
  }
}

/**
 * Global usage to resume from: the run record's totals are written only when a
 * run ends, so after a crash the checkpointed stage records know more.
 */
function resumedGlobalUsage(runUsage: Readonly<Record<string, number>>, records: Record<string, StageRecord>): Record<string, number> {
  const fromStages: Record<string, number> = {};
  for (const r of Object.values(records)) for (const [k, v] of Object.entries(r.usage)) fromStages[k] = (fromStages[k] ?? 0) + v;
  const out: Record<string, number> = { ...runUsage };
  for (const [k, v] of Object.entries(fromStages)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

function stageUsage(records: Record<string, StageRecord>): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [id, r] of Object.entries(records)) out[id] = { ...r.usage };
  return out;
}

/** Resolves a project-relative path; exported for the CLI and the workbench. */
export function resolveFrom(baseDir: string, file: string): string {
  return path.resolve(baseDir, file);
}
