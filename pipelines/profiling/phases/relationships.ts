import type { StageContext, StageInputs } from '../../../src/definition/types';
import type { ColumnKind } from '../infer-type';
import { inputOf, numberParam } from '../phase-io';
import { round } from '../stats-math';
import { loadTypedTable, yieldToOthers, type TypedTable } from '../typed-table';
import type { TypingOutput } from './typing';

/**
 * Phase `relationships`: candidate keys (single columns, else pairs of
 * columns, that are unique and never null) and foreign keys across tables
 * by value containment: a column whose distinct values lie (almost) all in
 * another table's single-column key references it. Plain TypeScript (sets).
 */

/** A candidate key. */
export interface CandidateKey {
  /** Table name. */
  readonly table: string;
  /** Its columns (one or two). */
  readonly columns: readonly string[];
}

/** A column of a table. */
export interface ColumnRef {
  readonly table: string;
  readonly column: string;
}

/** A foreign key found by containment. */
export interface ForeignKey {
  /** The referencing column. */
  readonly from: ColumnRef;
  /** The referenced key column. */
  readonly to: ColumnRef;
  /** Share of the referencing column's distinct values found in the key, 4 decimals. */
  readonly containment: number;
  /** Distinct non-null values of the referencing column. */
  readonly distinct: number;
}

/** Output of `relationships`. */
export interface RelationshipsOutput {
  /** Table names, in typing order. */
  readonly tables: readonly string[];
  /** Candidate keys, by table then columns. */
  readonly candidateKeys: readonly CandidateKey[];
  /** Foreign keys, by referencing table and column. */
  readonly foreignKeys: readonly ForeignKey[];
}

/** Types whose values can be keys and references (floats, dates and booleans cannot). */
const KEYABLE: readonly ColumnKind[] = ['integer', 'identifier', 'category', 'text'];

function isUnique(values: readonly unknown[]): boolean {
  return !values.includes(null) && new Set(values).size === values.length;
}

/** Candidate keys of a typed table: unique non-null columns; when none, unique pairs of keyable columns. */
export function candidateKeys(table: TypedTable): string[][] {
  const keyable = table.columns.filter((c) => KEYABLE.includes(c.type));
  const singles = keyable.filter((c) => table.rows > 0 && isUnique(c.values)).map((c) => [c.name]);
  if (singles.length > 0 || table.rows === 0) return singles;
  const pairs: string[][] = [];
  for (let a = 0; a < keyable.length; a++) {
    for (let b = a + 1; b < keyable.length; b++) {
      const va = keyable[a].values;
      const vb = keyable[b].values;
      if (va.includes(null) || vb.includes(null)) continue;
      const seen = new Set(va.map((v, i) => JSON.stringify([v, vb[i]])));
      if (seen.size === table.rows) pairs.push([keyable[a].name, keyable[b].name]);
    }
  }
  return pairs;
}

/**
 * Foreign keys among typed tables: for each keyable column and each other
 * table's single-column key of the same value kind (numbers with numbers,
 * strings with strings), the share of the column's distinct values found in
 * the key. Kept when at least `minContainment`. When two columns contain each
 * other (a one-to-one link), the side whose key is its table's first column
 * is taken as the referenced one.
 */
export function foreignKeys(tables: readonly TypedTable[], keys: readonly CandidateKey[], minContainment: number, minDistinct: number): ForeignKey[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  // Each key's value set is built once, not once per candidate referencing column.
  const singleKeys = keys
    .filter((k) => k.columns.length === 1)
    .map((k) => {
      const keyCol = byName.get(k.table)!.columns.find((c) => c.name === k.columns[0])!;
      return { table: k.table, column: keyCol.name, integer: keyCol.type === 'integer', values: new Set(keyCol.values) };
    });
  const found: ForeignKey[] = [];
  for (const child of tables) {
    for (const col of child.columns) {
      if (!KEYABLE.includes(col.type)) continue;
      const distinct = [...new Set(col.values.filter((v) => v !== null))];
      if (distinct.length < minDistinct) continue;
      for (const key of singleKeys) {
        if (key.table === child.name || key.integer !== (col.type === 'integer')) continue;
        const matched = distinct.filter((v) => key.values.has(v)).length;
        const containment = matched / distinct.length;
        if (containment >= minContainment) {
          found.push({ from: { table: child.name, column: col.name }, to: { table: key.table, column: key.column }, containment: round(containment), distinct: distinct.length });
        }
      }
    }
  }
  const position = (ref: ColumnRef) => byName.get(ref.table)!.columns.findIndex((c) => c.name === ref.column);
  return found.filter((fk) => {
    const reverse = found.find((o) => o.from.table === fk.to.table && o.from.column === fk.to.column && o.to.table === fk.from.table && o.to.column === fk.from.column);
    // Of a one-to-one pair keep the direction that points at a leading (primary-key-like) column.
    return !reverse || position(fk.to) < position(fk.from) || (position(fk.to) === position(fk.from) && fk.from.table > fk.to.table);
  });
}

/** Params: `minContainment` (default 0.95), `minDistinct` (distinct values a referencing column needs, default 2). */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<RelationshipsOutput> {
  const typing = inputOf<TypingOutput>(inputs, 'typing');
  const minContainment = numberParam(ctx.params, 'minContainment', 0.95, 0, 1);
  const minDistinct = numberParam(ctx.params, 'minDistinct', 2, 1);
  const tables: TypedTable[] = [];
  const keys: CandidateKey[] = [];
  for (const [i, source] of typing.tables.entries()) {
    const table = await loadTypedTable(source);
    tables.push(table);
    for (const columns of candidateKeys(table)) keys.push({ table: table.name, columns });
    ctx.progress(i + 1, typing.tables.length + 1, `${source.name}: keys`);
    await yieldToOthers();
  }
  const fks = foreignKeys(tables, keys, minContainment, minDistinct);
  ctx.progress(typing.tables.length + 1, typing.tables.length + 1, `${fks.length} foreign keys`);
  return { tables: tables.map((t) => t.name), candidateKeys: keys, foreignKeys: fks };
}
