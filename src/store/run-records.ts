import { DagbookError } from '../errors';
import type { RunRecord } from '../records';

/**
 * Small rules on run records that both stores share, so they behave the same.
 */

/** The error for a run id the store does not know (`INVALID_OPTION`). */
export function unknownRun(runId: string): DagbookError {
  return new DagbookError('INVALID_OPTION', `Expected \`runId\` to name a run begun in this store, got \`${runId}\``, {
    data: { runId },
  });
}

/** Runs oldest first: by `startedAt`, ties kept in the given order. */
export function sortRuns<R extends Pick<RunRecord, 'startedAt'>>(runs: R[]): R[] {
  return runs
    .map((run, index) => ({ run, index }))
    .sort((a, b) => a.run.startedAt - b.run.startedAt || a.index - b.index)
    .map((x) => x.run);
}

/**
 * A deep copy as a JSON round trip gives it — what a durable store hands back
 * after writing and reading a record: `undefined`, function and symbol
 * fields dropped (`null` in arrays), non-finite numbers `null`, nothing
 * shared with the caller. Records are plain data, so it walks them directly,
 * about 7 times cheaper than `JSON.parse(JSON.stringify(...))` (a copy per
 * stage record); a value of another kind (a `Date`, anything with `toJSON`,
 * a class instance) takes the round trip itself.
 */
export function json<T>(value: T): T {
  return copyValue(value) as T;
}

/** A value JSON leaves out of an object (and writes as `null` in an array). */
function droppedByJson(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

function copyValue(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return JSON.parse(JSON.stringify(value)) as unknown; // throws, as the round trip does
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto === Array.prototype) {
    const items = value as unknown[];
    const copy = new Array<unknown>(items.length);
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      copy[i] = droppedByJson(item) ? null : copyValue(item);
    }
    return copy;
  }
  if (proto !== Object.prototype || typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.parse(JSON.stringify(value)) as unknown;
  const record = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const field = record[key];
    if (droppedByJson(field)) continue;
    // An own `__proto__` (JSON.parse makes one) must stay a field, not become the copy's prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: copyValue(field), enumerable: true, writable: true, configurable: true });
    else copy[key] = copyValue(field);
  }
  return copy;
}
