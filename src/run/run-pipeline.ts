import { systemClock, type Clock } from '../clock';
import type { FailurePolicy } from '../definition/types';
import { secretMissingError } from '../definition/secret-variables';
import { DagbookError, errorMessage } from '../errors';
import type { Emit, EventOf } from '../events/event';
import { AlertDispatcher } from '../alerts/alert-dispatcher';
import { createAlertSink } from '../alerts/alert-sink';
import { AlertWatcher } from '../alerts/alert-watcher';
import { planAlerts } from '../plan/alerts';
import { expectedDurations } from '../alerts/expected-durations';
import { EventBus } from '../events/event-bus';
import type { CompiledPipeline } from '../plan/plan';
import { selectStages, type Selection } from '../plan/select';
import { disabledReason } from '../plan/stage-overrides';
import { systemRandom, type RandomSource } from '../random';
import { Scheduler } from '../schedule/scheduler';
import { MemoryStore } from '../store/memory-store';
import type { RunRecord, RunStatus, StageRecord } from '../records';
import type { RunStore } from '../store/run-store';
import { followCancelRequests, CANCEL_POLL_MS } from './cancel-requests';
import { createRunEmitter, newRunId } from './run-events';
import { runMetrics, type RunMetrics } from './run-metrics';
import { verifyKeptCheckpoints } from './checkpoint-check';
import { verifyKeptPeriods } from './period-checkpoints';
import { RunCheckpoints } from './run-checkpoints';
import { finalRunReason, finalRunStatus, statusCounts, unstartedOutcome, type RunStops } from './run-outcome';
import { runBreakers, runBudgetLedger } from './run-policies';
import { loadResumeState } from './resume-state';
import { RunInputs } from './run-inputs';
import { resolveRunOptions, type ResolvedRunOptions, type RunOptions } from './run-options';
import { stageHistory } from '../query/history';
import { runStage, type StageRunContext } from './stage-run';
import { processSupervisor } from '../service/supervisor';
import { watchServiceAlerts } from './service-alerts';

/**
 * Runs a compiled pipeline: selects the stages, decides for each whether it
 * is up to date (restored from cache) or runs, schedules the ones that run
 * with bounded parallelism (critical path first), executes each through the
 * stage executor, and checkpoints every transition in the store. Emits
 * events; never prints. A resumed run first rebuilds its state from the store
 * (`resume-state.ts`); the run itself only takes that state.
 */

export type { RunOptions } from './run-options';

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
  /** The ALERT events the run raised, in order; absent when it raised none. */
  readonly alerts?: readonly EventOf<'ALERT'>[];
}

/** A run in progress. */
export interface RunHandle {
  /** Run id. */
  readonly runId: string;
  /** Subscribe here to follow the run. */
  readonly events: EventBus;
  /** Cancels the run: running stages are aborted, no new ones start; it ends CANCELLED. */
  cancel(reason?: string): void;
  /** Drains the run: no new stage or item starts, the running ones go on to their end; it ends CANCELLED. */
  drain(reason?: string): void;
  /** Resolves when the run has ended (it never rejects for a stage failure). */
  readonly result: Promise<RunResult>;
}

/** Runs a pipeline to its end. */
export function runPipeline(compiled: CompiledPipeline, options: RunOptions = {}): Promise<RunResult> {
  return startRun(compiled, options).result;
}

/**
 * Starts a run and returns its handle at once.
 * @throws via `result`: INVALID_OPTION naming each bad option and its value,
 *   SECRET_MISSING naming each declared secret without a value and its variable
 *   (both before anything runs: no event, nothing stored); SELECTION_UNKNOWN_STAGE,
 *   SELECTION_MISSING_OUTPUTS
 */
