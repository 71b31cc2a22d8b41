import assert from 'node:assert/strict';
import fc from 'fast-check';
import { plainJsonText } from '../src/plain-json';

/** JSON text with every object's keys sorted, written out by hand (an object literal would put integer-like keys first). */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function hasNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  if (value === null || typeof value !== 'object') return false;
  return Object.values(value).some(hasNegativeZero);
}

describe('plainJsonText', () => {
  describe('when the value is plain JSON data', () => {
    it('writes it with the keys sorted at every level', () => {
      assert.equal(plainJsonText({ b: 1.5, a: { d: [3, { z: 'é"\n', y: null }], c: true } }), '{"a":{"c":true,"d":[3,{"y":null,"z":"é\\"\\n"}]},"b":1.5}');
      assert.equal(plainJsonText([]), '[]');
      assert.equal(plainJsonText({}), '{}');
      assert.equal(plainJsonText('x'), '"x"');
      assert.equal(plainJsonText(1e21), '1e+21');
      // Escaped exactly as JSON.stringify escapes: quotes, backslashes, controls, lone surrogates; pairs and U+2028 kept.
      const odd = ['q"b\\s', '\u0001\t', '\ud800', 'x\udc00', '\ud83d\ude00', '\u2028'];
      assert.equal(plainJsonText({ [odd[0]]: odd }), `{${JSON.stringify(odd[0])}:${JSON.stringify(odd)}}`);
    });

    it('gives the sorted-key JSON text of any JSON value without -0, and undefined for one with', () => {
      fc.assert(
        fc.property(fc.jsonValue(), (value) => {
          // -0 is the one JSON value that is not plain data (it is stored as itself, in the structured form).
          assert.equal(plainJsonText(value), hasNegativeZero(value) ? undefined : sortedJson(value));
        }),
        { numRuns: 300, seed: 14 },
      );
    });
  });

  describe('when the value is not plain JSON data', () => {
    it('gives undefined, for the full check to decide', () => {
      const shared = { a: 1 };
      const sparse = [1, , 3];
      const cases: unknown[] = [
        undefined,
        -0,
        NaN,
        Infinity,
        10n,
        () => 1,
        { a: undefined },
        { a: [1, { b: -0 }] },
        [shared, shared],
        sparse,
        new Map([[1, 2]]),
        new Date(0),
        Object.create(null),
        { [Symbol('s')]: 1 },
        JSON.parse('{"__proto__":1}'),
        { toJSON: () => 'x' },
      ];
      assert.deepEqual(cases.map((c) => plainJsonText(c)), cases.map(() => undefined));
    });

    it('gives undefined for a value nested 1,000 levels deep', () => {
      let deep: unknown = 1;
      for (let i = 0; i < 1000; i++) deep = [deep];
      assert.equal(plainJsonText(deep), undefined);
    });
  });
});
