import assert from 'node:assert/strict';
import { generateCensus } from '../../../pipelines/workforce/census';
import { queryRows } from '../../../pipelines/workforce/database';
import { workforceParameters } from '../../../pipelines/workforce/parameters';
import { hashCensus } from '../../../pipelines/workforce/year-hash';
import { tempWorkforceDb } from './fixtures';

describe('census', () => {
  describe('when generated twice from one seed', () => {
    it('writes identical tables, and a different seed writes a different one', async () => {
      const dbs = await Promise.all([tempWorkforceDb(), tempWorkforceDb(), tempWorkforceDb()]);
      try {
        await generateCensus(dbs[0].connection, workforceParameters({ seed: 7 }));
        await generateCensus(dbs[1].connection, workforceParameters({ seed: 7 }));
        await generateCensus(dbs[2].connection, workforceParameters({ seed: 8 }));
        const [a, b, c] = await Promise.all(dbs.map((d) => hashCensus(d.connection)));
        assert.equal(a, b);
        assert.notEqual(a, c);
      } finally {
        for (const d of dbs) d.dispose();
      }
    });
  });
  describe('when generated with the defaults', () => {
    it('has 10,000 employees with every field within its range', async () => {
      const db = await tempWorkforceDb();
      try {
        assert.equal(await generateCensus(db.connection, workforceParameters()), 10_000);
        const [row] = await queryRows(db.connection, `SELECT count(*) AS n, min(level) AS min_level, max(level) AS max_level,
          count(*) FILTER (WHERE salary < [45000, 60000, 85000, 115000, 160000][level] OR salary > [65000, 90000, 125000, 175000, 280000][level]) AS off_band,
          count(*) FILTER (WHERE hire_date > DATE '2024-12-31' OR date_diff('year', birth_date, hire_date) < 20) AS bad_hire_dates,
          min(date_diff('year', birth_date, DATE '2024-12-31')) AS min_age, max(date_diff('year', birth_date, DATE '2024-12-31')) AS max_age,
          count(*) FILTER (WHERE enrolled AND (deferral_rate < 0.03 OR deferral_rate > 0.10)) AS bad_deferrals,
          count(*) FILTER (WHERE NOT enrolled AND deferral_rate <> 0) AS deferring_unenrolled,
          count(*) FILTER (WHERE enrolled) AS enrolled
          FROM census`);
        // 6162 enrolled: 45% + 8% per level of 10,000 drawn employees (about 62%).
        assert.deepEqual(row, {
          n: '10000', min_level: 1, max_level: 5, off_band: '0', bad_hire_dates: '0', min_age: '22', max_age: '65',
          bad_deferrals: '0', deferring_unenrolled: '0', enrolled: '6162',
        });
        const [snapshot] = await queryRows(db.connection, `SELECT count(*) AS n FROM workforce_snapshot WHERE year = 2024 AND status = 'active'`);
        assert.equal(snapshot.n, '10000');
      } finally {
        db.dispose();
      }
    });
  });
});