export function startRun(compiled: CompiledPipeline, options: RunOptions = {}): RunHandle {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const runId = options.resume ?? options.runId ?? newRunId(clock.now(), random);
  const bus = new EventBus();
  for (const listener of options.listeners ?? []) bus.subscribe(listener);
  const stop = new AbortController();
  // Aborted by a cancel, a fail-fast stop or a drain: the loops start no new stage or item once it is.
  const noNewWork = new AbortController();
  stop.signal.addEventListener('abort', () => noNewWork.abort(), { once: true });
  let cancelReason: string | undefined;
  const drain = (reason = 'drained') => {
    if (noNewWork.signal.aborted) return;
    cancelReason ??= reason;
    noNewWork.abort();
  };
  const cancel = (reason = 'cancelled by the user') => {
    if (stop.signal.aborted) return;
    // A drain's reason stays the run's: a cancel after it only stops what was left running.
    cancelReason ??= reason;
    // The reason alone: stages quote it ("Stage `x` was cancelled: <reason>").
    stop.abort(new DagbookError('RUN_CANCELLED', reason, { data: { runId } }));
  };
  let settings: ResolvedRunOptions;
  try {
    settings = resolveRunOptions(options, compiled.plan);
    // A pipeline loaded for reading (`secrets: 'names'`) may lack values; no stage of it runs without them.
    if (compiled.unsetSecrets !== undefined && Object.keys(compiled.unsetSecrets).length > 0) throw secretMissingError(compiled.plan.name, compiled.unsetSecrets, 'running');
  } catch (error) {
    return { runId, events: bus, cancel: () => undefined, drain: () => undefined, result: Promise.reject(error) };
  }
  if (options.signal) {
    if (options.signal.aborted) cancel(errorMessage(options.signal.reason ?? 'aborted'));
    else options.signal.addEventListener('abort', () => cancel(errorMessage(options.signal?.reason ?? 'aborted')), { once: true });
  }
  if (options.drain) {
    if (options.drain.aborted) drain(errorMessage(options.drain.reason ?? 'drained'));
    else options.drain.addEventListener('abort', () => drain(errorMessage(options.drain?.reason ?? 'drained')), { once: true });
  }
  const run = new Run(compiled, options, { clock, random, runId, bus, stop, noNewWork: noNewWork.signal, cancelReason: () => cancelReason, settings });
  const result = run.execute();
  const store = options.store;
  if (store?.takeCancelRequest) followCancelRequests(() => store.takeCancelRequest?.(runId), cancel, options.cancelPollClock ?? systemClock, options.cancelPollMs ?? CANCEL_POLL_MS, result);
  return { runId, events: bus, cancel, drain, result };
}

interface RunContext {
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly runId: string;
  readonly bus: EventBus;
  readonly stop: AbortController;
  /** Aborted once the run starts no more work (a cancel, a fail-fast stop, a drain). */
  readonly noNewWork: AbortSignal;
  readonly cancelReason: () => string | undefined;
  /** The checked options, over the plan's settings. */
  readonly settings: ResolvedRunOptions;
}

/** One run's mutable state; lives only as long as the run. */
class Run {
  private readonly store: RunStore;
  private emit: Emit;
  private readonly checkpoints: RunCheckpoints;
  private readonly inputs: RunInputs;
  private failedStage: string | undefined;
  private budgetStop: string | undefined;
  /** An error the run itself could not handle (a store that cannot write, a missing output). */
  private fatal: { readonly error: unknown } | undefined;

  constructor(
    private readonly compiled: CompiledPipeline,
    private readonly options: RunOptions,
    private readonly ctx: RunContext,
  ) {
    this.store = options.store ?? new MemoryStore();
    this.emit = createRunEmitter(ctx.runId, ctx.clock, ctx.bus, (event) => this.store.appendEvent(event));
    // Forwards to `this.emit`, which a resumed run replaces before its first event.
    const emit: Emit = (type, draft) => this.emit(type, draft);
    this.checkpoints = new RunCheckpoints({ store: this.store, runId: ctx.runId, plan: compiled.plan, clock: ctx.clock, emit });
    this.inputs = new RunInputs(this.store, options, compiled.plan);
  }

