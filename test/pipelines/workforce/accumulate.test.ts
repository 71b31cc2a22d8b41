import assert from 'node:assert/strict';
import { accumulateState } from '../../../pipelines/workforce/accumulate';
import { queryRows } from '../../../pipelines/workforce/database';
import { tempWorkforceDb } from './fixtures';

describe('accumulate', () => {
  describe('when a year has a promotion, a merit raise, a leaver, a hire and an enrollment', () => {
    it('writes the year-end snapshot with every event applied', async () => {
      const db = await tempWorkforceDb();
      try {
        await db.connection.run(`
          INSERT INTO workforce_snapshot VALUES
            (2024, 1, 1, 50000, DATE '2020-03-01', DATE '1990-01-01', 'active', NULL, false, 0),
            (2024, 2, 3, 100000, DATE '2015-06-01', DATE '1980-01-01', 'active', NULL, true, 0.05),
            (2024, 3, 2, 70000, DATE '2010-01-01', DATE '1975-01-01', 'terminated', DATE '2024-05-01', false, 0);
          INSERT INTO workforce_events VALUES
            (2025, 1, 'promotion', DATE '2025-04-01', 2, 56000, 50000, NULL, NULL),
            (2025, 1, 'merit', DATE '2025-07-01', 1, 51500, 50000, NULL, NULL),
            (2025, 1, 'enrollment', DATE '2025-09-01', 1, 50000, NULL, NULL, 0.06),
            (2025, 2, 'termination', DATE '2025-02-15', 3, 100000, NULL, NULL, NULL),
            (2025, 2025000001, 'hire', DATE '2025-03-10', 1, 48000, NULL, DATE '2000-05-05', NULL)`);
        await accumulateState(db.connection, 2025);
        const rows = await queryRows(db.connection, 'SELECT * FROM workforce_snapshot WHERE year = 2025 ORDER BY employee_id');
        assert.deepEqual(rows, [
          // 50000 × 1.12 × 1.03 = 57680; enrolled at 6%.
          { year: 2025, employee_id: '1', level: 2, salary: 57680, hire_date: '2020-03-01', birth_date: '1990-01-01', status: 'active', termination_date: null, enrolled: true, deferral_rate: 0.06 },
          { year: 2025, employee_id: '2', level: 3, salary: 100000, hire_date: '2015-06-01', birth_date: '1980-01-01', status: 'terminated', termination_date: '2025-02-15', enrolled: true, deferral_rate: 0.05 },
          { year: 2025, employee_id: '2025000001', level: 1, salary: 48000, hire_date: '2025-03-10', birth_date: '2000-05-05', status: 'active', termination_date: null, enrolled: false, deferral_rate: 0 },
        ]);
      } finally {
        db.dispose();
      }
    });
  });
});
