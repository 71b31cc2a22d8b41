import assert from 'node:assert/strict';
import { createRedactor } from '../../src/execute/redact';
import { runValidation } from '../../src/execute/validation';

describe('runValidation', () => {
  describe('when rules pass, fail, explain or throw', () => {
    it('reports each in order, severity error by default, details redacted', async () => {
      const results = await runValidation(
        [
          { name: 'passes', check: () => true },
          { name: 'async_fails', severity: 'warning', check: async () => false },
          { name: 'explains', check: () => 'token tok-secret-1 is expired' },
          { name: 'throws', check: () => Promise.reject(new Error('no schema')) },
        ],
        { rows: 1 },
        createRedactor(['tok-secret-1']),
      );
      assert.deepEqual(results, [
        { rule: 'passes', severity: 'error', passed: true },
        { rule: 'async_fails', severity: 'warning', passed: false },
        { rule: 'explains', severity: 'error', passed: false, detail: 'token *** is expired' },
        { rule: 'throws', severity: 'error', passed: false, detail: 'check threw: no schema' },
      ]);
    });
  });

  describe('when a check reads the output', () => {
    it('gets the output itself', async () => {
      const seen: unknown[] = [];
      await runValidation([{ name: 'r', check: (o) => (seen.push(o), true) }], { rows: 7 }, (t) => t);
      assert.deepEqual(seen, [{ rows: 7 }]);
    });
  });

  describe('when there are no rules', () => {
    it('returns no results', async () => {
      assert.deepEqual(await runValidation([], 1, (t) => t), []);
    });
  });
});
