import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hasErrorCode } from '../src/errors';
import { canonicalJson, sha256 } from '../src/canonical-json';

describe('canonicalJson', () => {
  describe('when objects hold the same data with keys in another order', () => {
    it('writes the same text, keys sorted at every level', () => {
      assert.equal(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }), '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
      assert.equal(canonicalJson({ a: { c: 'x', d: [3, { y: 2, z: 1 }] }, b: 1 }), canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } }));
    });
  });

  describe('when values have no JSON form', () => {
    it('follows JSON.stringify: drops undefined and functions in objects, nulls them in arrays', () => {
      const value = { a: undefined, f: () => 1, n: NaN, list: [undefined, () => 1, Infinity], d: new Date(0) };
      assert.equal(canonicalJson(value), '{"d":"1970-01-01T00:00:00.000Z","list":[null,null,null],"n":null}');
      assert.equal(canonicalJson(value), JSON.stringify({ d: value.d, list: value.list, n: value.n }));
    });

    it('writes null for a top-level undefined', () => {
      assert.equal(canonicalJson(undefined), 'null');
    });
  });

  describe('when the value has a reference cycle', () => {
    it('throws INVALID_OPTION', () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      assert.throws(() => canonicalJson(a), (e: unknown) => hasErrorCode(e, 'INVALID_OPTION'));
    });
  });

  describe('when the value is nested deeper than the limit', () => {
    const nested = (levels: number): unknown => {
      let value: unknown = 0;
      for (let i = 0; i < levels; i++) value = [value];
      return value;
    };

    it('writes 1,000 levels and refuses 1,001 and 100,000 with INVALID_OPTION, not a RangeError', () => {
      assert.equal(canonicalJson(nested(1000)), `${'['.repeat(1000)}0${']'.repeat(1000)}`);
      for (const levels of [1001, 100_000]) {
        assert.throws(
          () => canonicalJson(nested(levels)),
          (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Cannot write a value nested more than 1000 levels deep as JSON',
        );
      }
    });

    it('refuses with INVALID_OPTION when the call stack runs out first', () => {
      const deepCall = (n: number): unknown => (n === 0 ? canonicalJson(nested(1000)) : deepCall(n - 1));
      assert.throws(
        () => deepCall(8000),
        (e: unknown) => hasErrorCode(e, 'INVALID_OPTION') && e.message === 'Cannot write the value as JSON: Maximum call stack size exceeded',
      );
    });
  });

  describe('when the same object appears twice without a cycle', () => {
    it('writes it twice', () => {
      const shared = { x: 1 };
      assert.equal(canonicalJson([shared, shared]), '[{"x":1},{"x":1}]');
    });
  });
});

describe('sha256', () => {
  it('is the hex digest of the UTF-8 text', () => {
    assert.equal(sha256('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(sha256('é'), createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
  });
});
