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
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const secret of secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  };
}

/** A redactor that applies each of `redactors` in turn. */
export function composeRedactors(...redactors: readonly Redactor[]): Redactor {
  return (text) => redactors.reduce((acc, redact) => redact(acc), text);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of `value` with every string (object keys included) redacted. Recurses
 * into arrays and plain objects; other values (numbers, dates, class instances)
 * are returned as they are. Cycles are preserved, not followed forever.
 */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redactor(v);
    if (Array.isArray(v)) {
      if (seen.has(v)) return seen.get(v);
      const out: unknown[] = [];
      seen.set(v, out);
      for (const item of v) out.push(walk(item));
      return out;
    }
    if (isPlainObject(v)) {
      if (seen.has(v)) return seen.get(v);
      const out: Record<string, unknown> = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
      seen.set(v, out);
      for (const [key, item] of Object.entries(v)) out[redactor(key)] = walk(item);
      return out;
    }
    return v;
  };
  return walk(value) as T;
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
