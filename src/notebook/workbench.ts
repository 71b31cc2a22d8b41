import * as path from 'node:path';
import type { FailurePolicy, PipelineDefinition, StageDefinition } from '../definition/types';
import { loadPipelineFile } from '../definition/load-file';
import { selectEnvironment } from '../definition/environments';
import { DagbookError } from '../errors';
import { dryRun, type DryRunResult } from '../query/dry-run';
import { downstreamOf } from '../graph/graph';
import type { CompiledPipeline } from '../plan/plan';
import { planGraph, type PeriodSelector, type SelectionOptions } from '../plan/select';
import type { ItemRunOptions } from '../run/item-options';
import { readItemOutput } from '../run/item-outputs';
import { pipelineStatus, type StageStanding } from '../query/status';
import { stageHistory } from '../query/history';
import type { RunResult } from '../run/run-pipeline';
import type { DurableStore, GcResult } from '../store/durable-store';
import type { StateReader } from '../store/state-reader';
import { renderMetricsCard } from '../display/metrics-card';
import { renderPlanView } from '../display/plan-view';
import { renderStatusView, toRunText } from '../display/status-view';
import { renderQueueWorkers } from '../display/workers-view';
import { readQueueWorkers } from '../query/queue-workers';
import { renderServiceFailures, renderServices } from '../display/services-view';
import { listServices } from '../service/service-list';
import { stopStageServices, type StoppedService } from '../service/stop-stage-services';
import { processSupervisor } from '../service/supervisor';
import type { Rendered } from '../display/html';
import { CompiledDefinition } from './workbench-compile';
import { WorkbenchDisplay } from './workbench-display';
import { withEdit, withParams, withStage, type CellEdits } from './workbench-edits';
import { latestFailedStage, needsErrorAnalysis, stageErrorAnalysis } from './workbench-errors';
import { resolveWorkbenchOptions, type ResolvedWorkbenchOptions, type WorkbenchOptions } from './workbench-options';
import { runWithProgress } from './workbench-run';
import { defaultStateDir, WorkbenchState } from './workbench-state';
import { showTable } from './workbench-table';
import { dashboardServer, renderDashboardFrame } from './workbench-dashboard';
import { renderUpToDate, summarised } from './workbench-views';
import { readRunFolder } from '../query/run-folder';
import { renderRunReport } from '../display/run-report';
import { withStageOverrides } from '../plan/stage-overrides';
import { readStageOverrides } from '../store/stage-overrides';
import { statePaths } from '../store/state-paths';
import { writeRunFolder, type RunExport } from './run-export';

/**
 * The notebook workbench: one object per pipeline whose calls each render
 * inline — `run` (live progress, then a metrics card), `plan` (the dry run),
 * `status`, `errors`, `output` and `table`. State lives in the durable store
 * under `state/<pipeline>/`. Only the calls that write (`run`, `resume`,
 * `reset`, `gc`) take the store's single-writer lock, for the call alone; the
 * others read without it (see `workbench-state.ts`), so a notebook can watch a
 * run another kernel or the CLI is doing, and two kernels (or a kernel and the
 * CLI) can work on one pipeline one after the other.
 *
 * The facade only composes its parts: the definition as cells change it
 * (`workbench-edits.ts`) compiled once per change (`workbench-compile.ts`),
 * the state's life-cycle (`workbench-state.ts`), where views go
 * (`workbench-display.ts`), runs with live progress (`workbench-run.ts`),
 * tables and danfojs (`workbench-table.ts`) and error analysis
 * (`workbench-errors.ts`).
 */

/** Options of {@link Workbench.run}. */
export interface WorkbenchRunOptions {
  /** Run exactly these stages (their upstream outputs must be stored). */
  readonly only?: boolean;
  /** Re-run the target regardless of the cache (`true`), or these stages. */
  readonly force?: boolean | readonly string[];
  /** Run the target and everything downstream of it instead of its upstream. */
  readonly downstream?: boolean;
  /** Overrides the plan's maxParallel. */
  readonly maxParallel?: number;
  /** Overrides the plan's failure policy: `fail-fast` stops starting stages after a failure, `keep-going` runs every stage that does not need the failed one. */
  readonly failurePolicy?: FailurePolicy;
  /** Cancels the run when aborted. */
  readonly signal?: AbortSignal;
  /** Only this period of the per-period stages (`2027`). */
  readonly period?: number | string;
  /** Only these periods of the per-period stages: `'2027..2029'`, a list, or one. */
  readonly periods?: PeriodSelector;
  /** This period of the per-period stages and every later one. */
  readonly fromPeriod?: number | string;
  /** Which items of the per-item stages run: `{ mode: 'full' | 'test', sample, only, skip, retryFailed }`. @default incremental */
  readonly items?: ItemRunOptions;
}

