import { NonRetryableError } from '../../../src/errors';
import type { StageContext, StageInputs } from '../../../src/definition/types';
import { inferColumnType, isNullCell, parseCell } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { readRawTable } from '../raw-table';
import { yieldToOthers, type ColumnSchema, type TableSource } from '../typed-table';
import type { ImportOutput } from './import';

/**
 * Phase `typing`: infers each column's type (integer, float, boolean,
 * date/datetime with its format, category, identifier, text) with a
 * confidence, and counts the cells that do not parse. Outputs each table's
 * {@link TableSource}: what later phases load values through. Plain TypeScript.
 */

/** Output of `typing`. */
export interface TypingOutput {
  /** Typed table sources, in import order. */
  readonly tables: readonly TableSource[];
}

/** Params: `minShare` (share of cells that must parse for a typed column, default 0.95). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<TypingOutput> {
  const imported = inputOf<ImportOutput>(inputs, 'import');
  const minShare = numberParam(ctx.params, 'minShare', 0.95, 0.5, 1);
  const tables: TableSource[] = [];
  for (const [i, t] of imported.tables.entries()) {
    const raw = await readRawTable(t.file);
    if (raw.sha256 !== t.sha256) throw new NonRetryableError(`Table \`${t.name}\`: file \`${t.file}\` changed since it was imported; run the pipeline again`);
    const columns: ColumnSchema[] = raw.header.map((name, c) => {
      const cells = raw.rows.map((r) => r[c]);
      const inferred = inferColumnType(cells, { minShare });
      const nulls = cells.filter(isNullCell).length;
      const invalid = cells.filter((cell) => !isNullCell(cell) && parseCell(cell, inferred.type, inferred.format) === null).length;
      return { name, ...inferred, nulls, invalid };
    });
    tables.push({ name: t.name, file: t.file, format: t.format, sha256: t.sha256, rows: raw.rows.length, columns });
    ctx.progress(i + 1, imported.tables.length, `${t.name}: ${columns.map((c) => `${c.name}:${c.type}`).join(', ')}`);
    await yieldToOthers();
  }
  return { tables };
}
