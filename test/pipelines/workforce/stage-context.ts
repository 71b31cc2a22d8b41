import { ManualClock } from '../../../src/clock';
import type { PeriodStageContext } from '../../../pipelines/workforce/stage-io';

/** A stage context for calling a workforce stage directly; records its log lines. */
export function stageContext(stageId: string, stateDir: string, params: Record<string, unknown> = {}, period?: number): PeriodStageContext & { logs: string[] } {
  const logs: string[] = [];
  return {
    runId: 'run-1',
    stageId,
    attempt: 1,
    idempotencyKey: 'key',
    params,
    signal: new AbortController().signal,
    clock: new ManualClock(),
    stateDir,
    ...(period === undefined ? {} : { period, periodKey: String(period) }),
    progress: () => undefined,
    usage: () => undefined,
    remaining: () => Infinity,
    log: (message) => void logs.push(message),
    secret: () => '',
    logs,
  };
}
