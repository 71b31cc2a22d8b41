import * as path from 'node:path';
import { systemClock, type Clock } from '../clock';
import { errorMessage } from '../errors';
import type { PipelineEvent } from '../events/event';
import type { CompiledPipeline } from '../plan/plan';
import type { StageRecord } from '../records';
import { statusCounts } from '../run/run-outcome';
import { startRun, type RunHandle, type RunResult } from '../run/run-pipeline';
import { stopAll } from '../service/supervisor';
import { writeDaemonState, type DaemonState, type DaemonTick } from '../store/daemon-file';
import { openDurableStore, type DurableStore } from '../store/durable-store';
import { writeHeartbeat } from '../store/heartbeat-file';
import { mkdirDurableSync } from '../store/atomic-file';
import { statePaths, type StatePaths } from '../store/state-paths';
import type { DaemonEvent, DaemonLogLevel, DaemonLogLine, DaemonLogSink } from './daemon-log';
import { itemLogWriter } from './item-logs';
import { heartbeatEveryMs, nextTickDelayMs } from './tick-schedule';

/**
 * A daemon that keeps one pipeline going (`dagbook watch`): every interval a
 * tick makes one incremental run of the whole pipeline with the durable
 * store — discovery runs, per-item stages run their new, changed and failed
 * items, everything else is restored from cache. Ticks never overlap: the
 * next one is due an interval after the last one started, and one that took
 * longer starts the next at once (a `tick_overran` line says so). The
 * writer's lock is held only during a tick, so `dagbook status`, a status
 * server and other commands work between ticks.
 *
 * A tick that fails (the state locked by another process, a store error, a
 * run that does not succeed) is logged and counted; the daemon goes on, each
 * failure in a row doubling the wait (at most an hour). What it is doing is
 * in `state/<pipeline>/daemon.json` (store/daemon-file.ts) and its liveness
 * in `state/<pipeline>/heartbeat`, written at start, every min(interval,
 * 30 s) and after each tick.
 *
 * Stopping drains the tick in progress (no new stage or item starts, the
 * running ones finish and are recorded), cancels what still runs when the
 * grace runs out (a cancelled item is not recorded: the next run runs it
 * again), and stops this process's services unless told to keep them. A
 * daemon killed outright leaves its run RUNNING in the store: the next
 * daemon's first tick resumes it, keeping what it completed.
 */

/** Options of a {@link PipelineDaemon}. */
export interface PipelineDaemonOptions {
  /** The pipeline, compiled once at start. */
  readonly compiled: CompiledPipeline;
  /** The state folder (the pipeline's state is `<stateDir>/<name>/`). */
  readonly stateDir: string;
  /** Folder declared input files are relative to. */
  readonly baseDir: string;
  /** Time between the starts of two ticks, ms. */
  readonly intervalMs: number;
  /** Where the log lines go. */
  readonly log: DaemonLogSink;
  /** The environment the pipeline was merged for, recorded in daemon.json. */
  readonly env?: string;
  /** @default systemClock */
  readonly clock?: Clock;
  /** Process id recorded in the heartbeat and daemon.json. @default process.pid */
  readonly pid?: number;
  /** Size past which an item's log file is rotated, bytes. @default 1 MiB */
  readonly itemLogMaxBytes?: number;
  /** Fields added to the `started` line (where a status server started beside it listens). @default {} */
  readonly announce?: Readonly<Record<string, unknown>>;
}

/** Options of {@link PipelineDaemon.stop}. */
export interface DaemonStopOptions {
  /** How long the tick in progress may go on after the stop (running items finish), ms; then it is cancelled. */
  readonly graceMs: number;
  /** Leave this process's supervised services running. @default false */
  readonly keepServices?: boolean;
  /** Why, for the log. @default 'asked to stop' */
  readonly reason?: string;
}

/** The tick in progress. */
interface RunningTick {
  readonly number: number;
  /** Drains the run (set once the run started). */
  handle?: RunHandle;
  readonly drain: AbortController;
  readonly cancel: AbortController;
}

