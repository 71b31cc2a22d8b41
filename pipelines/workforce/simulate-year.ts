import type { DuckDBConnection } from '@duckdb/node-api';
import { accumulateState } from './accumulate';
import { generateEnrollment } from './enrollment';
import { generateHires } from './hires';
import { generateMerit } from './merit';
import type { WorkforceParameters } from './parameters';
import { generatePromotions } from './promotions';
import { generateNewHireTerminations, generateTerminations } from './terminations';
import { validateYear, type ValidationResult } from './validation';
import { generateWorkforceNeeds, type WorkforceNeeds } from './workforce-needs';
import { hashYear, type YearHash } from './year-hash';

/**
 * One simulated year in the order its stages depend on each other: needs;
 * hires and terminations; new-hire terminations, promotions and merit;
 * enrollment; accumulation; validation; hash. The per-period stages of the
 * pipeline call the same functions one per stage; this runs them in a row
 * (tests, benchmarks, a notebook cell).
 */

/** What one year produced. */
export interface YearResult {
  /** The year's needs. */
  readonly needs: WorkforceNeeds;
  /** Every validation rule's result. */
  readonly validation: readonly ValidationResult[];
  /** The state hash of what the year wrote. */
  readonly hash: YearHash;
}

/** Simulates `year` from the previous year's snapshot (which must exist). */
export async function simulateYear(db: DuckDBConnection, year: number, p: WorkforceParameters): Promise<YearResult> {
  const needs = await generateWorkforceNeeds(db, year, p);
  await generateHires(db, year, p);
  await generateTerminations(db, year, p);
  await generateNewHireTerminations(db, year, p);
  await generatePromotions(db, year, p);
  await generateMerit(db, year, p);
  await generateEnrollment(db, year, p);
  await accumulateState(db, year);
  const validation = await validateYear(db, year, p);
  return { needs, validation, hash: await hashYear(db, year) };
}
