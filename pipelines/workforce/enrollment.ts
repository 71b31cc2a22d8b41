import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlNum } from './sql-literal';
import { activeAtStartSql } from './start-of-year';

/**
 * Plan enrollment: hires who stay are enrolled automatically at the
 * auto-enrollment rate 30 days after hire (at the latest 31 December);
 * not-enrolled employees of the start workforce who stay enroll at the
 * voluntary rate on a day of the year. Each enrollment carries a deferral
 * rate of 3..10%.
 */

/** Writes the year's `enrollment` events (replacing them); needs the year's hires and both kinds of terminations. */
export async function generateEnrollment(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<void> {
  const y = sqlInt('year', year);
  const seed = sqlInt('seed', p.seed);
  const deferral = `round(0.03 + floor(wf_u(${seed}, employee_id, ${y}, 'deferral') * 8) * 0.01, 2)`;
  const leavers = `SELECT employee_id FROM workforce_events WHERE year = ${y} AND event_type IN ('termination', 'new_hire_termination')`;
  await db.run(`DELETE FROM workforce_events WHERE year = ${y} AND event_type = 'enrollment';
    INSERT INTO workforce_events
    SELECT ${y}, employee_id, 'enrollment', least(event_date + 30, make_date(${y}, 12, 31)), level, salary, NULL, NULL, ${deferral}
    FROM workforce_events
    WHERE year = ${y} AND event_type = 'hire' AND employee_id NOT IN (${leavers})
      AND wf_u(${seed}, employee_id, ${y}, 'enroll') < ${sqlNum('autoEnrollmentRate', p.autoEnrollmentRate)}
    UNION ALL
    SELECT ${y}, employee_id, 'enrollment', make_date(${y}, 1, 1) + floor(wf_u(${seed}, employee_id, ${y}, 'enroll-date') * 365)::INTEGER,
      level, salary, NULL, NULL, ${deferral}
    FROM ${activeAtStartSql(year)} s
    WHERE NOT enrolled AND employee_id NOT IN (${leavers})
      AND wf_u(${seed}, employee_id, ${y}, 'enroll') < ${sqlNum('voluntaryEnrollmentRate', p.voluntaryEnrollmentRate)}`);
}
