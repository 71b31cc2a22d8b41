import { ManualClock } from '../src/clock';
import type { StageContext } from '../src/definition/types';

/**
 * A stage context for calling a stage function directly in a test: run
 * `run-1`, attempt 1, a manual clock, an unaborted signal, no budgets and no
 * secrets, with `fields` (a stage id, params, a period, an item, a usage or
 * log recorder) over it.
 */
export function testStageContext(fields: Partial<StageContext> & Pick<StageContext, 'stageId'>): StageContext {
  return {
    runId: 'run-1',
    attempt: 1,
    idempotencyKey: 'key',
    params: {},
    signal: new AbortController().signal,
    clock: new ManualClock(),
    progress: () => undefined,
    usage: () => undefined,
    remaining: () => Infinity,
    log: () => undefined,
    secret: () => '',
    ...fields,
  };
}
