import assert from 'node:assert/strict';
import { composeRedactors, createRedactor, redactDeep, redactParams } from '../../src/execute/redact';
import { danfo, type Danfo } from '../danfo';

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

  describe('when given Maps and Sets', () => {
    it('returns a Map and a Set with their keys, values and members redacted', () => {
      const input = { byKey: new Map<unknown, unknown>([['s3cr3t-value', 'x s3cr3t-value'], [1, new Set(['s3cr3t-value', 2])]]) };
      const out = redactDeep(input, redact);
      assert.ok(out.byKey instanceof Map);
      assert.deepEqual([...out.byKey.entries()], [['***', 'x ***'], [1, new Set(['***', 2])]]);
      assert.ok(out.byKey.get(1) instanceof Set);
      assert.equal(input.byKey.get('s3cr3t-value'), 'x s3cr3t-value', 'the input is not changed');
    });
  });

  describe('when given Dates, BigInts and typed arrays', () => {
    it('returns them as they are', () => {
      const date = new Date(86_400_000);
      const bytes = new Uint8Array([1, 2, 3]);
      const out = redactDeep({ date, big: 2n ** 70n, bytes }, redact);
      assert.equal(out.date, date);
      assert.equal(out.big, 1180591620717411303424n);
      assert.equal(out.bytes, bytes);
    });
  });

  describe('when given a danfojs DataFrame', () => {
    // danfojs takes about a second to load: once for this block.
    let dfd: Danfo;
    before(function () {
      this.timeout(30_000);
      dfd = danfo();
    });

    it('rebuilds it with secrets redacted from column names, index labels and string cells, keeping dtypes and other cells', () => {
      const frame = new dfd.DataFrame(
        [
          ['x s3cr3t-value', 1.5],
          ['plain', 2.5],
        ],
        { columns: ['name', 's3cr3t-value'], index: ['s3cr3t-value', 'b'], dtypes: ['string', 'float32'] },
      );
      const out = redactDeep({ frame }, redact).frame;
      assert.ok(out instanceof dfd.DataFrame);
      assert.deepEqual(out.columns, ['name', '***']);
      assert.deepEqual(out.index, ['***', 'b']);
      assert.deepEqual(out.dtypes, ['string', 'float32']);
      assert.deepEqual(out.values, [
        ['x ***', 1.5],
        ['plain', 2.5],
      ]);
      assert.deepEqual(frame.values[0], ['x s3cr3t-value', 1.5], 'the input is not changed');
    });

    it('returns the frame itself when it holds no secret', () => {
      const frame = new dfd.DataFrame({ name: ['a', 'b'], n: [1, 2] });
      assert.equal(redactDeep(frame, redact), frame);
    });

    it('rebuilds a Series with its name and string values redacted', () => {
      const series = new dfd.Series(['s3cr3t-value', 'ok'], { columns: ['s3cr3t-value'], index: ['a', 'b'] });
      const out = redactDeep(series, redact);
      assert.ok(out instanceof dfd.Series);
      assert.deepEqual(out.values, ['***', 'ok']);
      assert.deepEqual(out.columns, ['***']);
      assert.deepEqual(out.index, ['a', 'b']);
      assert.equal(out.dtype, 'string');
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

    it('keeps a cycle through a Map', () => {
      const input = new Map<string, unknown>([['s', 's3cr3t-value']]);
      input.set('self', input);
      const out = redactDeep(input, redact);
      assert.equal(out.get('s'), '***');
      assert.equal(out.get('self'), out);
    });
  });
});

describe('redactParams', () => {
  it('replaces the values of secret params only', () => {
    assert.deepEqual(redactParams({ apiKey: 'k-1234', batch: 100 }, ['apiKey']), { apiKey: '***', batch: 100 });
  });
});
