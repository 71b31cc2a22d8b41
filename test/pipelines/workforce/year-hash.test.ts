import assert from 'node:assert/strict';
import { sha256 } from '../../../src/canonical-json';
import { generateCensus } from '../../../pipelines/workforce/census';
import { workforceParameters } from '../../../pipelines/workforce/parameters';
import { simulateYear } from '../../../pipelines/workforce/simulate-year';
import { hashYear } from '../../../pipelines/workforce/year-hash';
import { tempWorkforceDb } from './fixtures';

describe('year-hash', () => {
  describe('when a year is simulated again on the same database', () => {
    it('replaces its rows with identical ones and keeps the hash', async () => {
      const db = await tempWorkforceDb();
      try {
        const p = workforceParameters({ censusSize: 2000 });
        await generateCensus(db.connection, p);
        const first = await simulateYear(db.connection, 2025, p);
        const again = await simulateYear(db.connection, 2025, p);
        assert.deepEqual(again.hash, first.hash);
      } finally {
        db.dispose();
      }
    });
  });
  describe('when one event of the year changes', () => {
    it('changes the events hash and the state hash, not the other tables', async () => {
      const db = await tempWorkforceDb();
      try {
        const p = workforceParameters({ censusSize: 2000 });
        await generateCensus(db.connection, p);
        const before = (await simulateYear(db.connection, 2025, p)).hash;
        await db.connection.run(`UPDATE workforce_events SET salary = salary + 0.01
          WHERE year = 2025 AND event_type = 'merit' AND employee_id = (SELECT min(employee_id) FROM workforce_events WHERE year = 2025 AND event_type = 'merit')`);
        const after = await hashYear(db.connection, 2025);
        assert.notEqual(after.tables.workforce_events, before.tables.workforce_events);
        assert.equal(after.tables.workforce_snapshot, before.tables.workforce_snapshot);
        assert.equal(after.tables.workforce_needs, before.tables.workforce_needs);
        assert.notEqual(after.state, before.state);
      } finally {
        db.dispose();
      }
    });
  });
  describe('when a year wrote nothing', () => {
    it('hashes each table as no rows (`0:0`)', async () => {
      const db = await tempWorkforceDb();
      try {
        const empty = sha256('0:0');
        assert.deepEqual((await hashYear(db.connection, 2030)).tables, { workforce_needs: empty, workforce_events: empty, workforce_snapshot: empty });
      } finally {
        db.dispose();
      }
    });
  });
});
