import type { PlanStage } from '../plan/plan';
import { serviceDownReason } from '../service/service-list';
import { stopStageServices } from '../service/stop-stage-services';
import type { StageRunContext } from './stage-run';

/**
 * The services of a per-item service stage's items, as a run turns the
 * stage: the service of an item its discovery no longer returns is stopped
 * (the item is dropped, so is what it deployed), and an unchanged item whose
 * service is not up (stopped, failed, its supervisor gone) runs again, as an
 * unchanged single-service stage does (`query/stage-decision.ts`).
 */

/**
 * Stops the services of the `dropped` items of a per-item service stage
 * (through the run's supervisor when it runs them, else from outside), each
 * recorded `stopped` in its state file and told as a LOG event.
 */
export async function stopDroppedItemServices(run: StageRunContext, stage: PlanStage, dropped: readonly string[]): Promise<void> {
  const pipelineDir = run.store.location;
  if (stage.kind !== 'service' || pipelineDir === undefined) return;
  for (const itemId of dropped) {
    const stopped = await stopStageServices(pipelineDir, stage.id, { itemId, supervisor: run.supervisor, ...(stage.service === undefined ? {} : { graceMs: stage.service.stopGraceMs }) });
    for (const s of stopped) {
      if (s.was === 'stopped' || s.was === 'failed') continue;
      run.emit('LOG', {
        stageId: stage.id,
        correlationId: `${run.runId}/${stage.id}/${itemId}`,
        message: `Stopped service \`${s.name}\`${s.pid === undefined ? '' : ` (pid ${s.pid})`}: item \`${itemId}\` is no longer among the items of \`${stage.id}\``,
        metadata: { service: s.name, itemId, ...(s.pid === undefined ? {} : { pid: s.pid }), was: s.was },
      });
    }
  }
}

/**
 * Why an item of a per-item service stage whose output is up to date must
 * run anyway (its service is not up under the item's cache key `itemKey`),
 * or undefined when it need not (or the stage is no service stage).
 */
export function itemServiceDownReason(run: StageRunContext, stage: PlanStage, itemId: string, itemKey: string): string | undefined {
  if (stage.kind !== 'service') return undefined;
  const pipelineDir = run.store.location;
  return pipelineDir === undefined ? 'its service is not running' : serviceDownReason(pipelineDir, stage.id, itemKey, itemId);
}
