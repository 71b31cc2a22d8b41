import assert from 'node:assert/strict';
import { idempotencyKey } from '../../src/execute/idempotency';

describe('idempotencyKey', () => {
  describe('when given a run, a stage and params', () => {
    it('is the hex sha256 of runId|stageId|canonical params (keys sorted, no whitespace)', () => {
      // sha256('run-1|ingest_data|{"batch_size":100,"sources":["trends","forums"],"z":{"a":1,"b":2}}')
      assert.equal(
        idempotencyKey('run-1', 'ingest_data', { z: { b: 2, a: 1 }, sources: ['trends', 'forums'], batch_size: 100 }),
        '00d12c84d8b62d75f0215d180a4a3a97aba0108f4168dfe2df8edf56408d5846',
      );
    });
  });

  describe('when only the key order of the params differs', () => {
    it('gives the same key', () => {
      assert.equal(idempotencyKey('r', 's', { a: 1, b: { c: 2, d: 3 } }), idempotencyKey('r', 's', { b: { d: 3, c: 2 }, a: 1 }));
    });
  });

  describe('when the run, the stage or a param differs', () => {
    it('gives a different key', () => {
      const base = idempotencyKey('r', 's', { a: 1 });
      assert.notEqual(idempotencyKey('r2', 's', { a: 1 }), base);
      assert.notEqual(idempotencyKey('r', 's2', { a: 1 }), base);
      assert.notEqual(idempotencyKey('r', 's', { a: 2 }), base);
    });
  });
});
