import * as path from 'node:path';
import type { StageContext, StageInputs } from '../../../src/definition/types';
import { listTableFiles, resolveDataDir, stringListParam, stringParam } from '../phase-io';
import { readRawTable, type TableFormat } from '../raw-table';
import { yieldToOthers } from '../typed-table';

/**
 * Phase `import`: reads every table file of the data folder and records its
 * shape and content hash. Outputs metadata only (no rows): downstream phases
 * re-read the files, and the hashes carry file changes into their cache keys.
 * CSV is parsed by papaparse (csv.ts).
 */

/** One imported table. */
export interface ImportedTable {
  /** Table name (file name without extension). */
  readonly name: string;
  /** Absolute path. */
  readonly file: string;
  /** File format. */
  readonly format: TableFormat;
  /** Hex sha256 of the bytes. */
  readonly sha256: string;
  /** File size, bytes. */
  readonly bytes: number;
  /** Data rows. */
  readonly rows: number;
  /** Column names in file order. */
  readonly columns: readonly string[];
}

/** Output of `import`. */
export interface ImportOutput {
  /** Tables in the order of the `files` param (or by file name). */
  readonly tables: readonly ImportedTable[];
}

/**
 * Params: `dataDir` (folder; relative to the pipeline folder `pipelines/`;
 * default the vega-datasets folder) and `files` (names in it; default every .csv/.json).
 */
export async function run(ctx: StageContext, _inputs: StageInputs): Promise<ImportOutput> {
  const dir = resolveDataDir(stringParam(ctx.params, 'dataDir'));
  const files = stringListParam(ctx.params, 'files') ?? listTableFiles(dir);
  const tables: ImportedTable[] = [];
  for (const [i, name] of files.entries()) {
    const file = path.resolve(dir, name);
    const raw = await readRawTable(file);
    tables.push({ name: raw.name, file, format: raw.format, sha256: raw.sha256, bytes: raw.bytes, rows: raw.rows.length, columns: [...raw.header] });
    ctx.progress(i + 1, files.length, `${raw.name}: ${raw.rows.length} rows x ${raw.header.length} columns`);
    await yieldToOthers();
  }
  return { tables };
}