/** The period fields of a selection, from a call's `period`, `periods` and `fromPeriod`. */
function periodSelection(options: Pick<WorkbenchRunOptions, 'period' | 'periods' | 'fromPeriod'>): SelectionOptions {
  const periods = options.period !== undefined && options.periods !== undefined ? [options.period].concat(options.periods as never) : (options.periods ?? options.period);
  return { ...(periods === undefined ? {} : { periods }), ...(options.fromPeriod === undefined ? {} : { fromPeriod: options.fromPeriod }) };
}

/** What {@link Workbench.run} returns: the run result plus whether it was all cache hits. */
export interface WorkbenchRunResult extends RunResult {
  /** True when every selected stage was restored from cache. */
  readonly upToDate: boolean;
}

/** Opens the workbench of a pipeline (a definition, or a YAML/JSON file path). */
export async function openWorkbench(pipeline: PipelineDefinition | string, options: WorkbenchOptions = {}): Promise<Workbench> {
  const { executor, env, secrets } = options;
  // The notebook and CLI boundary: the one place the environment is read (`DAGBOOK_ENV`, secrets' variables, `DAGBOOK_STATE_DIR`).
  const variables = process.env;
  const definition =
    typeof pipeline === 'string'
      ? await loadPipelineFile(pipeline, { variables, ...(env === undefined ? {} : { env }), ...(executor === undefined ? {} : { executor }), ...(secrets === undefined ? {} : { secrets }) })
      : withExecutor(selectEnvironment(pipeline, { variables, ...(env === undefined ? {} : { env }) }), executor);
  const stateDir = path.resolve(options.stateDir ?? process.env.DAGBOOK_STATE_DIR ?? defaultStateDir(process.cwd()));
  const baseDir = options.baseDir ?? (typeof pipeline === 'string' ? path.dirname(path.resolve(pipeline)) : process.cwd());
  return new Workbench(definition, { ...options, stateDir, baseDir });
}

/** The definition with its pipeline-wide executor replaced, when one is given (after the environment's overlay, which it overrides). */
function withExecutor(definition: PipelineDefinition, executor: WorkbenchOptions['executor']): PipelineDefinition {
  return executor === undefined ? definition : { ...definition, executor };
}

/** See the module comment. */
export class Workbench {
  private readonly pipeline: CompiledDefinition;
  private readonly options: ResolvedWorkbenchOptions;
  private readonly display: WorkbenchDisplay;
  private readonly state: WorkbenchState;
  /** The stages cells edited with {@link stage} and {@link params}; every run records them. */
  private edits: CellEdits = {};

  /** @throws PLAN_INVALID when the definition does not compile */
  constructor(definition: PipelineDefinition, options: WorkbenchOptions & { stateDir: string; baseDir: string }) {
    this.options = resolveWorkbenchOptions(options);
    this.display = new WorkbenchDisplay(this.options);
    const { stateDir, clock, cache } = this.options;
    this.state = new WorkbenchState({ stateDir, pipeline: definition.name, clock, cache, note: (line) => this.display.text(line) });
    this.pipeline = new CompiledDefinition(definition);
  }

  /** The compiled pipeline (recompiled after {@link stage} changes it). @throws PLAN_INVALID */
  compiled(): CompiledPipeline {
    return this.pipeline.compiled();
  }

  /** Pipeline name. */
  get name(): string {
    return this.pipeline.definition.name;
  }

  /** The environment the definition was merged for (`prod`); undefined when none was selected. */
  get environment(): string | undefined {
    return this.pipeline.definition.environment?.name;
  }

  /** The state folder (the pipeline's state is in `<stateDirectory>/<name>/`). */
  get stateDirectory(): string {
    return this.options.stateDir;
  }

  /**
   * Adds a stage defined in a notebook cell, or replaces the stage with the
   * same id. Its code fingerprint drives its cache key like any other stage.
   * @throws PLAN_INVALID when the pipeline no longer compiles (the change is undone)
   */
  stage(definition: StageDefinition<any>): this {
    this.pipeline.change(withStage(this.pipeline.definition, definition));
    this.edits = withEdit(this.edits, definition.id, 'stage');
    return this;
  }

