import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hasErrorCode } from '../../../src/errors';
import { commitDocsChanges, createDocsRepo, DOCS_CHANGES, IDF_TAG } from '../../../pipelines/docs-etl/docs-repo';
import { listDocuments } from '../../../pipelines/docs-etl/git-source';
import { gitIn } from './fixtures';

describe('docs-repo', () => {
  const folders: string[] = [];
  const temp = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dagbook-docs-repo-'));
    folders.push(dir);
    return path.join(dir, 'repo');
  };
  after(() => folders.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  describe('createDocsRepo', () => {
    describe('when made twice in two folders', () => {
      it('commits the 246 mathjs pages under docs/, tagged, with the same commit both times', async () => {
        const a = createDocsRepo(temp());
        const b = createDocsRepo(temp());
        assert.equal(a.pages.length, 246);
        assert.deepEqual(a.pages.slice(0, 3), ['docs/command_line_interface.md', 'docs/core/chaining.md', 'docs/core/configuration.md']);
        assert.equal(b.commit, a.commit);
        assert.equal(gitIn(a.dir, ['rev-parse', `${IDF_TAG}^{commit}`]).trim(), a.commit);
        assert.deepEqual((await listDocuments({ repoDir: a.dir, ref: 'main', folder: 'docs' })).map((d) => d.id), a.pages);
      });
    });

    describe('when the folder holds a repository already', () => {
      it('throws SETUP_FAILED naming the folder', () => {
        const dir = createDocsRepo(temp()).dir;
        assert.throws(() => createDocsRepo(dir), (e: unknown) => hasErrorCode(e, 'SETUP_FAILED') && e.message === `${dir} already holds a git repository`);
      });
    });
  });

  describe('commitDocsChanges', () => {
    describe('when applied to a new repository', () => {
      it('edits 3 pages, adds 2 and deletes 1 in one commit', async () => {
        const repo = createDocsRepo(temp());
        const before = new Map((await listDocuments({ repoDir: repo.dir, ref: 'main', folder: 'docs' })).map((d) => [d.id, d.hash]));
        const commit = commitDocsChanges(repo.dir);
        const after = new Map((await listDocuments({ repoDir: repo.dir, ref: 'main', folder: 'docs' })).map((d) => [d.id, d.hash]));
        assert.equal(gitIn(repo.dir, ['rev-parse', 'main']).trim(), commit);
        assert.deepEqual([...after.keys()].filter((id) => before.has(id) && before.get(id) !== after.get(id)), [...DOCS_CHANGES.edited]);
        assert.deepEqual([...after.keys()].filter((id) => !before.has(id)), [...DOCS_CHANGES.added]);
        assert.deepEqual([...before.keys()].filter((id) => !after.has(id)), [...DOCS_CHANGES.deleted]);
        assert.equal(after.size, 247);
      });
    });

    describe('when applied twice', () => {
      it('throws SETUP_FAILED naming the missing page', () => {
        const repo = createDocsRepo(temp());
        commitDocsChanges(repo.dir);
        assert.throws(() => commitDocsChanges(repo.dir), (e: unknown) => hasErrorCode(e, 'SETUP_FAILED') && e.message === `Page docs/custom_bundling.md is not in ${repo.dir}: was the change committed already?`);
      });
    });
  });
});