/** See the module comment. */
export class PipelineDaemon {
  private readonly clock: Clock;
  private readonly pid: number;
  private readonly paths: StatePaths;
  private readonly name: string;
  /** Aborted by {@link stop}: wakes the loop's and the heartbeat's sleeps. */
  private readonly stopping = new AbortController();
  private state: DaemonState;
  private tick: RunningTick | undefined;
  private loop: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  private readonly startedMono: number;

  constructor(private readonly options: PipelineDaemonOptions) {
    this.clock = options.clock ?? systemClock;
    this.pid = options.pid ?? process.pid;
    this.name = options.compiled.plan.name;
    this.paths = statePaths(options.stateDir, this.name);
    this.startedMono = this.clock.monotonic();
    this.state = {
      pid: this.pid,
      state: 'running',
      startedAt: this.iso(this.clock.now()),
      env: options.env ?? null,
      intervalMs: options.intervalMs,
      ticks: 0,
      tickStartedAt: null,
      lastTick: null,
      nextTickAt: null,
      consecutiveFailures: 0,
    };
  }

  /** What daemon.json holds now. */
  get current(): DaemonState {
    return this.state;
  }

  /**
   * Writes the heartbeat and daemon.json, logs `started`, and ticks until
   * {@link stop}; resolves when the loop has ended.
   */
  start(): Promise<void> {
    this.loop ??= this.runLoop();
    return this.loop;
  }

  /**
   * Stops: no new tick; the tick in progress is drained, then cancelled after
   * the grace; services are stopped unless kept. Resolves once stopped and
   * `stopped` is logged. A second call waits for the first.
   */
  stop(options: DaemonStopOptions): Promise<void> {
    this.stopped ??= this.stopNow(options);
    return this.stopped;
  }

  private async stopNow(options: DaemonStopOptions): Promise<void> {
    const tick = this.tick;
    this.line('info', 'stopping', `Stopping (${options.reason ?? 'asked to stop'})${tick ? `: tick ${tick.number} may finish its running items for ${options.graceMs} ms` : ''}`, {
      grace_ms: options.graceMs,
      ...(tick ? { tick: tick.number, run_id: tick.handle?.runId ?? null } : {}),
    });
    this.stopping.abort();
    this.save({ state: 'stopping', nextTickAt: null });
    if (tick) {
      tick.drain.abort(new Error('the daemon is stopping'));
      const graceUp = new AbortController();
      const grace = this.clock.sleep(options.graceMs, graceUp.signal).then(
        () => tick.cancel.abort(new Error(`the daemon is stopping and its grace of ${options.graceMs} ms ran out`)),
        () => undefined,
      );
      await this.loop?.catch(() => undefined);
      graceUp.abort();
      await grace;
    }
    await this.loop?.catch(() => undefined);
    if (options.keepServices !== true) await stopAll().catch((error: unknown) => this.line('error', 'stopping', `Stopping the services failed: ${errorMessage(error)}`, {}));
    this.beat();
    this.save({ state: 'stopped', tickStartedAt: null, nextTickAt: null });
    this.line('info', 'stopped', `Stopped after ${this.state.ticks} tick${this.state.ticks === 1 ? '' : 's'}`, {
      duration_ms: Math.round(this.clock.monotonic() - this.startedMono),
      ticks: this.state.ticks,
    });
  }

