import { testStageContext } from '../../stage-context';
import type { PeriodStageContext } from '../../../pipelines/workforce/stage-io';

/** A stage context for calling a workforce stage directly; records its log lines. */
export function stageContext(stageId: string, stateDir: string, params: Record<string, unknown> = {}, period?: number): PeriodStageContext & { logs: string[] } {
  const logs: string[] = [];
  const ctx = testStageContext({ stageId, stateDir, params, ...(period === undefined ? {} : { period, periodKey: String(period) }), log: (message) => void logs.push(message) });
  return { ...(ctx as PeriodStageContext), logs };
}
