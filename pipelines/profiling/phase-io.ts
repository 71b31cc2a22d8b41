import * as fs from 'node:fs';
import * as path from 'node:path';
import { NonRetryableError } from '../../src/errors';
import type { StageInputs } from '../../src/definition/types';
import { tableFileInfo } from './raw-table';

/**
 * Shared plumbing of the profiling phases: where the data is, and reading
 * params and upstream outputs with precise errors.
 * Paths resolve from the pipeline's folder (that of `profiling.yaml`, which
 * is also the base of its declared `inputs`), never from the working
 * directory, so a notebook, the CLI and the tests read the same files.
 */

/** The folder of `profiling.yaml` (`pipelines/`): relative `dataDir` params (and `stateDir`, see state-folder.ts) resolve from here. */
export const PIPELINE_DIR = path.resolve(__dirname, '..');

/** The example data folder, relative to {@link PIPELINE_DIR}. */
export const DEFAULT_DATA_DIR = '../node_modules/vega-datasets/data';

/** The example tables profiled by default (files in {@link DEFAULT_DATA_DIR}). */
export const DEFAULT_TABLE_FILES: readonly string[] = [
  'seattle-weather.csv',
  'stocks.csv',
  'airports.csv',
  'flights-airport.csv',
  'flights-5k.json',
  'lookup_people.csv',
  'lookup_groups.csv',
];

/** Absolute data folder for a `dataDir` param (relative paths resolve from {@link PIPELINE_DIR}). */
export function resolveDataDir(dataDir: string | undefined): string {
  return path.resolve(PIPELINE_DIR, dataDir ?? DEFAULT_DATA_DIR);
}

/** Every `.csv` and `.json` file directly in `dir`, sorted by name. */
export function listTableFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && tableFileInfo(e.name) !== undefined)
    .map((e) => e.name)
    .sort();
}

/** The output of dependency `id`. @throws NonRetryableError when the stage did not receive it. */
export function inputOf<T>(inputs: StageInputs, id: string): T {
  const value = inputs[id];
  if (value === undefined || value === null) throw new NonRetryableError(`Expected the output of stage \`${id}\` among the inputs, got none (is \`${id}\` in deps?)`);
  return value as T;
}

/** A string param, or `fallback` when absent. @throws NonRetryableError for a non-string value. */
export function stringParam(params: Readonly<Record<string, unknown>>, name: string, fallback: string): string;
export function stringParam(params: Readonly<Record<string, unknown>>, name: string, fallback?: string): string | undefined;
export function stringParam(params: Readonly<Record<string, unknown>>, name: string, fallback?: string): string | undefined {
  const v = params[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || v === '') throw new NonRetryableError(`Expected param \`${name}\` to be a non-empty string, got \`${JSON.stringify(v)}\``);
  return v;
}

/** A number param in [min, max], or `fallback` when absent. @throws NonRetryableError otherwise. */
export function numberParam(params: Readonly<Record<string, unknown>>, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const v = params[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new NonRetryableError(`Expected param \`${name}\` to be a number from ${min} to ${max}, got \`${JSON.stringify(v)}\``);
  }
  return v;
}

/** A string-array param, or undefined when absent. @throws NonRetryableError otherwise. */
export function stringListParam(params: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  const v = params[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new NonRetryableError(`Expected param \`${name}\` to be an array of strings, got \`${JSON.stringify(v)}\``);
  return v as string[];
}

/** UTC ISO date (`YYYY-MM-DD`) or datetime of epoch ms: the date alone when the time is midnight. */
export function isoTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('T00:00:00.000Z') ? s.slice(0, 10) : s.replace('.000Z', 'Z');
}
