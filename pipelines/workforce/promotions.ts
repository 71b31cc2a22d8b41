import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlList, sqlNum } from './sql-literal';
import { activeAtStartSql } from './start-of-year';

/**
 * Promotions on 1 April: employees of the start workforce with at least a
 * year of tenure who do not leave this year, at their level's rate, one
 * level up with the promotion raise on their start salary. Reads the year's
 * terminations (so an employee who leaves gets no later event).
 */

/** Writes the year's `promotion` events (replacing them); needs the year's terminations. */
export async function generatePromotions(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<void> {
  const y = sqlInt('year', year);
  const seed = sqlInt('seed', p.seed);
  await db.run(`DELETE FROM workforce_events WHERE year = ${y} AND event_type = 'promotion';
    INSERT INTO workforce_events
    SELECT ${y}, employee_id, 'promotion', make_date(${y}, 4, 1), level + 1,
      round(salary * (1 + ${sqlNum('promotionRaise', p.promotionRaise)}), 2), salary, NULL, NULL
    FROM ${activeAtStartSql(year)} s
    WHERE level < 5 AND tenure >= 1
      AND wf_u(${seed}, employee_id, ${y}, 'promotion') < ${sqlList('promotionRates', p.promotionRates)}[level]
      AND employee_id NOT IN (SELECT employee_id FROM workforce_events WHERE year = ${y} AND event_type = 'termination')`);
}
