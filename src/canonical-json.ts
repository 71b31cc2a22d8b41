import * as cryptoModule from 'node:crypto';
import { createHash } from 'node:crypto';
import { DagbookError } from './errors';
import { MAX_JSON_DEPTH } from './limits';
import { plainJsonText } from './plain-json';

/**
 * Canonical JSON: the text `JSON.stringify` would give, except that object
 * keys are sorted, so equal data always yields equal text (and equal hashes).
 * Follows JSON's rules otherwise: `toJSON` is honoured, `undefined` and
 * function properties are dropped, non-finite numbers become `null`.
 *
 * Values nested deeper than {@link MAX_JSON_DEPTH} levels are refused
 * before they can exhaust the call stack.
 *
 * @throws DagbookError `INVALID_OPTION` when the value contains a cycle, a
 *   bigint, is nested more than `MAX_JSON_DEPTH` levels deep, or its text
 *   would exhaust the call stack or the longest string.
 */
export function canonicalJson(value: unknown): string {
  // Plain JSON data (cache key parts, params, most outputs) in one pass of string building.
  const plain = plainJsonText(value);
  if (plain !== undefined) return plain;
  let text: string | undefined;
  try {
    text = write(value, new Set<object>(), '');
  } catch (error) {
    // Called from deep in a stack, even a value within the limit can exhaust it; a string past V8's length cap throws the same class.
    if (error instanceof RangeError) {
      throw new DagbookError('INVALID_OPTION', `Cannot write the value as JSON: ${error.message}`, { cause: error });
    }
    throw error;
  }
  // A top-level undefined or function has no JSON text; JSON.stringify returns undefined.
  return text ?? 'null';
}

/** Hex sha256 of a UTF-8 text or of bytes: the one content hash of dagbook. */
export function sha256(data: string | Uint8Array): string {
  // The one-shot `crypto.hash` (Node >= 20.12) skips building a Hash object: several times faster on short input.
  if (oneShotHash !== undefined) return oneShotHash('sha256', data, 'hex');
  const hash = createHash('sha256');
  return (typeof data === 'string' ? hash.update(data, 'utf8') : hash.update(data)).digest('hex');
}

const oneShotHash = (cryptoModule as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

function write(value: unknown, ancestors: Set<object>, key: string): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON(key: string): unknown }).toJSON(key);
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new DagbookError('INVALID_OPTION', `Cannot write a bigint as JSON, got \`${String(value)}n\``);
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (ancestors.has(obj)) {
    throw new DagbookError('INVALID_OPTION', 'Cannot write a value with a reference cycle as JSON');
  }
  if (ancestors.size >= MAX_JSON_DEPTH) {
    throw new DagbookError('INVALID_OPTION', `Cannot write a value nested more than ${MAX_JSON_DEPTH} levels deep as JSON`, {
      data: { maxDepth: MAX_JSON_DEPTH },
    });
  }
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((item, i) => write(item, ancestors, String(i)) ?? 'null').join(',')}]`;
    }
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(record).sort()) {
      const text = write(record[k], ancestors, k);
      if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    ancestors.delete(obj);
  }
}
