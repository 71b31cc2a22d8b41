import assert from 'node:assert/strict';
import { composeRedactors, createRedactor, redactDeep, redactParams } from '../../src/execute/redact';

describe('createRedactor', () => {
  describe('when given secrets', () => {
    it('replaces every occurrence of each secret with ***', () => {
      const redact = createRedactor(['hunter22', 'tok-abc']);
      assert.equal(redact('user hunter22 used tok-abc and hunter22'), 'user *** used *** and ***');
    });

    it('hides a secret that contains another one whole', () => {
      const redact = createRedactor(['abcd', 'abcdefgh']);
      assert.equal(redact('key=abcdefgh'), 'key=***');
    });
  });

  describe('when a secret is shorter than 4 characters', () => {
    it('leaves it alone so ordinary text is not mangled', () => {
      assert.equal(createRedactor(['abc', ''])('abc is fine'), 'abc is fine');
    });
  });
});

describe('composeRedactors', () => {
  it('applies each redactor in turn', () => {
    const redact = composeRedactors(createRedactor(['first-secret']), createRedactor(['second-secret']));
    assert.equal(redact('first-secret second-secret'), '*** ***');
  });
});

describe('redactDeep', () => {
  const redact = createRedactor(['s3cr3t-value']);

  describe('when given nested data', () => {
    it('redacts strings in arrays, objects and keys, leaving other values', () => {
      const input = { a: 's3cr3t-value', b: [1, 'x s3cr3t-value', { c: true }], 's3cr3t-value': null, n: 5 };
      assert.deepEqual(redactDeep(input, redact), { a: '***', b: [1, 'x ***', { c: true }], '***': null, n: 5 });
      assert.equal(input.a, 's3cr3t-value', 'the input is not changed');
    });
  });

  describe('when the data has a cycle', () => {
    it('keeps the cycle instead of recursing forever', () => {
      const input: Record<string, unknown> = { s: 's3cr3t-value' };
      input.self = input;
      const out = redactDeep(input, redact);
      assert.equal(out.s, '***');
      assert.equal(out.self, out);
    });
  });
});

describe('redactParams', () => {
  it('replaces the values of secret params only', () => {
    assert.deepEqual(redactParams({ apiKey: 'k-1234', batch: 100 }, ['apiKey']), { apiKey: '***', batch: 100 });
  });
});
