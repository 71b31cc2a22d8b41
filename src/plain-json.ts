import { MAX_JSON_DEPTH, MAX_OUTPUT_DEPTH } from './limits';

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
  const seen = new Set<object>();
  // Deeper values go the long way, which says which limit they pass.
  const maxDepth = Math.min(MAX_OUTPUT_DEPTH, MAX_JSON_DEPTH) - 1;

  const write = (v: unknown, depth: number): string | undefined => {
    switch (typeof v) {
      case 'string':
        return JSON.stringify(v);
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
    if (seen.has(v) || depth >= maxDepth) return undefined;
    seen.add(v);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto === Array.prototype) {
      const items = v as unknown[];
      let out = '[';
      for (let i = 0; i < items.length; i++) {
        if (!(i in items)) return undefined;
        const text = write(items[i], depth + 1);
        if (text === undefined) return undefined;
        out += i === 0 ? text : `,${text}`;
      }
      return `${out}]`;
    }
    if (proto !== Object.prototype || Object.getOwnPropertySymbols(v).length > 0) return undefined;
    const record = v as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key === '__proto__') return undefined;
      const text = write(record[key], depth + 1);
      if (text === undefined) return undefined;
      out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${text}`;
    }
    return `${out}}`;
  };

  return write(value, 0);
}
