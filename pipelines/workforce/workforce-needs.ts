import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from './database';
import type { WorkforceParameters } from './parameters';
import { sqlInt } from './sql-literal';
import { startOfYearSql } from './start-of-year';

/** What a year must do to reach its target headcount. */
export interface WorkforceNeeds {
  /** The simulated year. */
  readonly year: number;
  /** Active employees on 1 January. */
  readonly startHeadcount: number;
  /** Active employees wanted on 31 December: start × (1 + growth), rounded. */
  readonly targetHeadcount: number;
  /** Employees of the start workforce who leave: the sum of their termination rates, rounded. */
  readonly experiencedTerminations: number;
  /** Employees to hire. */
  readonly hires: number;
  /** Hires of the year who leave within it. */
  readonly newHireTerminations: number;
}

/**
 * The needs from the start headcount and the expected terminations, pure:
 * hires cover growth plus leavers, grossed up for the hires who leave in the
 * same year, so the year ends at the target up to rounding.
 */
export function computeNeeds(year: number, startHeadcount: number, expectedTerminations: number, p: WorkforceParameters): WorkforceNeeds {
  const targetHeadcount = Math.round(startHeadcount * (1 + p.growthRate));
  const experiencedTerminations = Math.round(expectedTerminations);
  const net = Math.max(0, targetHeadcount - startHeadcount + experiencedTerminations);
  const hires = Math.ceil(net / (1 - p.newHireTerminationRate));
  const newHireTerminations = Math.round(hires * p.newHireTerminationRate);
  return { year, startHeadcount, targetHeadcount, experiencedTerminations, hires, newHireTerminations };
}

/** Computes the year's needs from the previous snapshot and writes them to `workforce_needs` (replacing the year's row). */
export async function generateWorkforceNeeds(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<WorkforceNeeds> {
  // Sum the rates as DECIMAL: a parallel DOUBLE sum may differ in the last bit between runs.
  const [row] = await queryRows(db, `SELECT count(*) AS n, sum(termination_rate::DECIMAL(18, 6)) AS expected FROM ${startOfYearSql(year, p)}`);
  const needs = computeNeeds(year, Number(row.n), Number(row.expected ?? 0), p);
  const y = sqlInt('year', year);
  await db.run(`DELETE FROM workforce_needs WHERE year = ${y};
    INSERT INTO workforce_needs VALUES (${y}, ${needs.startHeadcount}, ${needs.targetHeadcount},
      ${needs.experiencedTerminations}, ${needs.hires}, ${needs.newHireTerminations})`);
  return needs;
}
