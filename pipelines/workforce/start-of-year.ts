import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlList, sqlNum } from './sql-literal';

/**
 * SQL for the workforce a year starts from: the active employees of the
 * previous year's snapshot with their tenure on 1 January
 * ({@link activeAtStartSql}), and with their termination rate as well — the
 * level's rate times the tenure band's multiplier ({@link startOfYearSql}).
 * The event functions that do not draw terminations read the first, so
 * their SQL (and their stage's params) does not name the termination rates.
 */

/** The start workforce of `year` with `tenure` in years on 1 January. */
export function activeAtStartSql(year: number): string {
  const y = sqlInt('year', year);
  return `(
    SELECT s.*, date_diff('day', s.hire_date, make_date(${y}, 1, 1)) / 365.25 AS tenure
    FROM workforce_snapshot s WHERE s.year = ${y} - 1 AND s.status = 'active')`;
}

/** The start workforce of `year` with `tenure` and its level- and tenure-specific `termination_rate`. */
export function startOfYearSql(year: number, p: Pick<WorkforceParameters, 'terminationRates' | 'tenureMultipliers'>): string {
  const y = sqlInt('year', year);
  const [short, mid, long] = p.tenureMultipliers;
  return `(
    SELECT s.*, ${sqlList('terminationRates', p.terminationRates)}[s.level] *
        CASE WHEN date_diff('day', s.hire_date, make_date(${y}, 1, 1)) < 730 THEN ${sqlNum('tenureMultipliers[0]', short)}
             WHEN date_diff('day', s.hire_date, make_date(${y}, 1, 1)) <= 1826 THEN ${sqlNum('tenureMultipliers[1]', mid)}
             ELSE ${sqlNum('tenureMultipliers[2]', long)} END AS termination_rate
    FROM ${activeAtStartSql(year)} s)`;
}
