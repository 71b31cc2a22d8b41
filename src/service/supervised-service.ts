import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { Clock } from '../clock';
import { DagbookError } from '../errors';
import type { PlanService } from '../plan/plan';
import type { ServiceDescriptor, ServiceExit, ServiceState, ServiceStatus } from '../service-record';
import { httpAnswers, waitUntilReady } from './readiness';
import { RestartPolicy } from './restart-policy';
import { RotatingLog } from './rotating-log';
import { serviceLogFile, serviceStateFile, serviceStopFile } from './service-paths';
import { writeServiceState } from './service-state-file';

/**
 * One service under supervision: its process, started in a process group of
 * its own (so a stop reaches what it starts too), its output appended to a
 * rotated log, its readiness awaited, its health checked, and after a crash
 * a restart after the backoff its {@link RestartPolicy} gives — until the
 * policy gives up (FAILED, with the last log lines) or a stop is asked for:
 * in this process (`stop()`), or from any other by the stop file beside its
 * state file (`stop-service.ts`), which the supervisor reads whenever the
 * process ends and before each restart. Every change of state is written to
 * the state file at once, for readers in any process.
 */

/** Where a service belongs. */
export interface ServicePlace {
  /** The pipeline's state folder (`<stateDir>/<pipeline>`). */
  readonly pipelineDir: string;
  /** The pipeline. */
  readonly pipeline: string;
  /** The service stage. */
  readonly stageId: string;
  /** The item of a per-item service stage. */
  readonly itemId?: string;
  /** The service's name (`service-paths.ts`). */
  readonly name: string;
  /** The stage's cache key. */
  readonly cacheKey: string;
}

/** What a supervisor tells its listener (a daemon's log, a test). */
export type ServiceEvent =
  | { readonly kind: 'ready'; readonly name: string; readonly pid: number }
  | { readonly kind: 'exited'; readonly name: string; readonly exit: ServiceExit }
  | { readonly kind: 'restarting'; readonly name: string; readonly delayMs: number; readonly restarts: number }
  | { readonly kind: 'failed'; readonly name: string; readonly message: string }
  | { readonly kind: 'stopped'; readonly name: string };

/** How a supervised service is run. */
export interface SupervisionOptions {
  /** Paces backoff, probes and health checks. */
  readonly clock: Clock;
  /** Told of every change of state. */
  readonly onEvent: (event: ServiceEvent) => void;
}

/** Lines of output kept in a failed or stopped service's state, and in its error. */
const LAST_LINES = 20;

/** One supervised service. */
export class SupervisedService {
  private state: ServiceState;
  private child: ChildProcess | undefined;
  /** How the current process ended, once it has. */
  private ended: ServiceExit | undefined;
  private exited: Promise<ServiceExit> = Promise.resolve({ code: null, signal: null, at: 0, reason: 'not started' });
  /** Why the supervisor itself ended the current process (health, readiness), for its exit's reason. */
  private killReason: string | undefined;
  private stopping = false;
  private readonly stopController = new AbortController();
  private readonly log: RotatingLog;
  private readonly policy: RestartPolicy;
  /** Settles when supervision ends (stopped or failed). */
  done: Promise<void> = Promise.resolve();
  /** True until supervision ends. */
  active = true;

  constructor(
    private readonly spec: PlanService,
    readonly place: ServicePlace,
    private readonly options: SupervisionOptions,
  ) {
    this.log = new RotatingLog(serviceLogFile(place.pipelineDir, place.name), spec.logs);
    this.policy = new RestartPolicy(spec.restart);
    fs.rmSync(this.stopFile, { force: true });
    const now = options.clock.now();
    this.state = {
      version: 1,
      name: place.name,
      pipeline: place.pipeline,
      stageId: place.stageId,
      ...(place.itemId === undefined ? {} : { itemId: place.itemId }),
      cacheKey: place.cacheKey,
      status: 'starting',
      supervisorPid: process.pid,
      command: [spec.command, ...spec.args],
      startedAt: now,
      restarts: 0,
      restartTimes: [],
      logFile: this.log.file,
      updatedAt: now,
    };
  }