  private async runLoop(): Promise<void> {
    const { intervalMs } = this.options;
    // The heartbeat and daemon.json come before the first run makes the pipeline's folder.
    mkdirDurableSync(this.paths.root);
    this.beat();
    this.save({});
    this.line('info', 'started', `Watching \`${this.name}\` every ${intervalMs} ms (pid ${this.pid})`, {
      pid: this.pid,
      interval_ms: intervalMs,
      env: this.options.env ?? null,
      state_dir: this.options.stateDir,
      ...this.options.announce,
    });
    const heartbeat = this.heartbeatLoop();
    let first = true;
    while (!this.stopping.signal.aborted) {
      const startedMono = this.clock.monotonic();
      await this.runTick(first);
      first = false;
      if (this.stopping.signal.aborted) break;
      const delay = nextTickDelayMs(intervalMs, this.state.consecutiveFailures);
      const took = this.clock.monotonic() - startedMono;
      const wait = Math.max(0, delay - took);
      this.save({ nextTickAt: this.iso(this.clock.now() + wait) });
      if (took > delay) {
        this.line('warn', 'tick_overran', `Tick ${this.state.ticks} took ${Math.round(took)} ms, longer than the ${delay} ms until the next: the next tick starts now, late`, {
          tick: this.state.ticks,
          duration_ms: Math.round(took),
          interval_ms: delay,
        });
      }
      await this.clock.sleep(wait, this.stopping.signal).catch(() => undefined);
    }
    await heartbeat;
  }

  /** Writes the heartbeat every min(interval, 30 s) until stopped. */
  private async heartbeatLoop(): Promise<void> {
    const every = heartbeatEveryMs(this.options.intervalMs);
    while (!this.stopping.signal.aborted) {
      try {
        await this.clock.sleep(every, this.stopping.signal);
      } catch {
        return;
      }
      this.beat();
    }
  }

  /** One tick: opens the store (taking the lock), runs (or, on the first tick, resumes an interrupted run), closes it. */
  private async runTick(first: boolean): Promise<void> {
    const number = this.state.ticks + 1;
    const tick: RunningTick = { number, drain: new AbortController(), cancel: new AbortController() };
    this.tick = tick;
    const startedAt = this.clock.now();
    const startedMono = this.clock.monotonic();
    this.save({ tickStartedAt: this.iso(startedAt), nextTickAt: null });
    let ended: DaemonTick;
    let store: DurableStore | undefined;
    /** The code of the error the tick stopped on, when it could not run. */
    let code: string | undefined;
    try {
      store = await openDurableStore({ stateDir: this.options.stateDir, pipeline: this.name, clock: this.clock });
      const resume = first ? await interruptedRun(store, this.name) : undefined;
      const result = await this.run(store, tick, resume);
      ended = {
        runId: result.runId,
        startedAt: this.iso(startedAt),
        endedAt: this.iso(this.clock.now()),
        durationMs: Math.round(this.clock.monotonic() - startedMono),
        status: result.status,
        counts: tickCounts(result.stages),
        ...(result.reason === undefined ? {} : { reason: result.reason }),
      };
    } catch (error) {
      ended = {
        runId: tick.handle?.runId ?? null,
        startedAt: this.iso(startedAt),
        endedAt: this.iso(this.clock.now()),
        durationMs: Math.round(this.clock.monotonic() - startedMono),
        status: 'ERROR',
        counts: {},
        reason: errorMessage(error),
      };
      code = (error as { code?: unknown })?.code as string | undefined;
      // A tick that could not start its run still has its start line, so every `tick_end` has one.
      if (tick.handle === undefined) this.line('info', 'tick_start', `Tick ${number} starts`, { tick: number, run_id: null });
    } finally {
      await store?.close().catch(() => undefined);
      this.tick = undefined;
    }
    // A failure backs off: a run that failed or could not start. A PARTIAL run is the pipeline's own tolerance at work
    // (its failed items run again next tick), and a run a stop drained is no failure of the pipeline.
    const failed = ended.status === 'FAILED' || ended.status === 'ERROR' || (ended.status === 'CANCELLED' && !this.stopping.signal.aborted);
    const failures = failed ? this.state.consecutiveFailures + 1 : 0;
    this.save({ ticks: number, tickStartedAt: null, lastTick: ended, consecutiveFailures: failures });
    this.beat();
    const level: DaemonLogLevel = ended.status === 'SUCCEEDED' ? 'info' : ended.status === 'CANCELLED' || ended.status === 'PARTIAL' ? 'warn' : 'error';
    this.line(level, 'tick_end', `Tick ${number} ended ${ended.status}${ended.reason === undefined ? '' : `: ${ended.reason}`}`, {
      tick: number,
      run_id: ended.runId,
      status: ended.status,
      counts: ended.counts,
      duration_ms: ended.durationMs,
      consecutive_failures: failures,
      ...(code === undefined ? {} : { code }),
    });
  }

