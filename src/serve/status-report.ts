import { errorMessage } from '../errors';
import type { ItemRecord, RunRecord, RunSummary } from '../records';
import { readHeartbeat } from '../store/heartbeat-file';
import { writerActive } from '../store/run-log-tail';
import { openStateReader, type StateReader } from '../store/state-reader';
import { daemonReport, type DaemonReport } from './daemon-report';
import { countItemStates, itemStates, type ItemState, type ItemStateCounts } from './item-states';
import type { ServedPipeline } from './served-pipelines';

/**
 * What `GET /status` says of each pipeline, read through the state reader
 * (never the writer's lock) and the item journals: its health, its latest
 * run, its items in the four states of item-states.ts, and its last check.
 *
 * - `health`: `down` when its definition or its state cannot be read;
 *   `degraded` when its latest run failed, ended partial, was cancelled or
 *   interrupted (RUNNING in its log, but no live process holds the writer
 *   lock), some items failed, or its heartbeat is stale; else `healthy`.
 * - `daemon`: what its daemon (`dagbook watch`) is doing, from its
 *   `daemon.json`; a dead daemon or failing ticks are reasons of `degraded`.
 * - `last_check`: the latest of its heartbeat and its latest run's end (or
 *   start, while it runs): the last time anything looked for work; null
 *   when nothing ever did.
 *
 * Discovered items are the discovery stage's stored output (as its last run
 * left it): the server never calls a stage.
 */

/** A pipeline's health. */
export type PipelineHealth = 'healthy' | 'degraded' | 'down';

/** A run's state as the status endpoint shows it: a killed run reads `INTERRUPTED`. */
export type ShownRunStatus = RunSummary['status'] | 'INTERRUPTED';

/** What the server reads of one pipeline's state. */
export interface PipelineSnapshot {
  /** Pipeline name. */
  readonly name: string;
  /** Its runs, oldest first. */
  readonly runs: readonly RunSummary[];
  /** The run running now (a live process holds the writer lock), when one is. */
  readonly activeRun?: RunRecord;
  /** Whether its latest run is RUNNING in its log with no live writer. */
  readonly interrupted: boolean;
  /** Each known item's state. */
  readonly items: ReadonlyMap<string, ItemState>;
  /** The latest record of each item, by per-item stage. */
  readonly itemRecords: Readonly<Record<string, ReadonlyMap<string, ItemRecord>>>;
}

/** Reads a pipeline's snapshot with `reader`. @throws DagbookError `STATE_CORRUPT`, `STATE_IO`, `PLAN_INVALID` */
export async function readPipelineSnapshot(pipeline: ServedPipeline, reader: StateReader): Promise<PipelineSnapshot> {
  const { plan } = pipeline.compiled();
  const runs = (await reader.listRuns()).filter((run) => run.pipeline === pipeline.name);
  const latest = runs[runs.length - 1];
  const running = latest?.status === 'RUNNING';
  const alive = running && writerActive(reader.paths);
  const activeRun = alive ? await reader.getRun(latest.runId) : undefined;
  const itemStages = plan.order.filter((id) => plan.stages[id].forEach !== undefined && plan.stages[id].enabled);
  const itemRecords: Record<string, ReadonlyMap<string, ItemRecord>> = {};
  for (const stage of itemStages) itemRecords[stage] = await reader.readItemRecords(stage);
  const discovered: string[] = [];
  for (const discovery of new Set(itemStages.map((id) => plan.stages[id].forEach as string))) discovered.push(...(await storedItemIds(reader, discovery)));
  const latestStages = await reader.latestStages();
  const endedInActiveRun = new Set(
    Object.entries(latestStages)
      .filter(([, entry]) => activeRun !== undefined && entry.runId === activeRun.runId && entry.record.status !== 'RUNNING')
      .map(([id]) => id),
  );
  const items = itemStates({ itemStages, discovered, records: itemRecords, ...(activeRun ? { activeRun, endedInActiveRun } : {}) });
  return { name: pipeline.name, runs, ...(activeRun ? { activeRun } : {}), interrupted: running && !alive, items, itemRecords };
}

/** The item ids a discovery stage's stored output holds (none when it has none, or it is not items). */
async function storedItemIds(reader: StateReader, stageId: string): Promise<string[]> {
  const entry = await reader.latestCacheEntry(stageId);
  if (!entry) return [];
  try {
    const output = await reader.getOutput(entry.outputHash);
    return Array.isArray(output) ? output.flatMap((item: unknown) => (typeof (item as { id?: unknown })?.id === 'string' ? [(item as { id: string }).id] : [])) : [];
  } catch {
    // An output the garbage collector removed or a damaged one: the item journals still name the items that ran.
    return [];
  }
}

/** One pipeline in the `/status` answer. */
export interface PipelineStatusReport {
  readonly name: string;
  readonly health: PipelineHealth;
  readonly reasons: string[];
  readonly latest_run: LatestRunReport | null;
  readonly items: ItemStateCounts;
  readonly last_check: string | null;
  /** The pipeline's daemon (`dagbook watch`), null when none ever watched it (see daemon-report.ts). */
  readonly daemon: DaemonReport | null;
}

