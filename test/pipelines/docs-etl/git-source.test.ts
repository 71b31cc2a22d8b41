import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDagbookError } from '../../../src/errors';
import { listDocuments, readBlob } from '../../../pipelines/docs-etl/git-source';
import { gitIn, PAGES, tempRepo } from './fixtures';

describe('listDocuments', () => {
  let repo: string;
  before(() => { repo = tempRepo(); });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  describe('when the folder holds markdown and other files', () => {
    it('lists the markdown under the folder, sorted by path, with the blob hash git computes', async () => {
      const docs = await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs' });
      const expected = ['docs/matrices.md', 'docs/reference/random.md', 'docs/units.md'].map((id) => ({ id, hash: gitIn(repo, ['hash-object', id]).trim() }));
      assert.deepEqual(docs, expected);
      assert.match(docs[0]!.hash, /^[0-9a-f]{40}$/);
    });
  });

  describe('when a page changes on the branch', () => {
    it('changes only that page\'s hash', async () => {
      const before = await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs' });
      fs.appendFileSync(path.join(repo, 'docs/units.md'), '\nMore.\n');
      gitIn(repo, ['commit', '-q', '-am', 'edit']);
      const after = await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs' });
      assert.deepEqual(after.map((d, i) => d.hash === before[i]!.hash), [true, true, false]);
      assert.equal(await readBlob(repo, after[2]!.hash), `${PAGES['docs/units.md']}\nMore.\n`);
    });
  });

  describe('when the ref does not exist', () => {
    it('rejects with STAGE_FAILED naming the command', async () => {
      await assert.rejects(listDocuments({ repoDir: repo, ref: 'nope', folder: 'docs' }), (e: unknown) => {
        assert.ok(isDagbookError(e));
        assert.equal(e.code, 'STAGE_FAILED');
        assert.match(e.message, /^git ls-tree -r -z --full-tree nope -- docs failed in /);
        return true;
      });
    });
  });
});

describe('readBlob', () => {
  describe('when the blob exists', () => {
    it('returns its text', async () => {
      const repo = tempRepo();
      try {
        const [doc] = await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs/reference' });
        assert.equal(await readBlob(repo, doc!.hash), PAGES['docs/reference/random.md']);
      } finally {
        fs.rmSync(repo, { recursive: true, force: true });
      }
    });
  });
});
