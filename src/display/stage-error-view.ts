import type { Clock } from '../clock';
import { renderErrorAnalysis } from './error-analysis';
import type { NextStepTarget } from './next-step';
import type { Rendered } from './html';
import type { StageHistory } from '../query/history';
import { stageHistory } from '../query/history';
import type { Plan } from '../plan/plan';
import type { RunStoreReader } from '../store/run-store';

/**
 * What the error analysis of a stage (the workbench's, the dashboard's) is drawn from: a stage's latest
 * record, the state of its circuit breaker, the usage of its run and the
 * alerts it raised in it, and for a per-item stage its item records, read from the store; and which stage
 * failed last (a stage that ended partial counts: some of its items failed).
 */

/** Whether a stage that ended in `status` gets an error analysis after a run: it failed, or some of its items did. */
export function needsErrorAnalysis(status: string): boolean {
  return status === 'FAILED' || status === 'PARTIAL';
}

/**
 * The error analysis of a stage's latest record (a short note when it has
 * not run).
 * @param runUsage The usage of the run the record belongs to, by resource.
 * @param clock Read once the data is gathered: the time the breaker's half-open countdown is drawn at.
 * @param target Where the next step is taken (a notebook call or a CLI command).
 */
export async function stageErrorAnalysis(
  store: RunStoreReader,
  plan: Plan,
  stageId: string,
  runUsage: Readonly<Record<string, number>>,
  clock: Clock,
  target: NextStepTarget = { kind: 'notebook' },
): Promise<Rendered> {
  const history = await stageHistory(store, plan.name, [stageId]);
  const record = history.latest[stageId];
  if (!record) return { html: `<p>Stage <code>${stageId}</code> has not run.</p>`, text: `Stage ${stageId} has not run.` };
  const breakerPlan = plan.stages[stageId].breaker;
  const snapshots = breakerPlan ? await store.loadBreakers() : {};
  const snapshot = breakerPlan ? snapshots[breakerPlan.key] : undefined;
  const itemRecords = record.items === undefined ? undefined : [...(await store.readItemRecords(stageId)).values()];
  const runId = history.runOf[stageId]?.runId;
  // The alerts the stage raised in that run, from its event log.
  const alerts = runId === undefined ? [] : (await store.readEvents(runId)).flatMap((e) => (e.type === 'ALERT' && e.stageId === stageId ? [e] : []));
  return renderErrorAnalysis({
    plan,
    stageId,
    record,
    ...(breakerPlan && snapshot ? { breaker: { key: breakerPlan.key, snapshot, recoveryTimeoutMs: breakerPlan.recoveryTimeoutMs } } : {}),
    runUsage,
    now: clock.now(),
    target,
    ...(itemRecords === undefined ? {} : { itemRecords }),
    ...(alerts.length === 0 ? {} : { alerts }),
  });
}

/** The stage among `order` whose latest record failed (or ended partial) most recently, or undefined when none did. */
export function latestFailedStage(history: StageHistory, order: readonly string[]): string | undefined {
  return order
    .filter((s) => history.latest[s] !== undefined && needsErrorAnalysis(history.latest[s].status))
    .sort((a, b) => (history.latest[b].endedAt ?? 0) - (history.latest[a].endedAt ?? 0))[0];
}
