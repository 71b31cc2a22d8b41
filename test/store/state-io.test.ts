import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DagbookError, hasErrorCode } from '../../src/errors';
import { errnoCode, readStateText, stateIo } from '../../src/store/state-io';
import { tempDir } from './fixtures';

describe('stateIo', () => {
  describe('when the fs call fails with a system error', () => {
    it('throws STATE_IO naming the operation, the path and the errno, with the original as cause', () => {
      const file = '/nonexistent-dagbook-folder/db.json';
      assert.throws(
        () => stateIo('read', file, () => fs.readFileSync(file)),
        (e: unknown) =>
          hasErrorCode(e, 'STATE_IO') &&
          e.message.startsWith(`Cannot read ${file}: ENOENT (ENOENT: no such file or directory`) &&
          e.data.path === file &&
          e.data.operation === 'read' &&
          e.data.errno === 'ENOENT' &&
          errnoCode(e.cause) === 'ENOENT',
      );
    });
  });

  describe('when the call throws something else', () => {
    it('lets a dagbook error and a plain error through unchanged', () => {
      const coded = new DagbookError('STATE_CORRUPT', 'bad');
      const plain = new Error('plain');
      assert.throws(() => stateIo('read', 'x', () => { throw coded; }), (e: unknown) => e === coded);
      assert.throws(() => stateIo('read', 'x', () => { throw plain; }), (e: unknown) => e === plain);
    });
  });

  describe('when it succeeds', () => {
    it('returns the call`s value', () => {
      assert.equal(stateIo('inspect', '.', () => 42), 42);
    });
  });
});

describe('readStateText', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when the file exists', () => {
    it('is its text', () => {
      fs.writeFileSync(path.join(dir, 'db.json'), '{"a":1}');
      assert.equal(readStateText(path.join(dir, 'db.json')), '{"a":1}');
    });
  });

  describe('when it does not', () => {
    it('is undefined', () => {
      assert.equal(readStateText(path.join(dir, 'db.json')), undefined);
    });
  });

  describe('when it cannot be read', () => {
    it('throws STATE_IO naming the path', () => {
      assert.throws(() => readStateText(dir), (e: unknown) => hasErrorCode(e, 'STATE_IO') && e.data.path === dir && e.data.errno === 'EISDIR');
    });
  });
});
