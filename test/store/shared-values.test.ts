import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sha256 } from '../../src/canonical-json';
import { isDagbookError } from '../../src/errors';
import { encodeOutput } from '../../src/output-codec';
import { readShared, SHARED_VALUE_MIN_LENGTH, shareStored } from '../../src/store/shared-values';

describe('shareStored', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-shared-'));
  });
  afterEach(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  describe('when the value is at least 64 KiB and the state folder is here', () => {
    it('writes it under artifacts/<sha256> and returns the hash, which readShared reads back', () => {
      const stored = encodeOutput({ text: 'a'.repeat(SHARED_VALUE_MIN_LENGTH) });
      const hash = shareStored(stateDir, stored);
      assert.equal(hash, sha256(stored));
      assert.equal(fs.readFileSync(path.join(stateDir, 'artifacts', hash!), 'utf8'), stored);
      assert.deepEqual(readShared(stateDir, hash!, 'the inputs of stage `x`'), { text: 'a'.repeat(SHARED_VALUE_MIN_LENGTH) });
    });
  });

  describe('when the value is smaller', () => {
    it('returns undefined and writes nothing', () => {
      assert.equal(shareStored(stateDir, encodeOutput({ text: 'small' })), undefined);
      assert.equal(fs.existsSync(path.join(stateDir, 'artifacts')), false);
    });
  });

  describe('when the state folder is not on this machine', () => {
    it('returns undefined: the value travels in the job', () => {
      assert.equal(shareStored(path.join(stateDir, 'elsewhere'), 'x'.repeat(SHARED_VALUE_MIN_LENGTH)), undefined);
    });
  });
});

describe('readShared', () => {
  describe('when the file is not there (the state folder is not shared at the same path)', () => {
    it('throws OUTPUT_MISSING naming what, the hash and the folder', () => {
      const stateDir = path.join(os.tmpdir(), 'dagbook-shared-absent');
      const hash = 'a'.repeat(64);
      assert.throws(
        () => readShared(stateDir, hash, 'the output of stage `big` from its queue worker'),
        (error: unknown) =>
          isDagbookError(error) &&
          error.code === 'OUTPUT_MISSING' &&
          error.message.startsWith(
            `The output of stage \`big\` from its queue worker came through the shared store as ${hash}, which cannot be read here from ${path.join(stateDir, 'artifacts')} (is the state folder shared at the same path on every machine?): `,
          ),
      );
    });
  });

  describe('when the run keeps no state folder', () => {
    it('throws OUTPUT_MISSING saying so', () => {
      assert.throws(() => readShared(undefined, 'b'.repeat(64), 'the inputs of stage `x`'), {
        code: 'OUTPUT_MISSING',
        message: `The inputs of stage \`x\` came through the shared store as ${'b'.repeat(64)}, but the run keeps no state folder`,
      });
    });
  });
});
