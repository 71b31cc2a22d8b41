/**
 * danfojs for tests, typed by hand: its package declares its types under
 * `exports` only, which node10 resolution does not read. Loaded on the first
 * call (about a second).
 */

/** The parts of a danfojs DataFrame the tests read. */
export interface DataFrame {
  readonly columns: unknown[];
  readonly dtypes: string[];
  readonly index: unknown[];
  readonly values: unknown[][];
  readonly shape: [number, number];
}

/** The parts of a danfojs Series the tests read. */
export interface Series {
  readonly columns: unknown[];
  readonly dtype: string;
  readonly index: unknown[];
  readonly values: unknown[];
}

/** Options of the danfojs constructors. */
export interface FrameOptions {
  readonly columns?: unknown[];
  readonly index?: unknown[];
  readonly dtypes?: string[];
}

/** The danfojs module, as the tests use it. */
export interface Danfo {
  readonly DataFrame: new (data: unknown, options?: FrameOptions) => DataFrame;
  readonly Series: new (data: unknown, options?: FrameOptions) => Series;
}

/** danfojs (loaded on the first call). */
export function danfo(): Danfo {
  return require('danfojs') as Danfo;
}