  private async run(store: DurableStore, tick: RunningTick, resume: { readonly runId: string; readonly stages: readonly string[] } | undefined): Promise<RunResult> {
    const itemLogs = itemLogWriter(
      { dir: path.join(this.paths.root, 'logs', 'items'), ...(this.options.itemLogMaxBytes === undefined ? {} : { maxBytes: this.options.itemLogMaxBytes }) },
      (error) => this.line('warn', 'state_write_failed', `An item log could not be written: ${errorMessage(error)}`, { tick: tick.number }),
    );
    const onEvent = (event: PipelineEvent) => {
      itemLogs(event);
      if (event.type === 'ITEM_FAILURE') {
        this.line('warn', 'item_failed', event.message, { tick: tick.number, run_id: event.runId, stage: event.stageId, item: event.metadata.itemId, code: event.metadata.code, attempts: event.metadata.attempts });
      }
    };
    const handle = startRun(this.options.compiled, {
      store,
      clock: this.clock,
      baseDir: this.options.baseDir,
      drain: tick.drain.signal,
      signal: tick.cancel.signal,
      listeners: [onEvent],
      ...(resume === undefined ? {} : { resume: resume.runId, selection: { only: resume.stages } }),
    });
    tick.handle = handle;
    if (resume !== undefined) this.line('info', 'tick_start', `Tick ${tick.number} resumes run ${resume.runId}, interrupted before this daemon started`, { tick: tick.number, run_id: resume.runId, resumed: true });
    else this.line('info', 'tick_start', `Tick ${tick.number} runs ${handle.runId}`, { tick: tick.number, run_id: handle.runId });
    return handle.result;
  }

  private beat(): void {
    try {
      writeHeartbeat(this.paths, { at: this.iso(this.clock.now()), pid: this.pid });
    } catch (error) {
      this.line('error', 'state_write_failed', `The heartbeat could not be written: ${errorMessage(error)}`, {});
    }
  }

  private save(change: Partial<DaemonState>): void {
    this.state = { ...this.state, ...change };
    try {
      writeDaemonState(this.paths, this.state);
    } catch (error) {
      this.line('error', 'state_write_failed', `daemon.json could not be written: ${errorMessage(error)}`, {});
    }
  }

  private line(level: DaemonLogLevel, event: DaemonEvent, message: string, fields: Partial<DaemonLogLine>): void {
    this.options.log({ ts: this.iso(this.clock.now()), level, event, pipeline: this.name, message, ...fields });
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString();
  }
}

/**
 * The pipeline's latest run when it is still RUNNING in the store: its
 * process died (this daemon holds the lock now), so it is resumed with the
 * stages it selected.
 */
async function interruptedRun(store: DurableStore, pipeline: string): Promise<{ runId: string; stages: readonly string[] } | undefined> {
  const runs = (await store.listRuns()).filter((r) => r.pipeline === pipeline);
  const latest = runs[runs.length - 1];
  if (latest?.status !== 'RUNNING') return undefined;
  const record = await store.getRun(latest.runId);
  return { runId: latest.runId, stages: record?.stages ?? [] };
}

/** A tick's counts: its stage records by status, and its items ran, kept and failed. */
function tickCounts(stages: Readonly<Record<string, StageRecord>>): Record<string, number> {
  const counts: Record<string, number> = statusCounts(stages);
  const items = { items_succeeded: 0, items_cached: 0, items_failed: 0 };
  for (const record of Object.values(stages)) {
    if (record.items === undefined) continue;
    items.items_succeeded += record.items.succeeded;
    items.items_cached += record.items.cached;
    items.items_failed += record.items.failed;
  }
  return { ...counts, ...items };
}