  /** Changes params of a stage (merged into its current params). */
  params(stageId: string, params: Readonly<Record<string, unknown>>): this {
    const next = withParams(this.pipeline.definition, stageId, params);
    if (!next) throw this.unknownStage(stageId);
    this.pipeline.change(next);
    this.edits = withEdit(this.edits, stageId, 'params');
    return this;
  }

  /**
   * Runs a stage and whatever upstream of it is not up to date (every stage
   * when no target is given), with live progress, then a metrics card — or a
   * one-line "up to date" when everything was a cache hit — and the error
   * analysis of each failed stage.
   */
  async run(target?: string | readonly string[], options: WorkbenchRunOptions = {}): Promise<WorkbenchRunResult> {
    const stages: SelectionOptions =
      target === undefined ? {} : options.only ? { only: target } : options.downstream ? { from: typeof target === 'string' ? target : target[0] } : { target };
    const selection = { ...stages, ...periodSelection(options) };
    return this.withStore((store) => this.execute(store, selection, options));
  }

  /**
   * Resumes an interrupted or failed run (the latest run, when none is named)
   * — after a crash or a kernel restart: its completed stages are kept and
   * the rest run, an interrupted stage with its same idempotency key.
   * @throws INVALID_OPTION when there is no such run, or it succeeded
   */
  async resume(runId?: string, options: Pick<WorkbenchRunOptions, 'maxParallel' | 'failurePolicy' | 'signal'> = {}): Promise<WorkbenchRunResult> {
    return this.withStore(async (store) => {
      const runs = (await store.listRuns()).filter((r) => r.pipeline === this.name);
      const run = runId === undefined ? runs[runs.length - 1] : runs.find((r) => r.runId === runId);
      if (!run) {
        throw new DagbookError('INVALID_OPTION', runId === undefined ? `\`${this.name}\` has no run to resume` : `Expected \`runId\` to name a run of \`${this.name}\`, got \`${runId}\``);
      }
      if (run.status === 'SUCCEEDED') throw new DagbookError('INVALID_OPTION', `Run ${run.runId} succeeded: there is nothing to resume`);
      const record = await store.getRun(run.runId);
      return this.execute(store, { only: record?.stages ?? [] }, { ...options, resume: run.runId });
    });
  }

  private async execute(store: DurableStore, selection: SelectionOptions, options: WorkbenchRunOptions & { resume?: string }): Promise<WorkbenchRunResult> {
    const compiled = this.withOverrides();
    const { baseDir, clock, quiet, refreshMs, eventLines, listeners } = this.options;
    const { result, live } = await runWithProgress(compiled, store, {
      selection,
      force: options.force,
      maxParallel: options.maxParallel,
      ...(options.failurePolicy ? { failurePolicy: options.failurePolicy } : {}),
      signal: options.signal,
      ...(options.resume ? { resume: options.resume } : {}),
      ...(options.items ? { items: options.items } : {}),
      editedInCell: this.edits,
      baseDir,
      clock,
      quiet,
      refreshMs,
      eventLines,
      listeners,
      text: (line) => this.display.text(line),
    });
    const upToDate = Object.values(result.stages).every((r) => r.status === 'CACHED');
    if (upToDate) {
      // Replace the progress display: a section that was up to date shows one line.
      if (live) live.update(renderUpToDate(result));
      else this.display.render(renderUpToDate(result));
    } else {
      this.display.render(renderMetricsCard(compiled.plan, result));
      for (const record of Object.values(result.stages)) {
        if (needsErrorAnalysis(record.status)) this.display.render(await stageErrorAnalysis(store, compiled.plan, record.stageId, result.metrics.usage, clock, this.options.nextStepTarget));
      }
    }
    return summarised({ ...result, upToDate }, `RunResult ${result.runId}: ${result.status}${upToDate ? ' (up to date)' : ''}`, this.display.shows);
  }

  /**
   * Runs again only the items of a per-item stage that failed last time (as
   * last discovered: the discovery stage does not run), and what depends on
   * them; the other items keep their outputs.
   */
  async retryFailed(stageId: string, options: Omit<WorkbenchRunOptions, 'items' | 'only' | 'downstream'> = {}): Promise<WorkbenchRunResult> {
    const stage = this.compiled().plan.stages[stageId];
    if (stage === undefined) throw this.unknownStage(stageId);
    if (stage.forEach === undefined) {
      throw new DagbookError('INVALID_OPTION', `Expected a per-item stage (one with \`forEach\`) to retry the failed items of, got \`${stageId}\``, { stageId });
    }
    return this.run(stageId, { ...options, downstream: true, items: { retryFailed: true } });
  }

