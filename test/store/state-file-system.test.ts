import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nodeFileSystem } from '../../src/store/state-file-system';
import { tempDir } from './fixtures';

const STORE = path.join(__dirname, '..', '..', 'src', 'store');

describe('StateFileSystem', () => {
  describe('when every module of src/store is read', () => {
    it('finds node:fs imported by state-file-system.ts only, so all the store file I/O goes through the injected file system', () => {
      const importers = fs
        .readdirSync(STORE)
        .filter((name) => /\bfrom '(node:)?fs'|require\('(node:)?fs'\)/.test(fs.readFileSync(path.join(STORE, name), 'utf8')))
        .sort();
      assert.deepEqual(importers, ['state-file-system.ts']);
    });
  });

  describe('nodeFileSystem', () => {
    describe('when a file is written, synced, renamed and read back', () => {
      it('does what node:fs does', () => {
        const dir = tempDir();
        try {
          nodeFileSystem.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
          const fd = nodeFileSystem.openSync(path.join(dir, 'a', 'b', 'f.tmp'), 'a+');
          assert.equal(nodeFileSystem.writeSync(fd, 'one\n'), 4);
          nodeFileSystem.writeSync(fd, Buffer.from('two\n'));
          nodeFileSystem.fdatasyncSync(fd);
          assert.equal(nodeFileSystem.fstatSync(fd).size, 8);
          const head = Buffer.alloc(3);
          assert.equal(nodeFileSystem.readSync(fd, head, 0, 3, 4), 3);
          assert.equal(head.toString(), 'two');
          nodeFileSystem.ftruncateSync(fd, 4);
          nodeFileSystem.closeSync(fd);
          nodeFileSystem.renameSync(path.join(dir, 'a', 'b', 'f.tmp'), path.join(dir, 'a', 'f'));
          assert.equal(nodeFileSystem.readFileSync(path.join(dir, 'a', 'f'), 'utf8'), 'one\n');
          assert.deepEqual(nodeFileSystem.readdirSync(path.join(dir, 'a')).sort(), ['b', 'f']);
          assert.equal(nodeFileSystem.statSync(path.join(dir, 'a')).isDirectory(), true);
          nodeFileSystem.rmdirSync(path.join(dir, 'a', 'b'));
          nodeFileSystem.rmSync(path.join(dir, 'a', 'f'));
          assert.deepEqual(nodeFileSystem.readdirSync(path.join(dir, 'a')), []);
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  });
});
