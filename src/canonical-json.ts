import { createHash } from 'node:crypto';
import { DagbookError } from './errors';

/**
 * Canonical JSON: the text `JSON.stringify` would give, except that object
 * keys are sorted, so equal data always yields equal text (and equal hashes).
 * Follows JSON's rules otherwise: `toJSON` is honoured, `undefined` and
 * function properties are dropped, non-finite numbers become `null`.
 *
 * @throws DagbookError `INVALID_OPTION` when the value contains a cycle.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value, new Set<object>(), '');
  // A top-level undefined or function has no JSON text; JSON.stringify returns undefined.
  return text ?? 'null';
}

/** Hex sha256 of a UTF-8 text or of bytes: the one content hash of dagbook. */
export function sha256(data: string | Uint8Array): string {
  const hash = createHash('sha256');
  return (typeof data === 'string' ? hash.update(data, 'utf8') : hash.update(data)).digest('hex');
}

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