  async execute(): Promise<RunResult> {
    const { plan } = this.compiled;
    const { clock, runId } = this.ctx;
    const selection = selectStages(plan, this.options.selection ?? {});
    const started = clock.monotonic();
    const startedAt = clock.now();

    // The same history the dry run reads, so both give a stage the same reason.
    // Read together: the first stage starts no later than it did before alerts needed the history.
    const [history, expected] = await Promise.all([stageHistory(this.store, plan.name, selection.stages), expectedDurations(this.store, plan, selection.stages)]);
    const previous = history.latest;
    await this.inputs.loadEntries([...selection.stages, ...selection.requiresOutputsOf]);
    await this.inputs.checkRequiredOutputs(selection.requiresOutputsOf, selection.stages);
    for (const dep of selection.requiresOutputsOf) this.inputs.useCachedOutput(dep);

    const resume = this.options.resume ? await loadResumeState(this.store, runId, selection.stages) : undefined;
    if (resume) {
      // A resumed run's events continue its log.
      this.emit = createRunEmitter(runId, clock, this.ctx.bus, (event) => this.store.appendEvent(event), resume.nextSeq);
      // Stages it already completed are kept as they are, once their checkpoints are found consistent with each other.
      for (const [id, record] of Object.entries(resume.kept)) this.inputs.useOutputHash(id, record.outputHash as string);
      verifyKeptCheckpoints(plan, runId, resume.kept, this.inputs.outputHashes);
      await verifyKeptPeriods(this.compiled, this.store, resume.kept, this.ctx.stop.signal);
      this.checkpoints.keep(resume.kept);
    }
    const toSchedule = selection.stages.filter((id) => resume?.kept[id] === undefined);
    const alerting = this.watchAlerts(expected);
    const ledger = runBudgetLedger(plan, resume?.usage, this.emit, (id, usage) => alerting.watcher.observeUsage(id, usage));
    const breakers = runBreakers(clock, await this.store.loadBreakers(), this.emit, (key, snapshot) =>
      this.checkpoints.persist(() => this.store.saveBreaker(key, snapshot)),
    );

    const existingRun = resume?.run;
    const runRecord: RunRecord = existingRun
      ? { ...existingRun, status: 'RUNNING', endedAt: undefined, reason: undefined }
      : {
          runId,
          pipeline: plan.name,
          status: 'RUNNING',
          stages: selectedInPlanOrder(plan.order, selection),
          startedAt,
          ...(plan.environment === undefined ? {} : { environment: plan.environment.name }),
          usage: {},
        };
    await this.store.beginRun(runRecord);
    this.emit('RUN_START', {
      level: 'INFO',
      message: `${existingRun ? 'Resuming' : 'Starting'} run ${runId} of \`${plan.name}\`: ${selection.stages.length} stage(s)`,
      metadata: {
        stages: [...selection.stages],
        maxParallel: this.maxParallel(),
        ...(existingRun ? { resumedFrom: runId } : {}),
        ...(plan.environment === undefined ? {} : { environment: plan.environment.name }),
      },
    });

    for (const id of selection.disabled) await this.checkpoints.settle(id, 'SKIPPED', disabledReason(plan.stages[id]));
    for (const [id, reason] of Object.entries(selection.blocked)) await this.checkpoints.settle(id, 'BLOCKED', reason);

    const deps = Object.fromEntries(toSchedule.map((id) => [id, plan.stages[id].deps]));
    const scheduler = new Scheduler({ stages: toSchedule, deps, durations: this.inputs.cachedDurations(toSchedule) });

    const stageRun: StageRunContext = {
      compiled: this.compiled,
      runId,
      clock,
      random: this.ctx.random,
      signal: this.ctx.stop.signal,
      noNewWork: this.ctx.noNewWork,
      store: this.store,
      emit: this.emit,
      inputs: this.inputs,
      checkpoints: this.checkpoints,
      ledger,
      breakers,
      editedInCell: this.options.editedInCell ?? {},
      onFailed: (id) => this.stageFailed(id),
      items: this.ctx.settings.items,
      supervisor: this.options.supervisor ?? processSupervisor(),
    };
    // Before the alert sinks stop listening: a service's alert raised during the run is delivered with the others.
    const unwatchServices = watchServiceAlerts(stageRun.supervisor, this.store.location, (type, draft) => this.emit(type, draft));
    try {
      await this.loop(scheduler, stageRun, resume?.records ?? {}, previous);
    } catch (error) {
      unwatchServices();
      await alerting.end().catch(() => undefined);
      // Best effort: record why the run ended; the store may be what failed.
      await this.checkpoints.flushed().catch(() => undefined);
      await this.store.updateRun(runId, { status: 'FAILED', endedAt: clock.now(), reason: errorMessage(error) }).catch(() => undefined);
      throw error;
    }

    const { records } = this.checkpoints;
    const status = finalRunStatus(records, this.stops());
    const reason = finalRunReason(status, records, this.stops());
    const durationMs = clock.monotonic() - started;
    const usage = ledger.totals();
    unwatchServices();
    await alerting.end();
    await this.checkpoints.flushed();
    await this.store.updateRun(runId, { status, endedAt: clock.now(), usage, ...(reason ? { reason } : {}) });
    this.emit('PIPELINE_COMPLETE', {
      level: status === 'SUCCEEDED' ? 'INFO' : status === 'CANCELLED' ? 'WARN' : 'ERROR',
      message: `Run ${runId} ${status.toLowerCase()}${reason ? `: ${reason}` : ''}`,
      metadata: { status, durationMs, counts: statusCounts(records) },
    });
    return {
      runId,
      status,
      ...(reason ? { reason } : {}),
      stages: records,
      outputHashes: this.inputs.outputHashes,
      metrics: runMetrics(records, durationMs, usage),
      ...(alerting.raised.length === 0 ? {} : { alerts: alerting.raised }),
    };
  }

