import { types } from 'node:util';
import { isDataFrame, isSeries, dataFrameData, seriesData } from './data-frame';
import { DagbookError } from './errors';

/**
 * What a stage output may hold, checked before it is stored: plain objects
 * and arrays, Map, Set, Date, BigInt, RegExp, typed arrays, DataView,
 * ArrayBuffer, Buffer, URL, URLSearchParams, boxed primitives, `undefined`,
 * `-0`, `NaN`, `±Infinity`, danfojs DataFrames and Series, nested in any way,
 * with repeated references and cycles. Anything else (a function, a symbol,
 * a Promise, a WeakMap, an instance of any other class, a subclass of a
 * supported class) is refused with `OUTPUT_NOT_SERIALIZABLE`, naming where
 * it sits inside the output in JavaScript syntax (`output.rows[3].callback`,
 * `output.byId.get("a")`, `[...output.tags][2]`), so that the stage's author
 * can find it. So is nesting deeper than {@link MAX_OUTPUT_DEPTH} levels:
 * refused here with a code rather than left to overflow the stack later.
 *
 * The walk is written here rather than left to the serializer's own errors
 * because those name neither the stage nor members of Sets, and do not limit
 * depth.
 */

/** Deepest nesting of containers an output may have (the output itself is level 0). */
export const MAX_OUTPUT_DEPTH = 1000;

/** Longest path quoted whole in an error message; longer ones are shortened there (never in `data.path`). */
const MAX_PATH_IN_MESSAGE = 200;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Classes whose instances are stored as themselves (by their name, so that an instance from another realm counts). */
const LEAF_CLASSES: readonly string[] = ['Date', 'RegExp', 'ArrayBuffer', 'DataView', 'URL', 'URLSearchParams', 'Number', 'String', 'Boolean', 'BigInt'];

/** Options of {@link assertStorableOutput}. */
export interface StorableOutputOptions {
  /** The stage whose output it is, named in the error. */
  readonly stageId?: string;
}

/**
 * Checks that `value` can be stored as a stage output; returns quietly when it can.
 * @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` (class `logic`) naming the
 * stage, the path inside the output (`data.path`) and what was found there.
 */
export function assertStorableOutput(value: unknown, options: StorableOutputOptions = {}): void {
  const seen = new Set<object>();
  const refuse = (path: string, found: string, extra: Record<string, unknown> = {}): never => {
    throw notSerializable(path, found, options.stageId, extra);
  };

  const walk = (v: unknown, path: string, depth: number): void => {
    if (typeof v === 'function') return refuse(path, 'a function');
    if (typeof v === 'symbol') return refuse(path, 'a symbol');
    if (typeof v !== 'object' || v === null) return;
    if (seen.has(v)) return; // a repeated reference or a cycle: stored as such
    if (depth > MAX_OUTPUT_DEPTH) return refuse(path, `nested deeper than ${MAX_OUTPUT_DEPTH} levels`, { limit: MAX_OUTPUT_DEPTH });
    seen.add(v);
    const next = depth + 1;
    if (isDataFrame(v)) {
      const { columns, index, values } = dataFrameData(v);
      return walk({ columns, index, values }, path, depth);
    }
    if (isSeries(v)) {
      const { name, index, values } = seriesData(v);
      return walk({ name, index, values }, path, depth);
    }
    if (Array.isArray(v)) {
      if (!isBuiltin(v, 'Array')) return refuse(path, describe(v));
      for (let i = 0; i < v.length; i++) if (i in v) walk(v[i], `${path}[${i}]`, next);
      return;
    }
    if (types.isMap(v)) {
      if (!isBuiltin(v, 'Map')) return refuse(path, describe(v));
      let i = 0;
      for (const [key, item] of v as Map<unknown, unknown>) {
        if (typeof key === 'object' && key !== null) {
          walk(key, `[...${path}.keys()][${i}]`, next);
          walk(item, `[...${path}.values()][${i}]`, next);
        } else {
          walk(key, `[...${path}.keys()][${i}]`, next);
          walk(item, `${path}.get(${literal(key)})`, next);
        }
        i++;
      }
      return;
    }
    if (types.isSet(v)) {
      if (!isBuiltin(v, 'Set')) return refuse(path, describe(v));
      let i = 0;
      for (const item of v as Set<unknown>) walk(item, `[...${path}][${i++}]`, next);
      return;
    }
    if (Buffer.isBuffer(v)) return;
    if (types.isTypedArray(v)) {
      if (!isBuiltin(v, Object.prototype.toString.call(v).slice(8, -1))) return refuse(path, describe(v));
      return;
    }
    if (isLeaf(v)) return;
    if (!isPlainObject(v)) return refuse(path, describe(v));
    if (Object.getOwnPropertySymbols(v).some((s) => Object.prototype.propertyIsEnumerable.call(v, s))) {
      return refuse(path, 'an object with symbol keys');
    }
    for (const key of Object.keys(v)) {
      if (key === '__proto__') return refuse(`${path}["__proto__"]`, 'an own `__proto__` key');
      walk((v as Record<string, unknown>)[key], `${path}${member(key)}`, next);
    }
  };

  walk(value, 'output', 0);
}

