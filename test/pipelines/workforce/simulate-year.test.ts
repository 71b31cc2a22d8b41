import assert from 'node:assert/strict';
import { generateCensus } from '../../../pipelines/workforce/census';
import { queryRows } from '../../../pipelines/workforce/database';
import { workforceParameters } from '../../../pipelines/workforce/parameters';
import { simulateYear, type YearResult } from '../../../pipelines/workforce/simulate-year';
import { failures, validateYear } from '../../../pipelines/workforce/validation';
import { tempWorkforceDb } from './fixtures';

interface Simulated extends YearResult {
  /** Active employees in the year-end snapshot. */
  readonly endHeadcount: number;
}

async function simulate(seed: number, years: readonly number[]): Promise<Simulated[]> {
  const db = await tempWorkforceDb();
  try {
    const p = workforceParameters({ seed });
    await generateCensus(db.connection, p);
    const results: Simulated[] = [];
    for (const year of years) {
      const result = await simulateYear(db.connection, year, p);
      const [{ n }] = await queryRows(db.connection, `SELECT count(*) AS n FROM workforce_snapshot WHERE year = ${year} AND status = 'active'`);
      results.push({ ...result, endHeadcount: Number(n) });
    }
    return results;
  } finally {
    db.dispose();
  }
}

describe('simulate-year', () => {
  describe('when two databases simulate 2025 and 2026 from one seed', () => {
    let first: Simulated[];
    let second: Simulated[];
    let otherSeed: Simulated[];
    before(async function () {
      this.timeout(60_000);
      first = await simulate(42, [2025, 2026]);
      second = await simulate(42, [2025, 2026]);
      otherSeed = await simulate(43, [2025]);
    });
    it('gives identical state hashes per table and per year', () => {
      assert.deepEqual(second.map((r) => r.hash), first.map((r) => r.hash));
      assert.notEqual(first[0].hash.state, first[1].hash.state);
    });
    it('gives a different hash for another seed', () => {
      assert.notEqual(otherSeed[0].hash.tables.workforce_events, first[0].hash.tables.workforce_events);
    });
    it('grows the headcount by the 3% target ± 0.5 point every year', () => {
      const growth = first.map((r) => r.endHeadcount / r.needs.startHeadcount - 1);
      assert.deepEqual(first.map((r) => [r.needs.startHeadcount, r.needs.targetHeadcount]), [[10_000, 10_300], [10_300, 10_609]]);
      for (const g of growth) assert.ok(Math.abs(g - 0.03) <= 0.005, `growth ${g}`);
    });
    it('raises no validation ERROR on the default parameters', () => {
      assert.deepEqual(first.flatMap((r) => failures(r.validation, 'ERROR')), []);
    });
  });
  describe('when an employee has an event after their termination', () => {
    it('fails event_sequence with ERROR', async () => {
      const db = await tempWorkforceDb();
      try {
        const p = workforceParameters({ censusSize: 500 });
        await generateCensus(db.connection, p);
        await simulateYear(db.connection, 2025, p);
        await db.connection.run(`INSERT INTO workforce_events
          SELECT year, employee_id, 'merit', event_date + 1, level, salary * 1.03, salary, NULL, NULL
          FROM workforce_events WHERE year = 2025 AND event_type = 'termination' AND event_date < DATE '2025-12-31' ORDER BY employee_id LIMIT 1`);
        const [{ n }] = await queryRows(db.connection, `SELECT count(*) AS n FROM workforce_events WHERE event_type = 'termination' AND year = 2025`);
        assert.ok(Number(n) > 0);
        const errors = failures(await validateYear(db.connection, 2025, p), 'ERROR');
        assert.deepEqual(errors.map((e) => [e.rule, e.message]), [['event_sequence', "1 events after the employee's termination"]]);
      } finally {
        db.dispose();
      }
    });
  });
});