/** A run as `/status` shows it. */
export interface LatestRunReport {
  readonly run_id: string;
  readonly status: ShownRunStatus;
  readonly started_at: string;
  readonly ended_at?: string;
  readonly duration_ms?: number;
  readonly reason?: string;
  readonly stage_counts: Record<string, number>;
}

/** The `/status` answer. */
export interface StatusReport {
  readonly pipeline: PipelineHealth;
  readonly items: ItemStateCounts;
  readonly last_check: string | null;
  readonly checked_at: string;
  readonly pipelines: PipelineStatusReport[];
}

/** Options of {@link statusReport}. */
export interface StatusReportOptions {
  readonly stateDir: string;
  readonly pipelines: readonly ServedPipeline[];
  /** Now, ms since epoch. */
  readonly now: number;
  /** Age past which a heartbeat is stale, ms. */
  readonly heartbeatStaleMs: number;
}

/** Reads every pipeline's state (without the lock) and reports it. */
export async function statusReport(options: StatusReportOptions): Promise<StatusReport> {
  const pipelines: PipelineStatusReport[] = [];
  for (const pipeline of options.pipelines) pipelines.push(await pipelineReport(pipeline, options));
  const worst: PipelineHealth = pipelines.some((p) => p.health === 'down') ? 'down' : pipelines.some((p) => p.health === 'degraded') ? 'degraded' : 'healthy';
  const items: ItemStateCounts = { pending: 0, processing: 0, deployed: 0, failed: 0 };
  for (const p of pipelines) for (const state of Object.keys(items) as ItemState[]) items[state] += p.items[state];
  const checks = pipelines.map((p) => p.last_check).filter((c): c is string => c !== null).sort();
  return { pipeline: worst, items, last_check: checks[checks.length - 1] ?? null, checked_at: new Date(options.now).toISOString(), pipelines };
}

async function pipelineReport(pipeline: ServedPipeline, options: StatusReportOptions): Promise<PipelineStatusReport> {
  const none: ItemStateCounts = { pending: 0, processing: 0, deployed: 0, failed: 0 };
  let snapshot: PipelineSnapshot;
  let reader: StateReader | undefined;
  try {
    reader = await openStateReader({ stateDir: options.stateDir, pipeline: pipeline.name });
    snapshot = await readPipelineSnapshot(pipeline, reader);
  } catch (error) {
    return { name: pipeline.name, health: 'down', reasons: [errorMessage(error)], latest_run: null, items: none, last_check: null, daemon: null };
  } finally {
    await reader?.close();
  }
  const reasons: string[] = [];
  const latest = snapshot.runs[snapshot.runs.length - 1];
  const shown: ShownRunStatus | undefined = latest && (snapshot.interrupted ? 'INTERRUPTED' : latest.status);
  if (latest && shown !== 'RUNNING' && shown !== 'SUCCEEDED') reasons.push(`latest run ${latest.runId} ${shown === 'INTERRUPTED' ? 'was interrupted (no process is running it)' : `ended ${shown}`}`);
  const items = countItemStates(snapshot.items);
  if (items.failed > 0) reasons.push(`${items.failed} item${items.failed === 1 ? '' : 's'} failed`);
  const beat = reader ? readHeartbeat(reader.paths) : { kind: 'none' as const };
  const beatAt = beat.kind === 'beat' ? Date.parse(beat.beat.at) : undefined;
  if (beatAt !== undefined && options.now - beatAt > options.heartbeatStaleMs) reasons.push(`heartbeat is ${Math.round((options.now - beatAt) / 1000)} s old`);
  const daemon = reader ? daemonReport(reader.paths) : { report: null, reasons: [] };
  reasons.push(...daemon.reasons);
  const runCheck = latest ? (latest.endedAt ?? latest.startedAt) : undefined;
  const lastCheck = Math.max(beatAt ?? -Infinity, runCheck ?? -Infinity);
  return {
    name: pipeline.name,
    health: reasons.length > 0 ? 'degraded' : 'healthy',
    reasons,
    latest_run: latest ? latestRunReport(latest, shown as ShownRunStatus) : null,
    items,
    last_check: Number.isFinite(lastCheck) ? new Date(lastCheck).toISOString() : null,
    daemon: daemon.report,
  };
}

function latestRunReport(run: RunSummary, status: ShownRunStatus): LatestRunReport {
  return {
    run_id: run.runId,
    status,
    started_at: new Date(run.startedAt).toISOString(),
    ...(run.endedAt === undefined ? {} : { ended_at: new Date(run.endedAt).toISOString(), duration_ms: run.endedAt - run.startedAt }),
    ...(run.reason === undefined ? {} : { reason: run.reason }),
    stage_counts: { ...run.counts },
  };
}
