import { periodAxis } from '../display/period-axis';
import { ProgressModel } from '../display/progress-view';
import { renderItemGrid, type ItemGridCell } from '../display/item-grid';
import { escapeHtml } from '../display/html';
import { badgeHtml, cardHtml, MUTED } from '../display/palette';
import { renderStatusView } from '../display/status-view';
import { renderServiceFailures, renderServices } from '../display/services-view';
import { listServices } from '../service/service-list';
import { needsErrorAnalysis, stageErrorAnalysis } from '../display/stage-error-view';
import type { NextStepTarget } from '../display/next-step';
import type { Clock } from '../clock';
import { errorMessage } from '../errors';
import { stageHistory } from '../query/history';
import { readRunEvents } from '../query/run-events';
import { pipelineStatus } from '../query/status';
import { openStateReader, type StateReader } from '../store/state-reader';
import { withStageOverrides } from '../plan/stage-overrides';
import { readStageOverrides } from '../store/stage-overrides';
import { cancelButton, retryFailedButtons, runAllButton, stageControls } from './dashboard-actions';
import type { ServedPipeline } from './served-pipelines';
import { readPipelineSnapshot, type PipelineSnapshot } from './status-report';

/**
 * One pipeline's part of the dashboard, as an HTML fragment the page swaps
 * in when the pipeline's event stream says something happened: a header
 * with its items by state, the live progress of the run going on (its
 * events so far folded into the notebook's progress view), the status view
 * (the DAG coloured by state, or the stage × period grid), the stage × item
 * grid of its per-item stages, the services of its service stages (pid,
 * uptime, restarts, last exit), and the error analysis of its latest
 * failures (failed services first, with their last lines), with the buttons of the actions (dashboard-actions.ts). Every part is a
 * view of src/display, as the notebook draws it. Read through
 * a state reader: never the writer's lock.
 */

/** Failed stages whose analysis is shown, newest first. */
const RECENT_ERRORS = 3;

/** The fragment of one pipeline. */
export async function renderPipelineFragment(pipeline: ServedPipeline, stateDir: string, clock: Clock): Promise<string> {
  let reader: StateReader | undefined;
  try {
    reader = await openStateReader({ stateDir, pipeline: pipeline.name });
    const snapshot = await readPipelineSnapshot(pipeline, reader);
    // As the next run would have it: with the stages enabled or disabled from the dashboard.
    const compiled = withStageOverrides(pipeline.compiled(), readStageOverrides(reader.paths).stages);
    const parts = [header(pipeline.name, snapshot), stageControls(compiled.plan), await progress(pipeline, stateDir, snapshot, clock)];
    parts.push(await section('status', async () => renderStatusView(compiled.plan, await pipelineStatus(compiled, reader as StateReader, pipeline.baseDir), clock.now()).html));
    parts.push(itemGrid(pipeline, snapshot));
    const services = listServices(reader.paths.root, clock.now());
    if (services.length > 0) parts.push(await section('services', async () => renderServices(services, clock.now(), false).html));
    parts.push(await section('errors', async () => (renderServiceFailures(services)?.html ?? '') + (await recentErrors(pipeline, reader as StateReader, clock))));
    return parts.join('');
  } catch (error) {
    return `<h2 class="pipeline-name">${escapeHtml(pipeline.name)}</h2><p class="problem">${escapeHtml(errorMessage(error))}</p>`;
  } finally {
    await reader?.close();
  }
}

/** A part that may fail on its own (a discovery the dry run calls, a damaged record) without hiding the others. */
async function section(name: string, draw: () => Promise<string>): Promise<string> {
  try {
    return `<div class="part part-${name}">${await draw()}</div>`;
  } catch (error) {
    return `<div class="part part-${name}"><p class="problem">${escapeHtml(`${name}: ${errorMessage(error)}`)}</p></div>`;
  }
}

function header(name: string, snapshot: PipelineSnapshot): string {
  const counts = { pending: 0, processing: 0, deployed: 0, failed: 0 };
  for (const state of snapshot.items.values()) counts[state]++;
  const latest = snapshot.runs[snapshot.runs.length - 1];
  const runText = latest
    ? `latest run <code>${escapeHtml(latest.runId)}</code> ${badgeHtml(snapshot.interrupted ? 'CANCELLED' : latest.status, snapshot.interrupted ? 'interrupted' : undefined)}`
    : `<span style="color:${MUTED}">no run yet</span>`;
  const items =
    snapshot.items.size === 0
      ? ''
      : ` · items: ${Object.entries(counts)
          .map(([state, n]) => `<span class="item-count" data-state="${state}">${n} ${state}</span>`)
          .join(', ')}`;
  return `<h2 class="pipeline-name">${escapeHtml(name)}</h2><div class="pipeline-line">${runText}${items} ${runAllButton()}</div>`;
}

async function progress(pipeline: ServedPipeline, stateDir: string, snapshot: PipelineSnapshot, clock: Clock): Promise<string> {
  const run = snapshot.activeRun;
  if (!run) return '';
  const periods = periodAxis(pipeline.compiled().plan);
  const model = new ProgressModel({ stages: run.stages, startedAt: run.startedAt, ...(periods === undefined ? {} : { periods }) });
  for (const event of await readRunEvents(stateDir, pipeline.name, run.runId)) model.apply(event);
  return `<div class="part part-progress" data-run="${escapeHtml(run.runId)}">${cancelButton(run.runId)}${model.view(clock.now()).html}</div>`;
}

function itemGrid(pipeline: ServedPipeline, snapshot: PipelineSnapshot): string {
  const stages = Object.keys(snapshot.itemRecords);
  if (stages.length === 0 || snapshot.items.size === 0) return '';
  const run = snapshot.activeRun;
  const cells: Record<string, Record<string, ItemGridCell>> = {};
  for (const stage of stages) {
    const row: Record<string, ItemGridCell> = {};
    for (const id of snapshot.items.keys()) {
      const record = snapshot.itemRecords[stage].get(id);
      const working = run !== undefined && run.stages.includes(stage) && snapshot.items.get(id) === 'processing' && (record === undefined || record.endedAt < run.startedAt);
      if (working) row[id] = { state: 'RUNNING' };
      else if (record) row[id] = { state: record.status, ...(record.error ? { note: `${record.error.code}: ${record.error.message}` } : {}) };
    }
    cells[stage] = row;
  }
  const grid = renderItemGrid(stages, [...snapshot.items.keys()], cells);
  const retry = run === undefined ? retryFailedButtons(snapshot.itemRecords) : '';
  return `<div class="part part-items">${cardHtml(`<div style="font-size:14px;margin-bottom:6px">Items of <code>${escapeHtml(pipeline.name)}</code> by stage</div>${retry}${grid.html}`)}</div>`;
}

async function recentErrors(pipeline: ServedPipeline, reader: StateReader, clock: Clock): Promise<string> {
  const { plan } = pipeline.compiled();
  const history = await stageHistory(reader, plan.name, plan.order);
  const failed = plan.order
    .filter((id) => history.latest[id] !== undefined && needsErrorAnalysis(history.latest[id].status))
    .sort((a, b) => (history.latest[b].endedAt ?? 0) - (history.latest[a].endedAt ?? 0))
    .slice(0, RECENT_ERRORS);
  const target: NextStepTarget = pipeline.file === undefined ? { kind: 'notebook' } : { kind: 'cli', pipelineFile: pipeline.file };
  const views: string[] = [];
  for (const id of failed) views.push((await stageErrorAnalysis(reader, plan, id, history.runOf[id]?.usage ?? {}, clock, target)).html);
  return views.join('');
}
