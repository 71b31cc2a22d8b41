import * as path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StageContext } from '../../src/definition/types';
import { DagbookError } from '../../src/errors';
import { queryRows } from './database';
import { sqlInt } from './sql-literal';
import { hashRows } from './year-hash';

/**
 * What the workforce stages share: where the database file is, which year a
 * per-period stage simulates, and the small output of an event stage — its
 * row counts and the hash of its rows, so a stage's output (and with it the
 * cache keys downstream) changes exactly when the rows it wrote change.
 */

/** The database file's name in the pipeline's state folder. */
export const DATABASE_FILE = 'workforce.duckdb';

/** A stage context that may carry the run's period (set by the engine on per-period stages). */
export type PeriodStageContext = StageContext & { readonly period?: number | string; readonly periodKey?: string };

/**
 * The workforce database of a run: `<stateDir>/workforce.duckdb` when the run
 * keeps its state on disk, else the `databaseFile` param (resolved from the
 * working directory).
 * @throws DagbookError `INVALID_OPTION` when there is neither.
 */
export function databaseFile(stateDir: string | undefined, params: Readonly<Record<string, unknown>>, stageId?: string): string {
  if (stateDir !== undefined) return path.join(stateDir, DATABASE_FILE);
  const file = params.databaseFile;
  if (typeof file === 'string' && file !== '') return path.resolve(file);
  throw new DagbookError(
    'INVALID_OPTION',
    `The workforce database needs the run's state folder (a durable store) or a \`databaseFile\` param; got neither (\`databaseFile\` = \`${JSON.stringify(file)}\`)`,
    { stageId },
  );
}

/** The folder the stage writes its files into: the folder of the database. */
export function stageFolder(ctx: StageContext): string {
  return path.dirname(databaseFile(ctx.stateDir, ctx.params, ctx.stageId));
}

/**
 * The year a per-period stage simulates.
 * @throws DagbookError `INVALID_OPTION` when the stage has no integer period.
 */
export function yearOf(ctx: PeriodStageContext): number {
  const period = ctx.period;
  if (typeof period === 'number' && Number.isSafeInteger(period)) return period;
  throw new DagbookError('INVALID_OPTION', `Stage \`${ctx.stageId}\` runs once per simulated year: expected its period to be an integer year, got \`${String(period)}\``, {
    stageId: ctx.stageId,
  });
}

/** The output of an event stage. */
export interface EventsOutput {
  readonly year: number;
  /** Rows written, by event type. */
  readonly events: Readonly<Record<string, number>>;
  /** Hash of the rows written (see `hashRows`). */
  readonly hash: string;
}

/** Counts and hashes the year's rows of `types` in `workforce_events`. */
export async function eventsOutput(db: DuckDBConnection, year: number, types: readonly string[]): Promise<EventsOutput> {
  const y = sqlInt('year', year);
  const quoted = types.map((t) => `'${t.replace(/'/g, "''")}'`);
  const select = `SELECT * FROM workforce_events WHERE year = ${y} AND event_type IN (${quoted.join(', ')})`;
  const [row] = await queryRows(db, `SELECT ${quoted.map((t, i) => `count(*) FILTER (WHERE event_type = ${t}) AS c${i}`).join(', ')} FROM (${select})`);
  return { year, events: Object.fromEntries(types.map((t, i) => [t, Number(row[`c${i}`])])), hash: await hashRows(db, select) };
}
