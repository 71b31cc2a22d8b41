/**
 * What kind of object a value is, the two questions the layers ask of data
 * they do not trust yet:
 *
 * - {@link isRecord}: can its properties be read as a record? Any object but
 *   an array (parsed YAML and JSON hold only plain objects and arrays, so
 *   this is what reading a definition before validation needs).
 * - {@link isPlainObject}: is it a plain object literal, as opposed to an
 *   instance of a class? What decides whether params are JSON data, which
 *   objects redaction copies, and what an output may hold.
 */

/** True for any non-null object that is not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * True for objects whose prototype is `Object.prototype` or null; also for a
 * plain object from another realm (a `vm` context), whose prototype is that
 * realm's `Object.prototype`.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null || (Object.getPrototypeOf(proto) === null && ownConstructorName(proto) === 'Object');
}

/** The name of the function in `proto`'s own `constructor` property, if any. */
export function ownConstructorName(proto: object): string | undefined {
  const ctor = Object.prototype.hasOwnProperty.call(proto, 'constructor') ? (proto as { constructor?: unknown }).constructor : undefined;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
}
