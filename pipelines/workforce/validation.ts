import type { DuckDBConnection } from '@duckdb/node-api';
import { queryRows } from './database';
import type { WorkforceParameters } from './parameters';
import { sqlInt } from './sql-literal';

/**
 * The year's validation rules, each a query over what the year wrote:
 * - `hire_termination_ratio`: a growing workforce hires more than it loses
 *   (ERROR otherwise); more than 4 hires per leaver is a WARNING.
 * - `event_sequence`: no event for an employee after their termination, in
 *   the same year or any later one (ERROR).
 * - `compensation_reasonableness`: active salaries within 20,000..1,000,000
 *   and raises within 0..50% (ERROR); raises above 25% (WARNING).
 * - `workforce_totals`: end headcount = start − leavers + hires (ERROR), and
 *   growth within the target ± tolerance (ERROR).
 */

/** How serious a failed rule is: ERROR stops the chain (unless told otherwise), WARNING is recorded. */
export type Severity = 'ERROR' | 'WARNING';

/** One rule's outcome. */
export interface ValidationResult {
  /** Rule name. */
  readonly rule: string;
  /** Severity of the failure; `passed` results carry the rule's highest severity. */
  readonly severity: Severity;
  /** Whether the rule held. */
  readonly passed: boolean;
  /** What was found, with the figures. */
  readonly message: string;
}

const result = (rule: string, severity: Severity, passed: boolean, message: string): ValidationResult => ({ rule, severity, passed, message });

/** Runs every rule on `year`; needs the year's needs, events and snapshot. */
export async function validateYear(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<ValidationResult[]> {
  const y = sqlInt('year', year);
  const [c] = await queryRows(db, `SELECT
      count(*) FILTER (WHERE event_type = 'hire') AS hires,
      count(*) FILTER (WHERE event_type IN ('termination', 'new_hire_termination')) AS leavers,
      count(*) FILTER (WHERE previous_salary IS NOT NULL AND (salary / previous_salary - 1 > 0.5 OR salary < previous_salary)) AS bad_raises,
      count(*) FILTER (WHERE previous_salary IS NOT NULL AND salary / previous_salary - 1 > 0.25) AS high_raises
    FROM workforce_events WHERE year = ${y}`);
  const [late] = await queryRows(db, `SELECT count(*) AS n FROM workforce_events e
    JOIN workforce_events t ON t.employee_id = e.employee_id AND t.event_type IN ('termination', 'new_hire_termination')
    WHERE e.year = ${y} AND t.year <= ${y} AND e.event_type NOT IN ('termination', 'new_hire_termination')
      AND (t.year < ${y} OR e.event_date > t.event_date)`);
  const [s] = await queryRows(db, `SELECT
      (SELECT count(*) FROM workforce_snapshot WHERE year = ${y} - 1 AND status = 'active') AS start,
      count(*) FILTER (WHERE status = 'active') AS active,
      count(*) FILTER (WHERE status = 'active' AND (salary < 20000 OR salary > 1000000)) AS bad_salaries
    FROM workforce_snapshot WHERE year = ${y}`);
  const [hires, leavers, start, active] = [c.hires, c.leavers, s.start, s.active].map(Number);
  const growth = start > 0 ? active / start - 1 : 0;
  const ratio = leavers > 0 ? hires / leavers : Infinity;
  return [
    result('hire_termination_ratio', 'ERROR', !(p.growthRate > 0 && hires < leavers), `${hires} hires for ${leavers} leavers (ratio ${ratio.toFixed(3)})`),
    result('hire_termination_ratio', 'WARNING', ratio <= 4, `ratio ${ratio.toFixed(3)} (above 4 is unusual)`),
    result('event_sequence', 'ERROR', Number(late.n) === 0, `${late.n} events after the employee's termination`),
    result('compensation_reasonableness', 'ERROR', Number(s.bad_salaries) === 0 && Number(c.bad_raises) === 0,
      `${s.bad_salaries} active salaries outside 20000..1000000, ${c.bad_raises} raises outside 0..50%`),
    result('compensation_reasonableness', 'WARNING', Number(c.high_raises) === 0, `${c.high_raises} raises above 25%`),
    result('workforce_totals', 'ERROR', active === start - leavers + hires, `end ${active} vs start ${start} − ${leavers} leavers + ${hires} hires`),
    result('workforce_totals', 'ERROR', Math.abs(growth - p.growthRate) <= p.growthTolerance,
      `growth ${(growth * 100).toFixed(2)}% vs target ${(p.growthRate * 100).toFixed(2)}% ± ${(p.growthTolerance * 100).toFixed(2)}`),
  ];
}

/** The failed results of `severity`. */
export function failures(results: readonly ValidationResult[], severity: Severity): ValidationResult[] {
  return results.filter((r) => !r.passed && r.severity === severity);
}
