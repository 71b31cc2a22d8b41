import type { StageContext, StageInputs } from '../../../src/definition/types';
import type { ColumnKind } from '../infer-type';
import { inputOf } from '../phase-io';
import { yieldToOthers } from '../typed-table';
import type { ColumnStats, StatisticsOutput } from './statistics';

/**
 * Phase `semantic`: each column's role — identifier, measure, dimension,
 * timestamp or geo coordinate — from its name, type and statistics. The
 * output holds only the annotations (and the value range of geo columns), so
 * a data change that leaves the roles alone leaves `validation` cached.
 * Plain TypeScript (rules).
 */

/** Column roles. */
export type SemanticRole = 'identifier' | 'measure' | 'dimension' | 'timestamp' | 'geo_coordinate';

/** A column's annotation. */
export interface ColumnAnnotation {
  readonly name: string;
  readonly type: ColumnKind;
  /** Type confidence from `typing`. */
  readonly confidence: number;
  readonly role: SemanticRole;
  /** Why, in a few words. */
  readonly reason: string;
  /** For geo coordinates. */
  readonly axis?: 'latitude' | 'longitude';
  /** For geo coordinates: [min, max]. */
  readonly range?: readonly [number, number];
}

/** Annotations of one table. */
export interface TableAnnotations {
  readonly name: string;
  readonly columns: readonly ColumnAnnotation[];
}

/** Output of `semantic`. */
export interface SemanticOutput {
  readonly tables: readonly TableAnnotations[];
}

const ID_NAME = /(^id$|_id$|^id_|Id$|^key$|^code$|_code$|^iata$|^icao$|^uuid$)/i;
const LAT_NAME = /^(lat|latitude)$/i;
const LON_NAME = /^(lon|lng|long|longitude)$/i;

/** The role of a column from its statistics and the table's row count. */
export function annotateColumn(c: ColumnStats, rows: number): ColumnAnnotation {
  const base = { name: c.name, type: c.type, confidence: c.confidence };
  const numeric = c.type === 'integer' || c.type === 'float';
  if (c.type === 'date' || c.type === 'datetime') return { ...base, role: 'timestamp', reason: `${c.type} values` };
  if (numeric && typeof c.min === 'number' && typeof c.max === 'number') {
    if (LAT_NAME.test(c.name) && c.min >= -90 && c.max <= 90) return { ...base, role: 'geo_coordinate', axis: 'latitude', range: [c.min, c.max], reason: 'named latitude, values within +/-90' };
    if (LON_NAME.test(c.name) && c.min >= -180 && c.max <= 180) return { ...base, role: 'geo_coordinate', axis: 'longitude', range: [c.min, c.max], reason: 'named longitude, values within +/-180' };
  }
  if (c.type === 'identifier') return { ...base, role: 'identifier', reason: 'unique short tokens' };
  if (ID_NAME.test(c.name) && c.type !== 'float') return { ...base, role: 'identifier', reason: 'identifier-like name' };
  if (numeric) {
    if (c.type === 'integer' && c.distinct <= 12 && c.distinct <= rows / 2) return { ...base, role: 'dimension', reason: `integer code with ${c.distinct} levels` };
    return { ...base, role: 'measure', reason: `${c.type} values with ${c.distinct} distinct` };
  }
  if (c.type === 'text' && c.distinct === c.count && c.count > 1) return { ...base, role: 'identifier', reason: 'unique text values' };
  return { ...base, role: 'dimension', reason: `${c.type} with ${c.distinct} distinct values` };
}

/** No params. */
export async function run(ctx: StageContext, inputs: StageInputs): Promise<SemanticOutput> {
  const stats = inputOf<StatisticsOutput>(inputs, 'statistics');
  const tables: TableAnnotations[] = [];
  for (const [i, t] of stats.tables.entries()) {
    tables.push({ name: t.name, columns: t.columns.map((c) => annotateColumn(c, t.rows)) });
    ctx.progress(i + 1, stats.tables.length, t.name);
    await yieldToOthers();
  }
  return { tables };
}
