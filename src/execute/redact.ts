import { dataFrameData, isDataFrame, isSeries, rebuildFrame, seriesData } from '../data-frame';
import { isPlainObject } from '../object-kind';

/**
 * Redaction of secret values from text and data, so that secrets never reach
 * events, stored errors, logs or printed params.
 */

/** Replaces every secret value found in a text. */
export type Redactor = (text: string) => string;

/** What a secret value is replaced with. */
export const REDACTED = '***';

/** Secrets shorter than this are not redacted: replacing them would mangle ordinary text. */
export const MIN_SECRET_LENGTH = 4;

/**
 * A redactor that replaces each secret value of at least
 * {@link MIN_SECRET_LENGTH} characters with `***`. Longer secrets are replaced
 * first, so a secret that contains another is hidden whole.
 */
export function createRedactor(secretValues: readonly string[]): Redactor {
  const secrets = [...new Set(secretValues.filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))].sort(
    (a, b) => b.length - a.length,
  );
  if (secrets.length === 0) return noRedaction;
  return (text) => {
    let out = text;
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  };
}

/** The redactor of no secret: gives every text back as it is (and {@link redactDeep} every value). */
export const noRedaction: Redactor = (text) => text;

/** A redactor that applies each of `redactors` in turn ({@link noRedaction} when none of them redacts anything). */
export function composeRedactors(...redactors: readonly Redactor[]): Redactor {
  const active = redactors.filter((r) => r !== noRedaction);
  if (active.length === 0) return noRedaction;
  if (active.length === 1) return active[0];
  return (text) => active.reduce((acc, redact) => redact(acc), text);
}

/**
 * A copy of `value` with every string redacted: strings in arrays, plain
 * objects (keys included), Map keys and values and Set members, at any depth.
 * A danfojs DataFrame or Series whose column names, index labels or string
 * cells hold a secret is rebuilt with them redacted (same class, columns,
 * dtypes and index); one that holds none is returned as it is, as are Dates,
 * BigInts, typed arrays, class instances and every other value. Two Map keys
 * or Set members that differ only by a secret become one. Cycles and repeated
 * references are preserved, not followed forever. With {@link noRedaction}
 * (no secret to hide) the value itself is returned, not walked.
 */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  if (redactor === noRedaction) return value;
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactor(v);
    if (typeof v !== 'object' || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const item of v) out.push(walk(item));
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Map.prototype) {
      const out = new Map<unknown, unknown>();
      seen.set(v, out);
      for (const [key, item] of v as Map<unknown, unknown>) out.set(walk(key), walk(item));
      return out;
    }
    if (proto === Set.prototype) {
      const out = new Set<unknown>();
      seen.set(v, out);
      for (const item of v as Set<unknown>) out.add(walk(item));
      return out;
    }
    if (isDataFrame(v) || isSeries(v)) {
      const out = redactFrame(v, redactor);
      seen.set(v, out);
      return out;
    }
    if (isPlainObject(v)) {
      const out: Record<string, unknown> = proto === null ? Object.create(null) : {};
      seen.set(v, out);
      for (const [key, item] of Object.entries(v)) out[redactor(key)] = walk(item);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

/** `frame` itself when none of its labels and string cells changes, else a frame like it with them redacted. */
function redactFrame(frame: object, redactor: Redactor): object {
  let changed = false;
  const list = <L extends readonly unknown[]>(items: L): L => {
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      const next = typeof item === 'string' ? redactor(item) : Array.isArray(item) ? list(item) : item;
      if (next !== item) {
        out ??= items.slice();
        out[i] = next;
      }
    }
    if (out) changed = true;
    return (out ?? items) as unknown as L;
  };
  if (isSeries(frame)) {
    const data = seriesData(frame);
    const redacted = { ...data, name: list([data.name])[0], index: list(data.index), values: list(data.values) };
    return changed ? rebuildFrame(frame, redacted) : frame;
  }
  const data = dataFrameData(frame);
  const redacted = { ...data, columns: list(data.columns), index: list(data.index), values: list(data.values) };
  return changed ? rebuildFrame(frame, redacted) : frame;
}

/**
 * A copy of `params` with the value of every secret param replaced by `***`,
 * for printing, events and stored records.
 */
export function redactParams(
  params: Readonly<Record<string, unknown>>,
  secretParams: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) out[key] = secretParams.includes(key) ? REDACTED : value;
  return out;
}
