import { ProgressModel } from '../src/display/progress-view';
import { initialProgress, reduceProgress } from '../src/display/progress-state';
import type { PipelineEvent } from '../src/events/event';
import { median as medianOf, timeSyncMs } from './harness';

/**
 * `npx tsx bench/progress.ts`: the cost of live progress for a 10,000-stage
 * run — 3 events per stage (start, one progress report, success) folded
 * through `ProgressModel.apply` (what the workbench's live display does), and
 * through the pure `reduceProgress` one event at a time, for comparison.
 * Medians of 5 runs, ms; the last line is one JSON object.
 */
const STAGES = 10_000;
const REPEATS = 5;

/** Median of the samples, to 0.1 ms. */
function median(values: number[]): number {
  return Math.round(medianOf(values) * 10) / 10;
}

const ids = Array.from({ length: STAGES }, (_, i) => `s${i}`);
const events: PipelineEvent[] = [];
let seq = 0;
for (const [i, stageId] of ids.entries()) {
  const base = { runId: 'r', stageId, level: 'INFO' as const, correlationId: `r/${stageId}` };
  const at = (ms: number) => new Date(i * 10 + ms).toISOString();
  events.push({ ...base, type: 'STEP_START', timestamp: at(0), message: '', metadata: { attempt: 1, idempotencyKey: 'k' }, seq: ++seq });
  events.push({ ...base, type: 'STEP_PROGRESS', timestamp: at(5), message: '1/2', metadata: { done: 1, total: 2 }, seq: ++seq });
  events.push({ ...base, type: 'STEP_SUCCESS', timestamp: at(9), message: '', metadata: { attempt: 1, durationMs: 9, usage: {} }, seq: ++seq });
}

const model: number[] = [];
const reducer: number[] = [];
let settled = 0;
for (let r = 0; r < REPEATS; r++) {
  model.push(
    timeSyncMs(() => {
      const m = new ProgressModel({ stages: ids, startedAt: 0 });
      for (const e of events) m.apply(e);
      settled = m.state.settled;
    }),
  );
  reducer.push(
    timeSyncMs(() => {
      let state = initialProgress({ stages: ids, startedAt: 0 });
      for (const e of events) state = reduceProgress(state, e);
    }),
  );
}
if (settled !== STAGES) throw new Error(`expected ${STAGES} settled stages, got ${settled}`);
const result = { stages: STAGES, events: events.length, modelApplyMs: median(model), reduceProgressMs: median(reducer) };
console.log(`${STAGES} stages, ${events.length} events: ProgressModel.apply ${result.modelApplyMs} ms, reduceProgress ${result.reduceProgressMs} ms (medians of ${REPEATS})`);
console.log(JSON.stringify(result));
