import { ManualClock } from '../../../src/clock';
import type { StageContext } from '../../../src/definition/types';
import type { PageItem } from '../../../pipelines/docs-etl/stages';

/** A stage context for calling a document ETL stage directly; records the budget usage it reports. */
export function stageContext(stageId: string, stateDir: string, params: Record<string, unknown> = {}, item?: PageItem): StageContext & { usages: [string, number][] } {
  const usages: [string, number][] = [];
  return {
    runId: 'run-1',
    stageId,
    attempt: 1,
    idempotencyKey: 'key',
    params,
    signal: new AbortController().signal,
    clock: new ManualClock(),
    stateDir,
    ...(item === undefined ? {} : { item }),
    progress: () => undefined,
    usage: (resource, amount) => void usages.push([resource, amount]),
    remaining: () => Infinity,
    log: () => undefined,
    secret: () => '',
    usages,
  };
}
