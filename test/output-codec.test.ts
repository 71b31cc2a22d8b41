import assert from 'node:assert/strict';
import { hasErrorCode } from '../src/errors';
import { MAX_OUTPUT_DEPTH } from '../src/output-check';
import { decodeOutput, encodeOutput, OUTPUT_FORMAT } from '../src/output-codec';
import { danfo } from './danfo';

describe('encodeOutput', () => {
  describe('when JSON keeps the value exactly', () => {
    it('writes its canonical JSON, keys sorted, as wave 1 did', () => {
      assert.equal(encodeOutput({ b: 1, a: [1, 'x', null, true] }), '{"a":[1,"x",null,true],"b":1}');
    });
  });

  describe('when JSON would lose something', () => {
    it('writes the format line, then devalue text with object keys sorted', () => {
      assert.equal(OUTPUT_FORMAT, 'dagbook-output devalue/1');
      assert.equal(encodeOutput({ b: 1, a: [1, undefined] }), 'dagbook-output devalue/1\n[{"a":1,"b":2},[2,-1],1]');
      assert.equal(encodeOutput({ a: [1, undefined], b: 1 }), encodeOutput({ b: 1, a: [1, undefined] }));
    });
  });

  describe('when given Maps and Sets with the same entries in another order', () => {
    it('writes different texts: their order is observable', () => {
      assert.notEqual(encodeOutput(new Set([1, 2])), encodeOutput(new Set([2, 1])));
      assert.notEqual(encodeOutput(new Map([['a', 1], ['b', 2]])), encodeOutput(new Map([['b', 2], ['a', 1]])));
    });
  });

  describe('when a value shares one object twice', () => {
    it('writes a different text than for two equal copies, and each reads back as written', () => {
      const shared = { n: 1 };
      const sharing = encodeOutput([shared, shared]);
      const copies = encodeOutput([{ n: 1 }, { n: 1 }]);
      assert.notEqual(sharing, copies);
      const [a, b] = decodeOutput(sharing) as object[];
      assert.equal(a, b);
      const [c, d] = decodeOutput(copies) as object[];
      assert.notEqual(c, d);
      assert.deepEqual(c, d);
    });
  });

  describe('when a typed array shows part of a larger buffer', () => {
    it('stores only the bytes it shows, so it equals a copy of them', () => {
      const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
      const part = whole.subarray(2, 4);
      assert.equal(encodeOutput(part), encodeOutput(new Uint8Array([3, 4])));
      const back = decodeOutput(encodeOutput(part)) as Uint8Array;
      assert.deepStrictEqual(back, new Uint8Array([3, 4]));
      assert.equal(back.buffer.byteLength, 2);
    });
  });

  describe('when given a Buffer', () => {
    it('reads it back as a Buffer', () => {
      const back = decodeOutput(encodeOutput({ b: Buffer.from('héllo') })) as { b: Buffer };
      assert.ok(Buffer.isBuffer(back.b));
      assert.equal(back.b.toString('utf8'), 'héllo');
    });
  });

  describe('when the value is nested to the depth limit in Maps and arrays', () => {
    it('writes and reads it back', () => {
      let value: unknown = 'leaf';
      for (let i = 0; i < MAX_OUTPUT_DEPTH + 1; i++) value = i % 2 === 0 ? [value] : new Map([['k', value]]);
      assert.deepStrictEqual(decodeOutput(encodeOutput(value)), value);
    });
  });

  describe('when the value cannot be stored', () => {
    it('throws OUTPUT_NOT_SERIALIZABLE naming the stage and the path', () => {
      assert.throws(
        () => encodeOutput({ handlers: new Map([['on', () => 1]]) }, { stageId: 'wire' }),
        (e: unknown) => hasErrorCode(e, 'OUTPUT_NOT_SERIALIZABLE') && e.stageId === 'wire' && e.data.path === 'output.handlers.get("on")',
      );
    });
  });
});

describe('decodeOutput', () => {
  describe('when given a wave-1 output (canonical JSON, no format line)', () => {
    it('reads it as JSON', () => {
      assert.deepEqual(decodeOutput('{"a":[1,2],"b":1}'), { a: [1, 2], b: 1 });
      assert.equal(decodeOutput('"text"'), 'text');
    });
  });

  describe('when the text is damaged', () => {
    it('throws STATE_CORRUPT naming where it was read from', () => {
      assert.throws(
        () => decodeOutput('dagbook-output devalue/1\n[{"a":', 'artifacts/abc'),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && e.message.startsWith('Cannot read artifacts/abc: '),
      );
    });
  });

  describe('when given danfojs frames', () => {
    it('rebuilds an empty DataFrame with its columns and dtypes, and a datetime column as Dates', function () {
      this.timeout(30_000); // the first load of danfojs
      const dfd = danfo();
      const empty = decodeOutput(encodeOutput(new dfd.DataFrame([], { columns: ['a', 'b'], dtypes: ['int32', 'string'] })));
      assert.ok(empty instanceof dfd.DataFrame);
      assert.deepStrictEqual([empty.columns, empty.dtypes, empty.values], [['a', 'b'], ['int32', 'string'], []]);
      const dated = decodeOutput(encodeOutput(new dfd.DataFrame({ d: [new Date(0), new Date(1000)], s: ['x', null] })));
      assert.ok(dated instanceof dfd.DataFrame);
      assert.deepStrictEqual(dated.dtypes, ['datetime', 'string']);
      assert.deepStrictEqual(dated.values, [
        [new Date(0), 'x'],
        [new Date(1000), null],
      ]);
    });
  });
});
