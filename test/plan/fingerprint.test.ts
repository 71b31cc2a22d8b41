import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { fingerprintFunction } from '../../src/plan/fingerprint';

describe('fingerprintFunction', () => {
  describe('when given a function', () => {
    it('is the sha256 of its source text', () => {
      const fn = (n: number) => n + 1;
      assert.equal(fingerprintFunction(fn), createHash('sha256').update(fn.toString()).digest('hex'));
    });
  });

  describe('when two functions differ only in their source', () => {
    it('gives different fingerprints', () => {
      assert.notEqual(
        fingerprintFunction((n: number) => n + 1),
        fingerprintFunction((n: number) => n + 2),
      );
    });
  });
});
