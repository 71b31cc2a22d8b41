import { DagbookError } from '../errors';
import { differingParts, periodState, type PeriodCheckpoint, type PeriodState } from '../plan/period-checkpoint';
import type { CompiledPipeline, PlanStage } from '../plan/plan';
import type { PeriodValue, StageFn } from '../definition/types';
import type { StageRecord } from '../records';
import type { RunStoreReader } from '../store/run-store';

/**
 * The run's side of period checkpoints. A period's `checkpoint@<period>`
 * stage runs last in its period: its output adds the cache key and output
 * hash of every stage of the period to what the compiled run function
 * returns (the period and its external state). A run that restores a
 * checkpoint from cache, or resumes past it, first checks that the external
 * state still hashes the same: a period whose database tables or files
 * changed since its checkpoint must not be built on.
 */

/** The period as declared of a per-period plan stage (its key when the plan has no such period). */
export function periodValueOf(compiled: CompiledPipeline, stage: PlanStage): PeriodValue | undefined {
  if (stage.period === undefined) return undefined;
  const periods = compiled.plan.periods;
  const index = periods?.keys.indexOf(stage.period) ?? -1;
  return index < 0 || periods === undefined ? stage.period : periods.values[index];
}

/**
 * The run function of a checkpoint stage: the compiled one (period and
 * state), plus each stage of the period's cache key and output hash, read
 * from the run's records when the checkpoint runs.
 */
export function checkpointRun(stage: PlanStage, compiledRun: StageFn, records: () => Readonly<Record<string, StageRecord>>): StageFn<PeriodCheckpoint> {
  return async (ctx, inputs) => {
    const base = (await compiledRun(ctx, inputs)) as Omit<PeriodCheckpoint, 'stages'>;
    const now = records();
    const stages: Record<string, { cacheKey: string; outputHash: string }> = {};
    for (const dep of stage.deps) {
      const record = now[dep];
      if (record?.cacheKey !== undefined && record.outputHash !== undefined) stages[dep] = { cacheKey: record.cacheKey, outputHash: record.outputHash };
    }
    return { period: base.period, periodKey: base.periodKey, stages, ...(base.state === undefined ? {} : { state: base.state }) };
  };
}

/**
 * Checks a period's checkpoint against its external state as it is now.
 * @returns the `CHECKPOINT_CORRUPT` error naming the period and each part
 *   that differs, or undefined when the state matches (or the pipeline
 *   declares no `stateHash`, or the checkpoint recorded none).
 */
export async function verifyPeriodState(
  compiled: CompiledPipeline,
  stage: PlanStage,
  checkpoint: unknown,
  context: { readonly stateDir?: string; readonly signal: AbortSignal },
): Promise<DagbookError | undefined> {
  const stateHash = compiled.periodStateHash;
  const recorded = (checkpoint as Partial<PeriodCheckpoint> | null)?.state;
  if (stateHash === undefined || stage.period === undefined || recorded === undefined) return undefined;
  const period = periodValueOf(compiled, stage) as PeriodValue;
  const now: PeriodState = await periodState(stateHash, {
    pipeline: compiled.plan.name,
    period,
    periodKey: stage.period,
    signal: context.signal,
    ...(context.stateDir === undefined ? {} : { stateDir: context.stateDir }),
  });
  if (now.hash === recorded.hash) return undefined;
  const parts = differingParts(recorded, now);
  const axis = compiled.plan.periods?.name ?? 'period';
  const list = parts.map((p) => `\`${p}\` (checkpoint ${short(recorded.parts[p])}, now ${short(now.parts[p])})`).join(', ');
  return new DagbookError(
    'CHECKPOINT_CORRUPT',
    `The checkpoint of ${axis} ${stage.period} does not match its state: ${list} differ${parts.length === 1 ? 's' : ''}. ` +
      `Re-run from that ${axis} with force: \`dagbook run --from-period ${stage.period} --force\` (in a notebook, \`wb.run(undefined, { fromPeriod: ${JSON.stringify(period)}, force: true })\`)`,
    { stageId: stage.id, errorClass: 'persistent', data: { period: stage.period, parts, recorded: recorded.parts, now: now.parts } },
  );
}

function short(hash: string | undefined): string {
  return hash === undefined ? 'none' : hash.slice(0, 12);
}

/**
 * Checks the period checkpoints a resumed run keeps: the periods after them
 * are built on their external state, which must still match.
 * @throws DagbookError `CHECKPOINT_CORRUPT` (see {@link verifyPeriodState}) for the first one that does not
 */
export async function verifyKeptPeriods(
  compiled: CompiledPipeline,
  store: RunStoreReader,
  kept: Readonly<Record<string, StageRecord>>,
  signal: AbortSignal,
): Promise<void> {
  for (const [id, record] of Object.entries(kept)) {
    const stage = compiled.plan.stages[id];
    if (stage?.role !== 'checkpoint' || record.outputHash === undefined) continue;
    const corrupt = await verifyPeriodState(compiled, stage, await store.getOutput(record.outputHash), { stateDir: store.location, signal });
    if (corrupt) throw corrupt;
  }
}