/** The error for a value that cannot be stored at `path`. */
export function notSerializable(path: string, found: string, stageId?: string, extra: Record<string, unknown> = {}): DagbookError {
  const shown = path.length > MAX_PATH_IN_MESSAGE ? `${path.slice(0, 80)}…${path.slice(-80)}` : path;
  const who = stageId === undefined ? 'The output' : `The output of stage \`${stageId}\``;
  return new DagbookError(
    'OUTPUT_NOT_SERIALIZABLE',
    `${who} cannot be stored: \`${shown}\` is ${found}. Outputs may hold plain objects and arrays, Map, Set, Date, BigInt, ` +
      'RegExp, typed arrays, ArrayBuffer and danfojs DataFrames and Series; convert it to one of those before returning it.',
    { stageId, errorClass: 'logic', data: { path, found, ...extra } },
  );
}

/** True for objects whose prototype is `Object.prototype` (of any realm) or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === Object.prototype || proto === null || (Object.getPrototypeOf(proto) === null && hasOwnConstructorNamed(proto, 'Object'));
}

function isLeaf(value: object): boolean {
  if (types.isDate(value)) return isBuiltin(value, 'Date');
  if (types.isRegExp(value)) return isBuiltin(value, 'RegExp');
  if (types.isArrayBuffer(value)) return isBuiltin(value, 'ArrayBuffer');
  if (types.isDataView(value)) return isBuiltin(value, 'DataView');
  if (types.isBoxedPrimitive(value)) return !types.isSymbolObject(value) && LEAF_CLASSES.includes(className(value) ?? '');
  const name = className(value);
  return (name === 'URL' || name === 'URLSearchParams') && isBuiltin(value, name);
}

/** Whether `value`'s prototype is the built-in class `name`'s own (not a subclass's). */
function isBuiltin(value: object, name: string): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  const intrinsic = (globalThis as Record<string, unknown>)[name] as { prototype?: unknown } | undefined;
  return proto !== null && (proto === intrinsic?.prototype || hasOwnConstructorNamed(proto, name));
}

function hasOwnConstructorNamed(proto: object, name: string): boolean {
  return ownConstructorName(proto) === name;
}

/** The name of the function in `proto`'s own `constructor` property, if any. */
function ownConstructorName(proto: object): string | undefined {
  const ctor = Object.prototype.hasOwnProperty.call(proto, 'constructor') ? (proto as { constructor?: unknown }).constructor : undefined;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : undefined;
}

/** The name of the class `value` is a direct instance of, when its prototype names one. */
function className(value: object): string | undefined {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null ? undefined : ownConstructorName(proto);
}

/** `a Promise`, `an Error`, `an object with a prototype of its own`. */
function describe(value: object): string {
  const name = className(value);
  if (name === undefined) return 'an object with a prototype of its own';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

/** `.name` or `["a key"]`. */
function member(key: string): string {
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** A primitive Map key as JavaScript source. */
function literal(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (Object.is(key, -0)) return '-0';
  return String(key);
}
