import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlInt } from './sql-literal';

/**
 * State accumulation: the year-end snapshot from the previous snapshot's
 * active employees plus the year's hires, with the year's events applied —
 * promotion (level and raise), then merit raise, terminations (status and
 * date), enrollment (the enrollment and deferral accumulators: once
 * enrolled, an employee stays enrolled with their last deferral rate).
 */

/** Writes the snapshot of `year` (replacing it); needs the previous year's snapshot and this year's events. */
export async function accumulateState(db: DuckDBConnection, year: number): Promise<void> {
  const y = sqlInt('year', year);
  const events = (type: string) => `(SELECT * FROM workforce_events WHERE year = ${y} AND event_type = '${type}')`;
  await db.run(`DELETE FROM workforce_snapshot WHERE year = ${y};
    INSERT INTO workforce_snapshot
    WITH base AS (
      SELECT employee_id, level, salary, hire_date, birth_date, enrolled, deferral_rate
      FROM workforce_snapshot WHERE year = ${y} - 1 AND status = 'active'
      UNION ALL
      SELECT employee_id, level, salary, event_date, birth_date, false, 0
      FROM workforce_events WHERE year = ${y} AND event_type = 'hire'),
    leavers AS (
      SELECT * FROM workforce_events WHERE year = ${y} AND event_type IN ('termination', 'new_hire_termination'))
    SELECT ${y}, b.employee_id, coalesce(p.level, b.level),
      round(b.salary * coalesce(p.salary / p.previous_salary, 1) * coalesce(m.salary / m.previous_salary, 1), 2),
      b.hire_date, b.birth_date,
      CASE WHEN t.employee_id IS NULL THEN 'active' ELSE 'terminated' END, t.event_date,
      b.enrolled OR e.employee_id IS NOT NULL, coalesce(e.deferral_rate, b.deferral_rate)
    FROM base b
    LEFT JOIN ${events('promotion')} p USING (employee_id)
    LEFT JOIN ${events('merit')} m USING (employee_id)
    LEFT JOIN leavers t USING (employee_id)
    LEFT JOIN ${events('enrollment')} e USING (employee_id)`);
}