  /** The dry run: what a run would do and why, drawn as the DAG and a table. Runs nothing. */
  async plan(
    target?: string | readonly string[],
    options: Pick<WorkbenchRunOptions, 'force' | 'period' | 'periods' | 'fromPeriod'> = {},
  ): Promise<DryRunResult> {
    const compiled = this.withOverrides();
    return this.withReader(async (store) => {
      const selection = { ...(target === undefined ? {} : { target }), ...periodSelection(options) };
      const dry = await dryRun(compiled, { store, selection, force: options.force, baseDir: this.options.baseDir });
      this.display.render(renderPlanView(compiled.plan, dry));
      return summarised(dry, `DryRun ${dry.pipeline}: ${dry.toRun} of ${dry.rows.length} stages would run`, this.display.shows);
    });
  }

  /**
   * Every stage's state, last run, duration and output; stale stages marked with the reason. A pipeline whose stages
   * run on a queue (`bullmq`) also gets that queue's workers with their heartbeats (or why Redis could not be read).
   */
  async status(): Promise<StageStanding[]> {
    const compiled = this.withOverrides();
    const rows = await this.withReader(async (store) => {
      const standings = await pipelineStatus(compiled, store, this.options.baseDir);
      this.display.render(renderStatusView(compiled.plan, standings, this.options.clock.now()));
      return standings;
    });
    const queues = await readQueueWorkers(compiled.plan, { now: this.options.clock.now() });
    if (queues.length > 0) this.display.render(renderQueueWorkers(queues, this.options.clock.now()));
    const services = listServices(this.pipelineDir, this.options.clock.now());
    if (services.length > 0) this.display.render(renderServices(services, this.options.clock.now()));
    return summarised(rows, `Status ${compiled.plan.name}: ${toRunText(rows)}`, this.display.shows);
  }

  /**
   * Stops the services of a service stage (of one item, with `item`), whichever process supervises them: SIGTERM,
   * SIGKILL after the service's grace, and no restart. Says what it stopped.
   * @throws SELECTION_UNKNOWN_STAGE … as any stage argument, INVALID_OPTION when the stage is not a service stage
   */
  async stop(stageId: string, options: { readonly item?: string; readonly graceMs?: number } = {}): Promise<StoppedService[]> {
    const stage = this.compiled().plan.stages[stageId];
    if (stage === undefined) throw this.unknownStage(stageId);
    if (stage.kind !== 'service') throw new DagbookError('INVALID_OPTION', `Expected a service stage (\`kind: service\`) to stop, got \`${stageId}\``, { stageId });
    const stopped = await stopStageServices(this.pipelineDir, stageId, {
      supervisor: processSupervisor(),
      ...(options.item === undefined ? {} : { itemId: options.item }),
      graceMs: options.graceMs ?? stage.service?.stopGraceMs,
    });
    const lines = stopped.map((s) => (s.was === 'running' || s.was === 'starting' || s.was === 'restarting' ? `stopped service \`${s.name}\`${s.pid === undefined ? '' : ` (pid ${s.pid})`}` : `service \`${s.name}\` was ${s.was} already`));
    this.display.text(lines.length === 0 ? `stage \`${stageId}\` has no service to stop` : lines.join('\n'));
    return stopped;
  }

  /** The compiled pipeline with the stages enabled or disabled from the dashboard (kept with the state) applied: what runs, dry runs and the status judge. */
  private withOverrides(): CompiledPipeline {
    return withStageOverrides(this.compiled(), readStageOverrides(statePaths(this.options.stateDir, this.name)).stages);
  }

  /** The pipeline's state folder, `<stateDirectory>/<name>`. */
  private get pipelineDir(): string {
    return path.resolve(this.options.stateDir, this.name);
  }

