import assert from 'node:assert/strict';
import * as net from 'node:net';
import { hasErrorCode } from '../src/errors';
import { checkOutput, MAX_OUTPUT_DEPTH } from '../src/output-check';

/** The `data` of the OUTPUT_NOT_SERIALIZABLE error `value` is refused with (fails when it is accepted). */
function refusal(value: unknown, stageId?: string): Readonly<Record<string, unknown>> {
  try {
    checkOutput(value, { stageId });
  } catch (error) {
    assert.ok(hasErrorCode(error, 'OUTPUT_NOT_SERIALIZABLE'), String(error));
    return error.data;
  }
  assert.fail('the value was accepted');
}

/** `value` nested in `levels` arrays. */
function nested(levels: number, value: unknown = 1): unknown {
  let out = value;
  for (let i = 0; i < levels; i++) out = [out];
  return out;
}

describe('checkOutput', () => {
  describe('when JSON keeps the output exactly', () => {
    it('says `json`', () => {
      assert.equal(checkOutput({ rows: [{ id: 1, name: 'a', ok: true, score: -1.5, note: null }], total: 0 }), 'json');
      assert.equal(checkOutput('text'), 'json');
    });
  });

  describe('when JSON would lose something', () => {
    it('says `structured`: undefined, -0, NaN, Infinity, a bigint, a hole, a shared object, a null-prototype object, a Date', () => {
      const shared = { n: 1 };
      const withHole = [1, , 3]; // eslint-disable-line no-sparse-arrays
      const values: unknown[] = [
        { a: undefined },
        [-0],
        { n: Number.NaN },
        [Infinity],
        { big: 1n },
        withHole,
        [shared, shared],
        Object.create(null),
        { at: new Date(0) },
        undefined,
      ];
      assert.deepEqual(values.map((v) => checkOutput(v)), values.map(() => 'structured'));
    });
  });

  describe('when the output holds only supported values', () => {
    it('accepts it, repeated references and cycles included', () => {
      const shared = { n: 1 };
      const cyclic: Record<string, unknown> = { shared, again: shared, map: new Map<unknown, unknown>([[shared, new Set([shared])]]) };
      cyclic.self = cyclic;
      const noProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
      assert.doesNotThrow(() =>
        checkOutput({
          cyclic,
          noProto,
          leaves: [new Date(0), /x/g, 1n, new Uint8Array(1), new ArrayBuffer(2), new DataView(new ArrayBuffer(1)), Buffer.from('b'), new URL('https://example.org/'), undefined, null, -0],
        }),
      );
    });
  });

  describe('when the output holds a function', () => {
    it('names the stage and the path in JavaScript syntax', () => {
      try {
        checkOutput({ rows: [{ id: 0 }, { id: 1 }, { id: 2 }, { id: 3, callback: () => 3 }] }, { stageId: 'load' });
        assert.fail('accepted');
      } catch (error) {
        assert.ok(hasErrorCode(error, 'OUTPUT_NOT_SERIALIZABLE'));
        assert.equal(error.stageId, 'load');
        assert.equal(error.errorClass, 'logic');
        assert.deepEqual(error.data, { path: 'output.rows[3].callback', found: 'a function' });
        assert.equal(
          error.message,
          'The output of stage `load` cannot be stored: `output.rows[3].callback` is a function. Outputs may hold plain objects and arrays, ' +
            'Map, Set, Date, BigInt, RegExp, typed arrays, ArrayBuffer and danfojs DataFrames and Series; convert it to one of those before returning it.',
        );
      }
    });
  });

  describe('when the output holds what cannot be stored inside Maps, Sets and odd keys', () => {
    it('names Map values by key, Map keys and Set members by position, and quotes keys that are not identifiers', () => {
      assert.deepEqual(refusal({ byId: new Map([['a', { f: Symbol('s') }]]) }), { path: 'output.byId.get("a").f', found: 'a symbol' });
      assert.deepEqual(refusal(new Map([[2n, () => 1]])), { path: 'output.get(2n)', found: 'a function' });
      assert.deepEqual(refusal(new Map<unknown, number>([[1, 1], [() => 1, 2]])), { path: '[...output.keys()][1]', found: 'a function' });
      assert.deepEqual(refusal(new Map([[{ k: 1 }, () => 2]])), { path: '[...output.values()][0]', found: 'a function' });
      assert.deepEqual(refusal({ tags: new Set(['a', Promise.resolve(1)]) }), { path: '[...output.tags][1]', found: 'a Promise' });
      assert.deepEqual(refusal({ 'a key': [new WeakMap()] }), { path: 'output["a key"][0]', found: 'a WeakMap' });
    });
  });

  describe('when the output holds class instances', () => {
    it('refuses instances of other classes, and subclasses of supported ones', () => {
      class Point {
        constructor(readonly x: number) {}
        norm(): number {
          return Math.abs(this.x);
        }
      }
      class Registry extends Map<string, number> {}
      const socket = new net.Socket();
      try {
        assert.deepEqual(refusal({ p: new Point(1) }), { path: 'output.p', found: 'a Point' });
        assert.deepEqual(refusal({ r: new Registry() }), { path: 'output.r', found: 'a Registry' });
        assert.deepEqual(refusal({ conn: socket }), { path: 'output.conn', found: 'a Socket' });
        assert.deepEqual(refusal({ e: new Error('x') }), { path: 'output.e', found: 'an Error' });
        assert.deepEqual(refusal({ o: Object.create({ inherited: 1 }) }), { path: 'output.o', found: 'an object with a prototype of its own' });
      } finally {
        socket.destroy();
      }
    });

    it('refuses objects with symbol keys', () => {
      assert.deepEqual(refusal({ o: { [Symbol('k')]: 1 } }), { path: 'output.o', found: 'an object with symbol keys' });
    });
  });

  describe('when the output is nested deeper than the limit', () => {
    it(`accepts ${MAX_OUTPUT_DEPTH} levels and refuses one more with the limit in data`, () => {
      assert.equal(MAX_OUTPUT_DEPTH, 1000);
      assert.doesNotThrow(() => checkOutput(nested(MAX_OUTPUT_DEPTH + 1)));
      const data = refusal(nested(MAX_OUTPUT_DEPTH + 2));
      assert.equal(data.path, `output${'[0]'.repeat(MAX_OUTPUT_DEPTH + 1)}`);
      assert.equal(data.found, `nested deeper than ${MAX_OUTPUT_DEPTH} levels`);
      assert.equal(data.limit, MAX_OUTPUT_DEPTH);
    });

    it('refuses a value far deeper without overflowing the stack', () => {
      const data = refusal(nested(100_000));
      assert.equal(data.limit, MAX_OUTPUT_DEPTH);
    });
  });
});
