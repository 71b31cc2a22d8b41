import type { DuckDBConnection } from '@duckdb/node-api';
import type { WorkforceParameters } from './parameters';
import { sqlInt, sqlList } from './sql-literal';

/**
 * The baseline census, generated in SQL from the seed: level (40/30/17/9/4%),
 * salary within the level's band, age 22..65 growing with level (born in the year that gives that age on the census date), tenure from an
 * exponential draw (mean 5 years, never before age 21), plan enrollment more
 * likely at higher levels and a deferral rate of 3..10% for the enrolled.
 * The census is also written as the snapshot of the year before `startYear`,
 * the state the first simulated year starts from.
 */

/** Writes `census` and the baseline snapshot (year `startYear - 1`); replaces both. Returns the headcount. */
export async function generateCensus(db: DuckDBConnection, p: WorkforceParameters): Promise<number> {
  const seed = sqlInt('seed', p.seed);
  const baseYear = sqlInt('startYear', p.startYear) + ' - 1';
  const u = (purpose: string) => `wf_u(${seed}, i, 0, '${purpose}')`;
  await db.run(`
    DELETE FROM census;
    INSERT INTO census
    WITH draws AS (
      SELECT range AS i, ${u('level')} AS ul, ${u('salary')} AS us, ${u('age')} AS ua, ${u('tenure')} AS ut,
             ${u('enroll')} AS ue, ${u('deferral')} AS ud, make_date(${baseYear}, 12, 31) AS as_of
      FROM range(${sqlInt('censusSize', p.censusSize)})),
    leveled AS (
      SELECT *, CASE WHEN ul < 0.40 THEN 1 WHEN ul < 0.70 THEN 2 WHEN ul < 0.87 THEN 3 WHEN ul < 0.96 THEN 4 ELSE 5 END AS level
      FROM draws),
    aged AS (
      SELECT *, least(22 + 3 * (level - 1) + floor(ua * 38)::INTEGER, 65) AS age FROM leveled)
    SELECT i + 1, level,
      round(${sqlList('salaryMin', p.salaryMin)}[level] + us * (${sqlList('salaryMax', p.salaryMax)}[level] - ${sqlList('salaryMin', p.salaryMin)}[level]), 2),
      as_of - round(least(-ln(1 - ut) * 5, age - 21) * 365.25)::INTEGER,
      make_date(${baseYear} - age, 1, 1) + floor(ua * 1000)::INTEGER % 365,
      ue < 0.45 + 0.08 * level,
      CASE WHEN ue < 0.45 + 0.08 * level THEN round(0.03 + floor(ud * 8) * 0.01, 2) ELSE 0 END
    FROM aged;
    DELETE FROM workforce_snapshot WHERE year = ${baseYear};
    INSERT INTO workforce_snapshot
    SELECT ${baseYear}, employee_id, level, salary, hire_date, birth_date, 'active', NULL, enrolled, deferral_rate FROM census;
  `);
  return p.censusSize;
}