  /**
   * The error analysis of a stage's latest failure (the latest failed stage when none is named), and the services
   * (of that stage, when one is named) that failed after their stage succeeded, with their last lines.
   */
  async errors(stageId?: string): Promise<Rendered | undefined> {
    const compiled = this.compiled();
    if (stageId !== undefined && !(stageId in compiled.plan.stages)) throw this.unknownStage(stageId);
    const services = renderServiceFailures(listServices(this.pipelineDir, this.options.clock.now()).filter((s) => stageId === undefined || s.stageId === stageId));
    return this.withReader(async (store) => {
      const history = await stageHistory(store, compiled.plan.name, compiled.plan.order);
      const id = stageId ?? latestFailedStage(history, compiled.plan.order);
      const stage = id === undefined ? undefined : await stageErrorAnalysis(store, compiled.plan, id, history.runOf[id]?.usage ?? {}, this.options.clock, this.options.nextStepTarget);
      if (stage === undefined && services === undefined) {
        this.display.text('No stage has failed.');
        return undefined;
      }
      const parts = [stage, services].filter((r): r is Rendered => r !== undefined);
      const view: Rendered = { html: parts.map((r) => r.html).join(''), text: parts.map((r) => r.text).join('\n\n') };
      this.display.render(view);
      return summarised(view, id === undefined ? 'ErrorAnalysis services' : `ErrorAnalysis ${id}`, this.display.shows);
    });
  }

  /** A stage's current output (from its latest successful run). @throws OUTPUT_MISSING when it has none */
  async output<T = unknown>(stageId: string): Promise<T> {
    if (!(stageId in this.compiled().plan.stages)) throw this.unknownStage(stageId);
    return this.withReader(async (store) => {
      const entry = await store.latestCacheEntry(stageId);
      if (!entry) {
        throw new DagbookError('OUTPUT_MISSING', `Stage \`${stageId}\` has no stored output yet: run it first with \`await wb.run('${stageId}')\``, { stageId });
      }
      return (await store.getOutput(entry.outputHash)) as T;
    });
  }

  /**
   * The output of one item of a per-item stage, as its last success left it.
   * @throws DagbookError `OUTPUT_MISSING` when the item has no success (naming its state), `INVALID_OPTION` for a stage that is not per-item
   */
  async itemOutput<T = unknown>(stageId: string, itemId: string): Promise<T> {
    const stage = this.compiled().plan.stages[stageId];
    if (stage === undefined) throw this.unknownStage(stageId);
    if (stage.forEach === undefined) {
      throw new DagbookError('INVALID_OPTION', `Expected a per-item stage (one with \`forEach\`), got \`${stageId}\`: read its output with \`await wb.output('${stageId}')\``, { stageId });
    }
    return this.withReader(async (store) => {
      const record = (await store.readItemRecords(stageId)).get(itemId);
      if (record?.status !== 'SUCCEEDED' || record.outputHash === undefined) {
        const state = record === undefined ? 'has not run' : `failed (${record.error?.code ?? 'STAGE_FAILED'}: ${record.error?.message ?? ''})`;
        throw new DagbookError('OUTPUT_MISSING', `Item \`${itemId}\` of \`${stageId}\` ${state}: it has no output`, { stageId });
      }
      return (await readItemOutput(store, record, record.outputHash)) as T;
    });
  }

  /**
   * Shows a table and returns it as a danfojs DataFrame. Given a stage id,
   * the table is the stage's output, or the part of it `select` picks; given
   * anything else, the table is that value. A danfojs DataFrame or Series is
   * shown (index first) and returned as it is, without loading danfojs; an
   * array of records or of arrays is returned as a new DataFrame (danfojs is
   * loaded on first use). At most `maxRows` rows are shown (default 20), with
   * a note of how many there are.
   * @throws INVALID_OPTION when the value is not a table
   */
  async table(stageId: string, select?: (output: any) => unknown, options?: { maxRows?: number }): Promise<unknown>;
  async table(value: object, options?: { maxRows?: number }): Promise<unknown>;
  async table(source: unknown, selectOrOptions?: ((output: any) => unknown) | { maxRows?: number }, stageOptions?: { maxRows?: number }): Promise<unknown> {
    const stageId = typeof source === 'string' ? source : undefined;
    const options = (stageId === undefined ? (selectOrOptions as { maxRows?: number } | undefined) : stageOptions) ?? {};
    let value: unknown = source;
    if (stageId !== undefined) {
      const output = await this.output(stageId);
      value = typeof selectOrOptions === 'function' ? selectOrOptions(output) : output;
    }
    return showTable(value, { ...(stageId === undefined ? {} : { stageId }), maxRows: options.maxRows ?? 20, render: (view) => this.display.render(view), shown: this.display.shows });
  }

