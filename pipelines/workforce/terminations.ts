import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkforceParameters } from './parameters';
import { sqlInt } from './sql-literal';
import { startOfYearSql } from './start-of-year';

/**
 * Terminations. Exactly the planned number leave (the year's needs), drawn
 * without replacement with each employee weighted by their level- and
 * tenure-specific rate (Efraimidis–Spirakis keys: the smallest −ln(u)/rate
 * leave), so the rates shape who leaves and the needs fix how many.
 */

/** Writes the year's `termination` events for the start workforce (replacing them); needs `workforce_needs` for the year. */
export async function generateTerminations(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<void> {
  const y = sqlInt('year', year);
  const seed = sqlInt('seed', p.seed);
  await db.run(`DELETE FROM workforce_events WHERE year = ${y} AND event_type = 'termination';
    INSERT INTO workforce_events
    SELECT ${y}, employee_id, 'termination', make_date(${y}, 1, 1) + floor(wf_u(${seed}, employee_id, ${y}, 'term-date') * 365)::INTEGER,
      level, salary, NULL, NULL, NULL
    FROM ${startOfYearSql(year, p)} s
    WHERE termination_rate > 0
    QUALIFY row_number() OVER (ORDER BY -ln(wf_u(${seed}, employee_id, ${y}, 'term')) / termination_rate, employee_id)
      <= (SELECT experienced_terminations FROM workforce_needs WHERE year = ${y})`);
}

/** Writes the year's `new_hire_termination` events (replacing them): the planned number of the year's hires, each leaving after their hire date. Needs the year's hires. */
export async function generateNewHireTerminations(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<void> {
  const y = sqlInt('year', year);
  const seed = sqlInt('seed', p.seed);
  await db.run(`DELETE FROM workforce_events WHERE year = ${y} AND event_type = 'new_hire_termination';
    INSERT INTO workforce_events
    SELECT ${y}, employee_id, 'new_hire_termination',
      event_date + 1 + floor(wf_u(${seed}, employee_id, ${y}, 'nh-term-date') * (date_diff('day', event_date, make_date(${y}, 12, 31)) - 1))::INTEGER,
      level, salary, NULL, NULL, NULL
    FROM workforce_events
    WHERE year = ${y} AND event_type = 'hire' AND event_date < make_date(${y}, 12, 31)
    QUALIFY row_number() OVER (ORDER BY wf_u(${seed}, employee_id, ${y}, 'nh-term'), employee_id)
      <= (SELECT new_hire_terminations FROM workforce_needs WHERE year = ${y})`);
}
