import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileStamp, FileStats, MISSING_STAMP } from '../../../src/plan/code-identity/file-state';

describe('FileStats', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-file-stats-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe('when a file changes after a run first looked at it', () => {
    it('gives that run the stamp it first saw, and a new run the new one', () => {
      const file = path.join(dir, 'stage.ts');
      fs.writeFileSync(file, 'export const a = 1;\n');
      fs.utimesSync(file, 1_000, 1_000);
      const run = new FileStats();
      assert.equal(fileStamp(file, run), '1000000:20');
      fs.writeFileSync(file, 'export const a = 12;\n');
      fs.utimesSync(file, 2_000, 2_000);
      assert.equal(fileStamp(file, run), '1000000:20');
      assert.equal(fileStamp(file, new FileStats()), '2000000:21');
      assert.equal(fileStamp(file), '2000000:21');
    });
  });

  describe('when a file does not exist', () => {
    it('stamps it missing, and keeps that for the run', () => {
      const file = path.join(dir, 'later.ts');
      const run = new FileStats();
      assert.equal(fileStamp(file, run), MISSING_STAMP);
      fs.writeFileSync(file, 'x');
      assert.equal(fileStamp(file, run), MISSING_STAMP);
      assert.notEqual(fileStamp(file), MISSING_STAMP);
    });
  });
});
