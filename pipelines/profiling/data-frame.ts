/**
 * danfojs for the profiling phases' group-bys and summaries, loaded on first
 * use: it costs ~0.6 s and ~110 MB, so nothing on the library's import path
 * (nor a phase that needs no frame) may load it. The project uses `danfojs`
 * (pure JS, same API) rather than `danfojs-node`, whose install downloads a
 * native TensorFlow binary from outside the package registries. `readCSV`
 * does not work under Node (browser build): frames are built from rows the
 * phases already parsed (papaparse in csv.ts).
 *
 * danfojs declares its entry only through `exports`, which the notebook
 * kernel's TypeScript (node10 resolution) cannot follow, so it is reached
 * through `require` and the few members used are typed here.
 */

/** A column of values as danfojs computes over it. */
export interface Series {
  /** `count`, `mean`, `std`, `min`, `median`, `max`, `variance`, in that order of `index`. */
  describe(): Series;
  readonly index: readonly (string | number)[];
  readonly values: readonly unknown[];
}

/** A danfojs DataFrame (the members the phases use). */
export interface DataFrame {
  readonly columns: readonly string[];
  /** Rows, each in `columns` order. */
  readonly values: readonly (readonly unknown[])[];
  groupby(columns: readonly string[]): Groupby;
}

/** A grouped frame. */
export interface Groupby {
  /** One row per group: the key columns, then `<column>_<op>` for every op asked. */
  agg(ops: Readonly<Record<string, string | readonly string[]>>): DataFrame;
}

interface Danfo {
  DataFrame: new (data: Readonly<Record<string, readonly unknown[]>> | readonly Readonly<Record<string, unknown>>[]) => DataFrame;
  Series: new (data: readonly unknown[]) => Series;
}

let danfo: Danfo | undefined;

/** The danfojs module, required on the first call. */
export function loadDanfo(): Danfo {
  if (!danfo) danfo = require('danfojs') as Danfo;
  return danfo;
}

/** A frame from columns of equal length (column name -> values). */
export function frameOf(columns: Readonly<Record<string, readonly unknown[]>>): DataFrame {
  return new (loadDanfo().DataFrame)(columns);
}

/** danfojs's summary of some numbers: count, mean, sample std, min, median, max, variance, by name. */
export function describeNumbers(xs: readonly number[]): Record<string, number> {
  const d = new (loadDanfo().Series)(xs).describe();
  return Object.fromEntries(d.index.map((k, i) => [String(k), d.values[i] as number]));
}

/** Rows of a frame as objects keyed by column name. */
export function rowsOf(frame: DataFrame): Record<string, unknown>[] {
  return frame.values.map((row) => Object.fromEntries(frame.columns.map((c, i) => [c, row[i]])));
}
