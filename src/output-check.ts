import { types } from 'node:util';
import { isDataFrame, isSeries, dataFrameData, seriesData } from './data-frame';
import { DagbookError } from './errors';
import { MAX_OUTPUT_DEPTH } from './limits';
import { isPlainObject, ownConstructorName } from './object-kind';

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
 * The same walk tells whether JSON would keep the value exactly (the common
 * case: records of strings and numbers), so that the codec can store such
 * values as canonical JSON, several times faster to write and read than the
 * structured form.
 *
 * The walk is written here rather than left to the serializer's own errors
 * because those name neither the stage nor members of Sets, and do not limit
 * depth.
 */

export { MAX_OUTPUT_DEPTH };

/** Longest path quoted whole in an error message; longer ones are shortened there (never in `data.path`). */
const MAX_PATH_IN_MESSAGE = 200;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Classes whose instances are stored as themselves (by their name, so that an instance from another realm counts). */
const LEAF_CLASSES: readonly string[] = ['Date', 'RegExp', 'ArrayBuffer', 'DataView', 'URL', 'URLSearchParams', 'Number', 'String', 'Boolean', 'BigInt'];

/** Options of {@link checkOutput}. */
export interface StorableOutputOptions {
  /** The stage whose output it is, named in the error. */
  readonly stageId?: string;
}

/**
 * How an output can be stored: `json` when JSON keeps it exactly (only plain
 * objects, dense arrays, strings, booleans, null and finite numbers other
 * than `-0`, each object reached once), else `structured`.
 */
export type OutputForm = 'json' | 'structured';

/** One step of the path to a value: a key, an index, or a step into a Map or Set. */
type Step =
  | string
  | number
  | { readonly get: unknown }
  | { readonly keyAt: number }
  | { readonly valueAt: number }
  | { readonly memberAt: number };

/**
 * Checks that `value` can be stored as a stage output, and says in which form.
 * @throws DagbookError `OUTPUT_NOT_SERIALIZABLE` (class `logic`) naming the
 * stage, the path inside the output (`data.path`) and what was found there.
 */
export function checkOutput(value: unknown, options: StorableOutputOptions = {}): OutputForm {
  const seen = new Set<object>();
  // The path is kept as steps and written out only for an error: most outputs have none.
  const trail: Step[] = [];
  let form: OutputForm = 'json';
  const refuse = (found: string, extra: Record<string, unknown> = {}): never => {
    throw notSerializable(formatPath(trail), found, options.stageId, extra);
  };
  const visit = (step: Step, v: unknown): void => {
    trail.push(step);
    walk(v);
    trail.pop();
  };

  const walk = (v: unknown): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v) || Object.is(v, -0)) form = 'structured';
        return;
      case 'function':
        return refuse('a function');
      case 'symbol':
        return refuse('a symbol');
      case 'object':
        break;
      default: // undefined, bigint
        form = 'structured';
        return;
    }
    if (v === null) return;
    if (seen.has(v)) {
      form = 'structured'; // a repeated reference or a cycle: stored as such, which JSON cannot do
      return;
    }
    if (trail.length > MAX_OUTPUT_DEPTH) return refuse(`nested deeper than ${MAX_OUTPUT_DEPTH} levels`, { limit: MAX_OUTPUT_DEPTH });
    seen.add(v);
    if (Array.isArray(v)) {
      if (!isBuiltin(v, 'Array')) return refuse(describe(v));
      for (let i = 0; i < v.length; i++) {
        if (i in v) visit(i, v[i]);
        else form = 'structured';
      }
      return;
    }
    if (Object.getPrototypeOf(v) === Object.prototype) return walkObject(v as Record<string, unknown>);
    form = 'structured';
    if (isDataFrame(v)) {
      const { columns, index, values } = dataFrameData(v);
      return walkObject({ columns, index, values });
    }
    if (isSeries(v)) {
      const { name, index, values } = seriesData(v);
      return walkObject({ name, index, values });
    }
    if (types.isMap(v)) {
      if (!isBuiltin(v, 'Map')) return refuse(describe(v));
      let i = 0;
      for (const [key, item] of v as Map<unknown, unknown>) {
        visit({ keyAt: i }, key);
        visit(typeof key === 'object' && key !== null ? { valueAt: i } : { get: key }, item);
        i++;
      }
      return;
    }
    if (types.isSet(v)) {
      if (!isBuiltin(v, 'Set')) return refuse(describe(v));
      let i = 0;
      for (const item of v as Set<unknown>) visit({ memberAt: i++ }, item);
      return;
    }
    if (Buffer.isBuffer(v)) return;
    if (types.isTypedArray(v)) {
      if (!isBuiltin(v, Object.prototype.toString.call(v).slice(8, -1))) return refuse(describe(v));
      return;
    }
    if (isLeaf(v)) return;
    if (!isPlainObject(v)) return refuse(describe(v));
    return walkObject(v);
  };

  const walkObject = (v: Record<string, unknown>): void => {
    if (Object.getOwnPropertySymbols(v).some((s) => Object.prototype.propertyIsEnumerable.call(v, s))) {
      return refuse('an object with symbol keys');
    }
    for (const key of Object.keys(v)) {
      if (key === '__proto__') {
        trail.push(key);
        return refuse('an own `__proto__` key');
      }
      visit(key, v[key]);
    }
  };

  walk(value);
  return form;
}

/** The path of `trail` in JavaScript syntax, from `output`. */
function formatPath(trail: readonly Step[]): string {
  let path = 'output';
  for (const step of trail) {
    if (typeof step === 'string') path += IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
    else if (typeof step === 'number') path += `[${step}]`;
    else if ('get' in step) path += `.get(${literal(step.get)})`;
    else if ('keyAt' in step) path = `[...${path}.keys()][${step.keyAt}]`;
    else if ('valueAt' in step) path = `[...${path}.values()][${step.valueAt}]`;
    else path = `[...${path}][${step.memberAt}]`;
  }
  return path;
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
  return proto !== null && (proto === intrinsic?.prototype || ownConstructorName(proto) === name);
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

/** A primitive Map key as JavaScript source. */
function literal(key: unknown): string {
  if (typeof key === 'string') return JSON.stringify(key);
  if (typeof key === 'bigint') return `${key}n`;
  if (Object.is(key, -0)) return '-0';
  return String(key);
}
