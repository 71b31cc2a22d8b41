import type { Clock } from '../clock';
import { DagbookError } from '../errors';
import type { CompiledPipeline } from '../plan/plan';
import type { SelectionOptions } from '../plan/select';
import { withStageOverrides } from '../plan/stage-overrides';
import type { ItemRunOptions } from '../run/item-options';
import { startRun, type RunHandle } from '../run/run-pipeline';
import { openDurableStore } from '../store/durable-store';
import { requestRunCancel } from '../store/run-cancel-request';
import { readStageOverrides, setStageOverride } from '../store/stage-overrides';
import { isProcessAlive } from '../process-alive';
import { readStateLock } from '../store/state-lock';
import { statePaths } from '../store/state-paths';
import { openStateReader } from '../store/state-reader';
import { notFound } from './http-errors';
import type { ServedPipeline } from './served-pipelines';

/**
 * What the dashboard's actions do (control-routes.ts answers them over
 * HTTP), in the server's process:
 * - a run goes through the run API every run goes through (`startRun` on the
 *   durable store, so it takes the writer's lock like `dagbook run`: when
 *   another process holds it, `STATE_LOCKED` names that process), with the
 *   stages enabled or disabled from the dashboard applied; the answer comes
 *   once the run has begun (its first event is in its log), and its handle
 *   is kept until it ends;
 * - a run this server started is cancelled through its handle; a run of
 *   another process through a cancel request file its run loop polls for
 *   (store/run-cancel-request.ts); a run nobody runs any more cannot be;
 * - failed items are retried as `dagbook run --retry-failed` does;
 * - a stage is enabled or disabled by an override kept with the state
 *   (store/stage-overrides.ts), which every later run honours.
 */

/** What a run action asks for. */
export interface RunRequest {
  /** The stage to run, with what it needs (the whole pipeline when absent); with `retryFailed`, its failed items and what follows. */
  readonly stage?: string;
  /** Run it regardless of the cache. */
  readonly force?: boolean;
  /** The environment whose overlays are merged (a pipeline served from a file only). */
  readonly env?: string;
  /** Only the items that failed last time. */
  readonly retryFailed?: boolean;
}

/** A run begun by an action. */
export interface StartedRun {
  readonly pipeline: string;
  readonly run_id: string;
  /** The process running it: this server's. */
  readonly pid: number;
}

/** What cancelling asked for. */
export interface CancelAnswer {
  readonly pipeline: string;
  readonly run_id: string;
  /** How: this server's own run through its handle, or another process's through a request file it polls for. */
  readonly via: 'handle' | 'request-file';
  /** The process running the run. */
  readonly pid: number;
}

/** A stage's override as set. */
export interface EnabledAnswer {
  readonly pipeline: string;
  readonly stage: string;
  readonly enabled: boolean;
  /** Whether the definition (as served) enables it. */
  readonly definition_enabled: boolean;
}

/** The runs an action started and their pipelines' state. */
export class RunControl {
  private readonly runs = new Map<string, { readonly pipeline: string; readonly handle: RunHandle; readonly ended: Promise<void> }>();
  /**
   * By pipeline, the store of this server's last run that ended, until it has closed: the writer's lock is its
   * until then, so a run started right after another ended waits for it instead of finding the lock held.
   */
  private readonly closing = new Map<string, Promise<void>>();

  constructor(private readonly stateDir: string, private readonly clock: Clock) {}