  /** The state file. */
  get stateFile(): string {
    return serviceStateFile(this.place.pipelineDir, this.place.name);
  }

  private get stopFile(): string {
    return serviceStopFile(this.place.pipelineDir, this.place.name);
  }

  /** Its state as last written. */
  get current(): ServiceState {
    return this.state;
  }

  /**
   * Starts the service and resolves once it is ready; supervision goes on
   * after (see {@link done}).
   * @throws DagbookError `SERVICE_NOT_READY` (transient) when it exits or is not ready in time; its last log lines in `data.lastLines`
   */
  async start(): Promise<ServiceDescriptor> {
    this.save({ status: 'starting' });
    const failure = await this.launch();
    if (failure !== undefined) {
      await this.terminate(0);
      const message = `Service \`${this.place.name}\` (${this.state.command.join(' ')}): ${failure}`;
      this.finish('failed', { code: 'SERVICE_NOT_READY', message });
      throw new DagbookError('SERVICE_NOT_READY', withLines(message, this.log.lastLines(LAST_LINES)), {
        stageId: this.place.stageId,
        errorClass: 'transient',
        data: { service: this.place.name, logFile: this.log.file, lastLines: this.log.lastLines(LAST_LINES) },
      });
    }
    this.save({ status: 'running' });
    const pid = this.state.pid as number;
    this.options.onEvent({ kind: 'ready', name: this.place.name, pid });
    this.done = this.supervise();
    return { name: this.place.name, pid, startedAt: this.state.startedAt, logFile: this.log.file, stateFile: this.stateFile };
  }

