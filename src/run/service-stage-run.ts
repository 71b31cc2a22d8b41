import type { Item, StageContext, StageFn } from '../definition/types';
import { DagbookError } from '../errors';
import type { PlanService, PlanStage } from '../plan/plan';
import type { ServiceDescriptor } from '../service-record';
import { serviceName } from '../service/service-paths';
import type { ServiceSupervisor } from '../service/supervisor';

/**
 * What a service stage runs: it starts the stage's service through the
 * supervisor (one per item in a per-item service stage, named
 * `<stage>@<item>`, with the item's values put into its placeholders and
 * its environment) and returns the service's descriptor once it is ready.
 * The service then belongs to the supervisor, not to the run.
 */

const PLACEHOLDER = /\{item\.(id|hash|payload(?:\.[A-Za-z0-9_$-]+)*)\}/g;

/** `{item.id}`, `{item.hash}` and `{item.payload.<field>…}` in `text` replaced by the item's values (JSON for what is not a string or number). */
export function fillItem(text: string, item: Item): string {
  return text.replace(PLACEHOLDER, (_whole, path: string) => {
    const [head, ...rest] = path.split('.');
    let value: unknown = head === 'id' ? item.id : head === 'hash' ? item.hash : item.payload;
    for (const key of rest) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? '');
  });
}

/** The service of an item: its placeholders filled, and `DAGBOOK_ITEM_ID`, `DAGBOOK_ITEM_HASH`, `DAGBOOK_ITEM_PAYLOAD` (JSON) in its environment. */
export function itemService(service: PlanService, item: Item): PlanService {
  const fill = (text: string) => fillItem(text, item);
  const readiness = service.readiness;
  return {
    ...service,
    args: service.args.map(fill),
    env: {
      ...Object.fromEntries(Object.entries(service.env).map(([k, v]) => [k, fill(v)])),
      DAGBOOK_ITEM_ID: item.id,
      DAGBOOK_ITEM_HASH: item.hash,
      DAGBOOK_ITEM_PAYLOAD: JSON.stringify(item.payload ?? null),
    },
    ...(service.cwd === undefined ? {} : { cwd: fill(service.cwd) }),
    readiness: readiness === null ? null : readiness.kind === 'http' ? { ...readiness, url: fill(readiness.url) } : readiness.kind === 'file' ? { ...readiness, path: fill(readiness.path) } : readiness,
    health: service.health === null ? null : { ...service.health, url: fill(service.health.url) },
  };
}

/**
 * The function a service stage runs in place of its stand-in.
 * @throws DagbookError `INVALID_OPTION` when the run keeps no state on disk (the service's state file and log go there);
 *   `SERVICE_NOT_READY` as the supervisor's `start`
 */
export function serviceStageRun(stage: PlanStage, pipeline: string, cacheKey: string, supervisor: ServiceSupervisor): StageFn<ServiceDescriptor> {
  return (ctx: StageContext) => {
    const service = stage.service as PlanService;
    if (ctx.stateDir === undefined) {
      throw new DagbookError('INVALID_OPTION', `Service stage \`${stage.id}\` needs a run store on disk (\`openDurableStore\`, as the workbench and the CLI use): its state file and log go there`, {
        stageId: stage.id,
        errorClass: 'logic',
      });
    }
    const item = ctx.item;
    return supervisor.start(item === undefined ? service : itemService(service, item), {
      pipelineDir: ctx.stateDir,
      pipeline,
      stageId: stage.id,
      ...(item === undefined ? {} : { itemId: item.id }),
      name: serviceName(stage.id, item?.id),
      cacheKey,
    });
  };
}