  /**
   * The live dashboard of this pipeline in a frame: its DAG or stage × item grid coloured by state, the progress of
   * the run going on (this kernel's or another process's), its latest errors with their analysis — updated as runs
   * write, without reloading — and its buttons: run a stage or the pipeline (in this kernel), cancel the run going on,
   * retry failed items, enable or disable a stage for the next runs. It is served from this kernel on 127.0.0.1 and a
   * free port, started on the first call and reused by later ones; the frame carries the token its actions need.
   * Returns the dashboard's URL (without the token: its reads need none).
   */
  async dashboard(options: { readonly heightPx?: number } = {}): Promise<string> {
    const server = await dashboardServer({ name: this.name, stateDir: this.options.stateDir, baseDir: this.options.baseDir, compiled: () => this.compiled() });
    this.display.render(renderDashboardFrame(server, options.heightPx ?? 720));
    return `${server.url}/`;
  }

  /** Forgets the cached outputs of a stage and everything downstream of it (every stage when none is named). */
  async reset(stageId?: string): Promise<string[]> {
    const plan = this.compiled().plan;
    if (stageId !== undefined && !(stageId in plan.stages)) throw this.unknownStage(stageId);
    const ids = stageId === undefined ? [...plan.order] : [stageId, ...downstreamOf(planGraph(plan), [stageId])];
    await this.withStore((store) => store.deleteCacheEntries(ids));
    this.display.text(`Reset ${ids.length} stage${ids.length === 1 ? '' : 's'}: ${ids.join(', ')}`);
    return ids;
  }

  /**
   * Drops the cache entries past the cache policy and deletes the stored
   * outputs nothing refers to; with `verify`, also checks every stored output
   * and deletes the damaged ones (their stages run again).
   */
  async gc(options: { readonly verify?: boolean } = {}): Promise<GcResult> {
    const result = await this.withStore((store) => store.gcArtifacts(options));
    const damaged = result.damaged.length > 0 ? `; removed ${result.damaged.length} damaged output(s): ${result.damaged.join(', ')}` : options.verify ? '; every stored output is whole' : '';
    this.display.text(`Removed ${result.removed.length} unreferenced output(s) and ${result.cacheEntriesDropped} old cache entr${result.cacheEntriesDropped === 1 ? 'y' : 'ies'}${damaged}.`);
    return result;
  }

  /**
   * Writes a run's folder — `meta.json`, `state.json`, `events.jsonl` (public
   * event lines), `outputs/<stage>.output.json` and `reports/report.md` — into
   * `dir` (see `run-export.ts`); the latest run when only the folder is given.
   * Reads without the lock, so a running run exports as far as it got.
   * @throws DagbookError `RUN_NOT_FOUND` when the pipeline has no such run (or none); `INVALID_OPTION` when `dir` holds something else
   */
  async exportRun(dir: string): Promise<RunExport>;
  async exportRun(runId: string | undefined, dir: string): Promise<RunExport>;
  async exportRun(runIdOrDir: string | undefined, maybeDir?: string): Promise<RunExport> {
    const [runId, dir] = maybeDir === undefined ? [undefined, runIdOrDir as string] : [runIdOrDir, maybeDir];
    const plan = this.compiled().plan;
    const written = await this.withReader(async (reader) => {
      const runs = (await reader.listRuns()).filter((r) => r.pipeline === this.name);
      const id = runId ?? runs[runs.length - 1]?.runId;
      if (id === undefined) throw new DagbookError('RUN_NOT_FOUND', `\`${this.name}\` has no run to export yet`, { data: { pipeline: this.name } });
      const folder = await readRunFolder(reader, plan, id);
      return writeRunFolder(dir, folder, renderRunReport(plan, folder, { now: this.options.clock.now(), target: this.options.nextStepTarget }));
    });
    this.display.text(`Exported run ${written.runId} to ${written.dir}: ${written.files.length} files.`);
    return written;
  }

  private withStore<T>(fn: (store: DurableStore) => Promise<T>): Promise<T> {
    return this.state.write(fn);
  }

  private withReader<T>(fn: (reader: StateReader) => Promise<T>): Promise<T> {
    return this.state.read(fn);
  }

  private unknownStage(stageId: string): DagbookError {
    return new DagbookError('SELECTION_UNKNOWN_STAGE', `Unknown stage \`${stageId}\`; stages: ${this.compiled().plan.order.join(', ')}`, { stageId });
  }
}