  /** Stops the service for good: SIGTERM to its process group, SIGKILL after `graceMs`; resolves once supervision has ended. */
  async stop(graceMs = this.spec.stopGraceMs): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    await this.terminate(graceMs);
    await this.done;
  }

  /** Spawns the process and waits until it is ready; undefined when it is, else why not. */
  private async launch(): Promise<string | undefined> {
    const { spec, place } = this;
    this.ended = undefined;
    this.killReason = undefined;
    const pattern = spec.readiness?.kind === 'log' ? new RegExp(spec.readiness.pattern) : undefined;
    let lineSeen = false;
    const onLine = (line: string) => {
      if (pattern?.test(line)) lineSeen = true;
    };
    const child = spawn(spec.command, [...spec.args], {
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      env: { ...process.env, ...spec.env, DAGBOOK_SERVICE: place.name, DAGBOOK_STAGE: place.stageId },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a stop signals the group, so what the service starts stops with it.
      detached: true,
    });
    this.child = child;
    const spawned = new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    this.exited = new Promise<ServiceExit>((resolve) => {
      const end = (exit: ServiceExit) => {
        if (this.ended !== undefined) return;
        this.ended = exit;
        resolve(exit);
      };
      child.once('exit', (code, signal) => {
        const at = this.options.clock.now();
        end({ code, signal, at, reason: this.killReason ?? (code !== null ? `exited with code ${code}` : `killed by ${signal}`) });
      });
      child.once('error', (error) => end({ code: null, signal: null, at: this.options.clock.now(), reason: `could not start: ${error.message}` }));
    });
    child.stdout?.on('data', (chunk: Buffer) => this.log.write(chunk, onLine));
    child.stderr?.on('data', (chunk: Buffer) => this.log.write(chunk, onLine));
    if (!(await spawned)) return (await this.exited).reason;
    this.save({ pid: child.pid as number, processStartedAt: this.options.clock.now() });
    if (spec.readiness === null) return undefined;
    const why = await waitUntilReady(spec.readiness, {
      clock: this.options.clock,
      cwd: spec.cwd ?? process.cwd(),
      lineSeen: () => lineSeen,
      gone: () => this.ended?.reason,
    });
    if (why !== undefined) this.killReason = why;
    return why;
  }

  /** Watches the process after each start, until supervision ends. */
  private async supervise(): Promise<void> {
    this.watchHealth();
    for (;;) {
      const exit = await this.exited;
      this.save({ lastExit: exit });
      this.options.onEvent({ kind: 'exited', name: this.place.name, exit });
      if (this.stopRequested()) return this.finish('stopped');
      const decision = this.policy.onCrash(this.options.clock.now());
      if (!decision.restart) {
        return this.finish('failed', { code: 'SERVICE_FAILED', message: `Service \`${this.place.name}\` ${exit.reason}; ${decision.reason}` });
      }
      this.save({ status: 'restarting', restarts: this.state.restarts + 1, restartTimes: this.policy.toJSON() });
      this.options.onEvent({ kind: 'restarting', name: this.place.name, delayMs: decision.delayMs, restarts: this.state.restarts });
      await this.options.clock.sleep(decision.delayMs, this.stopController.signal).catch(() => undefined);
      if (this.stopRequested()) return this.finish('stopped');
      const failure = await this.launch();
      if (failure !== undefined) {
        // Not ready this time: ended like a crash, and judged by the restart policy like one.
        await this.terminate(0);
        continue;
      }
      this.save({ status: 'running' });
      this.options.onEvent({ kind: 'ready', name: this.place.name, pid: this.state.pid as number });
      this.watchHealth();
    }
  }

  /** Checks the current process's health every `everyMs`; `failures` failed checks in a row end it (and the restart policy restarts it). */
  private watchHealth(): void {
    const health = this.spec.health;
    const child = this.child;
    if (health === null || child === undefined) return;
    const gone = new AbortController();
    void this.exited.then(() => gone.abort());
    void (async () => {
      let failed = 0;
      for (;;) {
        try {
          await this.options.clock.sleep(health.everyMs, gone.signal);
        } catch {
          return;
        }
        failed = (await httpAnswers(health.url, health.timeoutMs)) ? 0 : failed + 1;
        if (failed >= health.failures && this.ended === undefined && this.child === child) {
          this.killReason = `health check failed ${failed} times in a row (GET ${health.url})`;
          signalGroup(child, 'SIGKILL');
          return;
        }
      }
    })();
  }

  /** Ends the current process: SIGTERM, then SIGKILL after `graceMs` (at once when 0); resolves once it has exited. */
  private async terminate(graceMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined || this.ended !== undefined) return;
    if (graceMs > 0) {
      signalGroup(child, 'SIGTERM');
      const timer = new AbortController();
      const exitedInTime = await Promise.race([
        this.exited.then(() => true),
        this.options.clock.sleep(graceMs, timer.signal).then(
          () => false,
          () => true,
        ),
      ]);
      timer.abort();
      if (exitedInTime) return;
    }
    signalGroup(child, 'SIGKILL');
    await this.exited;
  }

  private stopRequested(): boolean {
    return this.stopping || fs.existsSync(this.stopFile);
  }

  private finish(status: Extract<ServiceStatus, 'failed' | 'stopped'>, error?: { code: string; message: string }): void {
    this.active = false;
    this.save({ status, lastLines: this.log.lastLines(LAST_LINES), ...(error === undefined ? {} : { error }) });
    if (status === 'stopped') fs.rmSync(this.stopFile, { force: true });
    this.log.close();
    this.options.onEvent(error === undefined ? { kind: 'stopped', name: this.place.name } : { kind: 'failed', name: this.place.name, message: error.message });
  }

  private save(patch: Partial<ServiceState>): void {
    this.state = { ...this.state, ...patch, updatedAt: this.options.clock.now() };
    writeServiceState(this.stateFile, this.state);
  }
}

/** Sends a signal to a child's process group (it leads one), or to the child when the group is gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** A message with the last log lines under it. */
export function withLines(message: string, lines: readonly string[]): string {
  return lines.length === 0 ? `${message} (no output)` : `${message}; last output:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}
