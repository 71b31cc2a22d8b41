import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlNum } from './sql-literal';
import { activeAtStartSql } from './start-of-year';

/**
 * Merit raises on 1 July for every employee of the start workforce who does
 * not leave this year: the mean merit rate ± 1 point, on the start salary.
 * The raise is stored as previous/new salary; the year-end snapshot applies
 * it after any promotion raise (so merit and promotion stay independent
 * event functions).
 */

/** Writes the year's `merit` events (replacing them); needs the year's terminations. */
export async function generateMerit(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<void> {
  const y = sqlInt('year', year);
  const seed = sqlInt('seed', p.seed);
  await db.run(`DELETE FROM workforce_events WHERE year = ${y} AND event_type = 'merit';
    INSERT INTO workforce_events
    SELECT ${y}, employee_id, 'merit', make_date(${y}, 7, 1), level,
      round(salary * (1 + ${sqlNum('meritRate', p.meritRate)} + (wf_u(${seed}, employee_id, ${y}, 'merit') - 0.5) * 0.02), 2), salary, NULL, NULL
    FROM ${activeAtStartSql(year)} s
    WHERE employee_id NOT IN (SELECT employee_id FROM workforce_events WHERE year = ${y} AND event_type = 'termination')`);
}
