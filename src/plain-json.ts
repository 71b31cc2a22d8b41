import { MAX_JSON_DEPTH, MAX_OUTPUT_DEPTH } from './limits';

/** Characters JSON.stringify writes other than as themselves: quote, backslash, controls, and surrogates (a lone one is escaped). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON text: most need no escaping, and a template is several times cheaper than `JSON.stringify` for them. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * The canonical JSON text (`canonical-json.ts`: keys sorted) of a value that
 * is plain JSON data — strings, booleans, finite numbers other than `-0`,
 * null, dense arrays and plain objects without symbol keys or an own
 * `__proto__`, no value reached twice, not too deep — written in one pass;
 * undefined for any other value, which the full check (`output-check.ts`)
 * and the structured form then handle. Most stage outputs are plain JSON
 * data: for them this is the stored form at about the cost of one
 * `JSON.stringify`, where checking and then writing walked the value twice.
 * It gives exactly the text `canonicalJson` gives the same value.
 */
export function plainJsonText(value: unknown): string | undefined {
  return writePlain(value, 0, new Set<object>());
}

/** Deeper values go the long way, which says which limit they pass. */
const MAX_DEPTH = Math.min(MAX_OUTPUT_DEPTH, MAX_JSON_DEPTH) - 1;

// A module-level function, not a closure per call: this runs for every output and every cache key.
function writePlain(v: unknown, depth: number, seen: Set<object>): string | undefined {
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      // JSON writes a finite number as String does; -0, NaN and ±Infinity are not JSON data.
      return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : undefined;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (v === null) return 'null';
  if (seen.has(v) || depth >= MAX_DEPTH) return undefined;
  seen.add(v);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Array.prototype) {
    const items = v as unknown[];
    let out = '[';
    for (let i = 0; i < items.length; i++) {
      if (!(i in items)) return undefined;
      const text = writePlain(items[i], depth + 1, seen);
      if (text === undefined) return undefined;
      out += i === 0 ? text : `,${text}`;
    }
    return `${out}]`;
  }
  if (proto !== Object.prototype || Object.getOwnPropertySymbols(v).length > 0) return undefined;
  const record = v as Record<string, unknown>;
  const shape = shapeOf(Object.keys(record), depth);
  if (shape === undefined) return undefined;
  const { sorted, prefixes } = shape;
  let out = '{';
  for (let i = 0; i < sorted.length; i++) {
    const text = writePlain(record[sorted[i]], depth + 1, seen);
    if (text === undefined) return undefined;
    out += prefixes[i] + text;
  }
  return `${out}}`;
}

/** An object's keys sorted, and what precedes each value in the text (`"key":`, with a comma after the first). */
interface Shape {
  readonly keys: readonly string[];
  readonly sorted: readonly string[];
  readonly prefixes: readonly string[];
}

/**
 * The last shape seen at each depth: rows of a table, items of a list,
 * records of a stage's output mostly share their keys in the same order, so
 * their sort and quoting is done once for a run of them. A slot per depth,
 * as the objects nested in each row (an item's payload) have shapes of their
 * own; a caller keeps the shape it read.
 */
const lastShapes: (Shape | undefined)[] = [];

/** Depths with a slot of their own; deeper objects share the last one. */
const SHAPE_SLOTS = 16;

/** The shape of an object with these own keys; undefined when it has an own `__proto__` (not plain data). */
function shapeOf(keys: readonly string[], depth: number): Shape | undefined {
  const slot = depth < SHAPE_SLOTS ? depth : SHAPE_SLOTS - 1;
  const last = lastShapes[slot];
  if (last !== undefined && keys.length === last.keys.length) {
    let same = true;
    for (let i = 0; same && i < keys.length; i++) same = keys[i] === last.keys[i];
    if (same) return last;
  }
  const sorted = [...keys].sort();
  if (sorted.includes('__proto__')) return undefined;
  const shape: Shape = { keys, sorted, prefixes: sorted.map((key, i) => `${i === 0 ? '' : ','}${quote(key)}:`) };
  lastShapes[slot] = shape;
  return shape;
}
