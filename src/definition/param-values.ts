import { MAX_PARAM_DEPTH, MAX_PARAM_VALUES } from '../limits';
import { isPlainObject } from '../object-kind';

/**
 * Checks a stage's param value: it must be JSON data (it is hashed and copied
 * into the plain-JSON plan), without reference cycles, without a `__proto__`
 * key (parsers and spreads treat it as the prototype, so it does not survive
 * a copy), at most {@link MAX_PARAM_DEPTH} levels deep and at most
 * {@link MAX_PARAM_VALUES} values once shared parts are counted each time
 * they appear (what a JSON copy would write).
 *
 * The walk is iterative, so a value nested thousands of levels deep is
 * measured and refused instead of overflowing the call stack, and each shared
 * object is walked once.
 */

/** A problem in a param value. */
export interface ParamProblem {
  /** Path below the param, e.g. `['columns', 2]`. */
  readonly path: readonly (string | number)[];
  /** What was expected there: `JSON data`, `... at most 64 levels deep`. */
  readonly expectation: string;
  /** The offending value. */
  readonly received: unknown;
  /** How to show what was received, when the value itself is not the point (`3001 levels`). */
  readonly got?: string;
}

/** What a walk found below one object. */
interface Measure {
  /** Levels of arrays and objects: 0 for a scalar, 1 for `[1]`. */
  readonly depth: number;
  /** Values, counting a shared part each time it appears. */
  readonly values: number;
}

interface Frame {
  readonly value: object;
  /** The key the object was reached by (unused for the root). */
  readonly key: string | number;
  readonly entries: [string | number, unknown][];
  next: number;
  depth: number;
  values: number;
}

/** Problems reported per param value, at most (besides its depth and size). */
const MAX_REPORTED = 10;

const SCALAR: Measure = { depth: 0, values: 1 };

function entriesOf(value: object): [string | number, unknown][] {
  if (Array.isArray(value)) return value.map((item, i): [number, unknown] => [i, item]);
  // An undefined property is dropped, as JSON drops it.
  return Object.entries(value).filter(([, v]) => v !== undefined);
}

/** Every problem of one param value; empty when it is fine. */
export function paramValueProblems(value: unknown): ParamProblem[] {
  const problems: ParamProblem[] = [];
  const done = new Map<object, Measure>();
  const onPath = new Set<object>();
  // The open frames are the path from the root to the value being visited.
  const frames: Frame[] = [];
  const report = (key: string | number | undefined, problem: Omit<ParamProblem, 'path'>): void => {
    // Past a few, more of the same problem tells the reader nothing new.
    if (problems.length >= MAX_REPORTED) return;
    const path = frames.slice(1).map((f) => f.key);
    if (key !== undefined) path.push(key);
    problems.push({ path, ...problem });
  };

  /** Checks a value reached by `key` from the innermost open frame; returns its measure, or opens a frame for an object not walked yet. */
  const visit = (item: unknown, key: string | number | undefined): Measure | undefined => {
    if (item === null || typeof item === 'string' || typeof item === 'boolean') return SCALAR;
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) report(key, { expectation: 'JSON data', received: item });
      return SCALAR;
    }
    if (typeof item !== 'object') {
      report(key, { expectation: 'JSON data', received: item });
      return SCALAR;
    }
    if (onPath.has(item)) {
      report(key, { expectation: 'JSON data without reference cycles', received: item, got: 'a reference to an enclosing value' });
      return SCALAR;
    }
    const known = done.get(item);
    if (known) return known;
    if (!Array.isArray(item) && !isPlainObject(item)) {
      report(key, { expectation: 'JSON data', received: item });
      return SCALAR;
    }
    onPath.add(item);
    frames.push({ value: item, key: key ?? '', entries: entriesOf(item), next: 0, depth: 1, values: 1 });
    if (!Array.isArray(item) && Object.prototype.hasOwnProperty.call(item, '__proto__')) {
      report('__proto__', { expectation: 'JSON data without a `__proto__` key', received: (item as Record<string, unknown>)['__proto__'] });
    }
    return undefined;
  };

  const root = visit(value, undefined);
  let last: Measure = root ?? SCALAR;
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    if (frame.next < frame.entries.length) {
      const [key, item] = frame.entries[frame.next++];
      const measure = visit(item, key);
      if (measure) addChild(frame, measure);
      continue;
    }
    frames.pop();
    onPath.delete(frame.value);
    last = { depth: frame.depth, values: frame.values };
    done.set(frame.value, last);
    if (frames.length > 0) addChild(frames[frames.length - 1], last);
  }
  if (last.depth > MAX_PARAM_DEPTH) {
    problems.unshift({ path: [], expectation: `nested at most ${MAX_PARAM_DEPTH} levels deep`, received: value, got: `${last.depth} levels` });
  }
  if (last.values > MAX_PARAM_VALUES) {
    problems.unshift({ path: [], expectation: `at most ${MAX_PARAM_VALUES} values`, received: value, got: `${last.values} values` });
  }
  return problems;
}

function addChild(frame: Frame, child: Measure): void {
  frame.depth = Math.max(frame.depth, child.depth + 1);
  frame.values += child.values;
}