  /**
   * Starts a run and resolves once it has begun.
   * @throws DagbookError `STATE_LOCKED` naming the process holding the writer's lock; `SELECTION_UNKNOWN_STAGE`,
   * `INVALID_OPTION` (an environment a pipeline not served from a file cannot take, retrying a stage that has no items)
   */
  async start(pipeline: ServedPipeline, request: RunRequest): Promise<StartedRun> {
    const compiled = withStageOverrides(await compiledFor(pipeline, request.env), readStageOverrides(statePaths(this.stateDir, pipeline.name)).stages);
    const stage = request.stage;
    if (request.retryFailed && stage !== undefined && compiled.plan.stages[stage] !== undefined && compiled.plan.stages[stage].forEach === undefined) {
      throw new DagbookError('INVALID_OPTION', `Expected a per-item stage (one with \`forEach\`) to retry the failed items of, got \`${stage}\``, { stageId: stage });
    }
    const selection: SelectionOptions = stage === undefined ? {} : request.retryFailed ? { from: stage } : { target: stage };
    const items: ItemRunOptions | undefined = request.retryFailed ? { retryFailed: true } : undefined;
    await this.closing.get(pipeline.name);
    const store = await openDurableStore({ stateDir: this.stateDir, pipeline: pipeline.name, clock: this.clock });
    const handle = startRun(compiled, {
      store,
      clock: this.clock,
      selection,
      baseDir: pipeline.baseDir,
      ...(request.force ? { force: stage === undefined ? true : [stage] } : {}),
      ...(items ? { items } : {}),
    });
    let begun: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (begun = resolve));
    const unsubscribe = handle.events.subscribe((event) => {
      if (event.type === 'RUN_START') begun();
    });
    const ended = handle.result.then(
      () => undefined,
      () => undefined,
    );
    const key = runKey(pipeline.name, handle.runId);
    const closed = ended.then(() => store.close()).catch(() => undefined);
    this.runs.set(key, { pipeline: pipeline.name, handle, ended: closed });
    void ended.then(() => {
      this.runs.delete(key);
      this.closing.set(pipeline.name, closed);
      void closed.then(() => {
        if (this.closing.get(pipeline.name) === closed) this.closing.delete(pipeline.name);
      });
    });
    try {
      // A run refused before it begins (an unknown stage, a missing output) rejects without an event.
      await Promise.race([started, handle.result.then(() => undefined)]);
    } finally {
      unsubscribe();
    }
    return { pipeline: pipeline.name, run_id: handle.runId, pid: process.pid };
  }

  /**
   * Cancels a run: this server's through its handle, another process's through a request file.
   * @throws DagbookError `SERVE_NOT_FOUND` for an unknown run; `SERVE_CONFLICT` when it is not running, or no process runs it
   */
  async cancel(pipeline: string, runId: string): Promise<CancelAnswer> {
    const own = this.runs.get(runKey(pipeline, runId));
    if (own) {
      own.handle.cancel('cancelled from the dashboard');
      return { pipeline, run_id: runId, via: 'handle', pid: process.pid };
    }
    const paths = statePaths(this.stateDir, pipeline);
    const reader = await openStateReader({ stateDir: this.stateDir, pipeline });
    let status: string | undefined;
    try {
      status = (await reader.getRun(runId))?.status;
    } finally {
      await reader.close();
    }
    if (status === undefined) throw notFound(`Pipeline \`${pipeline}\` has no run \`${runId}\``);
    if (status !== 'RUNNING') throw new DagbookError('SERVE_CONFLICT', `Run \`${runId}\` of \`${pipeline}\` is not running: it ended ${status}`, { data: { runId, status } });
    const holder = readStateLock(paths.lock);
    if (holder === undefined || !isProcessAlive(holder.pid)) {
      throw new DagbookError('SERVE_CONFLICT', `Run \`${runId}\` of \`${pipeline}\` was interrupted: no process runs it any more (resume it with \`dagbook run --resume ${runId}\`)`, {
        data: { runId },
      });
    }
    requestRunCancel(paths, runId, { reason: `cancelled from the dashboard (served by pid ${process.pid})`, at: new Date(this.clock.now()).toISOString(), pid: process.pid });
    return { pipeline, run_id: runId, via: 'request-file', pid: holder.pid };
  }

  /**
   * Enables or disables a stage for every later run, over its definition.
   * @throws DagbookError `SERVE_NOT_FOUND` naming the stage when the pipeline has none of that id
   */
  setEnabled(pipeline: ServedPipeline, stage: string, enabled: boolean): EnabledAnswer {
    const { plan } = pipeline.compiled();
    const instances = plan.order.filter((id) => id === stage || plan.stages[id].template === stage);
    if (instances.length === 0) throw notFound(`Pipeline \`${pipeline.name}\` has no stage \`${stage}\`; its stages: ${plan.order.join(', ')}`);
    setStageOverride(statePaths(this.stateDir, pipeline.name), stage, enabled, this.clock.now());
    return { pipeline: pipeline.name, stage, enabled, definition_enabled: instances.every((id) => plan.stages[id].enabled) };
  }

  /** Cancels the runs this server started and waits for them to end (and their stores to close). */
  async close(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.handle.cancel('the status server is stopping');
    await Promise.all([...runs.map((run) => run.ended), ...this.closing.values()]);
  }
}

function runKey(pipeline: string, runId: string): string {
  return `${pipeline}\0${runId}`;
}

/** The pipeline compiled for `env` (as served when none is named). */
async function compiledFor(pipeline: ServedPipeline, env: string | undefined): Promise<CompiledPipeline> {
  const served = pipeline.compiled();
  if (env === undefined || env === served.plan.environment?.name) return served;
  if (!pipeline.compiledIn) {
    throw new DagbookError('INVALID_OPTION', `Expected no \`env\` for \`${pipeline.name}\`: it is served as its workbench has it (environment ${served.plan.environment?.name ?? 'none'}), got \`${env}\``, {
      data: { field: 'env', value: env },
    });
  }
  return pipeline.compiledIn(env);
}
