import { canonicalJson, sha256 } from '../canonical-json';
import { DagbookError } from '../errors';
import type { PeriodStateHash, PeriodValue, StageFn } from '../definition/types';
import { isRecord } from '../object-kind';

/**
 * A period's checkpoint: what its stages produced (their cache keys and
 * output hashes) and the hash of the external state it left (database
 * tables, files), as the pipeline's `stateHash` computes it. The run writes
 * it as the output of the period's `checkpoint@<period>` stage; a later run
 * that restores the period computes the state hash again and compares
 * (`run/period-verify.ts`).
 */

/** The hash of a period's external state, by named part. */
export interface PeriodState {
  /** Each part's hash (`state` when `stateHash` returned one string). */
  readonly parts: Readonly<Record<string, string>>;
  /** sha256 of the parts' canonical JSON. */
  readonly hash: string;
}

/** A period's checkpoint, the output of `checkpoint@<period>`. */
export interface PeriodCheckpoint {
  /** The period as declared. */
  readonly period: PeriodValue;
  /** Its key. */
  readonly periodKey: string;
  /** Cache key and output hash of each stage of the period. */
  readonly stages: Readonly<Record<string, { readonly cacheKey: string; readonly outputHash: string }>>;
  /** The external state's hash, when the pipeline declares `stateHash`. */
  readonly state?: PeriodState;
}

/**
 * The external state of a period, by calling `stateHash`.
 * @throws DagbookError `CHECKPOINT_STATE_INVALID` when it returns something other than a string or a record of strings
 */
export async function periodState(
  stateHash: PeriodStateHash,
  ctx: Parameters<PeriodStateHash>[0],
): Promise<PeriodState> {
  const value: unknown = await stateHash(ctx);
  let parts: Record<string, string>;
  if (typeof value === 'string') parts = { state: value };
  else if (isRecord(value) && Object.values(value).every((v) => typeof v === 'string')) parts = { ...(value as Record<string, string>) };
  else {
    throw new DagbookError(
      'CHECKPOINT_STATE_INVALID',
      `The \`stateHash\` of period \`${ctx.periodKey}\` returned ${describe(value)}: expected a string or an object of strings (one hash per part)`,
      { data: { period: ctx.periodKey } },
    );
  }
  return { parts, hash: sha256(canonicalJson(parts)) };
}

/**
 * The run function of a period's checkpoint stage: the period and its state
 * (the stages' keys are added by the run, which knows them).
 */
export function periodCheckpointRun(pipeline: string, period: PeriodValue, periodKey: string, stateHash: PeriodStateHash | undefined): StageFn<Omit<PeriodCheckpoint, 'stages'>> {
  return async (ctx) => {
    if (stateHash === undefined) return { period, periodKey };
    const state = await periodState(stateHash, {
      pipeline,
      period,
      periodKey,
      signal: ctx.signal,
      ...(ctx.stateDir === undefined ? {} : { stateDir: ctx.stateDir }),
    });
    return { period, periodKey, state };
  };
}

/** The names of the parts whose hashes differ between two states (parts only one has included), sorted. */
export function differingParts(recorded: PeriodState, now: PeriodState): string[] {
  const names = new Set([...Object.keys(recorded.parts), ...Object.keys(now.parts)]);
  return [...names].filter((name) => recorded.parts[name] !== now.parts[name]).sort();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isRecord(value)) return 'an object with a value that is not a string';
  return `a ${typeof value}`;
}