  /**
   * Starts watching the run for alert thresholds and delivering its alerts
   * to the pipeline's sinks; `end` stops the watch and waits (bounded) for
   * deliveries in flight.
   */
  private watchAlerts(expectedMs: Readonly<Record<string, number>>): { watcher: AlertWatcher; raised: EventOf<'ALERT'>[]; end: () => Promise<void> } {
    const { plan } = this.compiled;
    const { clock, random, bus } = this.ctx;
    const alerts = planAlerts(plan);
    const emit: Emit = (type, draft) => this.emit(type, draft);
    const watcher = new AlertWatcher({ thresholds: alerts.thresholds, expectedMs, clock, emit });
    const raised: EventOf<'ALERT'>[] = [];
    const unsubscribe = [
      bus.subscribe(watcher.observe),
      bus.subscribe((event) => {
        if (event.type === 'ALERT') raised.push(event);
      }),
    ];
    const dispatcher = alerts.sinks.length === 0 ? undefined : new AlertDispatcher({ pipeline: plan.name, sinks: alerts.sinks.map((sink) => createAlertSink(sink, clock, random)), clock, emit });
    if (dispatcher) unsubscribe.push(bus.subscribe(dispatcher.observe));
    const end = async (): Promise<void> => {
      watcher.close();
      try {
        await dispatcher?.drain(alerts.drainMs);
      } finally {
        for (const off of unsubscribe) off();
      }
    };
    return { watcher, raised, end };
  }

  private maxParallel(): number {
    return this.ctx.settings.maxParallel;
  }

  private failurePolicy(): FailurePolicy {
    return this.ctx.settings.failurePolicy;
  }

  private stops(): RunStops {
    return { cancelReason: this.ctx.cancelReason(), failedStage: this.failedStage, budgetStop: this.budgetStop };
  }

  /** Fail-fast: the first failed stage stops the run; stages already running are aborted. */
  private stageFailed(id: string): void {
    if (this.failurePolicy() === 'fail-fast' && this.failedStage === undefined) {
      this.failedStage = id;
      this.ctx.stop.abort(new DagbookError('RUN_CANCELLED', `the run stopped after \`${id}\` failed (fail-fast)`));
    }
  }

  private async loop(scheduler: Scheduler, stageRun: StageRunContext, resumed: Readonly<Record<string, StageRecord>>, previous: Readonly<Record<string, StageRecord>>): Promise<void> {
    const max = this.maxParallel();
    // Stages running now, and the wake-up of the wait below: the first turn to end after it began resolves it
    // (one promise per wait, not a race re-subscribing to every running turn).
    let running = 0;
    let wake: (() => void) | undefined;
    const ended = (): void => {
      running--;
      const resume = wake;
      wake = undefined;
      resume?.();
    };
    for (;;) {
      while (!this.ctx.noNewWork.aborted && running < max) {
        const exhausted = stageRun.ledger.globalExhausted();
        // Only a stage that could have started is stopped by the budget: a run whose last stage used it up exactly succeeded.
        if (exhausted !== null && scheduler.readyCount > 0) {
          this.budgetStop = exhausted;
          break;
        }
        const id = scheduler.next();
        if (id === undefined) break;
        // A stage this run already tried (before a resume) is judged by that try, not by an older run's.
        running++;
        runStage(stageRun, id, scheduler, resumed[id], resumed[id]?.status ?? previous[id]?.status).then(ended, (error: unknown) => {
          this.stopOnFatal(error);
          ended();
        });
      }
      if (running === 0) break;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    if (this.fatal) throw this.fatal.error;
    for (const id of scheduler.drainUnstarted()) {
      const { status, reason } = unstartedOutcome(this.stops());
      await this.checkpoints.settle(id, status, reason);
    }
  }

  /**
   * A stage's turn threw outside the stage itself (the store failed, an
   * output went missing): stop starting stages, let the running ones end,
   * then reject the run with that error — no stage is left running unwatched.
   */
  private stopOnFatal(error: unknown): void {
    if (this.fatal) return;
    this.fatal = { error };
    this.ctx.stop.abort(new DagbookError('RUN_CANCELLED', `the run stopped: ${errorMessage(error)}`, { cause: error }));
  }
}

/** Every stage the selection names (to run, disabled or blocked), in plan order. */
function selectedInPlanOrder(order: readonly string[], selection: Selection): string[] {
  const named = new Set([...selection.stages, ...selection.disabled, ...Object.keys(selection.blocked)]);
  return order.filter((id) => named.has(id));
}
