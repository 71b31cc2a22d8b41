import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlList, sqlNum } from './sql-literal';

/**
 * SQL for the workforce a year starts from: the active employees of the
 * previous year's snapshot, with their tenure on 1 January and their
 * termination rate (the level's rate times the tenure band's multiplier).
 */
export function startOfYearSql(year: number, p: WorkforceParameters): string {
  const y = sqlInt('year', year);
  const [short, mid, long] = p.tenureMultipliers;
  return `(
    SELECT s.*, date_diff('day', s.hire_date, make_date(${y}, 1, 1)) / 365.25 AS tenure,
      ${sqlList('terminationRates', p.terminationRates)}[s.level] *
        CASE WHEN date_diff('day', s.hire_date, make_date(${y}, 1, 1)) < 730 THEN ${sqlNum('tenureMultipliers[0]', short)}
             WHEN date_diff('day', s.hire_date, make_date(${y}, 1, 1)) <= 1826 THEN ${sqlNum('tenureMultipliers[1]', mid)}
             ELSE ${sqlNum('tenureMultipliers[2]', long)} END AS termination_rate
    FROM workforce_snapshot s WHERE s.year = ${y} - 1 AND s.status = 'active')`;
}
