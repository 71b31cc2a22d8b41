import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sha256 } from '../../src/canonical-json';
import { hasErrorCode } from '../../src/errors';
import { ArtifactStore } from '../../src/store/artifact-store';
import { tempDir } from './fixtures';

const HASH_OF_A_B = '94a786c3662bc7beeb598efa7d8cb58d7bea25d6c275ea9785a0230ff1f8c2ba'; // sha256('{"a":[1,2],"b":1}')
const STRUCTURED_TEXT = 'dagbook-output devalue/1\n[{"a":1,"b":2},["BigInt","1"],["Set",3],1]';

describe('ArtifactStore', () => {
  let dir: string;
  let store: ArtifactStore;
  beforeEach(() => {
    dir = tempDir();
    store = new ArtifactStore(path.join(dir, 'artifacts'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when a value is put', () => {
    it('writes its canonical JSON under its sha256 and reads it back', () => {
      assert.equal(store.put({ b: 1, a: [1, 2] }), HASH_OF_A_B);
      assert.equal(fs.readFileSync(path.join(dir, 'artifacts', HASH_OF_A_B), 'utf8'), '{"a":[1,2],"b":1}');
      assert.deepEqual(store.get(HASH_OF_A_B), { a: [1, 2], b: 1 });
      assert.equal(store.has(HASH_OF_A_B), true);
      assert.deepEqual(store.list(), [HASH_OF_A_B]);
    });

    it('writes a value JSON cannot keep as a format line and devalue text, under the sha256 of the bytes', () => {
      const hash = store.put({ b: new Set([1]), a: 1n });
      assert.equal(hash, sha256(STRUCTURED_TEXT));
      assert.equal(fs.readFileSync(store.pathOf(hash), 'utf8'), STRUCTURED_TEXT);
      assert.deepStrictEqual(store.get(hash), { a: 1n, b: new Set([1]) });
    });

    it('leaves no temp files behind and skips an existing whole file', () => {
      store.put({ a: [1, 2], b: 1 });
      const before = fs.statSync(store.pathOf(HASH_OF_A_B));
      store.put({ b: 1, a: [1, 2] });
      const after = fs.statSync(store.pathOf(HASH_OF_A_B));
      assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs]);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'artifacts')), [HASH_OF_A_B]);
    });

    it('rewrites an existing file that is damaged', () => {
      store.put({ a: [1, 2], b: 1 });
      fs.writeFileSync(store.pathOf(HASH_OF_A_B), 'marker');
      store.put({ b: 1, a: [1, 2] });
      assert.equal(fs.readFileSync(store.pathOf(HASH_OF_A_B), 'utf8'), '{"a":[1,2],"b":1}');
      assert.equal(store.verify(HASH_OF_A_B), 'ok');
    });
  });

  describe('when outputs are verified', () => {
    it('says ok, missing or corrupt', () => {
      store.put({ a: [1, 2], b: 1 });
      assert.equal(store.verify(HASH_OF_A_B), 'ok');
      assert.equal(store.verify('e'.repeat(64)), 'missing');
      assert.equal(store.verify('../db.json'), 'missing');
      const file = store.pathOf(HASH_OF_A_B);
      const bytes = fs.readFileSync(file);
      bytes[5] ^= 0x01;
      fs.writeFileSync(file, bytes);
      assert.equal(store.verify(HASH_OF_A_B), 'corrupt');
    });

    it('reads a file again only when its size or mtime changed', () => {
      store.put({ a: [1, 2], b: 1 });
      const file = store.pathOf(HASH_OF_A_B);
      fs.utimesSync(file, 1_700_000_000, 1_700_000_000); // Whole seconds, so the same mtime can be set again exactly.
      assert.equal(store.verify(HASH_OF_A_B), 'ok');
      fs.writeFileSync(file, '{"a":[1,2],"b":2}'); // Same size, and the same mtime below: the memo stands.
      fs.utimesSync(file, 1_700_000_000, 1_700_000_000);
      assert.equal(store.verify(HASH_OF_A_B), 'ok');
      assert.equal(new ArtifactStore(path.join(dir, 'artifacts')).verify(HASH_OF_A_B), 'corrupt');
      fs.utimesSync(file, 1_700_000_000, 1_700_000_001);
      assert.equal(store.verify(HASH_OF_A_B), 'corrupt');
    });
  });

  describe('when the hash is absent', () => {
    it('throws OUTPUT_MISSING naming the hash and the path', () => {
      const hash = 'e'.repeat(64);
      assert.throws(
        () => store.get(hash),
        (e: unknown) => hasErrorCode(e, 'OUTPUT_MISSING') && e.message.includes(hash) && e.message.includes(store.pathOf(hash)),
      );
      assert.throws(() => store.get('../db.json'), (e: unknown) => hasErrorCode(e, 'OUTPUT_MISSING'));
      assert.equal(store.has('../db.json'), false);
    });
  });

  describe('when a file does not match its hash', () => {
    it('throws STATE_CORRUPT naming the path', () => {
      store.put({ a: [1, 2], b: 1 });
      fs.writeFileSync(store.pathOf(HASH_OF_A_B), '{"a":[1,2],"b":2}');
      assert.throws(
        () => store.get(HASH_OF_A_B),
        (e: unknown) => hasErrorCode(e, 'STATE_CORRUPT') && e.message.includes(store.pathOf(HASH_OF_A_B)),
      );
    });
  });

  describe('when a file names a format this version does not know', () => {
    it('throws STATE_CORRUPT naming the path and the format', () => {
      fs.mkdirSync(path.join(dir, 'artifacts'));
      const text = 'dagbook-output devalue/9\n[1]';
      const hash = sha256(text);
      fs.writeFileSync(store.pathOf(hash), text);
      assert.throws(
        () => store.get(hash),
        (e: unknown) =>
          hasErrorCode(e, 'STATE_CORRUPT') &&
          e.message === `Cannot read ${store.pathOf(hash)}: its format \`dagbook-output devalue/9\` is not \`dagbook-output devalue/1\` (written by a newer dagbook?)`,
      );
    });
  });

  describe('when a value cannot be stored', () => {
    it('throws OUTPUT_NOT_SERIALIZABLE naming the stage and the path, and writes nothing', () => {
      assert.throws(
        () => store.put({ rows: [1, 2, 3, { callback: () => 1 }] }, { stageId: 'load' }),
        (e: unknown) => hasErrorCode(e, 'OUTPUT_NOT_SERIALIZABLE') && e.stageId === 'load' && e.data.path === 'output.rows[3].callback',
      );
      assert.deepEqual(store.list(), []);
    });
  });

  describe('when an output is removed', () => {
    it('is gone, and removing it again says so', () => {
      store.put({ a: [1, 2], b: 1 });
      assert.equal(store.remove(HASH_OF_A_B), true);
      assert.equal(store.remove(HASH_OF_A_B), false);
      assert.deepEqual(store.list(), []);
    });
  });
});
