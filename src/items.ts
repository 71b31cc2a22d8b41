import { DagbookError } from './errors';
import { isRecord } from './object-kind';

/** An item a discovery stage returns. */
export interface Item<P = unknown> {
  /** Stable id (a path, a trial id). */
  readonly id: string;
  /** Content hash: the item runs again when it changes (a git blob sha). */
  readonly hash: string;
  /** What the per-item stages work on (JSON data). */
  readonly payload?: P;
}

/**
 * What a stage gets for a per-item dep it reads whole (a reduce, a sink):
 * every item's output, and what changed since this stage last succeeded.
 */
export interface ItemSet<O = unknown> {
  /** Output of every item that succeeded (in this run or an earlier one), by item id, in discovery order. */
  readonly outputs: Readonly<Record<string, O>>;
  /** Ids whose output differs from what this stage saw at its last success (new items included). */
  readonly changed: readonly string[];
  /** Ids this stage saw at its last success that discovery no longer returns. */
  readonly deleted: readonly string[];
  /** Items of the per-item stage that failed, with why. */
  readonly failed: Readonly<Record<string, { readonly code: string; readonly message: string }>>;
}

/**
 * Items as a discovery stage returns them, checked once where they enter:
 * every later layer trusts an `Item[]` with unique string ids and hashes.
 */

/** Longest item id, in characters (ids are keys of records and journal lines). */
export const MAX_ITEM_ID_LENGTH = 1000;

/**
 * The items of a discovery stage's output.
 * @throws DagbookError `ITEMS_INVALID` (class `logic`) naming the stage, the index, the field and the value
 */
export function checkItems(output: unknown, stageId: string): Item[] {
  const fail = (what: string): never => {
    throw new DagbookError('ITEMS_INVALID', `Discovery stage \`${stageId}\` must return an array of items \`{ id, hash, payload? }\`: ${what}`, { stageId, errorClass: 'logic' });
  };
  if (!Array.isArray(output)) return fail(`got ${describe(output)}`);
  const seen = new Map<string, number>();
  output.forEach((item: unknown, i) => {
    if (!isRecord(item)) fail(`item ${i} is ${describe(item)}`);
    const { id, hash } = item as Record<string, unknown>;
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ITEM_ID_LENGTH) fail(`item ${i} has \`id\` ${JSON.stringify(id) ?? 'undefined'}, expected a non-empty string of at most ${MAX_ITEM_ID_LENGTH} characters`);
    if (typeof hash !== 'string' || hash.length === 0) fail(`item ${i} (\`${String(id)}\`) has \`hash\` ${JSON.stringify(hash) ?? 'undefined'}, expected a non-empty string`);
    const first = seen.get(id as string);
    if (first !== undefined) fail(`items ${first} and ${i} have the same id \`${String(id)}\``);
    seen.set(id as string, i);
  });
  return output as Item[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} \`${String(value)}\``;
}
