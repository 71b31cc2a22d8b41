import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlList } from './sql-literal';

/**
 * Hires: the year's planned number, mostly at the lower levels
 * (50/30/13/5/2%), paid in the lower 60% of the level's band, aged 22..52,
 * hired on a day of the year. Ids are `year × 1,000,000 + n`, so they never
 * meet the census ids (below 1,000,000) or another year's.
 */

/** Writes the year's `hire` events (replacing them); needs `workforce_needs` for the year. */
export async function generateHires(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<void> {
  const y = sqlInt('year', year);
  const seed = sqlInt('seed', p.seed);
  const u = (purpose: string) => `wf_u(${seed}, i, ${y}, '${purpose}')`;
  const min = sqlList('salaryMin', p.salaryMin);
  const max = sqlList('salaryMax', p.salaryMax);
  await db.run(`DELETE FROM workforce_events WHERE year = ${y} AND event_type = 'hire';
    INSERT INTO workforce_events
    WITH draws AS (
      SELECT range AS i, ${u('hire-level')} AS ul, ${u('hire-salary')} AS us, ${u('hire-age')} AS ua, ${u('hire-date')} AS ud
      FROM range((SELECT hires FROM workforce_needs WHERE year = ${y}))),
    leveled AS (
      SELECT *, CASE WHEN ul < 0.50 THEN 1 WHEN ul < 0.80 THEN 2 WHEN ul < 0.93 THEN 3 WHEN ul < 0.98 THEN 4 ELSE 5 END AS level FROM draws)
    SELECT ${y}, ${y}::BIGINT * 1000000 + i + 1, 'hire', make_date(${y}, 1, 1) + floor(ud * 365)::INTEGER, level,
      round(${min}[level] + us * 0.6 * (${max}[level] - ${min}[level]), 2), NULL,
      make_date(${y}, 1, 1) - (22 + floor(ua * 30)::INTEGER) * 365, NULL
    FROM leveled`);
}
