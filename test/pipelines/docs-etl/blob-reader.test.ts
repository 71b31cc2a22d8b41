import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../../src/errors';
import { readBlobShared } from '../../../pipelines/docs-etl/blob-reader';
import { listDocuments } from '../../../pipelines/docs-etl/git-source';
import { PAGES, tempRepo } from './fixtures';

describe('readBlobShared', () => {
  let repo: string;
  before(() => {
    repo = tempRepo();
  });
  after(() => fs.rmSync(repo, { recursive: true, force: true }));

  describe('when many blobs are asked for at once', () => {
    it('answers each with its own text, in any order of arrival', async () => {
      const docs = await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs' });
      const texts = await Promise.all([...docs, ...docs].reverse().map((d) => readBlobShared(repo, d.hash)));
      assert.deepEqual(texts, [...docs, ...docs].reverse().map((d) => PAGES[d.id]));
    });
  });

  describe('when a blob is not in the repository', () => {
    it('rejects it with STAGE_FAILED naming the hash, and still answers the next', async () => {
      const missing = 'f'.repeat(40);
      await assert.rejects(readBlobShared(repo, missing), (e: unknown) => hasErrorCode(e, 'STAGE_FAILED') && e.message === `Blob ${missing} is not in the repository at ${repo} (git cat-file: ${missing} missing)`);
      const [first] = await listDocuments({ repoDir: repo, ref: 'main', folder: 'docs' });
      assert.equal(await readBlobShared(repo, first!.hash), PAGES[first!.id]);
    });
  });
});
