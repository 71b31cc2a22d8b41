import assert from 'node:assert/strict';
import { generateCensus } from '../../../pipelines/workforce/census';
import { queryRows } from '../../../pipelines/workforce/database';
import { workforceParameters } from '../../../pipelines/workforce/parameters';
import { generateTerminations } from '../../../pipelines/workforce/terminations';
import { generateWorkforceNeeds } from '../../../pipelines/workforce/workforce-needs';
import { tempWorkforceDb } from './fixtures';

describe('terminations', () => {
  describe('when the default census loses its planned leavers in 2025', () => {
    it('draws exactly the planned number, more at low levels and short tenure', async () => {
      const db = await tempWorkforceDb();
      try {
        const p = workforceParameters();
        await generateCensus(db.connection, p);
        const needs = await generateWorkforceNeeds(db.connection, 2025, p);
        await generateTerminations(db.connection, 2025, p);
        const leaversBy = (key: string) => queryRows(db.connection, `SELECT ${key} AS k, count(*) AS n, count(e.employee_id) AS leavers
          FROM census c LEFT JOIN workforce_events e ON e.employee_id = c.employee_id AND e.event_type = 'termination'
          GROUP BY ALL ORDER BY ALL`);
        const byLevel = await leaversBy('c.level');
        const tenure = `CASE WHEN date_diff('day', c.hire_date, DATE '2025-01-01') < 730 THEN 'a: under 2'
          WHEN date_diff('day', c.hire_date, DATE '2025-01-01') <= 1826 THEN 'b: 2 to 5' ELSE 'c: over 5' END`;
        const byTenure = await leaversBy(tenure);
        assert.equal(needs.experiencedTerminations, 1318);
        // Rates 16/12/9/7/5% by level times 1.5/1.0/0.7 by tenure; the draw keeps the order at the ends.
        assert.deepEqual(byLevel.map((r) => [r.k, r.n, r.leavers]), [[1, '4095', '709'], [2, '2934', '365'], [3, '1652', '139'], [4, '882', '79'], [5, '437', '26']]);
        assert.deepEqual(byTenure.map((r) => [r.k, r.n, r.leavers]), [['a: under 2', '3313', '601'], ['b: 2 to 5', '3210', '411'], ['c: over 5', '3477', '306']]);
        const [dates] = await queryRows(db.connection, `SELECT min(event_date) AS first, max(event_date) AS last FROM workforce_events WHERE event_type = 'termination'`);
        assert.deepEqual(dates, { first: '2025-01-01', last: '2025-12-31' });
      } finally {
        db.dispose();
      }
    });
  });
});
