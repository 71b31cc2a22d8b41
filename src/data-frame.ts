/**
 * danfojs DataFrames and Series as plain data and back, for storing stage
 * outputs and redacting them. Frames are recognised by their shape (duck
 * typing), never by `instanceof`: danfojs costs ~0.6 s and ~110 MB to load, so
 * it is required only when a stored frame is read back or rebuilt, and a frame
 * made by another copy of danfojs is recognised all the same.
 *
 * What is kept: columns, dtypes, index and values (a Series: its name, dtype,
 * index and values). What is not: danfojs' display and memory settings
 * (`config`), which come back as danfojs' defaults.
 *
 * danfojs is an optional peer dependency: a project that wants DataFrames
 * installs it. Its own dependency on xlsx points at a tarball outside the
 * package registries, so the project needs `"overrides": {"xlsx": "0.18.5"}`
 * in its package.json first; {@link loadDanfo} says so when danfojs is missing.
 */
import { DagbookError, errorMessage } from './errors';

/** A danfojs DataFrame as plain data. */
export interface DataFrameData {
  /** Column names, in order. */
  readonly columns: readonly unknown[];
  /** danfojs dtype of each column (`int32`, `float32`, `string`, `boolean`, `datetime`). */
  readonly dtypes: readonly string[];
  /** Row labels, in order. */
  readonly index: readonly unknown[];
  /** The cells, row by row. */
  readonly values: readonly (readonly unknown[])[];
}

/** A danfojs Series as plain data. */
export interface SeriesData {
  /** The Series' name (its one column name). */
  readonly name: unknown;
  /** Its danfojs dtype. */
  readonly dtype: string;
  /** Row labels, in order. */
  readonly index: readonly unknown[];
  /** The values, in order. */
  readonly values: readonly unknown[];
}

/** The fields danfojs keeps on every DataFrame and Series (its `NDframe` base). */
interface NdFrame {
  readonly $isSeries: boolean;
  readonly $data: unknown[];
  readonly $index: unknown[];
  readonly $columns: unknown[];
  readonly $dtypes: string[];
}

interface FrameOptions {
  readonly columns: readonly unknown[];
  readonly index: readonly unknown[];
  readonly dtypes: readonly string[];
}

type FrameConstructor = new (data: unknown, options?: FrameOptions) => object;

function isNdFrame(value: unknown): value is NdFrame {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<NdFrame>;
  return typeof v.$isSeries === 'boolean' && Array.isArray(v.$data) && Array.isArray(v.$index) && Array.isArray(v.$columns) && Array.isArray(v.$dtypes);
}

/** True when `value` is a danfojs DataFrame (by its shape). */
export function isDataFrame(value: unknown): boolean {
  return isNdFrame(value) && !value.$isSeries;
}

/** True when `value` is a danfojs Series (by its shape). */
export function isSeries(value: unknown): boolean {
  return isNdFrame(value) && value.$isSeries;
}

/** A DataFrame's columns, dtypes, index and rows (the frame's own arrays, not copies). */
export function dataFrameData(frame: object): DataFrameData {
  const f = frame as NdFrame;
  return { columns: f.$columns, dtypes: f.$dtypes, index: f.$index, values: f.$data as unknown[][] };
}

/** A Series' name, dtype, index and values (the Series' own arrays, not copies). */
export function seriesData(series: object): SeriesData {
  const s = series as NdFrame;
  return { name: s.$columns[0], dtype: s.$dtypes[0], index: s.$index, values: s.$data };
}

/** The parts of danfojs that dagbook uses. */
export interface Danfo {
  readonly DataFrame: FrameConstructor;
  readonly Series: FrameConstructor;
}

/** What a project's package.json needs under `overrides` before `npm install danfojs`: danfojs' xlsx dependency is a tarball outside the registries. */
export const DANFOJS_OVERRIDES: Readonly<Record<string, string>> = { xlsx: '0.18.5' };

/**
 * The danfojs package, loaded with `load` (dagbook's own `require`: danfojs
 * resolves from where dagbook is installed, i.e. the user's project).
 * @throws DagbookError `DEPENDENCY_MISSING` when danfojs is not installed,
 *   naming the package, the override to add and the command to run
 */
export function loadDanfo(load: NodeRequire = require): Danfo {
  try {
    return load('danfojs') as Danfo;
  } catch (error) {
    const notFound = (error as { code?: unknown }).code === 'MODULE_NOT_FOUND' && errorMessage(error).includes("'danfojs'");
    if (!notFound) throw error;
    const overrides = JSON.stringify({ overrides: DANFOJS_OVERRIDES });
    throw new DagbookError(
      'DEPENDENCY_MISSING',
      `DataFrames need the package \`danfojs\`, which is not installed: add ${overrides} to your project's package.json (danfojs depends on an xlsx tarball served outside the npm registry), then run \`npm install danfojs\`.`,
      { cause: error, data: { package: 'danfojs', overrides: DANFOJS_OVERRIDES }, errorClass: 'persistent' },
    );
  }
}

/** A new DataFrame of `data`; loads danfojs on first use. */
export function toDataFrame(data: DataFrameData, make: FrameConstructor = loadDanfo().DataFrame): object {
  return new make(data.values, { columns: data.columns, index: data.index, dtypes: data.dtypes });
}

/** A new Series of `data`; loads danfojs on first use. */
export function toSeries(data: SeriesData, make: FrameConstructor = loadDanfo().Series): object {
  return new make(data.values, { columns: [data.name], index: data.index, dtypes: [data.dtype] });
}

/** A DataFrame or Series like `frame` (same class, so same copy of danfojs) holding other data; never loads danfojs. */
export function rebuildFrame(frame: object, data: DataFrameData | SeriesData): object {
  const make = (Object.getPrototypeOf(frame) as { constructor: FrameConstructor }).constructor;
  return 'dtype' in data ? toSeries(data, make) : toDataFrame(data, make);
}
